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
    #[error("empty search query: give at least one term that is not blank")]
    EmptyQuery,
    #[error("the {0} backend is not built into this omg (enable the `{0}` feature)")]
    NotBuilt(omg_core::BackendKind),
}

impl Error {
    #[cfg_attr(not(any(feature = "arch", feature = "debian")), allow(dead_code))]
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
