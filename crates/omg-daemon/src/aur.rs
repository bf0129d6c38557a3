//! omgd's local AUR index (Arch only): the AUR's metadata dump, kept under
//! `$XDG_CACHE_HOME/omg/aur-index`, parsed into memory so that `omg search`
//! gets its AUR part without a round trip to the AUR.
//!
//! At start the kept copy is loaded from disk before anything else is tried; the
//! dump is downloaded only by this module's own task, never while a request
//! waits: when the copy is missing or older than `[aur] index_refresh_secs`
//! (revalidated with its ETag, so an unchanged dump costs a 304), and when
//! `omg sync` asks omgd to refresh. A new dump replaces the copy, and the index
//! in memory, only once it parses; otherwise the previous one keeps serving.

use crate::args::Setup;
use arc_swap::ArcSwapOption;
use omg_core::config::AurConfig;
use omg_core::BackendKind;
use omg_fetch::{FeedCache, FetchMode};
use omg_ipc::Reply;
use omg_packages::aur::{parse_dump, AurIndex, DUMP_FILE};
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, Notify};

/// Names the dump in warnings (`cannot refresh the AUR metadata feed …`).
const FEED: &str = "AUR metadata";

/// The index of one AUR and how it is kept current.
pub(crate) struct AurKeeper {
    url: String,
    dump_url: String,
    cache: FeedCache,
    every: Duration,
    index: ArcSwapOption<AurIndex>,
    /// Set by `Refresh` (`omg sync`): the task revalidates at once.
    refresh_now: Notify,
}

impl AurKeeper {
    /// The keeper for the AUR omg would ask, or `None` when omgd serves no AUR
    /// (a Debian system) or the index is turned off (`index_refresh_secs = 0`).
    pub(crate) fn new(setup: &Setup) -> Option<Arc<Self>> {
        if setup.selection.kind != BackendKind::Arch {
            return None;
        }
        let seconds = setup
            .config
            .aur
            .index_refresh_secs
            .unwrap_or(AurConfig::DEFAULT_INDEX_REFRESH_SECS);
        if seconds == 0 {
            return None;
        }
        let url = omg_packages::aur::base_url(
            std::env::var(omg_core::env::OMG_AUR_URL).ok(),
            setup.config.aur.url.as_deref(),
        );
        let every = Duration::from_secs(seconds);
        Some(Arc::new(Self {
            dump_url: format!("{url}/{DUMP_FILE}"),
            url,
            cache: FeedCache::new(setup.paths.cache_dir.join("aur-index"), every),
            every,
            index: ArcSwapOption::empty(),
            refresh_now: Notify::new(),
        }))
    }

    /// Asks the task to revalidate the dump now; returns at once.
    pub(crate) fn refresh_soon(&self) {
        self.refresh_now.notify_one();
    }

    /// The answer to `Request::AurSearch`: hits from the index when it is of
    /// `url`'s AUR, else `None` (the client asks the RPC).
    pub(crate) async fn search(
        keeper: Option<&Arc<Self>>,
        url: &str,
        terms: Vec<String>,
        limit: Option<usize>,
    ) -> Reply {
        let index = keeper
            .filter(|keeper| keeper.url == url.trim_end_matches('/'))
            .and_then(|keeper| keeper.index.load_full());
        let Some(index) = index else {
            return Reply::AurSearch(None);
        };
        // A few milliseconds over the whole AUR: off the async threads all the same.
        tokio::task::spawn_blocking(move || Reply::AurSearch(Some(index.search(&terms, limit))))
            .await
            .unwrap_or(Reply::AurSearch(None))
    }

    /// The keeper's task: the kept copy first, then revalidation whenever it is due
    /// or asked for, until the daemon stops.
    pub(crate) async fn run(self: Arc<Self>, shutdown: broadcast::Sender<()>) {
        let mut stop = shutdown.subscribe();
        let keeper = Arc::clone(&self);
        tokio::select! {
            _ = tokio::task::spawn_blocking(move || keeper.load_kept()) => {}
            _ = stop.recv() => return,
        }
        // The first tick is immediate: FeedCache goes to the network only when the
        // kept copy is missing or older than `every`.
        let mut ticker = tokio::time::interval(self.every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let force = tokio::select! {
                _ = ticker.tick() => false,
                () = self.refresh_now.notified() => true,
                _ = stop.recv() => return,
            };
            let keeper = Arc::clone(&self);
            tokio::select! {
                _ = tokio::task::spawn_blocking(move || keeper.refresh(force)) => {}
                _ = stop.recv() => return,
            }
        }
    }

    fn load_kept(&self) {
        let Some(kept) = self.cache.kept(DUMP_FILE) else {
            return;
        };
        let started = Instant::now();
        match parse_dump(&kept.bytes[..], &self.dump_url) {
            Ok(index) => self.swap_in(index, kept.bytes.len(), started, "kept copy"),
            // FeedCache only keeps a dump that parsed: the file was damaged since.
            Err(error) => crate::log::error(&format!("the kept AUR index is unusable: {error}")),
        }
    }

    fn refresh(&self, force: bool) {
        let started = Instant::now();
        let parsed = RefCell::new(None);
        let mode = if force {
            FetchMode::Refresh
        } else {
            FetchMode::IfStale
        };
        let fetched = self
            .cache
            .load(FEED, DUMP_FILE, &self.dump_url, mode, &|bytes| {
                let index = parse_dump(bytes, &self.dump_url).map_err(|error| error.to_string())?;
                *parsed.borrow_mut() = Some(index);
                Ok(())
            });
        match fetched {
            Ok(fetched) => {
                if let Some(reason) = &fetched.refresh_error {
                    crate::log::info(&format!(
                        "warning: cannot refresh the {FEED} feed ({reason}); using the copy checked {} s ago",
                        fetched.checked_at.elapsed().map_or(0, |age| age.as_secs())
                    ));
                }
                if let Some(index) = parsed.into_inner() {
                    self.swap_in(index, fetched.bytes.len(), started, "downloaded");
                } else if self.index.load().is_none() {
                    // Kept but not loaded at start (written by another omgd, say).
                    match parse_dump(&fetched.bytes[..], &self.dump_url) {
                        Ok(index) => {
                            self.swap_in(index, fetched.bytes.len(), started, "kept copy");
                        }
                        Err(error) => crate::log::error(&format!("AUR index: {error}")),
                    }
                } else if fetched.refresh_error.is_none() {
                    crate::log::info("AUR index: the kept dump is current");
                }
            }
            Err(error) => crate::log::error(&format!("AUR index: {error}")),
        }
    }

    fn swap_in(&self, index: AurIndex, compressed: usize, started: Instant, how: &str) {
        let packages = index.len();
        let bytes = index.heap_bytes();
        let previous = self.index.swap(Some(Arc::new(index)));
        // The parse's scratch and the replaced index go back to the kernel.
        drop(previous);
        crate::memory::release_freed();
        crate::log::info(&format!(
            "AUR index ({how}): {packages} packages from {} KiB in {} ms, {} KiB in memory, {} MiB resident",
            compressed >> 10,
            started.elapsed().as_millis(),
            bytes >> 10,
            crate::memory::resident_bytes().unwrap_or(0) >> 20
        ));
    }
}
