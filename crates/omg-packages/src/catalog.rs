//! The meaning of every read request, written once: the daemon answers from a
//! [`Catalog`] it keeps warm, the CLI's direct path from one it opens per command.
//! With a snapshot directory, both start from the index snapshot when it is valid
//! and write it after building the index when it is not (see [`crate::snapshot`]).

use crate::snapshot;
use crate::{Error, PackageBackend, Result};
use omg_core::{
    BackendSelection, InfoAnswer, InstalledPackage, PackageRecord, SearchRequest, SearchResults,
    SystemStatus,
};
use omg_index::{Index, SearchQuery};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// How many "did you mean" names an unknown package gets.
const SUGGESTIONS: usize = 3;

/// An opened backend and its search index, built (or read from the snapshot) on
/// first use.
pub struct Catalog {
    selection: BackendSelection,
    backend: Box<dyn PackageBackend>,
    index: OnceLock<Index>,
    /// Where the index snapshot lives, when one is kept.
    snapshot: Option<PathBuf>,
    /// Package details from the snapshot, once the index is there.
    details: OnceLock<Option<snapshot::Details>>,
    /// How the index was obtained, for `-v` and omgd's log.
    origin: Mutex<Option<String>>,
    /// A snapshot that could not be written, said once.
    snapshot_warnings: Mutex<Vec<String>>,
}

impl Catalog {
    /// Opens the backend; the index is built when a request first needs it.
    pub fn open(selection: &BackendSelection) -> Result<Self> {
        Ok(Self::with_backend(selection, crate::open(selection)?))
    }

    /// A catalog over an already opened backend.
    #[must_use]
    pub fn with_backend(selection: &BackendSelection, backend: Box<dyn PackageBackend>) -> Self {
        Self {
            selection: selection.clone(),
            backend,
            index: OnceLock::new(),
            snapshot: None,
            details: OnceLock::new(),
            origin: Mutex::new(None),
            snapshot_warnings: Mutex::new(Vec::new()),
        }
    }

    /// Keeps the index snapshot in `dir` (omg's cache directory).
    #[must_use]
    pub fn with_snapshot_dir(mut self, dir: &std::path::Path) -> Self {
        self.snapshot = Some(snapshot::path_in(dir, &self.selection));
        self
    }

    /// Where the index came from: `snapshot`, or `databases` with why the snapshot
    /// was not used; `None` before the index is needed.
    #[must_use]
    pub fn index_origin(&self) -> Option<String> {
        lock(&self.origin).clone()
    }

    /// Opens the backend and builds the index now (the daemon's way).
    pub fn load(selection: &BackendSelection) -> Result<Self> {
        let catalog = Self::open(selection)?;
        catalog.index()?;
        Ok(catalog)
    }

    /// The selection this catalog reads.
    #[must_use]
    pub fn selection(&self) -> &BackendSelection {
        &self.selection
    }

    /// The backend underneath.
    #[must_use]
    pub fn backend(&self) -> &dyn PackageBackend {
        self.backend.as_ref()
    }

    /// The search index over every package record.
    pub fn index(&self) -> Result<&Index> {
        if let Some(index) = self.index.get() {
            return Ok(index);
        }
        let index = self.obtain_index()?;
        Ok(self.index.get_or_init(|| index))
    }

    /// The key a snapshot of the databases as they are now carries.
    fn snapshot_key(&self) -> u64 {
        snapshot::key(
            &self.selection,
            &self.backend.index_settings(),
            &snapshot::database_stamps(&self.backend.database_paths()),
        )
    }

    /// Whether a snapshot of the databases as they are now is there to read.
    #[must_use]
    pub fn snapshot_is_current(&self) -> bool {
        self.snapshot
            .as_deref()
            .is_some_and(|path| snapshot::is_current(path, self.snapshot_key()))
    }

    fn obtain_index(&self) -> Result<Index> {
        let Some(path) = &self.snapshot else {
            *lock(&self.origin) = Some("databases".to_owned());
            return Ok(Index::new(self.backend.records()?));
        };
        // Taken before reading: a change during the build shows as a mismatch later.
        let key = self.snapshot_key();
        let miss = match snapshot::read(path, key) {
            Ok(found) => {
                let _ = self.details.set(found.details);
                *lock(&self.origin) = Some("snapshot".to_owned());
                return Ok(found.index);
            }
            Err(miss) => miss,
        };
        let (records, details) = self.backend.records_with_details()?;
        let (records, details) = by_name(records, details);
        let index = Index::new(records);
        *lock(&self.origin) = Some(format!("databases ({miss})"));
        match snapshot::write(path, key, &index, &details) {
            // Read back rather than kept: neither every package's details nor the
            // long descriptions need to stay in memory once the file has them.
            Ok(()) => match snapshot::read(path, key) {
                Ok(found) => {
                    let _ = self.details.set(found.details);
                    return Ok(found.index);
                }
                Err(miss) => lock(&self.snapshot_warnings).push(format!(
                    "cannot read back the index snapshot {}: {miss}",
                    path.display()
                )),
            },
            Err(error) => lock(&self.snapshot_warnings).push(format!(
                "cannot write the index snapshot {}: {error}",
                path.display()
            )),
        }
        Ok(index)
    }

    /// The details the snapshot keeps for `name`, when it has them.
    fn snapshot_details(&self, name: &str) -> Result<Option<omg_core::PackageDetails>> {
        if self.snapshot.is_none() {
            return Ok(None);
        }
        let index = self.index()?;
        let Some(details) = self.details.get().and_then(Option::as_ref) else {
            return Ok(None);
        };
        let Some(position) = index.position(name) else {
            return Ok(None);
        };
        let (Some(bytes), Some(record)) = (details.get(position), index.get(name)) else {
            return Ok(None);
        };
        self.backend.details_from(&record, &bytes)
    }

    /// Ranked search. Long descriptions are only matched against, never shown, so
    /// hits leave without them.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        if request.terms.iter().all(|term| term.trim().is_empty()) {
            return Err(Error::EmptyQuery);
        }
        let mut results = self
            .index()?
            .search(&SearchQuery {
                terms: &request.terms,
                limit: request.limit,
                fuzzy_below: request.fuzzy_below,
            })
            // Only a snapshot's long text is read while searching, and it was
            // checked when it was read: what fails here is the disk.
            .map_err(|error| Error::io(self.snapshot.clone().unwrap_or_default(), error))?;
        for hit in &mut results.hits {
            hit.package.long_description = None;
        }
        Ok(results)
    }

    /// Details of one package, or the names closest to it.
    pub fn info(&self, name: &str) -> Result<InfoAnswer> {
        if let Some(details) = self.snapshot_details(name)? {
            return Ok(InfoAnswer::Found(Box::new(details)));
        }
        // A loaded index holds every package the backend has details of (each
        // with a candidate, and the installed ones): a name it lacks is unknown,
        // answered without reading the databases again (on Debian, every list).
        let known = self
            .index
            .get()
            .is_none_or(|index| index.position(name).is_some());
        if known {
            if let Some(details) = self.backend.details(name)? {
                return Ok(InfoAnswer::Found(Box::new(details)));
            }
        }
        let suggestions = self
            .index()?
            .closest_names(name, SUGGESTIONS)
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(InfoAnswer::NotFound { suggestions })
    }

    /// Installed packages, sorted by name.
    pub fn installed(&self) -> Result<Vec<InstalledPackage>> {
        self.backend.installed()
    }

    /// Installed packages with a newer candidate, sorted by name.
    pub fn upgradable(&self) -> Result<Vec<omg_core::Upgrade>> {
        self.backend.upgradable()
    }

    /// How each dependency string could be satisfied (Arch).
    pub fn satisfiers(&self, dependencies: &[String]) -> Result<Vec<omg_core::Satisfier>> {
        self.backend.satisfiers(dependencies)
    }

    /// Installed packages no repository offers (Arch's foreign packages).
    pub fn foreign(&self) -> Result<Vec<InstalledPackage>> {
        self.backend.foreign()
    }

    /// Explicitly installed packages, sorted by name.
    pub fn explicit(&self) -> Result<Vec<InstalledPackage>> {
        let mut installed = self.backend.installed()?;
        installed.retain(|package| package.explicit);
        Ok(installed)
    }

    /// What the backend skipped while answering, one line each, since the last call.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.backend.warnings();
        warnings.append(&mut lock(&self.snapshot_warnings));
        warnings
    }

    /// Counts for `omg status`.
    pub fn status(&self) -> Result<SystemStatus> {
        let available = self.index()?.len();
        crate::system_status(self.backend.as_ref(), available)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records sorted by name, the first of each name kept, with their details in the
/// same order: the index's order, which the snapshot's details table follows.
fn by_name(
    records: Vec<PackageRecord>,
    details: Vec<Vec<u8>>,
) -> (Vec<PackageRecord>, Vec<Vec<u8>>) {
    if details.len() != records.len() {
        return (records, Vec::new());
    }
    let mut paired: Vec<(PackageRecord, Vec<u8>)> = records.into_iter().zip(details).collect();
    paired.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    paired.dedup_by(|later, first| later.0.name == first.0.name);
    paired.into_iter().unzip()
}
