//! `omgd --answer`: one request on stdin, its reply on stdout, no socket, no state;
//! and `omgd --build-index`, the daemon's index builds in a process of their own.
//! `omg` answers Arch reads without a daemon through this, so that the `omg`
//! binary itself never links libalpm: loading libalpm and the ~45 libraries
//! behind it costs 5 ms per process, more than a whole warm answer.

use crate::args::Setup;
use crate::state::{compute, failed, CacheKey};
use anyhow::Result;
use omg_ipc::{Incoming, IpcError, ReplyEnvelope, PROTOCOL_VERSION};
use omg_packages::Catalog;
use std::io::Write;

pub(crate) fn answer(setup: &Setup) -> Result<()> {
    let mut buffer = Vec::new();
    omg_ipc::read_frame(&mut std::io::stdin().lock(), &mut buffer)?;
    let (id, body) = match Incoming::parse(&buffer) {
        Incoming::Request(envelope) => (
            envelope.id,
            match CacheKey::of(envelope.body) {
                Ok(key) => Catalog::open(&setup.selection)
                    .map(|catalog| catalog.with_snapshot_dir(&setup.paths.cache_dir))
                    .map_err(failed)
                    .and_then(|catalog| compute(&catalog, key)),
                Err(other) => Err(IpcError::BadRequest(format!(
                    "omgd --answer takes package reads, not {other:?}"
                ))),
            },
        ),
        Incoming::Refuse { id, error } => (id, Err(error)),
        Incoming::Garbage => anyhow::bail!("omgd --answer: stdin is not a request frame"),
    };
    let frame = omg_ipc::encode(&ReplyEnvelope {
        protocol: PROTOCOL_VERSION,
        id,
        served: setup.selection.clone(),
        body,
    })?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&frame)?;
    stdout.flush()?;
    Ok(())
}

/// `omgd --build-index`: writes the index snapshot the daemon then reads. Parsing
/// the package lists takes several times the index's size (a few hundred MiB on
/// Debian sid); in a child, that memory goes back to the system when it exits
/// instead of staying in a long-lived daemon's heap. What was skipped goes to
/// stderr, which the daemon logs.
pub(crate) fn build_index(setup: &Setup) -> Result<()> {
    let catalog = Catalog::open(&setup.selection)?.with_snapshot_dir(&setup.paths.cache_dir);
    catalog.index()?;
    let mut stderr = std::io::stderr().lock();
    for warning in catalog.warnings() {
        writeln!(stderr, "warning: {warning}")?;
    }
    Ok(())
}
