use std::path::PathBuf;

/// Errors reading or driving a system package database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}:{line}: {message}")]
    PacmanConf {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("libalpm: {message}")]
    Alpm { message: String },
    #[error("{message}")]
    Apt { message: String },
    /// pacman.conf's `DownloadUser` names no user (pacman's own words).
    #[error("problem setting DownloadUser '{user}' (user does not exist)")]
    NoDownloadUser { user: String },
    #[error("empty search query: give at least one term that is not blank")]
    EmptyQuery,
    #[error("the {0} backend is not built into this omg (enable the `{0}` feature)")]
    NotBuilt(omg_core::BackendKind),
    #[error(
        "the package database is locked: {} exists; another pacman or omg is running, \
         or one was killed (then remove the file)",
        lockfile.display()
    )]
    Locked { lockfile: PathBuf },
    #[error("not found in any repository: {}", names.join(", "))]
    NotFound { names: Vec<String> },
    #[error(
        "{name}: the installed {installed} is newer than the {offered} the repositories \
         offer (--downgrade installs it anyway)"
    )]
    Downgrade {
        name: String,
        installed: String,
        offered: String,
    },
    #[error("not installed: {}", names.join(", "))]
    NotInstalled { names: Vec<String> },
    #[error("{}", required_by(packages))]
    RequiredBy {
        /// Each package asked to be removed, with the installed packages needing it.
        packages: Vec<(String, Vec<String>)>,
    },
    #[error("unsatisfiable dependencies: {}", missing.join(", "))]
    Unsatisfied { missing: Vec<String> },
    #[error("conflicting packages: {}", conflict_pairs(pairs))]
    Conflict { pairs: Vec<(String, String)> },
    /// libalpm's space check (`CheckSpace`) failed before anything was written.
    #[error("not enough free disk space: {detail}; nothing was changed")]
    DiskSpace { detail: String },
    /// Packages signed by keys the keyring lacks; libalpm stops before verifying.
    #[error(
        "signed by a key missing from the keyring: {}; nothing was changed (add the key \
         with pacman-key --recv-keys and --lsign-key once you trust it)",
        missing_keys(keys)
    )]
    MissingKeys {
        /// Each key with the packages it signed.
        keys: Vec<(String, Vec<String>)>,
    },
    /// aurweb answered with its error envelope; `message` is its own words.
    #[error("the AUR refused the request: {message}")]
    AurRefused { message: String },
    #[error("the AUR is rate-limiting requests (HTTP 429)")]
    AurRateLimited,
    #[error("cannot reach the AUR at {url}: {reason}")]
    AurUnreachable { url: String, reason: String },
    #[error("the AUR answered HTTP {status} for {url}")]
    AurStatus { url: String, status: u16 },
    #[error("malformed answer from the AUR for {url}: {reason}")]
    AurMalformed { url: String, reason: String },
}

fn missing_keys(keys: &[(String, Vec<String>)]) -> String {
    keys.iter()
        .map(|(key, packages)| format!("{} (key {key})", packages.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn required_by(packages: &[(String, Vec<String>)]) -> String {
    let parts: Vec<String> = packages
        .iter()
        .map(|(package, dependents)| {
            format!(
                "cannot remove {package}: {} needs it",
                dependents.join(", ")
            )
        })
        .collect();
    parts.join("; ")
}

fn conflict_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(one, other)| format!("{one} and {other}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// A failed read or write of `path`.
    #[cfg_attr(not(any(feature = "arch", feature = "debian")), allow(dead_code))]
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
