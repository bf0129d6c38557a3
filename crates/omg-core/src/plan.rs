//! System changes as every layer sees them: what the user asked for
//! ([`ChangeRequest`]), what the package library will do about it ([`Plan`]), what
//! happens while it does it ([`ChangeEvent`]) and how it ended ([`ChangeOutcome`]).
//!
//! These travel over a pipe between `omg` and the process that drives the library,
//! in a positional format: no `flatten`, no `skip_serializing_if`, and fields are
//! only ever appended.

use serde::{Deserialize, Serialize};

/// A change to the system's packages, as asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeRequest {
    /// Install packages (names, provided names or `repo/name`) with what they need.
    Install {
        /// The words as typed.
        names: Vec<String>,
        /// Reinstall packages already installed at the candidate version.
        reinstall: bool,
        /// Install the repositories' version even where an installed one is newer.
        downgrade: bool,
    },
    /// Remove installed packages.
    Remove {
        /// Installed package names.
        names: Vec<String>,
        /// Also remove the dependencies only these needed (pacman -Rs).
        recursive: bool,
        /// Also delete their configuration files: dpkg's purge; on Arch, no
        /// `.pacsave` backups are kept (pacman -Rn).
        purge: bool,
    },
    /// Refresh the package databases.
    Sync,
    /// Refresh the databases, then upgrade everything.
    Upgrade,
    /// Prune the package cache to the `keep` newest versions of each package and,
    /// with `orphans`, remove the dependencies nothing needs.
    Clean {
        /// Versions of each package to keep in the cache.
        keep: u32,
        /// Also remove orphans (pacman -Rns $(pacman -Qdtq)).
        orphans: bool,
    },
    /// One step of an AUR install: repository packages by name and built package
    /// files, in one transaction (pacman -S and -U at once), with the ones only
    /// other packages need recorded as dependencies (pacman --asdeps).
    InstallWithReasons {
        /// Repository package names, as for [`ChangeRequest::Install`].
        names: Vec<String>,
        /// Package files (`*.pkg.tar.*`) to install.
        files: Vec<std::path::PathBuf>,
        /// Package names among both that are installed as dependencies when this
        /// transaction is what installs them (an installed package keeps its reason).
        dependencies: Vec<String>,
    },
}

/// What one package goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageAction {
    /// Not installed; will be.
    Install,
    /// Installed; a newer version replaces it.
    Upgrade,
    /// Installed; an older version replaces it.
    Downgrade,
    /// Installed; the same version is installed again.
    Reinstall,
    /// Installed; will be removed.
    Remove,
}

impl PackageAction {
    /// The word for it, as plans and the history show it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Install => "install",
            Self::Upgrade => "upgrade",
            Self::Downgrade => "downgrade",
            Self::Reinstall => "reinstall",
            Self::Remove => "remove",
        }
    }
}

/// Why a package is (or stays) installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallReason {
    /// The user asked for it.
    Explicit,
    /// Something else needs it.
    Dependency,
}

/// One package in a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedPackage {
    /// Package name.
    pub name: String,
    /// What happens to it.
    pub action: PackageAction,
    /// Installed version before, when installed.
    pub old_version: Option<String>,
    /// Version after, unless it is removed.
    pub new_version: Option<String>,
    /// Repository the new version comes from.
    pub repository: Option<String>,
    /// The install reason it will have (for a removal: the one it had).
    pub reason: InstallReason,
    /// Bytes to download (0 when cached or removed).
    pub download_size: u64,
    /// Installed size after minus before, in bytes.
    pub size_change: i64,
}

/// What a transaction will do, computed by the library before anything changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Packages in the order the library handles them: removals, then additions.
    pub packages: Vec<PlannedPackage>,
    /// Asked-for packages already installed at the candidate version, left alone.
    pub already_installed: Vec<String>,
    /// Things worth saying before the user agrees (replacements, skipped packages).
    pub notes: Vec<String>,
    /// Package cache files to delete (`omg clean`).
    pub cache_files: Vec<CacheFile>,
}

/// A file in the package cache that a change deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheFile {
    /// Where it is.
    pub path: std::path::PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

impl Plan {
    /// Nothing would change.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.cache_files.is_empty()
    }

    /// Bytes the cache files to delete take.
    #[must_use]
    pub fn cache_size(&self) -> u64 {
        self.cache_files.iter().map(|file| file.size).sum()
    }

    /// Total bytes to download.
    #[must_use]
    pub fn download_size(&self) -> u64 {
        self.packages.iter().map(|p| p.download_size).sum()
    }

    /// Net change in installed size, in bytes.
    #[must_use]
    pub fn size_change(&self) -> i64 {
        self.packages.iter().map(|p| p.size_change).sum()
    }
}

/// A question the package library asks while it plans (replace a package,
/// remove a conflicting one, skip what cannot be upgraded), put to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// One line, ending in `?`.
    pub text: String,
    /// The answer when nobody is asked (`-y`, `--check`, no terminal) or the user
    /// just presses Enter. Never a yes that removes a package the user did not
    /// name: such a yes must come from the user, and it becomes a plan note.
    pub default: bool,
}

/// Something that happened while a transaction ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeEvent {
    /// A package (or database) file is being fetched: bytes so far of a total.
    Download {
        /// File name.
        file: String,
        /// Bytes received.
        done: u64,
        /// Bytes expected (0 when unknown).
        total: u64,
    },
    /// One package's step started: number `current` of `count`.
    Package {
        /// What happens to it.
        action: PackageAction,
        /// Package name.
        name: String,
        /// 1-based position.
        current: usize,
        /// Packages in the transaction.
        count: usize,
    },
    /// A hook ran (pacman hooks, maintainer scripts' triggers).
    Hook {
        /// Its description or name.
        name: String,
    },
    /// A line a package's install script printed.
    ScriptOutput {
        /// The line, as printed.
        line: String,
    },
    /// A warning the library logged (a .pacnew written, say).
    Warning {
        /// The text.
        message: String,
    },
}

/// How a transaction ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeOutcome {
    /// Committed.
    Done,
    /// Nothing needed doing.
    NothingToDo,
    /// The user (or the lack of a terminal) said no; nothing changed.
    Declined,
    /// Only the plan was asked for (`--check`).
    Checked,
    /// Databases refreshed: names of the ones that changed.
    Synced {
        /// Repositories whose database was downloaded.
        updated: Vec<String>,
    },
}
