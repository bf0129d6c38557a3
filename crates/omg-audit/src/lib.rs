//! Vulnerability audit: the distributions' security feeds parsed into typed
//! advisories, and installed packages matched against them with the
//! distribution's own version order. This crate knows feeds, keeping them and
//! matching; it prints nothing and knows nothing of the CLI or the daemon.

pub mod arch;
pub mod debian;
pub mod osv;
pub mod sbom;
pub mod system;

pub use omg_core::audit::{AuditReport, Finding, Severity};

/// A feed that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the {feed} feed is not valid JSON of the expected shape: {source}")]
    Malformed {
        feed: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// An installed package as the matchers need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// Binary package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Source package and its version (Debian; `None` on Arch or when the binary
    /// is its own source, then name and version stand for it).
    pub source: Option<(String, String)>,
    /// The version an upgrade would install now, when there is one.
    pub candidate: Option<String>,
}
