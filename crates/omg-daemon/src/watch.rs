//! Watches the package databases (inotify, through notify) and says when they
//! changed, after the burst of writes an install makes has settled.

use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Quiet time that ends a burst of changes.
const SETTLE: Duration = Duration::from_millis(150);
/// Longest a steady stream of changes delays a rebuild.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// One message per settled burst of changes to `paths`; `seen` counts every change
/// the moment it is reported, so that answers know their index is behind before
/// the burst settles. A watcher that cannot be set up is logged; the periodic
/// refresh still runs.
pub(crate) fn start(paths: &[PathBuf], seen: Arc<AtomicU64>) -> mpsc::Receiver<()> {
    let (settled, receiver) = mpsc::channel(1);
    let (raw, mut events) = mpsc::unbounded_channel::<()>();
    let targets: Vec<PathBuf> = paths.to_vec();
    let handler = {
        let targets = targets.clone();
        move |event: notify::Result<notify::Event>| {
            let changed = match event {
                // An error or a rescan request means events were lost: assume a change.
                Err(_) => true,
                Ok(event) if event.need_rescan() => true,
                Ok(event) if matches!(event.kind, EventKind::Access(_)) => false,
                Ok(event) => event.paths.iter().any(|path| concerns(&targets, path)),
            };
            if changed {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = raw.send(());
            }
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(error) => {
            crate::log::error(&format!("cannot watch the package databases: {error}"));
            return receiver;
        }
    };
    for path in &targets {
        // A file is replaced by rename, which only its directory sees.
        let (watched, mode) = if path.is_dir() {
            (path.as_path(), RecursiveMode::Recursive)
        } else {
            (
                path.parent().unwrap_or(Path::new("/")),
                RecursiveMode::NonRecursive,
            )
        };
        if let Err(error) = watcher.watch(watched, mode) {
            crate::log::error(&format!("cannot watch {}: {error}", watched.display()));
        }
    }
    tokio::spawn(async move {
        let _watcher = watcher;
        while events.recv().await.is_some() {
            let deadline = tokio::time::Instant::now() + MAX_DELAY;
            while let Ok(Some(())) = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + SETTLE),
                events.recv(),
            )
            .await
            {}
            if settled.send(()).await.is_err() {
                return;
            }
        }
    });
    receiver
}

/// Whether a change to `changed` can change what the databases say. Downloads in
/// progress (`apt update` fills `lists/partial/`) and lock files cannot.
fn concerns(targets: &[PathBuf], changed: &Path) -> bool {
    let scratch = changed
        .components()
        .any(|part| part.as_os_str() == "partial")
        || changed
            .file_name()
            .is_some_and(|name| name == "lock" || name == "db.lck");
    !scratch && targets.iter().any(|target| changed.starts_with(target))
}
