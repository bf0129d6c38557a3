//! Opens the package backend a [`BackendSelection`] names.

use crate::{PackageBackend, Result};
use omg_core::{BackendKind, BackendSelection};

/// The backend `selection` names; fails when its feature is not built in.
pub fn open(selection: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    match selection.kind {
        BackendKind::Arch => open_arch(selection),
        BackendKind::Debian => open_debian(selection),
    }
}

#[cfg(feature = "arch")]
fn open_arch(selection: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    let options = crate::arch::ArchOptions::of(selection);
    Ok(Box::new(crate::arch::ArchBackend::new(&options)?))
}

#[cfg(not(feature = "arch"))]
fn open_arch(_: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    Err(crate::Error::NotBuilt(BackendKind::Arch))
}

/// The Debian backend `selection` names. Callers that must not link libalpm (the
/// `omg` binary) open Debian through this instead of [`open`].
#[cfg(feature = "debian")]
pub fn open_debian(selection: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    use crate::debian::{DebianBackend, DebianPaths};
    Ok(Box::new(DebianBackend::new(DebianPaths::of(selection))))
}

/// The Debian backend is not built in.
#[cfg(not(feature = "debian"))]
pub fn open_debian(_: &BackendSelection) -> Result<Box<dyn PackageBackend>> {
    Err(crate::Error::NotBuilt(BackendKind::Debian))
}
