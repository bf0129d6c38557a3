//! The meaning of every read request, written once: the daemon answers from a
//! [`Catalog`] it keeps warm, the CLI's direct path from one it opens per command.

use crate::{Error, PackageBackend, Result};
use omg_core::{
    BackendSelection, InfoAnswer, InstalledPackage, SearchRequest, SearchResults, SystemStatus,
};
use omg_index::{Index, SearchQuery};
use std::sync::OnceLock;

/// How many "did you mean" names an unknown package gets.
const SUGGESTIONS: usize = 3;

/// An opened backend and its search index, built on first use.
pub struct Catalog {
    selection: BackendSelection,
    backend: Box<dyn PackageBackend>,
    index: OnceLock<Index>,
}

impl Catalog {
    /// Opens the backend; the index is built when a request first needs it.
    pub fn open(selection: &BackendSelection) -> Result<Self> {
        Ok(Self {
            selection: selection.clone(),
            backend: crate::open(selection)?,
            index: OnceLock::new(),
        })
    }

    /// A catalog over an already opened backend.
    #[must_use]
    pub fn with_backend(selection: &BackendSelection, backend: Box<dyn PackageBackend>) -> Self {
        Self {
            selection: selection.clone(),
            backend,
            index: OnceLock::new(),
        }
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
        let index = Index::new(self.backend.records()?);
        Ok(self.index.get_or_init(|| index))
    }

    /// Ranked search. Long descriptions are only matched against, never shown, so
    /// hits leave without them.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        if request.terms.iter().all(|term| term.trim().is_empty()) {
            return Err(Error::EmptyQuery);
        }
        let mut results = self.index()?.search(&SearchQuery {
            terms: &request.terms,
            limit: request.limit,
            fuzzy_below: request.fuzzy_below,
        });
        for hit in &mut results.hits {
            hit.package.long_description = None;
        }
        Ok(results)
    }

    /// Details of one package, or the names closest to it.
    pub fn info(&self, name: &str) -> Result<InfoAnswer> {
        if let Some(details) = self.backend.details(name)? {
            return Ok(InfoAnswer::Found(Box::new(details)));
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
        self.backend.warnings()
    }

    /// Counts for `omg status`.
    pub fn status(&self) -> Result<SystemStatus> {
        let available = self.index()?.len();
        crate::system_status(self.backend.as_ref(), available)
    }
}
