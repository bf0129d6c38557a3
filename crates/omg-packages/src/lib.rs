//! System package backends behind one small synchronous trait, [`PackageBackend`]:
//! Arch through libalpm (feature `arch`) and Debian through its APT lists and dpkg
//! status (feature `debian`). The daemon calls these on blocking threads; the CLI's
//! direct path calls them plainly.
//!
//! Changes (install, remove, upgrade) sit behind a second trait,
//! [`SystemChanger`], apart from the read side: only the one-shot
//! `omgd --transact` process runs them.

#[cfg(feature = "arch")]
pub mod arch;
pub mod aur;
#[cfg(any(feature = "arch", feature = "debian"))]
pub mod cache_dir;
mod catalog;
mod change;
#[cfg(feature = "debian")]
pub mod debian;
mod error;
mod history;
mod open;
pub mod pacman;
pub mod snapshot;
mod status;

pub use catalog::Catalog;
pub use change::{open_changer, Asker, ChangeOptions, EventSink, PlannedChange, SystemChanger};
pub use error::{Error, Result};
pub use history::{history_path, system_root};
pub use open::{open, open_debian};
pub use status::system_status;

use omg_core::{BackendKind, InstalledPackage, PackageDetails, PackageRecord, Upgrade};
use std::path::PathBuf;

/// A system package database, read side.
pub trait PackageBackend: Send + Sync {
    /// Which family this is.
    fn kind(&self) -> BackendKind;

    /// Root directory the backend manages (`/` unless a hermetic root was asked for).
    fn root(&self) -> PathBuf;

    /// One record per package the repositories or the local database know, with its
    /// candidate version: what the search index is built from.
    fn records(&self) -> Result<Vec<PackageRecord>>;

    /// The records with each one's details in a form [`PackageBackend::details_from`]
    /// reads back (kept in the index snapshot), or no details at all: a backend
    /// whose `details` is already fast keeps none.
    fn records_with_details(&self) -> Result<(Vec<PackageRecord>, Vec<Vec<u8>>)> {
        Ok((self.records()?, Vec::new()))
    }

    /// Details of `record` from what [`PackageBackend::records_with_details`] kept
    /// for it; `None` sends the caller to [`PackageBackend::details`].
    fn details_from(
        &self,
        _record: &PackageRecord,
        _kept: &[u8],
    ) -> Result<Option<PackageDetails>> {
        Ok(None)
    }

    /// Details of one package, or `None` when no repository and no local database
    /// knows it.
    fn details(&self, name: &str) -> Result<Option<PackageDetails>>;

    /// Installed packages, sorted by name.
    fn installed(&self) -> Result<Vec<InstalledPackage>>;

    /// Installed packages with a newer candidate, sorted by name.
    fn upgradable(&self) -> Result<Vec<Upgrade>>;

    /// How each dependency string could be satisfied (the AUR build graph asks).
    fn satisfiers(&self, dependencies: &[String]) -> Result<Vec<omg_core::Satisfier>>;

    /// Installed packages no repository offers (pacman -Qm): what the AUR updates.
    fn foreign(&self) -> Result<Vec<InstalledPackage>>;

    /// Names of packages installed as dependencies that nothing needs any more.
    fn orphans(&self) -> Result<Vec<String>>;

    /// When the repository databases were last refreshed (unix seconds).
    fn database_synced_at(&self) -> Result<Option<i64>>;

    /// Files and directories whose change means the index is stale.
    fn database_paths(&self) -> Vec<PathBuf>;

    /// What else the index depends on, as text for the snapshot's key (Debian: the
    /// description languages, which follow the environment's locale).
    fn index_settings(&self) -> String {
        String::new()
    }

    /// Lines about inputs that were skipped (an unreadable list, a malformed pin)
    /// since the last call: the answers are still right for the rest.
    fn warnings(&self) -> Vec<String>;
}

/// Newest modification time among `paths`, as unix seconds.
pub(crate) fn newest_mtime<'a>(
    paths: impl IntoIterator<Item = &'a std::path::Path>,
) -> Option<i64> {
    paths
        .into_iter()
        .filter_map(|path| std::fs::metadata(path).ok()?.modified().ok())
        .filter_map(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .filter_map(|duration| i64::try_from(duration.as_secs()).ok())
        .max()
}

/// Every backend test sits behind its backend's feature, so a plain
/// `cargo test -p omg-packages` would compile none of them and report success on
/// nothing. It fails here instead, naming the features to turn on. Asking for one
/// backend (`--features debian` where libalpm is missing) runs that one's tests.
#[cfg(all(test, not(any(feature = "arch", feature = "debian"))))]
mod feature_gate {
    #[test]
    fn backend_tests_need_a_backend_feature() {
        panic!(
            "omg-packages' tests need its backend features: run \
             `cargo test -p omg-packages --all-features` (or `--features debian`; the \
             `arch` feature links libalpm, which scripts/setup installs)"
        );
    }
}
