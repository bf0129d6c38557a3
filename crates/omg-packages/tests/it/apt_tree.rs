//! omg's Debian backend on an [`AptTree`].

use omg_core::{BackendKind, BackendSelection};
use omg_packages::debian::{DebianBackend, DebianPaths};
use omg_packages::Catalog;
pub(crate) use omg_testbed::{output, write_suite, AptTree as Tree};

/// A catalog over the tree's lists, status and configuration.
pub(crate) fn catalog(tree: &Tree) -> Catalog {
    let paths = DebianPaths {
        lists_dir: tree.lists_dir(),
        status_file: tree.status_file(),
        extended_states: tree.extended_states(),
        etc_dir: tree.etc_dir(),
    };
    let selection = BackendSelection {
        kind: BackendKind::Debian,
        arch_config: None,
        arch_root: None,
        arch_dbpath: None,
        debian_lists_dir: Some(paths.lists_dir.clone()),
        debian_status_file: Some(paths.status_file.clone()),
        debian_extended_states: Some(paths.extended_states.clone()),
        debian_etc_dir: Some(paths.etc_dir.clone()),
    };
    Catalog::with_backend(&selection, Box::new(DebianBackend::new(paths)))
}
