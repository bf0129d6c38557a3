use super::*;

/// A temp tree of APT configuration, lists, Release files and dpkg state.
pub(super) struct Tree {
    pub(super) dir: tempfile::TempDir,
}

impl Tree {
    fn new(status: &str, extended: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in [
            "lists",
            "etc/sources.list.d",
            "etc/preferences.d",
            "etc/apt.conf.d",
        ] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("status"), status).unwrap();
        std::fs::write(dir.path().join("extended_states"), extended).unwrap();
        Self { dir }
    }

    pub(super) fn write(&self, path: &str, text: &str) {
        let path = self.dir.path().join(path);
        let mut all = std::fs::read_to_string(&path).unwrap_or_default();
        all.push_str(text);
        std::fs::write(path, all).unwrap();
    }

    /// A `deb http://<host>/d <suite> main` source with its Release and list.
    pub(super) fn repo(&self, host: &str, suite: &str, release: &str, packages: &str) {
        self.write(
            "etc/sources.list",
            &format!("deb http://{host}/d {suite} main\n"),
        );
        self.write(&format!("lists/{host}_d_dists_{suite}_InRelease"), release);
        self.write(
            &format!("lists/{host}_d_dists_{suite}_main_binary-amd64_Packages"),
            packages,
        );
    }

    pub(super) fn backend(&self) -> DebianBackend {
        self.backend_with_foreign(&[])
    }

    fn backend_with_foreign(&self, foreign: &[&str]) -> DebianBackend {
        let root = self.dir.path();
        DebianBackend::with_architectures(
            DebianPaths {
                lists_dir: root.join("lists"),
                status_file: root.join("status"),
                extended_states: root.join("extended_states"),
                etc_dir: root.join("etc"),
            },
            Architectures {
                native: "amd64".to_owned(),
                foreign: foreign.iter().map(|arch| (*arch).to_owned()).collect(),
            },
        )
    }

    fn candidate(&self, name: &str) -> Option<String> {
        let backend = self.backend();
        let details = backend.details(name).unwrap().map(|d| d.version.unwrap());
        let record = backend
            .records()
            .unwrap()
            .into_iter()
            .find(|record| record.name == name)
            .map(|record| record.version);
        // The index and `info` must never disagree on the candidate.
        assert_eq!(details, record, "{name}");
        assert_kept_details_agree(&backend);
        details
    }
}

const MAIN: &str = "Package: tool\nVersion: 1.0-1\nArchitecture: all\nDescription: a tool\nProvides: helper\n\nPackage: lib\nVersion: 2.0-1\nArchitecture: amd64\nDescription: a library\n\nPackage: foreign\nVersion: 1\nArchitecture: s390x\nDescription: other arch\n";
const SECURITY: &str =
    "Package: tool\nVersion: 1.0-1+deb12u1\nArchitecture: all\nDescription: a tool, fixed\n";
const STATUS: &str = "Package: tool\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\nDepends: lib\nDescription: a tool\n long text\n\nPackage: lib\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-1\nDescription: a library\n\nPackage: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\nDescription: removed\n\nPackage: local-only\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3\nDescription: built here\n with a long description\n\nPackage: stray\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\nDescription: nothing needs me\n";
const EXTENDED: &str = "Package: lib\nArchitecture: amd64\nAuto-Installed: 1\n\nPackage: stray\nArchitecture: amd64\nAuto-Installed: 1\n";
pub(super) const DEBIAN: &str =
    "Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\nVersion: 12.11\n";
const DEBIAN_SECURITY: &str =
    "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nCodename: bookworm-security\n";
const BACKPORTS: &str = "Origin: Debian Backports\nSuite: stable-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n";
const EXPERIMENTAL: &str =
    "Origin: Debian\nSuite: experimental\nCodename: rc-buggy\nNotAutomatic: yes\n";

pub(super) fn standard() -> Tree {
    let tree = Tree::new(STATUS, EXTENDED);
    tree.repo("r", "bookworm", DEBIAN, MAIN);
    tree.repo("r", "bookworm-security", DEBIAN_SECURITY, SECURITY);
    tree
}

fn package(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nVersion: {version}\nArchitecture: all\nDescription: {name} {version}\n\n"
    )
}

#[test]
fn records_pick_newest_version_and_skip_foreign_architectures() {
    let records = standard().backend().records().unwrap();
    let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["lib", "local-only", "stray", "tool"]);
    let tool = &records[3];
    assert_eq!(tool.version, "1.0-1+deb12u1");
    assert_eq!(tool.repository, "Debian/stable-security/main");
    assert_eq!(tool.installed_version.as_deref(), Some("1.0-1"));
    assert_eq!(tool.long_description, None);
}

#[test]
fn records_of_installed_only_package_search_long_description() {
    let records = standard().backend().records().unwrap();
    let local = records.iter().find(|r| r.name == "local-only").unwrap();
    assert_eq!(local.repository, LOCAL_REPOSITORY);
    assert_eq!(
        local.long_description.as_deref(),
        Some("with a long description")
    );
}

#[test]
fn installed_marks_explicit_from_extended_states() {
    let installed = standard().backend().installed().unwrap();
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
    let upgrades = standard().backend().upgradable().unwrap();
    assert_eq!(upgrades.len(), 1);
    assert_eq!(upgrades[0].name, "tool");
    assert_eq!(upgrades[0].new_version, "1.0-1+deb12u1");
}

#[test]
fn orphans_are_auto_packages_nothing_depends_on() {
    assert_eq!(standard().backend().orphans().unwrap(), ["stray"]);
}

#[test]
fn details_of_candidate_with_installed_version() {
    let details = standard().backend().details("tool").unwrap().unwrap();
    assert_eq!(details.version.as_deref(), Some("1.0-1+deb12u1"));
    assert_eq!(details.installed_version.as_deref(), Some("1.0-1"));
    assert_eq!(details.description, "a tool, fixed");
    assert_eq!(details.repository, "Debian/stable-security/main");
    assert_eq!(details.explicit, Some(true));
}

#[test]
fn details_of_unknown_package_is_none() {
    assert!(standard().backend().details("nope").unwrap().is_none());
    assert!(standard().backend().details("foreign").unwrap().is_none());
}

#[test]
fn missing_lists_dir_is_a_clear_error() {
    let tree = standard();
    let backend = DebianBackend::new(DebianPaths {
        lists_dir: "/nonexistent/lists".into(),
        ..tree.backend().paths.clone()
    });
    let error = backend.records().unwrap_err().to_string();
    assert_eq!(error, "cannot read /nonexistent/lists");
}

#[test]
fn not_automatic_loses_to_a_default_source_but_serves_what_only_it_has() {
    let tree = Tree::new("", "");
    tree.repo("r", "bookworm", DEBIAN, &package("hello", "2.10-3"));
    let experimental = package("hello", "9.9-1") + &package("only-there", "1.0");
    tree.repo("r", "experimental", EXPERIMENTAL, &experimental);
    assert_eq!(tree.candidate("hello").as_deref(), Some("2.10-3"));
    assert_eq!(tree.candidate("only-there").as_deref(), Some("1.0"));
}

#[test]
fn but_automatic_upgrades_upgrades_only_what_came_from_there() {
    let status = "Package: from-main\nStatus: install ok installed\nArchitecture: all\nVersion: 2.0\nDescription: x\n\nPackage: from-backports\nStatus: install ok installed\nArchitecture: all\nVersion: 9.0\nDescription: x\n";
    let tree = Tree::new(status, "");
    tree.repo("r", "bookworm", DEBIAN, &package("from-main", "2.0"));
    let backports = package("from-main", "9.9") + &package("from-backports", "9.1");
    tree.repo("r", "bookworm-backports", BACKPORTS, &backports);
    // Installed 2.0 is in main (500) and beats backports' 100.
    assert_eq!(tree.candidate("from-main").as_deref(), Some("2.0"));
    // Installed 9.0 is only in the status (100); 9.1 at 100 is newer and wins.
    assert_eq!(tree.candidate("from-backports").as_deref(), Some("9.1"));
    let upgrades = tree.backend().upgradable().unwrap();
    let names: Vec<&str> = upgrades.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["from-backports"]);
}

#[test]
fn package_pins_by_release_origin_version_and_glob() {
    let tree = Tree::new("", "");
    let stable = package("a", "1.0") + &package("b", "1.0") + &package("omg-x", "1.0");
    tree.repo("stable.example", "bookworm", DEBIAN, &stable);
    let testing = package("a", "2.0") + &package("b", "2.0") + &package("omg-x", "2.0");
    tree.repo(
        "testing.example",
        "trixie",
        "Origin: Debian\nSuite: testing\nCodename: trixie\n",
        &testing,
    );
    tree.write(
        "etc/preferences",
        "Explanation: stay on stable for a\nPackage: a\nPin: release a=stable\nPin-Priority: 900\n\nPackage: b\nPin: origin stable.example\nPin-Priority: 600\n",
    );
    tree.write(
        "etc/preferences.d/omg",
        "Package: omg-*\nPin: version 1.*\nPin-Priority: 700\n",
    );
    // A file with an extension other than .pref is not read.
    tree.write(
        "etc/preferences.d/off.disabled",
        "Package: *\nPin: release a=stable\nPin-Priority: -1\n",
    );
    assert_eq!(tree.candidate("a").as_deref(), Some("1.0"));
    assert_eq!(tree.candidate("b").as_deref(), Some("1.0"));
    assert_eq!(tree.candidate("omg-x").as_deref(), Some("1.0"));
}

#[test]
fn negative_pins_exclude_and_pins_from_1000_downgrade() {
    let status =
        "Package: down\nStatus: install ok installed\nArchitecture: all\nVersion: 3.0\nDescription: x\n";
    let tree = Tree::new(status, "");
    tree.repo(
        "r",
        "bookworm",
        DEBIAN,
        &(package("never", "1.0") + &package("down", "2.0") + &package("held", "1.0")),
    );
    tree.write(
        "etc/preferences",
        "Package: never\nPin: release a=stable\nPin-Priority: -1\n\nPackage: down\nPin: version 2.0\nPin-Priority: 1001\n\nPackage: held\nPin: version 1.0\nPin-Priority: 999\n",
    );
    assert_eq!(tree.candidate("never"), None);
    assert_eq!(tree.candidate("down").as_deref(), Some("2.0"));
    assert_eq!(tree.candidate("held").as_deref(), Some("1.0"));
    // A downgrade is not an upgrade.
    assert!(tree.backend().upgradable().unwrap().is_empty());
}

#[test]
fn default_release_outranks_newer_versions_elsewhere() {
    let tree = Tree::new("", "");
    tree.repo("r", "bookworm", DEBIAN, &package("hello", "2.10-3"));
    tree.repo(
        "r",
        "trixie",
        "Origin: Debian\nSuite: testing\nCodename: trixie\n",
        &package("hello", "2.12-1"),
    );
    assert_eq!(tree.candidate("hello").as_deref(), Some("2.12-1"));
    tree.write(
        "etc/apt.conf.d/10default",
        "APT::Default-Release \"stable\";\n",
    );
    assert_eq!(tree.candidate("hello").as_deref(), Some("2.10-3"));
    let backend = tree.backend();
    backend.records().unwrap();
    assert!(backend.take_warnings().is_empty());
    tree.write("etc/apt.conf", "APT::Default-Release \"sid\";\n");
    let backend = tree.backend();
    backend.records().unwrap();
    assert_eq!(
        backend.take_warnings(),
        ["APT::Default-Release \"sid\" names no release of the configured sources"]
    );
}

#[test]
fn a_generic_pin_lifts_not_automatic() {
    let tree = Tree::new("", "");
    tree.repo("r", "bookworm", DEBIAN, &package("hello", "2.10-3"));
    tree.repo(
        "r",
        "experimental",
        EXPERIMENTAL,
        &package("hello", "9.9-1"),
    );
    tree.write(
        "etc/preferences.d/exp.pref",
        "Package: *\nPin: release n=rc-buggy\nPin-Priority: 500\n",
    );
    assert_eq!(tree.candidate("hello").as_deref(), Some("9.9-1"));
}

#[test]
fn only_configured_enabled_sources_of_configured_architectures_count() {
    let tree = Tree::new("", "");
    tree.repo("r", "bookworm", DEBIAN, &package("hello", "1.0"));
    // A stale list of a removed source.
    tree.write(
        "lists/gone_d_dists_x_main_binary-amd64_Packages",
        &package("hello", "5.0"),
    );
    // A disabled deb822 source.
    tree.write(
        "etc/sources.list.d/off.sources",
        "Types: deb\nURIs: http://off/d\nSuites: x\nComponents: main\nEnabled: no\n",
    );
    tree.write(
        "lists/off_d_dists_x_main_binary-amd64_Packages",
        &package("hello", "6.0"),
    );
    // A source limited to another architecture.
    tree.write(
        "etc/sources.list.d/arm.list",
        "deb [arch=arm64] http://arm/d x main\n",
    );
    tree.write(
        "lists/arm_d_dists_x_main_binary-amd64_Packages",
        &package("hello", "7.0"),
    );
    // An enabled deb822 source is read.
    tree.write(
        "etc/sources.list.d/on.sources",
        "Types: deb\nURIs: http://on/d\nSuites: y\nComponents: main\nEnabled: yes\n",
    );
    tree.write("lists/on_d_dists_y_main_binary-amd64_Packages.lz4", "");
    let on = package("new", "1.0");
    let mut compressed = Vec::new();
    {
        use std::io::Write;
        let mut encoder = lz4_flex::frame::FrameEncoder::new(&mut compressed);
        encoder.write_all(on.as_bytes()).unwrap();
        encoder.finish().unwrap();
    }
    std::fs::write(
        tree.dir
            .path()
            .join("lists/on_d_dists_y_main_binary-amd64_Packages.lz4"),
        compressed,
    )
    .unwrap();
    assert_eq!(tree.candidate("hello").as_deref(), Some("1.0"));
    assert_eq!(tree.candidate("new").as_deref(), Some("1.0"));
    let details = tree.backend().details("new").unwrap().unwrap();
    assert_eq!(details.repository, "http://on/d/y/main");
}

#[test]
fn an_unreadable_list_is_skipped_with_one_warning() {
    let tree = Tree::new("", "");
    tree.repo("r", "bookworm", DEBIAN, &package("hello", "1.0"));
    tree.write("etc/sources.list", "deb http://bad/d x main\n");
    tree.write(
        "lists/bad_d_dists_x_main_binary-amd64_Packages.xz",
        "not xz",
    );
    let backend = tree.backend();
    let records = backend.records().unwrap();
    assert_eq!(records.len(), 1);
    backend.records().unwrap();
    let warnings = backend.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("bad xz data"), "{warnings:?}");
    assert!(backend.take_warnings().is_empty());
}

#[test]
fn foreign_architecture_packages_count_only_under_names_native_lacks() {
    let tree = Tree::new("", "");
    tree.repo("r", "bookworm", DEBIAN, &package("shared", "1.0"));
    tree.write(
        "lists/r_d_dists_bookworm_main_binary-i386_Packages",
        "Package: wine32\nVersion: 8.0\nArchitecture: i386\nDescription: x\n\nPackage: shared\nVersion: 2.0\nArchitecture: i386\nDescription: x\n",
    );
    let names = |backend: &DebianBackend| -> Vec<(String, String)> {
        backend
            .records()
            .unwrap()
            .into_iter()
            .map(|record| (record.name, record.version))
            .collect()
    };
    assert_eq!(names(&tree.backend()), [("shared".into(), "1.0".into())]);
    let with_i386 = tree.backend_with_foreign(&["i386"]);
    assert_eq!(
        names(&with_i386),
        [
            ("shared".into(), "1.0".into()),
            ("wine32".into(), "8.0".into())
        ]
    );
    let details = with_i386.details("wine32").unwrap().unwrap();
    assert_eq!(details.architecture.as_deref(), Some("i386"));
    assert_eq!(
        with_i386
            .details("shared")
            .unwrap()
            .unwrap()
            .version
            .as_deref(),
        Some("1.0")
    );
}

/// Found by the `debian_control` fuzz target: `Package: b` followed by a
/// continuation line is package `b\n d`, not `b`, though its text starts with the
/// line `info b` searches for.
#[test]
fn details_skips_a_package_field_continued_on_the_next_line() {
    let status =
        "Package: b\nStatus: install ok installed\nArchitecture: all\nVersion: 1\nDescription: local\n";
    let tree = Tree::new(status, "");
    tree.repo(
        "r",
        "bookworm",
        DEBIAN,
        "Package: b\n d\nVersion: 2\nArchitecture: all\nDescription: another\n",
    );
    let details = tree.backend().details("b").unwrap().unwrap();
    assert_eq!(details.name, "b");
    assert_eq!(details.version.as_deref(), Some("1"));
    assert_eq!(details.repository, LOCAL_REPOSITORY);
}

/// What the index snapshot keeps per package gives back exactly what `info` reads
/// from the lists, for every package.
pub(super) fn assert_kept_details_agree(backend: &DebianBackend) {
    let (records, kept) = backend.records_with_details().unwrap();
    assert_eq!(records, backend.records().unwrap());
    assert_eq!(records.len(), kept.len());
    for (record, kept) in records.iter().zip(&kept) {
        assert_eq!(
            backend.details_from(record, kept).unwrap(),
            backend.details(&record.name).unwrap(),
            "{}",
            record.name
        );
    }
}

#[test]
fn kept_details_agree_with_the_lists_with_every_field_info_shows() {
    let tree = standard();
    tree.repo(
        "r",
        "extra",
        DEBIAN,
        "Package: full\nVersion: 1\nArchitecture: amd64\nPre-Depends: dpkg (>= 1.19)\nDepends: lib (>= 2),\n tool | other\nRecommends: extra\nProvides: virtual (= 1)\nConflicts: old\nBreaks: older (<< 1)\nReplaces: old\nSize: 1234\nInstalled-Size: 56\nMaintainer: Someone <s@example.org>\nHomepage: https://example.org\nSection: utils\nDescription: everything\n long text\nX-Other: ignored\n",
    );
    let backend = tree.backend();
    assert_kept_details_agree(&backend);
    let details = backend.details("full").unwrap().unwrap();
    assert_eq!(details.depends.len(), 3, "{details:?}");
    assert_eq!(details.download_size, Some(1234));
}
