//! Arch reads without libalpm: a search answered from the index snapshot omgd (or
//! `omgd --answer`) wrote. Everything else, and a search when the snapshot is
//! missing or stale, needs libalpm and fails here, which sends the caller to omgd.

use super::{ArchOptions, PacmanSetup};
use crate::{Error, PackageBackend, Result};
use omg_core::{BackendKind, InstalledPackage, PackageDetails, PackageRecord, Upgrade};
use std::path::PathBuf;

/// A backend that only knows where the Arch databases are.
#[derive(Debug)]
pub struct SnapshotOnly {
    setup: PacmanSetup,
}

impl SnapshotOnly {
    /// Reads pacman.conf the way the Arch backend does.
    pub fn new(options: &ArchOptions) -> Result<Self> {
        Ok(Self {
            setup: PacmanSetup::new(options)?,
        })
    }
}

fn needs_libalpm<T>() -> Result<T> {
    Err(Error::NotBuilt(BackendKind::Arch))
}

impl PackageBackend for SnapshotOnly {
    fn kind(&self) -> BackendKind {
        BackendKind::Arch
    }

    fn root(&self) -> PathBuf {
        self.setup.root.clone()
    }

    fn records(&self) -> Result<Vec<PackageRecord>> {
        needs_libalpm()
    }

    fn details(&self, _name: &str) -> Result<Option<PackageDetails>> {
        needs_libalpm()
    }

    fn installed(&self) -> Result<Vec<InstalledPackage>> {
        needs_libalpm()
    }

    fn upgradable(&self) -> Result<Vec<Upgrade>> {
        needs_libalpm()
    }

    fn satisfiers(&self, _dependencies: &[String]) -> Result<Vec<omg_core::Satisfier>> {
        needs_libalpm()
    }

    fn foreign(&self) -> Result<Vec<InstalledPackage>> {
        needs_libalpm()
    }

    fn orphans(&self) -> Result<Vec<String>> {
        needs_libalpm()
    }

    fn database_synced_at(&self) -> Result<Option<i64>> {
        Ok(self.setup.database_synced_at())
    }

    fn database_paths(&self) -> Vec<PathBuf> {
        self.setup.database_paths()
    }

    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}
