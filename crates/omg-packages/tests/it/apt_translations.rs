//! Long descriptions from Translation files, compared with the apt of the machine
//! the test runs on (2.6 on Debian 12, 3.x in the Debian 13 and sid roots): a
//! repository with Translation-en and Translation-de is fetched by `apt-get update`
//! into a private APT tree, then `apt-cache search` and `apt-cache show` answer
//! beside omg's Debian backend reading the same tree. Nothing outside the tree
//! changes; the dpkg status is a copy of the machine's, so the installed apt
//! decides the behaviours that differ between apt releases.

use omg_core::{BackendKind, BackendSelection, InfoAnswer, SearchRequest};
use omg_packages::debian::{DebianBackend, DebianPaths};
use omg_packages::Catalog;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A package of the repository: its name, English description (synopsis, then
/// long lines), German description, and what its Packages stanza says.
struct Listed {
    name: &'static str,
    english: &'static str,
    german: Option<&'static str>,
    shape: Shape,
}

enum Shape {
    /// Synopsis and Description-md5, as Debian's archive lists packages.
    Archive,
    /// A stale md5: the Translation describes another version.
    StaleMd5,
    /// The whole description and no md5, as small repositories list packages.
    Whole,
}

const LISTED: &[Listed] = &[
    Listed {
        name: "omg-editor",
        english: "text editor for tests\n It edits zebra files quickly.\n .\n Text editor, really.",
        german: Some("Texteditor für Tests\n Er bearbeitet Zebradateien."),
        shape: Shape::Archive,
    },
    Listed {
        name: "omg-viewer",
        english: "file viewer\n Shows quokka pictures\n   * indented list item",
        german: None,
        shape: Shape::Archive,
    },
    Listed {
        name: "omg-whole",
        english: "whole description\n Its long text mentions a wombat.",
        german: None,
        shape: Shape::Whole,
    },
    Listed {
        name: "omg-stale",
        english: "stale translation\n Only the stale text mentions a platypus.",
        german: None,
        shape: Shape::StaleMd5,
    },
    Listed {
        name: "linux-image-9.9.9-omg",
        english: "image for tests\n Boots nothing.",
        german: None,
        shape: Shape::Archive,
    },
    Listed {
        name: "linux-image-9.9.9-omg-dbg",
        english: "debug symbols for tests\n Boots nothing either.",
        german: None,
        shape: Shape::Archive,
    },
];

fn output(command: &mut Command) -> String {
    let output = command.output().expect("runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn md5_of(text: &str) -> String {
    let mut command = Command::new("sh");
    command.args(["-c", "printf '%s\\n' \"$1\" | md5sum", "sh", text]);
    output(&mut command)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn synopsis(description: &str) -> &str {
    description.lines().next().unwrap()
}

/// The repository under `repo`, suite `omg`, component `main`.
fn publish(repo: &Path, architecture: &str) {
    let mut packages = String::new();
    let mut english = String::new();
    let mut german = String::new();
    for listed in LISTED {
        let md5 = md5_of(listed.english);
        let description = match listed.shape {
            Shape::Archive => format!(
                "Description: {}\nDescription-md5: {md5}\n",
                synopsis(listed.english)
            ),
            Shape::StaleMd5 => format!(
                "Description: {}\nDescription-md5: {}\n",
                synopsis(listed.english),
                md5_of("another text")
            ),
            Shape::Whole => format!("Description: {}\n", listed.english),
        };
        packages.push_str(&format!(
            "Package: {}\nVersion: 1.0\nArchitecture: {architecture}\nMaintainer: omg tests <omg@example.invalid>\nSection: misc\nFilename: pool/{}_1.0.deb\nSize: 100\n{description}\n",
            listed.name, listed.name
        ));
        english.push_str(&format!(
            "Package: {}\nDescription-md5: {md5}\nDescription-en: {}\n\n",
            listed.name, listed.english
        ));
        if let Some(text) = listed.german {
            german.push_str(&format!(
                "Package: {}\nDescription-md5: {md5}\nDescription-de: {text}\n\n",
                listed.name
            ));
        }
    }
    let dists = repo.join("dists/omg");
    let files = [
        (format!("main/binary-{architecture}/Packages"), packages),
        ("main/i18n/Translation-en".to_owned(), english),
        ("main/i18n/Translation-de".to_owned(), german),
    ];
    let mut sums = String::new();
    for (relative, text) in &files {
        let path = dists.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let sum = output(Command::new("sha256sum").arg(&path));
        sums.push_str(&format!(
            " {} {} {relative}\n",
            sum.split_whitespace().next().unwrap(),
            text.len()
        ));
    }
    std::fs::write(
        dists.join("Release"),
        format!(
            "Origin: omg\nSuite: omg\nCodename: omg\nDate: {}\nComponents: main\nArchitectures: {architecture}\nSHA256:\n{sums}",
            output(Command::new("date").arg("-Ru")).trim()
        ),
    )
    .unwrap();
}

/// A private APT tree reading only the repository, with `languages` as
/// `Acquire::Languages`; `apt()` runs an apt program on it.
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new(languages: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        // apt's unprivileged downloader reads the file: repository.
        std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let architecture = output(Command::new("dpkg").arg("--print-architecture"))
            .trim()
            .to_owned();
        publish(&root.join("repo"), &architecture);
        for sub in [
            "etc/apt.conf.d",
            "etc/sources.list.d",
            "etc/preferences.d",
            "lists/partial",
            "cache/archives/partial",
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(
            root.join("etc/sources.list"),
            format!(
                "deb [trusted=yes] file:{} omg main\n",
                root.join("repo").display()
            ),
        )
        .unwrap();
        let listed: String = languages
            .iter()
            .map(|code| format!("\"{code}\"; "))
            .collect();
        std::fs::write(
            root.join("etc/apt.conf"),
            format!("Acquire::Languages {{ {listed}}};\n"),
        )
        .unwrap();
        std::fs::copy("/var/lib/dpkg/status", root.join("status")).unwrap();
        std::fs::write(
            root.join("apt-config"),
            format!(
                "Dir::Etc \"{0}/etc\";\nDir::Etc::Parts \"apt.conf.d\";\nDir::Etc::Main \"apt.conf\";\nDir::State::Lists \"{0}/lists\";\nDir::State::status \"{0}/status\";\nDir::State::extended_states \"{0}/extended_states\";\nDir::Cache \"{0}/cache\";\nAPT::Get::List-Cleanup \"false\";\n",
                root.display()
            ),
        )
        .unwrap();
        let tree = Self { _dir: dir, root };
        tree.apt("apt-get", &["update", "-q"]);
        tree
    }

    fn apt(&self, program: &str, args: &[&str]) -> String {
        output(
            Command::new(program)
                .args(args)
                .env("APT_CONFIG", self.root.join("apt-config"))
                .env("LC_ALL", "C.UTF-8"),
        )
    }

    fn catalog(&self) -> Catalog {
        let paths = DebianPaths {
            lists_dir: self.root.join("lists"),
            status_file: self.root.join("status"),
            extended_states: self.root.join("extended_states"),
            etc_dir: self.root.join("etc"),
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
}

fn apt_search(tree: &Tree, terms: &[&str]) -> Vec<String> {
    let mut args = vec!["search"];
    args.extend(terms);
    let mut names: Vec<String> = tree
        .apt("apt-cache", &args)
        .lines()
        .filter_map(|line| line.split(" - ").next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn omg_search(catalog: &Catalog, terms: &[&str]) -> Vec<String> {
    let request = SearchRequest {
        terms: terms.iter().map(|term| (*term).to_owned()).collect(),
        limit: None,
        fuzzy_below: 0,
    };
    let mut names: Vec<String> = catalog
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.package.name)
        .collect();
    names.sort();
    names
}

/// `apt-cache show`'s description of `name`: synopsis, then the long lines as
/// `info` shows them (unindented, ` .` as an empty line).
fn apt_description(tree: &Tree, name: &str) -> (String, Option<String>) {
    let show = tree.apt("apt-cache", &["show", name]);
    let mut lines = show
        .lines()
        .skip_while(|line| !line.starts_with("Description") || line.starts_with("Description-md5"));
    let first = lines.next().expect("a description");
    let synopsis = first.split_once(": ").unwrap().1.to_owned();
    let long: Vec<&str> = lines
        .take_while(|line| line.starts_with(' '))
        .map(|line| match &line[1..] {
            "." => "",
            rest => rest,
        })
        .collect();
    (synopsis, (!long.is_empty()).then(|| long.join("\n")))
}

fn compare(languages: &[&str], queries: &[(&[&str], bool)]) {
    let tree = Tree::new(languages);
    let catalog = tree.catalog();
    for &(terms, found) in queries {
        let expected = apt_search(&tree, terms);
        assert_eq!(
            !expected.is_empty(),
            found,
            "apt-cache search {terms:?} with {languages:?} found {expected:?}"
        );
        assert_eq!(
            omg_search(&catalog, terms),
            expected,
            "search {terms:?} with {languages:?}"
        );
    }
    for listed in LISTED {
        let InfoAnswer::Found(details) = catalog.info(listed.name).unwrap() else {
            panic!("{} not found", listed.name);
        };
        let (synopsis, long) = apt_description(&tree, listed.name);
        assert_eq!(
            (
                details.description.clone(),
                details.long_description.clone()
            ),
            (synopsis, long),
            "info {} with {languages:?}",
            listed.name
        );
    }
}

#[test]
fn english_descriptions_equal_apt_cache() {
    compare(
        &["en"],
        &[
            (&["zebra"], true),
            (&["quokka"], true),
            (&["wombat"], true),
            (&["platypus"], false),
            (&["bearbeitet"], false),
            (&["text", "editor"], true),
            (&["text editor"], true),
            (&["indented list"], true),
            (&["omg"], true),
        ],
    );
}

#[test]
fn german_descriptions_come_first_and_english_is_still_searched() {
    compare(
        &["de", "en"],
        &[
            (&["zebra"], true),
            (&["zebradateien"], true),
            (&["texteditor"], true),
            (&["quokka"], true),
            (&["platypus"], false),
        ],
    );
}

#[test]
fn no_languages_search_the_lists_alone() {
    compare(
        &["none"],
        &[
            (&["zebra"], false),
            (&["wombat"], true),
            (&["editor"], true),
        ],
    );
}

/// apt gives kernel images a `$kernel` provide; its search finds them by it from
/// apt 2.7.8 on, and the apt installed here decides what omg must answer.
#[test]
fn kernel_images_are_found_by_their_implicit_provide_as_this_apt_finds_them() {
    let tree = Tree::new(&["en"]);
    let catalog = tree.catalog();
    let expected = apt_search(&tree, &["kernel"]);
    let ours = omg_search(&catalog, &["kernel"]);
    assert_eq!(ours, expected);
    let apt_version = tree.apt("dpkg-query", &["-W", "-f", "${Version}", "apt"]);
    let newer = Command::new("dpkg")
        .args(["--compare-versions", &apt_version, "ge", "2.7.8~"])
        .status()
        .unwrap()
        .success();
    assert_eq!(
        expected.iter().any(|name| name == "linux-image-9.9.9-omg"),
        newer,
        "apt {apt_version} found {expected:?}"
    );
    assert!(!ours.iter().any(|name| name == "linux-image-9.9.9-omg-dbg"));
}
