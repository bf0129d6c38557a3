//! The system part of `omg status`, computed the same way for every backend.

use crate::{PackageBackend, Result};
use omg_core::SystemStatus;

/// Counts installed, explicit, orphaned and upgradable packages.
pub fn system_status(backend: &dyn PackageBackend, available: usize) -> Result<SystemStatus> {
    let installed = backend.installed()?;
    Ok(SystemStatus {
        backend: backend.kind(),
        root: backend.root(),
        installed: installed.len(),
        explicit: installed.iter().filter(|package| package.explicit).count(),
        orphans: backend.orphans()?.len(),
        upgradable: backend.upgradable()?.len(),
        available,
        database_synced_at: backend.database_synced_at()?,
    })
}
