//! Language runtimes: which version a directory asks for (version files), and, as
//! the managers land, resolving, installing and switching versions.
//!
//! This crate knows nothing of packages, IPC or the daemon.

mod active;
pub mod archive;
pub mod bun;
pub mod checksum;
pub mod download;
mod error;
pub mod go;
pub mod java;
pub mod layout;
mod manager;
pub mod mise;
pub mod name;
pub mod node;
pub mod python;
mod registry;
pub mod ruby;
mod runtime;
pub mod rust;
pub mod shims;
pub mod signature;
pub mod version_files;

pub use active::{active, probe, Active, Selection};
pub use error::{Error, Result};
pub use layout::Layout;
pub use manager::{Offer, Progress, Reporter, RuntimeManager};
pub use registry::{manager, Mirrors};
pub use runtime::Runtime;
