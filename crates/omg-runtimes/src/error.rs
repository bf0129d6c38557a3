use std::path::PathBuf;

/// Why a runtime operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fetching from the mirror failed.
    #[error(transparent)]
    Download(#[from] crate::download::DownloadError),
    /// The archive was refused or could not be unpacked.
    #[error(transparent)]
    Archive(#[from] crate::archive::ArchiveError),
    /// The mirror's index is unusable.
    #[error(transparent)]
    NodeIndex(#[from] crate::node::IndexError),
    /// A runtime name or version is outside the grammar that may become a path.
    #[error(transparent)]
    InvalidName(#[from] crate::name::InvalidName),
    /// A version file is malformed.
    #[error(transparent)]
    VersionFile(#[from] crate::version_files::VersionFileError),
    /// A mirror's version list is unusable.
    #[error("{url}: {message}")]
    Index {
        /// The list's URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// No release matches the request.
    #[error("no {runtime} release matches `{request}` for {platform}")]
    NoMatch {
        /// The runtime.
        runtime: crate::Runtime,
        /// What was asked for.
        request: String,
        /// The platform looked for.
        platform: String,
    },
    /// The checksum list's signature is missing or bad.
    #[error(transparent)]
    Signature(#[from] crate::signature::SignatureError),
    /// The mirror's checksum list does not list the file.
    #[error("{sums} lists no checksum for {file}; refusing to install unverified bytes")]
    NotListed {
        /// The checksum list's URL.
        sums: String,
        /// The file.
        file: String,
    },
    /// A build from source failed; its output is in the log.
    #[error("`{command}` failed ({status}); the build log is {}", log.display())]
    BuildFailed {
        /// What ran.
        command: String,
        /// How it ended.
        status: String,
        /// Everything the build printed.
        log: PathBuf,
    },
    /// A delegated tool (mise) failed; its own message is already on stderr.
    #[error("`{command}` failed ({status})")]
    Delegated {
        /// What ran.
        command: String,
        /// How it ended.
        status: String,
    },
    /// A filesystem operation failed.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// Result alias for [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
