//! Background work: the first index build, then a status refresh every
//! `daemon.refresh_secs`, and index rebuilds when the package databases change.
//! Runtime probes and vulnerability counts join the periodic refresh as those
//! features land; each writes its own snapshot to the store.

use crate::state::State;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

pub(crate) async fn start(state: Arc<State>, every: Duration, shutdown: broadcast::Sender<()>) {
    let mut stop = shutdown.subscribe();
    let first = tokio::select! {
        built = state.rebuild() => built,
        _ = stop.recv() => return,
    };
    match first {
        Ok(packages) => crate::log::info(&format!(
            "index ready: {packages} packages, {} MiB resident",
            crate::memory::resident_bytes().unwrap_or(0) >> 20
        )),
        Err(error) => {
            crate::log::error(&format!("cannot load the package index: {error:#}"));
            let _ = shutdown.send(());
            return;
        }
    }
    if !state.restore_status() {
        refresh(&state).await;
    }
    let mut changes = crate::watch::start(&state.database_paths());
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = ticker.tick() => refresh(&state).await,
            Some(()) = changes.recv() => {
                match state.rebuild().await {
                    Ok(packages) => crate::log::info(&format!("databases changed: index rebuilt, {packages} packages")),
                    Err(error) => crate::log::error(&format!("rebuilding the index: {error:#}")),
                }
                refresh(&state).await;
            }
            _ = stop.recv() => return,
        }
    }
}

async fn refresh(state: &Arc<State>) {
    if let Err(error) = state.refresh_status().await {
        crate::log::error(&format!("refreshing status: {error:#}"));
    }
}
