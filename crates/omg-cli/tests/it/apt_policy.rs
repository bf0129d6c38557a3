//! APT's candidate policy end to end on this machine's real apt: local repositories
//! built here (one with `NotAutomatic`, one with `NotAutomatic` and
//! `ButAutomaticUpgrades`), added through a deb822 sources file and a preferences.d
//! pin this test owns, fetched by `apt-get update`, then `omg info`/`omg search`
//! compared with `apt-cache policy`.
//!
//! It changes /etc/apt, so it runs only with `OMG_TEST_SYSTEM_APT=1` (CI sets it; the
//! machine is thrown away after) and removes everything it added, even on failure.

use crate::apt_repo::{repository, run};
use crate::common::{reference, Context};
use std::path::Path;

const GATE: &str = "OMG_TEST_SYSTEM_APT";
const SOURCES: &str = "/etc/apt/sources.list.d/omg-test-policy.sources";
const PREFERENCES: &str = "/etc/apt/preferences.d/omg-test-policy";
const LISTS: &str = "/var/lib/apt/lists";

#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn enabled() -> bool {
    let on = std::env::var(GATE).is_ok_and(|value| value == "1");
    if !on {
        eprintln!("note: skipped; set {GATE}=1 to let this test change /etc/apt");
    }
    on
}

/// Removes the test's sources, pin and downloaded lists when dropped.
struct Cleanup {
    list_prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(SOURCES);
        let _ = std::fs::remove_file(PREFERENCES);
        // What `apt-get update` would clean up once the source is gone, without
        // fetching every other source again.
        if let Ok(entries) = std::fs::read_dir(LISTS) {
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&self.list_prefix)
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

/// `apt-cache policy`'s candidate for `name`, and the `o=…,a=…,c=…` release line of
/// the file it comes from (the first listed under it, which has the highest priority).
fn apt_candidate(name: &str) -> (String, String) {
    let policy = reference("apt-cache", &["policy", name]);
    let candidate = policy
        .lines()
        .find_map(|line| line.trim().strip_prefix("Candidate: "))
        .expect("a Candidate line")
        .to_owned();
    assert!(
        !candidate.is_empty() && candidate != "(none)",
        "apt has no candidate for {name}:\n{policy}"
    );
    let lines: Vec<&str> = policy.lines().collect();
    let table = lines
        .iter()
        .position(|line| line.contains("Version table:"))
        .expect("a version table");
    let file = lines[table..]
        .iter()
        .position(|line| {
            line.split_whitespace().find(|word| *word != "***") == Some(candidate.as_str())
        })
        .and_then(|at| lines.get(table + at + 1))
        .and_then(|line| line.trim().split_once(' '))
        .map(|(_, file)| file.to_owned())
        .unwrap_or_else(|| panic!("no file line for {name} {candidate}:\n{policy}"));
    // Release lines are only in the summary of every package file.
    let summary = reference("apt-cache", &["policy"]);
    let mut summary_lines = summary.lines();
    while let Some(line) = summary_lines.next() {
        if line.trim_end().ends_with(&file) {
            let release = summary_lines
                .next()
                .and_then(|line| line.trim().strip_prefix("release "))
                .unwrap_or_default();
            return (candidate, release.to_owned());
        }
    }
    panic!("apt-cache policy does not list {file}:\n{summary}");
}

/// `o=omg-main,a=omg-stable,n=omg-stable,c=main,b=all` → `omg-main/omg-stable/main`.
fn label_of(release: &str) -> String {
    let field = |key: &str| {
        release
            .split(',')
            .find_map(|part| part.strip_prefix(key))
            .unwrap_or_default()
    };
    [field("o="), field("a="), field("c=")]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn candidates_equal_apt_cache_policy_with_pins_and_not_automatic() {
    if !enabled() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    // apt's unprivileged downloader reads file: sources too.
    run("chmod", &["755", work.path().to_str().unwrap()]);
    let base = work.path().join("repo");
    let cleanup = Cleanup {
        list_prefix: format!("{}_", base.display().to_string().replace('/', "_")),
    };
    repository(
        &base,
        "omg-stable",
        "Origin: omg-main\nLabel: omg-main\n",
        &[
            ("omg-test-hello", "1.0"),
            ("omg-test-pinned", "1.0"),
            ("omg-test-newest", "1.0"),
        ],
    );
    repository(
        &base,
        "omg-backports",
        "Origin: omg-extra\nLabel: omg-extra\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n",
        &[
            ("omg-test-hello", "2.0"),
            ("omg-test-pinned", "2.0"),
            ("omg-test-only-backports", "1.0"),
        ],
    );
    repository(
        &base,
        "omg-experimental",
        "Origin: omg-extra\nLabel: omg-experimental\nNotAutomatic: yes\n",
        &[("omg-test-hello", "3.0"), ("omg-test-newest", "1.1")],
    );
    repository(
        &base,
        "omg-disabled",
        "Origin: omg-off\n",
        &[("omg-test-hello", "9.0")],
    );
    let uri = format!("file:{}", base.display());
    std::fs::write(
        SOURCES,
        format!(
            "Types: deb\nURIs: {uri}\nSuites: omg-stable omg-backports omg-experimental\nComponents: main\nTrusted: yes\n\n# switched off: its newer hello must not count\nTypes: deb\nURIs: {uri}\nSuites: omg-disabled\nComponents: main\nTrusted: yes\nEnabled: no\n"
        ),
    )
    .unwrap();
    std::fs::write(
        PREFERENCES,
        "Package: omg-test-pinned\nPin: release a=omg-backports\nPin-Priority: 600\n\nPackage: omg-test-newest\nPin: release l=omg-experimental\nPin-Priority: 550\n",
    )
    .unwrap();
    run(
        "apt-get",
        &[
            "update",
            "-q",
            "-o",
            &format!("Dir::Etc::sourcelist={SOURCES}"),
            "-o",
            "Dir::Etc::sourceparts=-",
            "-o",
            "APT::Get::List-Cleanup=0",
        ],
    );

    let context = Context::new();
    let search = context.omg_json(&["--backend", "debian", "search", "omg-test", "--limit", "50"]);
    for name in [
        "omg-test-hello",
        "omg-test-pinned",
        "omg-test-newest",
        "omg-test-only-backports",
    ] {
        let (candidate, release) = apt_candidate(name);
        let info = context.omg_json(&["--backend", "debian", "info", name]);
        assert_eq!(info["version"], candidate.as_str(), "omg info {name}");
        assert_eq!(info["repository"], label_of(&release).as_str(), "{name}");
        let hit = search["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .find(|hit| hit["name"] == name)
            .unwrap_or_else(|| panic!("omg search omg-test misses {name}: {search}"));
        assert_eq!(hit["version"], candidate.as_str(), "omg search {name}");
    }
    // The cases above mean something only if apt itself chose across repositories.
    assert_eq!(apt_candidate("omg-test-hello").0, "1.0");
    assert_eq!(apt_candidate("omg-test-pinned").0, "2.0");
    assert_eq!(apt_candidate("omg-test-newest").0, "1.1");
    installed_versions_hold_or_upgrade_like_apt(work.path(), &base);
    drop(cleanup);
    assert!(!Path::new(SOURCES).exists());
}

/// With some of the test packages marked installed in a copy of the dpkg status (so
/// the real system is not touched): the installed version from a default repository
/// holds against ButAutomaticUpgrades, one only the status knows is upgraded from
/// there, and a pin upgrades; `omg status` counts what `apt list --upgradable` lists.
fn installed_versions_hold_or_upgrade_like_apt(work: &Path, base: &Path) {
    let status = work.join("status");
    let mut text = std::fs::read_to_string("/var/lib/dpkg/status").unwrap();
    for (name, version) in [
        ("omg-test-hello", "1.0"),
        ("omg-test-only-backports", "0.9"),
        ("omg-test-pinned", "1.0"),
    ] {
        // apt tells versions apart by their fields too: an installed version that is
        // also in a repository must carry that repository's control fields.
        let deb = base.join(format!("pool/{name}_{version}_all.deb"));
        let control = if deb.exists() {
            reference("dpkg-deb", &["--field", deb.to_str().unwrap()])
        } else {
            format!("Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: omg tests <omg@example.invalid>\nDescription: omg policy probe\n")
        };
        text.push_str(&format!(
            "\nStatus: install ok installed\n{}",
            control.trim_end()
        ));
        text.push('\n');
    }
    std::fs::write(&status, text).unwrap();
    let status_option = format!("Dir::State::status={}", status.display());
    let context = Context::new();
    context.configure(&format!(
        "[debian]\nstatus_file = \"{}\"\n",
        status.display()
    ));
    for (name, expected) in [
        ("omg-test-hello", "1.0"),
        ("omg-test-only-backports", "1.0"),
        ("omg-test-pinned", "2.0"),
    ] {
        let policy = reference("apt-cache", &["-o", &status_option, "policy", name]);
        let candidate = policy
            .lines()
            .find_map(|line| line.trim().strip_prefix("Candidate: "))
            .expect("a Candidate line");
        assert_eq!(candidate, expected, "apt-cache policy {name}:\n{policy}");
        let info = context.omg_json(&["--backend", "debian", "info", name]);
        assert_eq!(info["version"], candidate, "omg info {name}");
    }
    let upgradable = reference("apt", &["-o", &status_option, "list", "--upgradable"]);
    let listed: Vec<&str> = upgradable
        .lines()
        .filter(|line| line.contains("[upgradable from:"))
        .collect();
    let ours: Vec<&str> = listed
        .iter()
        .filter_map(|line| line.split('/').next())
        .filter(|name| name.starts_with("omg-test-"))
        .collect();
    assert_eq!(
        ours,
        ["omg-test-only-backports", "omg-test-pinned"],
        "{upgradable}"
    );
    let omg = context.omg_json(&["--backend", "debian", "status"]);
    assert_eq!(
        omg["upgradable"],
        listed.len(),
        "omg status vs apt list --upgradable"
    );
}
