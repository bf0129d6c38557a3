use super::*;

/// A lists dir, status and extended_states written by the test.
struct Fixture {
    _dir: tempfile::TempDir,
    backend: DebianBackend,
}

fn fixture(lists: &[(&str, &str)], status: &str, extended: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lists_dir = dir.path().join("lists");
    std::fs::create_dir(&lists_dir).unwrap();
    for (name, text) in lists {
        std::fs::write(lists_dir.join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("status"), status).unwrap();
    std::fs::write(dir.path().join("extended_states"), extended).unwrap();
    let backend = DebianBackend::new(DebianPaths {
        lists_dir,
        status_file: dir.path().join("status"),
        extended_states: dir.path().join("extended_states"),
    });
    Fixture { _dir: dir, backend }
}

const MAIN: &str = "Package: tool\nVersion: 1.0-1\nArchitecture: all\nDescription: a tool\nProvides: helper\n\nPackage: lib\nVersion: 2.0-1\nArchitecture: amd64\nDescription: a library\n\nPackage: foreign\nVersion: 1\nArchitecture: s390x\nDescription: other arch\n";
const SECURITY: &str =
    "Package: tool\nVersion: 1.0-1+deb12u1\nArchitecture: all\nDescription: a tool, fixed\n";
const STATUS: &str = "Package: tool\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\nDepends: lib\nDescription: a tool\n long text\n\nPackage: lib\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-1\nDescription: a library\n\nPackage: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\nDescription: removed\n\nPackage: local-only\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3\nDescription: built here\n with a long description\n\nPackage: stray\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\nDescription: nothing needs me\n";
const EXTENDED: &str = "Package: lib\nArchitecture: amd64\nAuto-Installed: 1\n\nPackage: stray\nArchitecture: amd64\nAuto-Installed: 1\n";

fn standard() -> Fixture {
    fixture(
        &[
            ("r_dists_bookworm_main_binary-amd64_Packages", MAIN),
            (
                "r_dists_bookworm-security_main_binary-amd64_Packages",
                SECURITY,
            ),
        ],
        STATUS,
        EXTENDED,
    )
}

#[test]
fn records_pick_newest_version_and_skip_foreign_architectures() {
    let records = standard().backend.records().unwrap();
    let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["lib", "local-only", "stray", "tool"]);
    let tool = &records[3];
    assert_eq!(tool.version, "1.0-1+deb12u1");
    assert_eq!(tool.repository, "bookworm-security/main");
    assert_eq!(tool.installed_version.as_deref(), Some("1.0-1"));
    assert_eq!(tool.long_description, None);
}

#[test]
fn records_of_installed_only_package_search_long_description() {
    let records = standard().backend.records().unwrap();
    let local = records.iter().find(|r| r.name == "local-only").unwrap();
    assert_eq!(local.repository, LOCAL_REPOSITORY);
    assert_eq!(
        local.long_description.as_deref(),
        Some("with a long description")
    );
}

#[test]
fn installed_marks_explicit_from_extended_states() {
    let installed = standard().backend.installed().unwrap();
    let summary: Vec<(&str, bool)> = installed
        .iter()
        .map(|p| (p.name.as_str(), p.explicit))
        .collect();
    assert_eq!(
        summary,
        [
            ("lib", false),
            ("local-only", true),
            ("stray", false),
            ("tool", true)
        ]
    );
}

#[test]
fn upgradable_lists_newer_candidates() {
    let upgrades = standard().backend.upgradable().unwrap();
    assert_eq!(upgrades.len(), 1);
    assert_eq!(upgrades[0].name, "tool");
    assert_eq!(upgrades[0].new_version, "1.0-1+deb12u1");
}

#[test]
fn orphans_are_auto_packages_nothing_depends_on() {
    assert_eq!(standard().backend.orphans().unwrap(), ["stray"]);
}

#[test]
fn details_of_candidate_with_installed_version() {
    let details = standard().backend.details("tool").unwrap().unwrap();
    assert_eq!(details.version.as_deref(), Some("1.0-1+deb12u1"));
    assert_eq!(details.installed_version.as_deref(), Some("1.0-1"));
    assert_eq!(details.description, "a tool, fixed");
    assert_eq!(details.explicit, Some(true));
}

#[test]
fn details_of_unknown_package_is_none() {
    assert!(standard().backend.details("nope").unwrap().is_none());
    assert!(standard().backend.details("foreign").unwrap().is_none());
}

#[test]
fn missing_lists_dir_is_a_clear_error() {
    let fixture = standard();
    let backend = DebianBackend::new(DebianPaths {
        lists_dir: "/nonexistent/lists".into(),
        ..fixture.backend.paths.clone()
    });
    let error = backend.records().unwrap_err().to_string();
    assert_eq!(error, "cannot read /nonexistent/lists");
}

/// Found by the `debian_control` fuzz target: `Package: b` followed by a
/// continuation line is package `b\n d`, not `b`, though its text starts with the
/// line `info b` searches for.
#[test]
fn details_skips_a_package_field_continued_on_the_next_line() {
    let fixture = fixture(
        &[(
            "r_dists_bookworm_main_binary-amd64_Packages",
            "Package: b\n d\nVersion: 2\nArchitecture: all\nDescription: another\n",
        )],
        "Package: b\nStatus: install ok installed\nArchitecture: all\nVersion: 1\nDescription: local\n",
        "",
    );
    let details = fixture.backend.details("b").unwrap().unwrap();
    assert_eq!(details.name, "b");
    assert_eq!(details.version.as_deref(), Some("1"));
    assert_eq!(details.repository, LOCAL_REPOSITORY);
}
