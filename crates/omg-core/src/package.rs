//! Package records as every layer sees them: the index, the backends, the wire and the
//! renderers all use these types, so a request's answer has one shape everywhere.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The family of system package manager omg drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// libalpm: Arch Linux and derivatives.
    Arch,
    /// APT and dpkg: Debian, Ubuntu and derivatives.
    Debian,
}

impl BackendKind {
    /// The lowercase name used on the command line and in config files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arch => "arch",
            Self::Debian => "debian",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BackendKind {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "arch" => Ok(Self::Arch),
            "debian" => Ok(Self::Debian),
            other => Err(crate::Error::UnknownBackend(other.to_owned())),
        }
    }
}

/// One package as the search index holds it: the candidate (newest installable)
/// version and what a search matches against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRecord {
    /// Package name.
    pub name: String,
    /// Candidate version: what an install would pick.
    pub version: String,
    /// One-line description.
    pub description: String,
    /// Further description text a search also matches (Debian: the long description
    /// when the candidate comes from the dpkg status, as apt-cache searches it).
    pub long_description: Option<String>,
    /// Repository the candidate comes from (`core`, `bookworm/main`, `local`).
    pub repository: String,
    /// Installed version, when installed.
    pub installed_version: Option<String>,
    /// Names this package provides (without version constraints).
    pub provides: Vec<String>,
}

/// Everything `omg info` shows about one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDetails {
    /// Package name.
    pub name: String,
    /// Candidate version from the repositories, when any repository has it.
    pub version: Option<String>,
    /// Installed version, when installed.
    pub installed_version: Option<String>,
    /// Repository of the candidate (or `local` for an installed-only package).
    pub repository: String,
    /// One-line description.
    pub description: String,
    /// Upstream home page.
    pub url: Option<String>,
    /// Licenses (Arch) or the section-derived value Debian has none of.
    pub licenses: Vec<String>,
    /// Architecture of the candidate.
    pub architecture: Option<String>,
    /// Dependencies, as the backend writes them (`omg-lib>=2`, `libc6 (>= 2.34)`).
    pub depends: Vec<String>,
    /// Optional dependencies (Arch `optdepends`, Debian `Recommends`).
    pub optional_depends: Vec<String>,
    /// Provided names, with versions where given.
    pub provides: Vec<String>,
    /// Conflicts (Debian: `Conflicts` and `Breaks`).
    pub conflicts: Vec<String>,
    /// Replaced packages.
    pub replaces: Vec<String>,
    /// Download (archive) size in bytes.
    pub download_size: Option<u64>,
    /// Installed size in bytes.
    pub installed_size: Option<u64>,
    /// Packager (Arch) or maintainer (Debian).
    pub packager: Option<String>,
    /// Build date as unix seconds (Arch only).
    pub build_date: Option<i64>,
    /// Install date as unix seconds (Arch only, installed packages).
    pub install_date: Option<i64>,
    /// Whether the package was installed explicitly (only set when installed).
    pub explicit: Option<bool>,
    /// Debian section or Arch groups, joined.
    pub section: Option<String>,
    /// The description's further lines, in the user's language where the
    /// distribution has it (Debian).
    pub long_description: Option<String>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledPackage {
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Installed at the user's request, not as a dependency.
    pub explicit: bool,
    /// The source package it was built from and that source's version, where the
    /// distribution records one apart from the binary (dpkg's `Source:`).
    pub source: Option<(String, String)>,
    /// The architecture it was built for (`x86_64`, `amd64`, `any`, `all`).
    pub architecture: Option<String>,
    /// Its licenses as the package database records them (pacman's `%LICENSE%`;
    /// dpkg's database records none).
    pub licenses: Vec<String>,
}

/// How the system could satisfy one dependency (`name`, `name>=1.2`), as pacman
/// decides: by an installed package, else by a repository package (by name
/// first, then a provide, in repository order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfier {
    /// An installed package satisfies it.
    pub installed: bool,
    /// The repository package that would, as `repo/name`.
    pub repository: Option<String>,
}

/// An installed package with a newer candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upgrade {
    /// Package name.
    pub name: String,
    /// Installed version.
    pub installed_version: String,
    /// Version an upgrade would install.
    pub new_version: String,
}

/// The answer to `omg info NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InfoAnswer {
    /// The package is known.
    Found(Box<PackageDetails>),
    /// No repository and no local database knows it; names close to it, best first.
    NotFound {
        /// "Did you mean" candidates.
        suggestions: Vec<String>,
    },
}

/// The system-package part of `omg status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// Backend that produced this status.
    pub backend: BackendKind,
    /// Root directory the backend manages.
    pub root: std::path::PathBuf,
    /// Installed packages.
    pub installed: usize,
    /// Explicitly installed packages.
    pub explicit: usize,
    /// Packages installed as dependencies that nothing installed needs any more.
    pub orphans: usize,
    /// Installed packages with a newer candidate.
    pub upgradable: usize,
    /// Packages known to the repositories (the index size).
    pub available: usize,
    /// When the repository databases were last refreshed (unix seconds), if known.
    pub database_synced_at: Option<i64>,
}

/// Why a package is in a search result, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The name equals a search term.
    ExactName,
    /// The name starts with a search term.
    NamePrefix,
    /// The name contains a search term.
    NameSubstring,
    /// A provided name contains a search term.
    Provides,
    /// Only the description contains the search term(s).
    Description,
    /// Not an exact match: a name close to the query (typo-tolerant).
    Fuzzy,
}

/// One search result.
///
/// These types travel over the daemon's socket in a positional format, so none of
/// them may use `flatten` or `skip_serializing_if`; JSON output shapes live in the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The matching package.
    pub package: PackageRecord,
    /// How it matched.
    pub matched: MatchKind,
}

/// A whole search answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Hits in rank order, exact matches first, then fuzzy ones; cut at the limit.
    pub hits: Vec<SearchHit>,
    /// How many packages matched exactly, before the limit.
    pub exact_total: usize,
}

/// A search as it travels from the CLI to whoever answers it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Terms that must all match; a quoted phrase stays one term.
    pub terms: Vec<String>,
    /// Maximum number of hits (`None`: all).
    pub limit: Option<usize>,
    /// Add fuzzy hits when the exact set has at most this many packages.
    pub fuzzy_below: usize,
}

/// What is installed of one runtime, for `omg status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeProbe {
    /// The runtime's name (`node`, `go`).
    pub runtime: String,
    /// Installed versions, oldest first.
    pub installed: Vec<String>,
    /// The global default, if set.
    pub default: Option<String>,
}
