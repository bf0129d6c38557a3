//! Long descriptions from Translation files, compared with the apt of the machine
//! the test runs on (2.6 on Debian 12, 3.x in the Debian 13 and sid roots): a
//! repository with Translation-en and Translation-de is fetched by `apt-get update`
//! into a private APT tree, then `apt-cache search` and `apt-cache show` answer
//! beside omg's Debian backend reading the same tree. Nothing outside the tree
//! changes; the dpkg status is a copy of the machine's, so the installed apt
//! decides the behaviours that differ between apt releases.

use crate::apt_tree::{catalog, output, write_suite, Tree};
use omg_core::{InfoAnswer, SearchRequest};
use omg_packages::Catalog;
use std::path::Path;
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
    write_suite(
        repo,
        "omg",
        "Origin: omg\nCodename: omg\n",
        &[
            (format!("main/binary-{architecture}/Packages"), packages),
            ("main/i18n/Translation-en".to_owned(), english),
            ("main/i18n/Translation-de".to_owned(), german),
        ],
    );
}

fn tree(languages: &[&str]) -> Tree {
    let listed: String = languages
        .iter()
        .map(|code| format!("\"{code}\"; "))
        .collect();
    Tree::new(
        "deb [trusted=yes] file:{repo} omg main\n",
        &format!("Acquire::Languages {{ {listed}}};\n"),
        publish,
    )
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
    let tree = tree(languages);
    let catalog = catalog(&tree);
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
    let tree = tree(&["en"]);
    let catalog = catalog(&tree);
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
