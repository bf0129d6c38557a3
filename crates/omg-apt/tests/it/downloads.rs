//! The download size of a plan is apt-get's "Need to get": archives already in
//! apt's cache at their full size are not counted; a partial one counts whole,
//! as apt counts it.

use omg_core::ChangeRequest;
use omg_packages::SystemChanger;
use omg_testbed::{write_suite, AptTree};
use std::path::Path;

const SIZE: u64 = 1234;

fn publish(repo: &Path, architecture: &str) {
    let stanza = |name: &str| {
        format!(
            "Package: {name}\nVersion: 1:1.0\nArchitecture: {architecture}\nMaintainer: omg tests <omg@example.invalid>\nSection: misc\nFilename: pool/{name}_1.0_{architecture}.deb\nSize: {SIZE}\nDescription: {name} for tests\n\n"
        )
    };
    write_suite(
        repo,
        "omg",
        "Origin: omg\nCodename: omg\n",
        &[(
            format!("main/binary-{architecture}/Packages"),
            stanza("omg-cached") + &stanza("omg-partial") + &stanza("omg-fetched"),
        )],
    );
}

/// apt-get's "Need to get N B" for `names`, in bytes.
fn apt_need_to_get(tree: &AptTree, names: &[&str]) -> u64 {
    let mut args = vec!["install", "--assume-no"];
    args.extend(names);
    let output = std::process::Command::new("apt-get")
        .args(&args)
        .env("APT_CONFIG", tree.apt_config())
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("apt-get runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Need to get "))
        .unwrap_or_else(|| panic!("no Need to get line: {output:?}"));
    line.split_whitespace()
        .next()
        .and_then(|number| number.split('/').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("unexpected size in {line}"))
}

#[test]
fn cached_archives_are_not_counted_as_apt_get_does() {
    if !omg_testbed::is_root() {
        // apt-get takes the dpkg lock (in the tree) before it says what it needs.
        return;
    }
    // Over HTTP: apt uses a `file:` repository's archives where they are.
    let tree = AptTree::new("deb [trusted=yes] {http} omg main\n", "", publish);
    let architecture = omg_testbed::dpkg_architecture();
    let archives = tree.root.join("cache/archives");
    // apt's own name for each archive: the epoch's colon escaped.
    let stored = |name: &str| format!("{name}_1%3a1.0_{architecture}.deb");
    let full = vec![0; usize::try_from(SIZE).unwrap()];
    std::fs::write(archives.join(stored("omg-cached")), &full).unwrap();
    std::fs::write(
        archives.join("partial").join(stored("omg-partial")),
        &full[..234],
    )
    .unwrap();
    // The wrong size: apt throws it away and fetches the archive again.
    std::fs::write(archives.join(stored("omg-fetched")), b"short").unwrap();
    let names = ["omg-cached", "omg-partial", "omg-fetched"];
    let changer = crate::changer(&tree);
    let plan = changer
        .preview(
            &ChangeRequest::Install {
                names: names.iter().map(|name| (*name).to_owned()).collect(),
                reinstall: false,
                downgrade: false,
            },
            Box::new(|_| true),
        )
        .expect("a plan");
    assert_eq!(plan.download_size(), 2 * SIZE);
    assert_eq!(plan.download_size(), apt_need_to_get(&tree, &names));
}
