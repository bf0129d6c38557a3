//! The testbed itself: its repository and roots behave as pacman expects.

use omg_testbed::ArchRoot;

#[test]
fn repo_lists_every_built_package() {
    let root = ArchRoot::new();
    let search = root.pacman_ok(&["-Ssq", "omg"]);
    let names: Vec<&str> = search.lines().collect();
    for expected in [
        "omg-chain-base",
        "omg-chain-mid",
        "omg-chain-top",
        "omg-epoch",
        "omg-hello",
        "omg-hello-extras",
        "omg-helloworld",
        "omg-lib",
        "omg-renamed",
        "omg-split-core",
        "omg-split-extra",
        "omg-virtual-a",
        "omg-virtual-b",
        "omg-zebra",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[test]
fn install_records_reasons_and_upgrade_is_offered() {
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    assert_eq!(root.pacman_ok(&["-Qeq"]).trim(), "omg-hello");
    assert_eq!(root.pacman_ok(&["-Qdq"]).trim(), "omg-lib");
    assert!(root.root().join("usr/bin/omg-hello").exists());
    root.publish_upgrade();
    assert_eq!(root.pacman_ok(&["-Qu"]).trim(), "omg-hello 1.0-1 -> 1.1-1");
}

#[test]
fn roots_are_independent() {
    let first = ArchRoot::new();
    let second = ArchRoot::new();
    first.install(&["omg-zebra"]);
    assert_eq!(first.pacman_ok(&["-Qq"]).trim(), "omg-zebra");
    assert!(
        !second.pacman(&["-Qq"]).status.success() || second.pacman_ok(&["-Qq"]).trim().is_empty()
    );
}
