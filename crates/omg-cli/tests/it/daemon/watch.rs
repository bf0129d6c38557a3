//! Package databases that change behind omgd's back show up in its answers.

use crate::common::Context;
#[cfg(feature = "arch-suite")]
use omg_testbed::ArchRoot;
use std::time::{Duration, Instant};

#[cfg(feature = "arch-suite")]
#[test]
fn package_installed_behind_the_daemons_back_shows_up() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let pacman_args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    let daemon = context.start_daemon(&pacman_args);
    let installed_version = || {
        let mut args = pacman_args.clone();
        args.extend(["search", "--json", "omg-hello"]);
        let output = context.omg_via_daemon(&args);
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["hits"][0]["installed_version"]
            .as_str()
            .map(str::to_owned)
    };
    assert_eq!(installed_version(), None);
    let before = daemon.status().index_built_at;
    root.install(&["omg-hello"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while installed_version().is_none() {
        assert!(
            Instant::now() < deadline,
            "omgd never noticed the install: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(installed_version().as_deref(), Some("1.0-1"));
    assert!(daemon.status().index_built_at >= before);
    // Rebuilt for the search that came after the change, or by the watcher.
    let log = daemon.log_text();
    assert!(
        log.lines()
            .filter(|line| line.contains("index of "))
            .count()
            >= 2,
        "no rebuild: {log}"
    );
}

#[test]
fn debian_install_behind_the_daemons_back_shows_up() {
    let context = Context::new();
    let state = tempfile::tempdir().unwrap();
    let status = state.path().join("status");
    let extended = state.path().join("extended_states");
    std::fs::copy("/var/lib/dpkg/status", &status).unwrap();
    if std::fs::copy("/var/lib/apt/extended_states", &extended).is_err() {
        std::fs::write(&extended, "").unwrap();
    }
    context.configure(&format!(
        "[debian]\nstatus_file = \"{}\"\nextended_states = \"{}\"\n",
        status.display(),
        extended.display()
    ));
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let search = |name: &str| -> serde_json::Value {
        let output = context.omg_via_daemon(&["--backend", "debian", "search", "--json", name]);
        serde_json::from_slice(&output.stdout).unwrap()
    };
    // Any package the lists have and this copy of the status has not installed.
    let editors = search("editor");
    let candidate = editors["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hit| hit["installed_version"].is_null() && hit["matched"] != "fuzzy")
        .expect("an uninstalled editor")
        .clone();
    let name = candidate["name"].as_str().unwrap();
    let version = candidate["version"].as_str().unwrap();
    let architecture = crate::common::reference("dpkg", &["--print-architecture"]);
    // What dpkg does: write the whole new status beside the old, rename it over.
    let mut text = std::fs::read_to_string(&status).unwrap();
    text.push_str(&format!(
        "\nPackage: {name}\nStatus: install ok installed\nPriority: optional\n\
         Section: editors\nInstalled-Size: 1\nMaintainer: Test <t@example.org>\n\
         Architecture: {}\nVersion: {version}\nDescription: test install\n",
        architecture.trim()
    ));
    let staged = state.path().join("status-new");
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&staged, &status).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let hits = search(name);
        let hit = hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|hit| hit["name"] == name)
            .cloned()
            .expect("the package is still found");
        if hit["installed_version"] == version {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "omgd never noticed the install: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The rebuild (asked for by the search that found the change, or by the
    // watcher) ran in an `omgd --build-index` child, which wrote the snapshot the
    // daemon then read: the lists were never parsed in the daemon.
    let log = daemon.log_text();
    let loads: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("index of "))
        .collect();
    assert!(loads.len() >= 2, "no rebuild: {log}");
    assert!(
        loads.last().unwrap().contains("packages from snapshot"),
        "the daemon parsed the lists itself: {log}"
    );
}

/// A change made outside omg (what `apt-mark auto` and dpkg do: a new file renamed
/// over the old) is in omgd's answers 100 ms after it: reads of the databases skip
/// the answer cache and a search waits for the index the change calls for,
/// rather than answering from before it until the rebuild settles.
#[test]
fn answers_follow_a_change_made_outside_omg_within_100_ms() {
    let context = Context::new();
    let state = tempfile::tempdir().unwrap();
    let status = state.path().join("status");
    let extended = state.path().join("extended_states");
    std::fs::copy("/var/lib/dpkg/status", &status).unwrap();
    std::fs::write(&extended, "").unwrap();
    context.configure(&format!(
        "[debian]\nstatus_file = \"{}\"\nextended_states = \"{}\"\n",
        status.display(),
        extended.display()
    ));
    let _daemon = context.start_daemon(&["--backend", "debian"]);
    let explicit = || -> Vec<String> {
        let output = context.omg_via_daemon(&["--backend", "debian", "explicit", "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json.as_array()
            .expect("a list")
            .iter()
            .map(|package| package["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = explicit();
    // Asked twice: the second answer comes from omgd's cache.
    assert_eq!(explicit(), before);
    let name = before
        .first()
        .expect("an explicitly installed package")
        .clone();
    let architecture = crate::common::reference("dpkg", &["--print-architecture"]);
    let staged = state.path().join("extended_states.new");
    std::fs::write(
        &staged,
        format!(
            "Package: {name}\nArchitecture: {}\nAuto-Installed: 1\n",
            architecture.trim()
        ),
    )
    .unwrap();
    std::fs::rename(&staged, &extended).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let after = explicit();
    assert!(
        !after.contains(&name),
        "{name} still explicit right after apt-mark"
    );
    assert_eq!(after.len(), before.len() - 1);
}
