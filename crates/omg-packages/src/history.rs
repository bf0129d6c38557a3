//! Which root a system's change history ([`omg_core::history`]) lives under: the
//! root the backend changes, so a hermetic Arch root keeps its own history.

use crate::Result;
use omg_core::{BackendKind, BackendSelection};
use std::path::PathBuf;

/// The root directory the backend `selection` names changes: for Arch `--root`,
/// else pacman.conf's `RootDir`, else `/`; `/` for Debian. Reading it opens no
/// package database (pacman.conf is parsed, nothing more).
pub fn system_root(selection: &BackendSelection) -> Result<PathBuf> {
    match selection.kind {
        BackendKind::Arch => arch_root(selection),
        BackendKind::Debian => Ok(PathBuf::from("/")),
    }
}

/// `<root>/var/log/omg/history.jsonl` for the system `selection` names.
pub fn history_path(selection: &BackendSelection) -> Result<PathBuf> {
    Ok(omg_core::history::path(&system_root(selection)?))
}

#[cfg(feature = "arch")]
fn arch_root(selection: &BackendSelection) -> Result<PathBuf> {
    use crate::PackageBackend;
    let options = crate::arch::ArchOptions::of(selection);
    Ok(crate::arch::ArchBackend::new(&options)?.root())
}

#[cfg(not(feature = "arch"))]
fn arch_root(selection: &BackendSelection) -> Result<PathBuf> {
    Ok(selection
        .arch_root
        .clone()
        .unwrap_or_else(|| PathBuf::from("/")))
}
