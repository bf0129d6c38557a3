//! Background work: the first index build, then a status refresh every
//! `daemon.refresh_secs`, and index rebuilds when the package databases change.
//! Each refresh also probes the installed runtimes into the store and matches
//! the vulnerability audit again when something it depends on changed.

use crate::state::State;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Ends when the daemon stops; fails (stopping the daemon) when the first index
/// cannot be built, since a daemon without one can answer nothing.
pub(crate) async fn start(
    state: Arc<State>,
    every: Duration,
    shutdown: broadcast::Sender<()>,
) -> anyhow::Result<()> {
    let mut stop = shutdown.subscribe();
    let first = tokio::select! {
        built = state.rebuild() => built,
        _ = stop.recv() => return Ok(()),
    };
    match first {
        Ok(packages) => crate::log::info(&format!(
            "index ready: {packages} packages, {} MiB resident",
            crate::memory::resident_bytes().unwrap_or(0) >> 20
        )),
        Err(error) => {
            let _ = shutdown.send(());
            return Err(error.context("cannot load the package index"));
        }
    }
    // Watch first, then look once more: a change made during the build is caught by
    // the comparison, one made from now on by the watcher.
    let mut changes = crate::watch::start(&state.database_paths(), state.changes_seen());
    if state.databases_changed().await {
        rebuild(&state, "databases changed during start-up").await;
    }
    if !state.restore_status() {
        refresh(&state).await;
    }
    // Matched even when the status came from the store: the report is not kept.
    crate::audit::refresh(&state).await;
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                // The watcher can miss changes (an overflowing inotify queue, a
                // database on a filesystem without inotify): compare fingerprints.
                if state.databases_changed().await {
                    rebuild(&state, "databases changed (periodic check)").await;
                }
                refresh(&state).await;
            }
            Some(()) = changes.recv() => {
                rebuild(&state, "databases changed").await;
                refresh(&state).await;
            }
            _ = stop.recv() => return Ok(()),
        }
    }
}

async fn rebuild(state: &Arc<State>, why: &str) {
    match state.rebuild().await {
        Ok(packages) => crate::log::info(&format!("{why}: index rebuilt, {packages} packages")),
        Err(error) => crate::log::error(&format!("rebuilding the index: {error:#}")),
    }
}

async fn refresh(state: &Arc<State>) {
    if let Err(error) = state.refresh_status().await {
        crate::log::error(&format!("refreshing status: {error:#}"));
    }
    if let Err(error) = state.refresh_runtimes().await {
        crate::log::error(&format!("probing runtimes: {error:#}"));
    }
    crate::audit::refresh(state).await;
}
