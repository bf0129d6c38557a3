//! The daemon's state: the catalog (backend + index) behind an `ArcSwap`, a moka
//! cache of encoded answers, the store, and counters for `omg daemon status`.
//!
//! Answers are cached already encoded: a warm hit is a hash lookup and a copy into
//! the reply frame. Every index swap bumps a generation; cache keys carry the
//! generation of the catalog that computed the answer, so a replaced catalog's
//! answers are never served again (the swap also clears the cache to free them).

use crate::store::Store;
use arc_swap::ArcSwapOption;
use omg_core::{BackendSelection, RuntimeProbe, SearchRequest, SystemStatus};
use omg_ipc::{DaemonStatus, IpcError, Reply, Request};
use omg_packages::Catalog;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An encoded `Result<Reply, IpcError>`.
pub(crate) type Encoded = Arc<[u8]>;

const STATUS_KEY: &str = "status";
const RUNTIMES_KEY: &str = "runtimes";
/// An answer this big (`omg search lib`) left megabytes of freed scratch behind.
const BIG_ANSWER: usize = 256 * 1024;
/// Most bytes of encoded answers the cache keeps.
const CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// A request answered from the catalog alone, and so cacheable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum CacheKey {
    Search(SearchRequest),
    Info(String),
    Explicit,
    Installed,
    Status,
    Upgradable,
    Satisfiers(Vec<String>),
    Foreign,
}

/// The status as last computed, with the database fingerprint it was computed from.
#[derive(Debug, Serialize, Deserialize)]
struct StatusSnapshot {
    fingerprint: Vec<(PathBuf, i64, u64)>,
    taken_at: i64,
    status: SystemStatus,
}

#[derive(Debug, Default, Clone, Copy)]
struct IndexInfo {
    packages: usize,
    built_at: i64,
    build_ms: u64,
}

pub(crate) struct State {
    pub(crate) selection: BackendSelection,
    /// `selection`, encoded once for every reply.
    pub(crate) served: Vec<u8>,
    pub(crate) socket: PathBuf,
    /// The runtime versions tree the probes read.
    runtimes: omg_runtimes::Layout,
    loaded: ArcSwapOption<Loaded>,
    generation: AtomicU64,
    /// Keyed by the generation of the catalog that computed the answer, so an
    /// answer from a replaced catalog can never be served, whatever the timing.
    cache: moka::sync::Cache<(u64, CacheKey), Encoded>,
    store: Arc<Store>,
    index: Mutex<IndexInfo>,
    requests: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    last_refresh: AtomicI64,
    started: Instant,
    /// One rebuild at a time; a request for another waits for the running one.
    rebuilding: tokio::sync::Mutex<()>,
    /// Changes to the package databases the watcher has reported so far.
    changes_seen: Arc<AtomicU64>,
    /// The vulnerability report, matched by the worker.
    pub(crate) audit: crate::audit::Audit,
    /// The runtime mirrors' version lists, for completion.
    pub(crate) offers: crate::offers::Offers,
    /// The local AUR index, on Arch unless turned off.
    pub(crate) aur: Option<Arc<crate::aur::AurKeeper>>,
    /// Where the index snapshot is kept (omg's cache directory).
    snapshot_dir: Option<PathBuf>,
    /// The backend flags an `omgd --build-index` child gets: with a snapshot
    /// directory, builds run there and the daemon reads the snapshot they write.
    index_builder: Option<Vec<std::ffi::OsString>>,
}

/// A catalog and what it was built from.
pub(crate) struct Loaded {
    catalog: Arc<Catalog>,
    generation: u64,
    fingerprint: Fingerprint,
    /// How many changes the watcher had reported when its build began: a later
    /// count means the databases changed since.
    changes_at_build: u64,
}

type Fingerprint = Vec<(PathBuf, i64, u64)>;

impl State {
    pub(crate) fn new(
        selection: BackendSelection,
        socket: PathBuf,
        store: Store,
        cache_ttl: Duration,
        data_dir: &std::path::Path,
        audit: crate::audit::Audit,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            audit,
            runtimes: omg_runtimes::Layout::new(data_dir),
            served: postcard::to_stdvec(&selection)?,
            selection,
            socket,
            loaded: ArcSwapOption::empty(),
            generation: AtomicU64::new(0),
            // Weighed in bytes: one `omg search lib` answer is megabytes, most are
            // a few kilobytes.
            cache: moka::sync::Cache::builder()
                .weigher(|key: &(u64, CacheKey), encoded: &Encoded| {
                    let key_bytes = match &key.1 {
                        CacheKey::Search(search) => search.terms.iter().map(String::len).sum(),
                        CacheKey::Info(name) => name.len(),
                        _ => 0,
                    };
                    u32::try_from(encoded.len() + key_bytes).unwrap_or(u32::MAX)
                })
                .max_capacity(CACHE_BYTES)
                .time_to_live(cache_ttl)
                .build(),
            store: Arc::new(store),
            index: Mutex::new(IndexInfo::default()),
            requests: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            last_refresh: AtomicI64::new(0),
            started: Instant::now(),
            rebuilding: tokio::sync::Mutex::new(()),
            changes_seen: Arc::new(AtomicU64::new(0)),
            aur: None,
            snapshot_dir: None,
            index_builder: None,
            offers: crate::offers::Offers::default(),
        })
    }

    /// The catalog being served and its generation, for work kept beside the
    /// answer cache (the audit).
    pub(crate) fn catalog(&self) -> Option<(Arc<Catalog>, u64)> {
        self.loaded
            .load_full()
            .map(|loaded| (Arc::clone(&loaded.catalog), loaded.generation))
    }

    /// The state with a local AUR index to serve.
    pub(crate) fn with_aur(mut self, aur: Option<Arc<crate::aur::AurKeeper>>) -> Self {
        self.aur = aur;
        self
    }

    /// The state keeping the index snapshot in `dir`, built by an `omgd
    /// --build-index` child given `backend_args`.
    pub(crate) fn with_snapshot_dir(
        mut self,
        dir: PathBuf,
        backend_args: Vec<std::ffi::OsString>,
    ) -> Self {
        self.snapshot_dir = Some(dir);
        self.index_builder = Some(backend_args);
        self
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.loaded.load().is_some()
    }

    /// The count the file watcher bumps on every change it sees.
    pub(crate) fn changes_seen(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.changes_seen)
    }

    /// Loads the catalog from the backend on a blocking thread and swaps it in.
    pub(crate) async fn rebuild(self: &Arc<Self>) -> anyhow::Result<usize> {
        let _running = self.rebuilding.lock().await;
        self.rebuild_locked().await
    }

    /// `loaded`, or when the databases changed since it was built, a catalog
    /// rebuilt now (joining a rebuild already running).
    async fn fresh(self: &Arc<Self>, loaded: Arc<Loaded>) -> Result<Arc<Loaded>, IpcError> {
        let wanted = self.changes_seen.load(Ordering::SeqCst);
        if loaded.changes_at_build >= wanted {
            return Ok(loaded);
        }
        let _running = self.rebuilding.lock().await;
        let current = self.loaded.load_full().ok_or(IpcError::NotReady)?;
        if current.changes_at_build >= wanted {
            return Ok(current);
        }
        self.rebuild_locked().await.map_err(failed)?;
        self.loaded.load_full().ok_or(IpcError::NotReady)
    }

    async fn rebuild_locked(self: &Arc<Self>) -> anyhow::Result<usize> {
        let changes_at_build = self.changes_seen.load(Ordering::SeqCst);
        let selection = self.selection.clone();
        let snapshot_dir = self.snapshot_dir.clone();
        let builder = self.index_builder.clone();
        let started = Instant::now();
        let (catalog, fingerprint) = tokio::task::spawn_blocking(move || {
            let mut catalog = Catalog::open(&selection)?;
            if let Some(dir) = &snapshot_dir {
                catalog = catalog.with_snapshot_dir(dir);
                if let Some(args) = builder
                    .as_deref()
                    .filter(|_| !catalog.snapshot_is_current())
                {
                    build_in_child(args);
                }
            }
            // Taken before the build: a change during it shows as a difference later.
            let fingerprint = fingerprint(&catalog.backend().database_paths());
            catalog.index()?;
            Ok::<_, omg_packages::Error>((catalog, fingerprint))
        })
        .await??;
        let packages = catalog.index()?.len();
        crate::log::info(&format!(
            "index of {packages} packages from {} in {} ms",
            catalog.index_origin().unwrap_or_default(),
            started.elapsed().as_millis()
        ));
        for warning in catalog.warnings() {
            crate::log::info(&format!("warning: {warning}"));
        }
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let previous = self.loaded.swap(Some(Arc::new(Loaded {
            catalog: Arc::new(catalog),
            generation,
            fingerprint,
            changes_at_build,
        })));
        self.cache.invalidate_all();
        // The old index goes once the last request using it finishes; trimming then
        // returns the build's scratch memory, and the old index's if it is gone.
        tokio::task::spawn_blocking(move || {
            drop(previous);
            crate::memory::release_freed();
        });
        *self
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = IndexInfo {
            packages,
            built_at: crate::log::unix_now(),
            build_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        Ok(packages)
    }

    /// Seeds the status from the store when the databases have not changed since it
    /// was taken; returns whether it did.
    pub(crate) fn restore_status(&self) -> bool {
        let snapshot: Option<StatusSnapshot> = self.store.get(STATUS_KEY).unwrap_or_else(|error| {
            crate::log::error(&format!("reading the status snapshot: {error:#}"));
            None
        });
        let Some(snapshot) = snapshot else {
            return false;
        };
        let Some(loaded) = self.loaded.load_full() else {
            return false;
        };
        if snapshot.fingerprint != loaded.fingerprint {
            return false;
        }
        let Ok(encoded) = encode_body(&Ok(Reply::Status(snapshot.status))) else {
            return false;
        };
        self.cache
            .insert((loaded.generation, CacheKey::Status), encoded);
        self.last_refresh
            .store(snapshot.taken_at, Ordering::Relaxed);
        true
    }

    /// Recomputes the status into the cache and the store (the worker's job).
    pub(crate) async fn refresh_status(self: &Arc<Self>) -> anyhow::Result<()> {
        let Some(loaded) = self.loaded.load_full() else {
            return Ok(());
        };
        let catalog = Arc::clone(&loaded.catalog);
        let status = tokio::task::spawn_blocking(move || {
            let status = catalog.status();
            crate::memory::release_freed();
            status
        })
        .await??;
        let taken_at = crate::log::unix_now();
        let encoded = encode_body(&Ok(Reply::Status(status.clone())))?;
        self.cache
            .insert((loaded.generation, CacheKey::Status), encoded);
        self.last_refresh.store(taken_at, Ordering::Relaxed);
        let store = Arc::clone(&self.store);
        let snapshot = StatusSnapshot {
            fingerprint: loaded.fingerprint.clone(),
            taken_at,
            status,
        };
        // A redb commit syncs to disk: not on the async threads.
        tokio::task::spawn_blocking(move || store.put(STATUS_KEY, &snapshot)).await?
    }

    /// Probes the installed runtimes and keeps the result in the store (the worker
    /// does this every refresh; `omg status` asks for a fresh one, which costs a
    /// directory listing per runtime).
    pub(crate) async fn refresh_runtimes(self: &Arc<Self>) -> anyhow::Result<Vec<RuntimeProbe>> {
        let layout = self.runtimes.clone();
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let probes = omg_runtimes::probe(&layout);
            store.put(RUNTIMES_KEY, &probes)?;
            Ok(probes)
        })
        .await?
    }

    /// Whether the package databases differ from what the served index was built
    /// from (the periodic safety net under the file watcher).
    pub(crate) async fn databases_changed(&self) -> bool {
        let Some(loaded) = self.loaded.load_full() else {
            return false;
        };
        tokio::task::spawn_blocking(move || {
            fingerprint(&loaded.catalog.backend().database_paths()) != loaded.fingerprint
        })
        .await
        .unwrap_or(false)
    }

    /// The encoded answer to a request that is not about the daemon itself.
    pub(crate) async fn answer(self: &Arc<Self>, request: Request) -> Encoded {
        // Asking about the daemon is not using it: tests count the rest.
        if request != Request::DaemonStatus {
            self.requests.fetch_add(1, Ordering::Relaxed);
        }
        match self.answer_result(request).await {
            Ok(encoded) => encoded,
            Err(error) => encode_body(&Err(error)).unwrap_or_else(|_| Arc::from(&[][..])),
        }
    }

    async fn answer_result(self: &Arc<Self>, request: Request) -> Result<Encoded, IpcError> {
        let key = match CacheKey::of(request) {
            Ok(key) => key,
            Err(request) => return self.answer_about_the_daemon(request).await,
        };
        let mut loaded = self.loaded.load_full().ok_or(IpcError::NotReady)?;
        if self.changes_seen.load(Ordering::SeqCst) > loaded.changes_at_build {
            // The databases changed since the index was built (a dpkg or apt run
            // outside omg): nothing cached answers for them.
            if key.reads_the_index() {
                loaded = self.fresh(loaded).await?;
            } else {
                return self.compute_uncached(&loaded, key).await;
            }
        }
        let key = (loaded.generation, key);
        if let Some(encoded) = self.cache.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(encoded);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let catalog = Arc::clone(&loaded.catalog);
        let question = key.1.clone();
        let (encoded, cacheable) = tokio::task::spawn_blocking(move || {
            let result = compute(&catalog, question);
            let encoded = encode_body(&result);
            let cacheable = result.is_ok();
            drop(result);
            if encoded
                .as_ref()
                .is_ok_and(|encoded| encoded.len() > BIG_ANSWER)
            {
                crate::memory::release_freed();
            }
            (encoded, cacheable)
        })
        .await
        .map_err(|error| IpcError::Failed(error.to_string()))?;
        let encoded = encoded?;
        if cacheable {
            self.cache.insert(key, encoded.clone());
        }
        Ok(encoded)
    }

    /// Requests about the daemon and its side tasks, not the catalog.
    async fn answer_about_the_daemon(
        self: &Arc<Self>,
        request: Request,
    ) -> Result<Encoded, IpcError> {
        match request {
            Request::Ping => self.ready_then(|| Reply::Pong {
                pid: std::process::id(),
            }),
            Request::DaemonStatus => {
                let status = self.daemon_status();
                encode_body(&Ok(Reply::DaemonStatus(status)))
            }
            Request::Refresh => {
                // `omg sync` just fetched the repositories: the AUR's dump too,
                // in the background.
                if let Some(aur) = &self.aur {
                    aur.refresh_soon();
                }
                let packages = self.rebuild().await.map_err(failed)?;
                if let Err(error) = self.refresh_status().await {
                    crate::log::error(&format!("refreshing status: {error:#}"));
                }
                encode_body(&Ok(Reply::Refreshed { packages }))
            }
            Request::Shutdown => encode_body(&Ok(Reply::ShuttingDown)),
            Request::Runtimes => {
                let probes = self.refresh_runtimes().await.map_err(failed)?;
                encode_body(&Ok(Reply::Runtimes(probes)))
            }
            Request::Audit { refresh } => self.audit.answer(self, refresh).await,
            Request::AuditSummary => self.audit.summary(),
            Request::RuntimeOffers { runtime, mirror } => {
                let offers = self.offers.answer(&runtime, &mirror);
                encode_body(&Ok(Reply::RuntimeOffers(offers)))
            }
            Request::AurSearch { url, terms, limit } => {
                let reply =
                    crate::aur::AurKeeper::search(self.aur.as_ref(), &url, terms, limit).await;
                encode_body(&Ok(reply))
            }
            other => Err(IpcError::BadRequest(format!(
                "unexpected request {other:?}"
            ))),
        }
    }

    /// An answer the backend reads from the databases as they are now, neither
    /// from nor into the cache.
    async fn compute_uncached(&self, loaded: &Loaded, key: CacheKey) -> Result<Encoded, IpcError> {
        self.misses.fetch_add(1, Ordering::Relaxed);
        let catalog = Arc::clone(&loaded.catalog);
        tokio::task::spawn_blocking(move || encode_body(&compute(&catalog, key)))
            .await
            .map_err(|error| IpcError::Failed(error.to_string()))?
    }

    fn ready_then(&self, reply: impl FnOnce() -> Reply) -> Result<Encoded, IpcError> {
        if self.is_ready() {
            encode_body(&Ok(reply()))
        } else {
            Err(IpcError::NotReady)
        }
    }

    fn daemon_status(&self) -> DaemonStatus {
        let index = *self
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let last_refresh = self.last_refresh.load(Ordering::Relaxed);
        DaemonStatus {
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_secs: self.started.elapsed().as_secs(),
            socket: self.socket.clone(),
            index_packages: index.packages,
            index_built_at: index.built_at,
            index_build_ms: index.build_ms,
            cache_hits: self.hits.load(Ordering::Relaxed),
            cache_misses: self.misses.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            store: self.store.path().to_owned(),
            last_refresh: (last_refresh != 0).then_some(last_refresh),
            rss_bytes: crate::memory::resident_bytes(),
        }
    }

    /// The database paths of the catalog being served (what the watcher watches).
    pub(crate) fn database_paths(&self) -> Vec<PathBuf> {
        self.loaded
            .load()
            .as_ref()
            .map(|loaded| loaded.catalog.backend().database_paths())
            .unwrap_or_default()
    }
}

impl CacheKey {
    /// Whether the answer comes from the index (which a change makes stale until
    /// it is rebuilt) rather than from reading the databases.
    fn reads_the_index(&self) -> bool {
        matches!(self, Self::Search(_) | Self::Info(_))
    }

    /// The catalog question `request` asks, or the request back when it is about
    /// the daemon itself.
    pub(crate) fn of(request: Request) -> Result<Self, Request> {
        match request {
            Request::Search(search) => Ok(Self::Search(search)),
            Request::Info { name } => Ok(Self::Info(name)),
            Request::Explicit => Ok(Self::Explicit),
            Request::Installed => Ok(Self::Installed),
            Request::Status => Ok(Self::Status),
            Request::Upgradable => Ok(Self::Upgradable),
            Request::Satisfiers { dependencies } => Ok(Self::Satisfiers(dependencies)),
            Request::Foreign => Ok(Self::Foreign),
            other => Err(other),
        }
    }
}

pub(crate) fn compute(catalog: &Catalog, key: CacheKey) -> Result<Reply, IpcError> {
    let reply = match key {
        CacheKey::Search(search) => catalog.search(&search).map(Reply::Search),
        CacheKey::Info(name) => catalog.info(&name).map(Reply::Info),
        CacheKey::Explicit => catalog.explicit().map(Reply::Packages),
        CacheKey::Installed => catalog.installed().map(Reply::Packages),
        CacheKey::Status => catalog.status().map(Reply::Status),
        CacheKey::Upgradable => catalog.upgradable().map(Reply::Upgrades),
        CacheKey::Satisfiers(dependencies) => {
            catalog.satisfiers(&dependencies).map(Reply::Satisfiers)
        }
        CacheKey::Foreign => catalog.foreign().map(Reply::Packages),
    };
    reply.map_err(failed)
}

pub(crate) fn failed(error: impl Into<anyhow::Error>) -> IpcError {
    let error: anyhow::Error = error.into();
    IpcError::Failed(omg_ipc::error_chain(error.as_ref()))
}

pub(crate) fn encode_body(body: &Result<Reply, IpcError>) -> Result<Encoded, IpcError> {
    postcard::to_stdvec(body)
        .map(Arc::from)
        .map_err(|error| IpcError::Failed(format!("cannot encode the answer: {error}")))
}

/// Runs `omgd --build-index` with `args`, which leaves a snapshot of the databases
/// as they are now. When it fails, the daemon builds the index itself.
fn build_in_child(args: &[std::ffi::OsString]) {
    let outcome = std::env::current_exe().and_then(|omgd| {
        std::process::Command::new(omgd)
            .arg("--build-index")
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .output()
    });
    match outcome {
        Ok(output) => {
            for line in String::from_utf8_lossy(&output.stderr).lines() {
                crate::log::info(&format!("index build: {line}"));
            }
            if !output.status.success() {
                crate::log::error(&format!(
                    "omgd --build-index {}: building here instead",
                    output.status
                ));
            }
        }
        Err(error) => crate::log::error(&format!(
            "cannot run omgd --build-index ({error}): building here instead"
        )),
    }
}

/// Modification times and sizes of the database paths and their direct children:
/// cheap to take, and different after any install, removal or sync.
fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    omg_packages::snapshot::database_stamps(paths)
        .into_iter()
        .map(|stamp| (stamp.path, stamp.modified_ns, stamp.size))
        .collect()
}
