//! An Ubuntu-shaped archive (Origin and Label `Ubuntu`, a release with its
//! `-updates` and `-security` pockets, a phased update) read by omg and by the
//! machine's apt from the same private tree: candidates and the repository each
//! comes from must be apt's.

use crate::apt_tree::{catalog, write_suite, Tree};
use omg_core::InfoAnswer;
use std::path::Path;

/// `(pocket, package, version, extra fields)`.
const ARCHIVE: &[(&str, &str, &str, &str)] = &[
    ("noble", "omg-hello", "1.0", ""),
    ("noble-security", "omg-hello", "1.1", ""),
    (
        "noble-updates",
        "omg-hello",
        "1.2",
        "Phased-Update-Percentage: 10\n",
    ),
    ("noble", "omg-base", "2.0", ""),
    (
        "noble-updates",
        "omg-base",
        "2.1",
        "Phased-Update-Percentage: 0\n",
    ),
    ("noble-security", "omg-secure", "3.0", ""),
    ("noble-updates", "omg-secure", "3.0", ""),
];

const POCKETS: [&str; 3] = ["noble", "noble-updates", "noble-security"];

fn publish(repo: &Path, architecture: &str) {
    for pocket in POCKETS {
        let packages: String = ARCHIVE
            .iter()
            .filter(|(suite, ..)| *suite == pocket)
            .map(|(_, name, version, extra)| {
                format!(
                    "Package: {name}\nVersion: {version}\nArchitecture: {architecture}\nMaintainer: omg tests <omg@example.invalid>\nSection: misc\nFilename: pool/{name}_{version}.deb\nSize: 100\n{extra}Description: {name} for tests\n\n"
                )
            })
            .collect();
        write_suite(
            repo,
            pocket,
            "Origin: Ubuntu\nLabel: Ubuntu\nCodename: noble\nVersion: 24.04\n",
            &[(format!("main/binary-{architecture}/Packages"), packages)],
        );
    }
}

/// apt-cache policy's candidate of `name` and `origin/suite/component` of the
/// release it is taken from (the first file listed under it).
fn apt_candidate(tree: &Tree, name: &str) -> (String, String) {
    let policy = tree.apt("apt-cache", &["policy", name]);
    let candidate = policy
        .lines()
        .find_map(|line| line.trim().strip_prefix("Candidate: "))
        .expect("a Candidate line")
        .to_owned();
    let lines: Vec<&str> = policy.lines().collect();
    let at = lines
        .iter()
        .position(|line| {
            line.split_whitespace().find(|word| *word != "***") == Some(candidate.as_str())
        })
        .expect("the candidate in the version table");
    // `500 file:/…/repo noble-updates/main amd64 Packages`
    let file_line = lines[at + 1].split_whitespace().collect::<Vec<_>>();
    let suite_component = file_line[2];
    let release_line = tree
        .apt("apt-cache", &["policy"])
        .lines()
        .skip_while(|line| !line.contains(&format!(" {suite_component} ")))
        .nth(1)
        .expect("the file's release line")
        .to_owned();
    let field = |key: &str| {
        release_line
            .trim()
            .trim_start_matches("release ")
            .split(',')
            .find_map(|part| part.strip_prefix(key))
            .unwrap_or_default()
            .to_owned()
    };
    (
        candidate,
        format!("{}/{}/{}", field("o="), field("a="), field("c=")),
    )
}

#[test]
fn ubuntu_pockets_give_apt_candidates_and_labels() {
    let sources: String = POCKETS
        .iter()
        .map(|pocket| format!("deb [trusted=yes] file:{{repo}} {pocket} main\n"))
        .collect();
    let tree = Tree::new(&sources, "", publish);
    let catalog = catalog(&tree);
    for name in ["omg-hello", "omg-base", "omg-secure"] {
        let (version, label) = apt_candidate(&tree, name);
        assert!(label.starts_with("Ubuntu/noble"), "{name}: {label}");
        let InfoAnswer::Found(details) = catalog.info(name).unwrap() else {
            panic!("{name} not found");
        };
        assert_eq!(
            (details.version.clone(), details.repository.clone()),
            (Some(version), label),
            "{name}"
        );
    }
}
