//! The vulnerability audit omgd keeps in memory: the worker matches the
//! installed packages against the kept feed copy (the CLI's own
//! `$XDG_CACHE_HOME/omg/audit`, so both see one copy) and keeps the report
//! encoded, so `omg audit` costs omgd a copy of bytes, never a parse.
//!
//! omgd never fetches a feed the user has not: until a copy is kept (the first
//! `omg audit`, or `omg audit --refresh` through omgd) it matches nothing, since
//! omg sends nothing anywhere a command did not ask for. From then on the worker
//! revalidates the copy when it is due, and only the worker and `--refresh` go
//! to the network. An ordinary request that finds the report older than the
//! catalog (a package changed since) or than the copy on disk (the CLI fetched a
//! newer one), or no report while a copy is kept, matches from the kept copy
//! alone. With no copy it is `NotReady`, and the CLI audits itself.

use crate::state::{encode_body, failed, Encoded, State};
use omg_audit::system::FeedSources;
use omg_core::audit::AuditSummary;
use omg_core::BackendKind;
use omg_fetch::{CopyStamp, FetchMode};
use omg_ipc::{IpcError, Reply};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// After a failed refresh the worker waits this long before trying again, rather
/// than refetching and rematching tens of MB at every tick.
const RETRY_AFTER: Duration = Duration::from_secs(60 * 60);

pub(crate) struct Audit {
    sources: FeedSources,
    kind: BackendKind,
    latest: Mutex<Option<Arc<Kept>>>,
    /// One match at a time; a request with no current report waits for the
    /// one running.
    running: tokio::sync::Mutex<()>,
    /// The log says once that there is nothing to match, not at every tick.
    said_no_copy: AtomicBool,
}

/// A report and what it was made from.
struct Kept {
    generation: u64,
    copy: Option<CopyStamp>,
    made_at: Instant,
    refresh_failed: bool,
    encoded: Encoded,
    summary: AuditSummary,
}

impl Audit {
    pub(crate) fn new(sources: FeedSources, kind: BackendKind) -> Self {
        Self {
            sources,
            kind,
            latest: Mutex::new(None),
            running: tokio::sync::Mutex::new(()),
            said_no_copy: AtomicBool::new(false),
        }
    }

    fn latest(&self) -> Option<Arc<Kept>> {
        self.latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn copy_stamp(&self) -> Option<CopyStamp> {
        let (_, name, _) = self.sources.feed(self.kind);
        self.sources.cache().stamp(name)
    }

    /// The worker's job: match again when the packages or the kept copy changed,
    /// or the copy is due for revalidation (which may fetch).
    pub(crate) async fn refresh(&self, state: &Arc<State>) -> anyhow::Result<()> {
        let _running = self.running.lock().await;
        let Some((_, generation)) = state.catalog() else {
            return Ok(());
        };
        let Some(copy) = self.copy_stamp() else {
            if !self.said_no_copy.swap(true, Ordering::Relaxed) {
                crate::log::info(
                    "audit: no feed kept yet; nothing to match until `omg audit` fetches one",
                );
            }
            return Ok(());
        };
        let copy = Some(copy);
        if let Some(kept) = self.latest() {
            let due = copy.is_none_or(|copy| self.sources.cache().is_due(copy.checked_at));
            let retrying_too_soon = kept.refresh_failed && kept.made_at.elapsed() < RETRY_AFTER;
            if kept.generation == generation && kept.copy == copy && (!due || retrying_too_soon) {
                return Ok(());
            }
        }
        self.run(state, FetchMode::IfStale).await.map(drop)
    }

    /// The answer to `Request::Audit`.
    pub(crate) async fn answer(
        &self,
        state: &Arc<State>,
        refresh: bool,
    ) -> Result<Encoded, IpcError> {
        // A current report is answered without waiting for the lock: the worker
        // may hold it for minutes while it revalidates the feed.
        if !refresh {
            if let Some(encoded) = self.current(state)? {
                return Ok(encoded);
            }
        }
        let _running = self.running.lock().await;
        if refresh {
            return self.run(state, FetchMode::Refresh).await.map_err(failed);
        }
        // Another request may have matched while this one waited.
        if let Some(encoded) = self.current(state)? {
            return Ok(encoded);
        }
        self.run(state, FetchMode::KeptOnly)
            .await
            .map_err(|_| IpcError::NotReady)
    }

    /// The kept report when it was made from the catalog served now and the
    /// copy on disk now; `NotReady` before the index or without a copy.
    fn current(&self, state: &Arc<State>) -> Result<Option<Encoded>, IpcError> {
        let (_, generation) = state.catalog().ok_or(IpcError::NotReady)?;
        let copy = self.copy_stamp().ok_or(IpcError::NotReady)?;
        Ok(self
            .latest()
            .filter(|kept| kept.generation == generation && kept.copy == Some(copy))
            .map(|kept| kept.encoded.clone()))
    }

    /// The answer to `Request::AuditSummary`: the last report's counts as they
    /// are, even when a package changed since (the worker is rematching then).
    pub(crate) fn summary(&self) -> Result<Encoded, IpcError> {
        let summary = self.latest().map(|kept| kept.summary.clone());
        encode_body(&Ok(Reply::AuditSummary(summary)))
    }

    /// Matches now and keeps the report; the caller holds `running`.
    async fn run(&self, state: &Arc<State>, mode: FetchMode) -> anyhow::Result<Encoded> {
        let (catalog, generation) = state
            .catalog()
            .ok_or_else(|| anyhow::anyhow!("the package index is not loaded yet"))?;
        let sources = self.sources.clone();
        let kind = self.kind;
        let started = Instant::now();
        let report = tokio::task::spawn_blocking(move || {
            let installed = catalog.installed()?;
            let upgrades = catalog.upgradable()?;
            let report = omg_audit::system::audit(kind, installed, upgrades, &sources, mode);
            // Parsing a Debian-sized feed leaves tens of MB of freed scratch.
            crate::memory::release_freed();
            Ok::<_, anyhow::Error>(report?)
        })
        .await??;
        crate::log::info(&format!(
            "audit: {} findings against the {} in {} ms",
            report.findings.len(),
            report.feed,
            started.elapsed().as_millis()
        ));
        let refresh_failed = report.refresh_error.is_some();
        let summary = report.summary();
        let encoded = encode_body(&Ok(Reply::Audit(report.clone())))?;
        let copy = self.copy_stamp();
        // The direct path warns only when it tried to refresh, which it does only
        // for a copy that is due; the kept report says the same, so a forced
        // refresh that failed warns in its own answer, not in every later one.
        let due = copy.is_none_or(|copy| self.sources.cache().is_due(copy.checked_at));
        let kept = if refresh_failed && !due {
            let mut report = report;
            report.refresh_error = None;
            encode_body(&Ok(Reply::Audit(report)))?
        } else {
            encoded.clone()
        };
        *self
            .latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(Kept {
            generation,
            copy,
            made_at: Instant::now(),
            refresh_failed,
            encoded: kept,
            summary,
        }));
        Ok(encoded)
    }
}

/// The worker's call: a failure is logged, the previous report stays.
pub(crate) async fn refresh(state: &Arc<State>) {
    if let Err(error) = state.audit.refresh(state).await {
        crate::log::error(&format!("audit: {error:#}"));
    }
}
