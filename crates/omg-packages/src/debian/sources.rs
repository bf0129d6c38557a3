//! The sources APT is configured with (`sources.list`, one-line `.list` and deb822
//! `.sources` files in `sources.list.d`) and the file names APT gives their indexes
//! in the lists directory.
//!
//! Only binary (`deb`) sources matter here; `deb-src`, signing and transport options
//! are read past. A list file of a source that is no longer configured is never
//! looked at, which is how stale lists stay out of the answers.

use super::control::{lossy, stanzas};
use super::files::config_parts;
use std::path::Path;

/// One `Packages` index a configured source asks APT to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexTarget {
    /// The list file name without its compression suffix.
    pub(crate) list_name: String,
    /// Which [`Repository`] (of [`Sources::repositories`]) it belongs to.
    pub(crate) repository: usize,
    /// The component (`main`), empty for a flat repository.
    pub(crate) component: String,
    /// The architecture the index is for.
    pub(crate) architecture: String,
}

/// One `URI suite` pair: what a Release file describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repository {
    /// The lists file names of its `InRelease` and `Release`, preferred first.
    pub(crate) release_names: [String; 2],
    /// The host of its URI (APT's "origin" for `Pin: origin`), empty for local files.
    pub(crate) site: String,
    /// The suite as written in the source (`bookworm`, `./`).
    pub(crate) suite: String,
    /// The URI as written, for messages.
    pub(crate) uri: String,
}

/// Every configured binary index, in APT's reading order.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub(crate) repositories: Vec<Repository>,
    pub(crate) targets: Vec<IndexTarget>,
    /// Per component of a `dists` repository, once each and in order: its
    /// `Translation-` index URI, to which a language code is appended.
    pub(crate) translation_prefixes: Vec<String>,
}

/// One `deb` entry before expansion.
struct Entry {
    uri: String,
    suite: String,
    components: Vec<String>,
    architectures: Vec<String>,
}

impl Sources {
    /// Reads `etc/sources.list` and `etc/sources.list.d`; `architectures` is the
    /// default set (native first, then foreign). Unreadable files are skipped and
    /// named in `warnings`.
    pub(crate) fn read(etc: &Path, architectures: &[String], warnings: &mut Vec<String>) -> Self {
        let mut sources = Self::default();
        let mut files = vec![etc.join("sources.list")];
        files.extend(config_parts(
            &etc.join("sources.list.d"),
            &["list", "sources"],
            false,
        ));
        for path in files {
            let text = match std::fs::read(&path) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => {
                    warnings.push(format!("skipping {}: {error}", path.display()));
                    continue;
                }
            };
            let entries = if path.extension().is_some_and(|ext| ext == "sources") {
                deb822_entries(&text, architectures)
            } else {
                one_line_entries(&lossy(&text), architectures)
            };
            for entry in entries {
                sources.add(entry);
            }
        }
        sources
    }

    fn add(&mut self, entry: Entry) {
        let uri = if entry.uri.ends_with('/') {
            entry.uri
        } else {
            format!("{}/", entry.uri)
        };
        let flat = entry.suite.ends_with('/');
        // A flat repository keeps its index beside the Release file; a dists one
        // needs components, without which APT rejects the line.
        if !flat && entry.components.is_empty() {
            return;
        }
        let base = if flat {
            format!("{uri}{}", entry.suite)
        } else {
            format!("{uri}dists/{}/", entry.suite)
        };
        let repository = match self
            .repositories
            .iter()
            .position(|known| known.uri == uri && known.suite == entry.suite)
        {
            Some(index) => index,
            None => {
                self.repositories.push(Repository {
                    release_names: [
                        uri_to_file_name(&format!("{base}InRelease")),
                        uri_to_file_name(&format!("{base}Release")),
                    ],
                    site: site_of(&uri),
                    suite: entry.suite.clone(),
                    uri: uri.clone(),
                });
                self.repositories.len() - 1
            }
        };
        let components = if flat {
            vec![String::new()]
        } else {
            entry.components
        };
        for component in &components {
            // apt looks for a flat repository's translations nowhere by default.
            let prefix = format!("{base}{component}/i18n/Translation-");
            if !flat && !self.translation_prefixes.contains(&prefix) {
                self.translation_prefixes.push(prefix);
            }
            for architecture in &entry.architectures {
                let index = if flat {
                    format!("{base}Packages")
                } else {
                    format!("{base}{component}/binary-{architecture}/Packages")
                };
                let target = IndexTarget {
                    list_name: uri_to_file_name(&index),
                    repository,
                    component: component.clone(),
                    architecture: architecture.clone(),
                };
                // A flat index is one file whatever the architecture.
                if !self
                    .targets
                    .iter()
                    .any(|known| known.list_name == target.list_name)
                {
                    self.targets.push(target);
                }
            }
        }
    }
}

/// `deb [arch=amd64 trusted=yes] http://host/debian bookworm main contrib` lines.
fn one_line_entries(text: &str, default_architectures: &[String]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let Some(rest) = line.strip_prefix("deb") else {
            continue;
        };
        // `deb-src` and anything else starting with the letters.
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let mut rest = rest.trim_start();
        let mut options = Vec::new();
        if let Some(after) = rest.strip_prefix('[') {
            let Some((inside, after)) = after.split_once(']') else {
                continue;
            };
            options = inside
                .split_whitespace()
                .filter_map(|option| option.split_once('='))
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect();
            rest = after.trim_start();
        }
        let mut words = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
            continue;
        };
        let architectures = architectures_from_options(&options, default_architectures);
        entries.push(Entry {
            uri: uri.to_owned(),
            suite: suite.to_owned(),
            components: words.map(str::to_owned).collect(),
            architectures,
        });
    }
    entries
}

/// Applies `arch=`, `arch+=` and `arch-=` (the last two arrive as keys ending in
/// `+`/`-` because the split is at `=`).
fn architectures_from_options(options: &[(String, String)], defaults: &[String]) -> Vec<String> {
    let mut architectures = defaults.to_vec();
    for (key, value) in options {
        let values = value.split(',').map(str::to_owned);
        match key.as_str() {
            "arch" => architectures = values.collect(),
            "arch+" => {
                for value in values {
                    if !architectures.contains(&value) {
                        architectures.push(value);
                    }
                }
            }
            "arch-" => {
                let removed: Vec<String> = values.collect();
                architectures.retain(|arch| !removed.contains(arch));
            }
            _ => {}
        }
    }
    architectures
}

/// deb822 stanzas: `Types`, `URIs`, `Suites`, `Components`, `Architectures`, `Enabled`.
fn deb822_entries(text: &[u8], default_architectures: &[String]) -> Vec<Entry> {
    // Comment lines may sit inside a stanza; dropping them keeps it one stanza.
    let text: Vec<u8> = text
        .split(|&c| c == b'\n')
        .filter(|line| !line.starts_with(b"#"))
        .flat_map(|line| line.iter().copied().chain(std::iter::once(b'\n')))
        .collect();
    let mut entries = Vec::new();
    for stanza in stanzas(&text) {
        let words = |key: &str| -> Vec<String> {
            stanza
                .text_field(key)
                .map(|value| value.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default()
        };
        if !words("Types").iter().any(|kind| kind == "deb") {
            continue;
        }
        if stanza
            .text_field("Enabled")
            .is_some_and(|value| !is_true(&value))
        {
            continue;
        }
        let mut options = Vec::new();
        for (field, key) in [
            ("Architectures", "arch"),
            ("Architectures-Add", "arch+"),
            ("Architectures-Remove", "arch-"),
        ] {
            let values = words(field);
            if !values.is_empty() {
                options.push((key.to_owned(), values.join(",")));
            }
        }
        let architectures = architectures_from_options(&options, default_architectures);
        let components = words("Components");
        for uri in words("URIs") {
            for suite in words("Suites") {
                entries.push(Entry {
                    uri: uri.clone(),
                    suite,
                    components: components.clone(),
                    architectures: architectures.clone(),
                });
            }
        }
    }
    entries
}

/// APT's boolean words.
pub(crate) fn is_true(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "no" | "false" | "0" | "off" | "without" | "disable"
    )
}

/// The host of a URI: what `Pin: origin` compares with.
fn site_of(uri: &str) -> String {
    let Some((_, rest)) = uri.split_once(':') else {
        return String::new();
    };
    let Some(authority) = rest.strip_prefix("//") else {
        return String::new();
    };
    let authority = authority.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    host.split(':').next().unwrap_or_default().to_owned()
}

/// The name APT stores a downloaded URI under in its lists directory: scheme and
/// credentials dropped, unsafe characters percent-escaped, `/` turned into `_`.
pub(crate) fn uri_to_file_name(uri: &str) -> String {
    let without_scheme = match uri.split_once(':') {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"+.-".contains(&c)) =>
        {
            rest
        }
        _ => uri,
    };
    let (authority, path) = match without_scheme.strip_prefix("//") {
        Some(rest) => match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        },
        None => ("", without_scheme),
    };
    let host = authority.rsplit('@').next().unwrap_or_default();
    let path = if path.starts_with('/') || host.is_empty() {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let mut name = String::with_capacity(host.len() + path.len());
    for byte in host.bytes().chain(path.bytes()) {
        if byte <= 0x20 || byte >= 0x7f || br#"\|{}[]<>"^~_=!@#$%^&*"#.contains(&byte) {
            name.push_str(&format!("%{byte:02x}"));
        } else if byte == b'/' {
            name.push('_');
        } else {
            name.push(char::from(byte));
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amd64() -> Vec<String> {
        vec!["amd64".to_owned()]
    }

    #[test]
    fn uri_to_file_name_matches_apt() {
        let cases = [
            (
                "http://deb.debian.org/debian/dists/bookworm/InRelease",
                "deb.debian.org_debian_dists_bookworm_InRelease",
            ),
            (
                "https://user:secret@example.org:8080/a_b/~x/Packages",
                "example.org:8080_a%5fb_%7ex_Packages",
            ),
            ("file:/srv/repo/./Packages", "_srv_repo_._Packages"),
            ("file:///srv/my repo/Release", "_srv_my%20repo_Release"),
        ];
        for (uri, expected) in cases {
            assert_eq!(uri_to_file_name(uri), expected, "{uri}");
        }
    }

    #[test]
    fn one_line_sources_expand_components_and_arch_options() {
        let text = "# comment\ndeb [arch=amd64,i386 trusted=yes] http://h/d bookworm main contrib\ndeb-src http://h/d bookworm main\ndeb [ arch-=i386 ] file:/srv/r ./ # flat\n";
        let mut sources = Sources::default();
        let defaults = vec!["amd64".to_owned(), "i386".to_owned()];
        for entry in one_line_entries(text, &defaults) {
            sources.add(entry);
        }
        let names: Vec<&str> = sources
            .targets
            .iter()
            .map(|t| t.list_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "h_d_dists_bookworm_main_binary-amd64_Packages",
                "h_d_dists_bookworm_main_binary-i386_Packages",
                "h_d_dists_bookworm_contrib_binary-amd64_Packages",
                "h_d_dists_bookworm_contrib_binary-i386_Packages",
                "_srv_r_._Packages",
            ]
        );
        assert_eq!(sources.repositories[0].site, "h");
        assert_eq!(sources.repositories[1].site, "");
        assert_eq!(
            sources.repositories[1].release_names[0],
            "_srv_r_._InRelease"
        );
    }

    #[test]
    fn deb822_skips_disabled_stanzas_and_honours_architectures() {
        let text = b"Types: deb deb-src\n# inside\nURIs: http://h/d\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://off/d\nSuites: x\nComponents: main\nEnabled: no\n\nTypes: deb\nURIs: http://h/e\nSuites: s\nComponents: c\nArchitectures: arm64\n";
        let mut sources = Sources::default();
        for entry in deb822_entries(text, &amd64()) {
            sources.add(entry);
        }
        let names: Vec<&str> = sources
            .targets
            .iter()
            .map(|t| t.list_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "h_d_dists_bookworm_main_binary-amd64_Packages",
                "h_d_dists_bookworm-updates_main_binary-amd64_Packages",
                "h_e_dists_s_c_binary-arm64_Packages",
            ]
        );
    }

    #[test]
    fn read_takes_list_and_sources_parts_only() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join("sources.list.d");
        std::fs::create_dir(&parts).unwrap();
        std::fs::write(dir.path().join("sources.list"), "deb http://a/d s main\n").unwrap();
        std::fs::write(parts.join("b.list"), "deb http://b/d s main\n").unwrap();
        std::fs::write(parts.join("c.list.disabled"), "deb http://c/d s main\n").unwrap();
        let mut warnings = Vec::new();
        let sources = Sources::read(dir.path(), &amd64(), &mut warnings);
        let uris: Vec<&str> = sources
            .repositories
            .iter()
            .map(|r| r.uri.as_str())
            .collect();
        assert_eq!(uris, ["http://a/d/", "http://b/d/"]);
        assert!(warnings.is_empty());
    }
}
