//! Types every omg crate shares: package records, the two version comparisons
//! (pacman's `vercmp` and dpkg's), XDG paths, the TOML config, distro detection,
//! the table of environment variables, the history of system changes and the
//! values a vulnerability audit produces.
//!
//! This crate does no package-database I/O and depends on no other omg crate.

pub mod audit;
pub mod aur;
pub mod config;
pub mod distro;
pub mod env;
mod error;
pub mod history;
pub mod package;
pub mod paths;
pub mod plan;
pub mod process;
pub mod selection;
pub mod text;
pub mod version;

pub use error::{Error, Result};
pub use package::{
    BackendKind, InfoAnswer, InstalledPackage, MatchKind, PackageDetails, PackageRecord,
    RuntimeProbe, Satisfier, SearchHit, SearchRequest, SearchResults, SystemStatus, Upgrade,
};
pub use plan::{
    CacheFile, ChangeEvent, ChangeOutcome, ChangeRequest, InstallReason, PackageAction, Plan,
    PlannedPackage, Question,
};
pub use selection::{BackendFlags, BackendSelection};
