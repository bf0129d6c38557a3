use std::path::PathBuf;

/// Errors of the shared layer: config files and paths.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read config file {path}")]
    ConfigRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    ConfigParse { path: PathBuf, message: String },
    #[error("unknown backend `{0}` (expected `arch` or `debian`)")]
    UnknownBackend(String),
    #[error("cannot tell which package backend to use: /etc/os-release names neither Arch nor Debian (pass --backend arch|debian)")]
    UndetectedDistro,
}

/// Result alias for [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
