//! The index snapshot under a real Debian backend: a catalog that starts from it
//! answers exactly as one that reads the lists.

use super::tests::{standard, Tree};
use crate::Catalog;
use omg_core::{BackendKind, BackendSelection, SearchRequest};

fn selection(tree: &Tree) -> BackendSelection {
    let root = tree.dir.path();
    BackendSelection {
        kind: BackendKind::Debian,
        arch_config: None,
        arch_root: None,
        arch_dbpath: None,
        debian_lists_dir: Some(root.join("lists")),
        debian_status_file: Some(root.join("status")),
        debian_extended_states: Some(root.join("extended_states")),
        debian_etc_dir: Some(root.join("etc")),
    }
}

fn catalog(tree: &Tree, cache: Option<&std::path::Path>) -> Catalog {
    let catalog = Catalog::with_backend(&selection(tree), Box::new(tree.backend()));
    match cache {
        Some(dir) => catalog.with_snapshot_dir(dir),
        None => catalog,
    }
}

/// Every answer a catalog gives about the tree.
fn answers(catalog: &Catalog) -> Vec<String> {
    let mut answers = Vec::new();
    for terms in [
        &["tool"][..],
        &["a"],
        &["library"],
        &["helper"],
        &["long"],
        &["tol"],
    ] {
        let request = SearchRequest {
            terms: terms.iter().map(|term| (*term).to_owned()).collect(),
            limit: None,
            fuzzy_below: 3,
        };
        answers.push(format!("{:?}", catalog.search(&request).unwrap()));
    }
    for name in [
        "tool",
        "lib",
        "local-only",
        "stray",
        "foreign",
        "absent",
        "tol",
    ] {
        answers.push(format!("{:?}", catalog.info(name).unwrap()));
    }
    answers.push(format!("{:?}", catalog.status().unwrap()));
    answers
}

/// The one snapshot a test's cache directory holds.
fn only_snapshot(cache: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(cache)
        .unwrap()
        .next()
        .expect("a snapshot")
        .unwrap()
        .path()
}

fn origin(catalog: &Catalog) -> String {
    catalog.index().unwrap();
    catalog.index_origin().unwrap()
}

#[test]
fn a_catalog_from_the_snapshot_answers_as_one_from_the_lists() {
    let tree = standard();
    let cache = tempfile::tempdir().unwrap();
    let expected = answers(&catalog(&tree, None));
    let first = catalog(&tree, Some(cache.path()));
    assert_eq!(answers(&first), expected);
    assert_eq!(origin(&first), "databases (no snapshot yet)");
    let second = catalog(&tree, Some(cache.path()));
    assert_eq!(answers(&second), expected);
    assert_eq!(origin(&second), "snapshot");
    assert!(second.warnings().is_empty(), "{:?}", second.warnings());
}

#[test]
fn a_changed_list_makes_the_snapshot_stale() {
    let tree = standard();
    let cache = tempfile::tempdir().unwrap();
    answers(&catalog(&tree, Some(cache.path())));
    tree.repo(
        "r",
        "bookworm-updates",
        super::tests::DEBIAN,
        "Package: newcomer\nVersion: 1\nArchitecture: all\nDescription: arrived later\n",
    );
    let after = catalog(&tree, Some(cache.path()));
    assert_eq!(answers(&after), answers(&catalog(&tree, None)));
    assert_eq!(
        origin(&after),
        "databases (the databases changed since the snapshot)"
    );
    assert!(format!("{:?}", after.info("newcomer").unwrap()).contains("arrived later"));
    assert_eq!(origin(&catalog(&tree, Some(cache.path()))), "snapshot");
}

#[test]
fn a_damaged_snapshot_is_rebuilt_not_trusted() {
    let tree = standard();
    let cache = tempfile::tempdir().unwrap();
    let expected = answers(&catalog(&tree, None));
    answers(&catalog(&tree, Some(cache.path())));
    let file = only_snapshot(cache.path());
    let mut bytes = std::fs::read(&file).unwrap();
    // A byte in the index's search text: the layout checks alone cannot see it.
    let at = bytes.len() / 3;
    bytes[at] ^= 0x04;
    std::fs::write(&file, bytes).unwrap();
    let damaged = catalog(&tree, Some(cache.path()));
    assert_eq!(answers(&damaged), expected);
    assert!(
        origin(&damaged).starts_with("databases (the snapshot is unusable"),
        "{}",
        origin(&damaged)
    );
    let rewritten = catalog(&tree, Some(cache.path()));
    assert_eq!(answers(&rewritten), expected);
    assert_eq!(origin(&rewritten), "snapshot");
}

#[test]
fn an_unwritable_cache_still_answers_and_says_why_once() {
    let tree = standard();
    let cache = tempfile::tempdir().unwrap();
    let blocker = cache.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let catalog = catalog(&tree, Some(&blocker));
    assert_eq!(answers(&catalog), answers(&self::catalog(&tree, None)));
    let warnings = catalog.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("cannot write the index snapshot"),
        "{warnings:?}"
    );
    assert!(catalog.warnings().is_empty());
}

#[test]
fn damaged_long_descriptions_are_rebuilt_not_trusted() {
    let tree = standard();
    let cache = tempfile::tempdir().unwrap();
    let expected = answers(&catalog(&tree, None));
    answers(&catalog(&tree, Some(cache.path())));
    let file = only_snapshot(cache.path());
    let mut bytes = std::fs::read(&file).unwrap();
    // The long text follows the 80-byte header and the index, whose length the
    // header gives at byte 24; the tree's one long description says "long".
    let index_len = u64::from_le_bytes(bytes[24..32].try_into().unwrap());
    let long_at = 80 + usize::try_from(index_len).unwrap();
    let at = long_at
        + bytes[long_at..]
            .windows(4)
            .position(|window| window == b"long")
            .expect("a long description in the snapshot");
    bytes[at] ^= 0x20;
    std::fs::write(&file, bytes).unwrap();
    let damaged = catalog(&tree, Some(cache.path()));
    assert_eq!(answers(&damaged), expected);
    assert_eq!(
        origin(&damaged),
        "databases (the snapshot is unusable (long descriptions checksum mismatch))"
    );
    assert_eq!(origin(&catalog(&tree, Some(cache.path()))), "snapshot");
}

/// Once the index is loaded (omgd always has it), an unknown name is answered
/// from it: the lists are not read again, here shown by taking them away.
#[test]
fn an_unknown_name_is_answered_from_the_loaded_index() {
    let tree = standard();
    let catalog = catalog(&tree, None);
    catalog.index().unwrap();
    std::fs::remove_dir_all(tree.dir.path().join("lists")).unwrap();
    match catalog.info("tol").unwrap() {
        omg_core::InfoAnswer::NotFound { suggestions } => {
            assert!(
                suggestions.iter().any(|name| name == "tool"),
                "{suggestions:?}"
            );
        }
        found => panic!("{found:?}"),
    }
    // A known name still goes to the lists, which are gone: the error says so.
    assert!(catalog.info("tool").is_err());
}
