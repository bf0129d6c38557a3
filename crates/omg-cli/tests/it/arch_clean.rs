//! `omg clean` on a hermetic Arch root: the cache pruned as `paccache -rk N` would
//! (expectations computed with pacman's own `vercmp`), orphans removed as
//! `pacman -Rns $(pacman -Qdtq)` removes them, and links in the cache never
//! followed.

use crate::common::{args, installed, Context};
use omg_testbed::ArchRoot;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// pacman's `vercmp A B` < 0.
fn older(a: &str, b: &str) -> bool {
    let output = std::process::Command::new("vercmp")
        .args([a, b])
        .output()
        .expect("run vercmp");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse::<i32>()
        .unwrap()
        < 0
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn clean_keeps_the_newest_version_of_each_package_and_follows_no_link() {
    let context = Context::new();
    let root = ArchRoot::new();
    let cache = root.root().join("var/cache/pacman/pkg");
    let outside = tempfile::tempdir().unwrap();
    let real = root.repo_dir().join("omg-hello-1.0-1-any.pkg.tar.zst");
    // Several versions per name, as upgrades leave them (the bytes do not matter
    // to a cache prune; only the names do).
    let versions: &[(&str, &str)] = &[
        ("omg-hello", "1.0-1"),
        ("omg-hello", "1.1-1"),
        ("omg-hello", "1.10-1"),
        ("omg-hello", "1.9-2"),
        ("omg-hello-extras", "0.5-1"),
        ("omg-hello-extras", "1.0-1"),
        ("omg-epoch", "2.0-1"),
        ("omg-epoch", "1:0.9-1"),
        ("omg-lib", "2.3-1"),
        ("omg-lib", "2.3.rc1-1"),
        ("omg-zebra", "1.0-1"),
    ];
    for (name, version) in versions {
        let file = format!("{name}-{version}-any.pkg.tar.zst");
        std::fs::copy(&real, cache.join(&file)).unwrap();
        std::fs::write(cache.join(format!("{file}.sig")), b"sig").unwrap();
    }
    std::fs::write(cache.join("notes.txt"), b"not a package").unwrap();
    std::fs::write(cache.join("omg-hello-0.1-1-any.pkg.tar.zst.part"), b"").unwrap();
    // Links posing as package versions: one older, one newer than the real files.
    let victim = outside.path().join("victim.pkg.tar.zst");
    std::fs::write(&victim, b"keep me").unwrap();
    for link in [
        "omg-lib-0.1-1-any.pkg.tar.zst",
        "omg-lib-99-1-any.pkg.tar.zst",
    ] {
        std::os::unix::fs::symlink(&victim, cache.join(link)).unwrap();
    }
    std::os::unix::fs::symlink(
        outside.path(),
        cache.join("omg-zebra-0.1-1-any.pkg.tar.zst"),
    )
    .unwrap();
    let before = listing(&cache);

    // What paccache -rk1 removes, with vercmp deciding: all but each name's newest.
    let mut newest: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, version) in versions {
        let entry = newest.entry(name).or_insert(version);
        if older(entry, version) {
            *entry = version;
        }
    }
    let mut expected_removed: BTreeSet<String> = BTreeSet::new();
    for (name, version) in versions {
        if newest[name] != *version {
            let file = format!("{name}-{version}-any.pkg.tar.zst");
            expected_removed.insert(format!("{file}.sig"));
            expected_removed.insert(file);
        }
    }
    assert_eq!(newest["omg-hello"], "1.10-1");
    assert_eq!(newest["omg-epoch"], "1:0.9-1");

    let pacman_args = root.pacman_args();
    let check = context.omg(&args(&pacman_args, &["clean", "--keep", "1"]));
    assert_eq!(check.status.code(), Some(2), "{check:?}");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.starts_with(&format!(
            "Cache files to delete ({}, ",
            expected_removed.len()
        )),
        "{stdout}"
    );
    for file in &expected_removed {
        assert!(
            stdout.contains(&format!("  {}\n", cache.join(file).display())),
            "{file}: {stdout}"
        );
    }
    assert_eq!(listing(&cache), before);

    let json = context.omg_json(&args(&pacman_args, &["clean", "-y", "--keep", "1"]));
    assert_eq!(json["outcome"], "done");
    let planned: BTreeSet<String> = json["plan"]["cache_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| {
            Path::new(file["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(planned, expected_removed);
    let after = listing(&cache);
    let expected_after: BTreeSet<String> = before.difference(&expected_removed).cloned().collect();
    assert_eq!(after, expected_after);
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert_eq!(listing(outside.path()).len(), 1);

    let again = context.omg(&args(&pacman_args, &["clean", "-y", "--keep", "1"]));
    assert_eq!(String::from_utf8_lossy(&again.stderr), "nothing to do\n");
    let history = context.omg_json(&args(&pacman_args, &["history"]));
    assert_eq!(
        history[0]["command"],
        serde_json::json!(["clean", "--keep", "1"])
    );
    assert_eq!(history[0]["cache_files"], expected_removed.len());
    let text = context.omg_ok(&args(&pacman_args, &["history"]));
    assert!(
        text.contains(&format!(
            "  deleted {} cache files (",
            expected_removed.len()
        )),
        "{text}"
    );
}

#[test]
fn clean_orphans_removes_what_pacman_qdt_lists_like_pacman_rns() {
    let context = Context::new();
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    for root in [&ours, &theirs] {
        root.install(&["omg-hello", "omg-zebra", "omg-chain-top"]);
        root.pacman_ok(&["-D", "--asdeps", "omg-hello", "omg-chain-top"]);
    }
    let orphans = theirs.pacman_ok(&["-Qdtq"]);
    assert_eq!(orphans, "omg-chain-top\nomg-hello\n");
    let mut remove = vec!["-Rns"];
    remove.extend(orphans.lines());
    theirs.pacman_ok(&remove);

    let pacman_args = ours.pacman_args();
    let output = context.omg(&args(&pacman_args, &["clean", "-y", "--orphans"]));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("remove     omg-hello"), "{stdout}");
    assert!(stdout.contains("remove     omg-lib"), "{stdout}");
    assert_eq!(installed(&ours), installed(&theirs));
    assert_eq!(installed(&ours), "omg-zebra 1.0-1\n");
    // pacman -Qdtq lists nothing (and says so by exiting 1).
    assert_eq!(ours.pacman(&["-Qdtq"]).stdout, b"");
    let history = context.omg_json(&args(&pacman_args, &["history"]));
    assert_eq!(
        history[0]["command"],
        serde_json::json!(["clean", "--keep", "3", "--orphans"])
    );
    let again = context.omg(&args(&pacman_args, &["clean", "-y", "--orphans"]));
    assert_eq!(String::from_utf8_lossy(&again.stderr), "nothing to do\n");
}
