//! Opens the package backend a [`BackendSelection`] names.

use crate::settings::BackendSelection;
use omg_core::BackendKind;
use omg_packages::{PackageBackend, Result};

pub(crate) fn open(selection: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    match selection.kind {
        BackendKind::Arch => open_arch(selection),
        BackendKind::Debian => open_debian(selection),
    }
}

#[cfg(feature = "arch")]
fn open_arch(selection: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    let options = omg_packages::arch::ArchOptions {
        config: selection.arch_config.clone(),
        root: selection.arch_root.clone(),
        dbpath: selection.arch_dbpath.clone(),
    };
    Ok(Box::new(omg_packages::arch::ArchBackend::new(&options)?))
}

#[cfg(not(feature = "arch"))]
fn open_arch(_: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    Err(omg_packages::Error::NotBuilt(BackendKind::Arch))
}

#[cfg(feature = "debian")]
fn open_debian(selection: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    use omg_packages::debian::{DebianBackend, DebianPaths};
    let defaults = DebianPaths::default();
    let paths = DebianPaths {
        lists_dir: selection
            .debian_lists_dir
            .clone()
            .unwrap_or(defaults.lists_dir),
        status_file: selection
            .debian_status_file
            .clone()
            .unwrap_or(defaults.status_file),
        extended_states: selection
            .debian_extended_states
            .clone()
            .unwrap_or(defaults.extended_states),
    };
    Ok(Box::new(DebianBackend::new(paths)))
}

#[cfg(not(feature = "debian"))]
fn open_debian(_: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    Err(omg_packages::Error::NotBuilt(BackendKind::Debian))
}
