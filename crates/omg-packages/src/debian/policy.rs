//! APT's candidate policy: package-file priorities (500, NotAutomatic 1,
//! ButAutomaticUpgrades 100, the dpkg status 100, `APT::Default-Release` 990, generic
//! pins), per-version pins from preferences(.d), and the choice of the candidate
//! among a package's versions, in the order libapt-pkg's `pkgPolicy` applies them.
//!
//! Source-package pins (`Package: src:…`) are read past: they match nothing.

use super::control::{lossy, stanzas};
use super::files::config_parts;
use super::release::Release;
use omg_core::version::dpkg;
use std::path::Path;

/// The priority APT gives a version it must never install.
const NEVER: i32 = 0;

/// One package index (or the dpkg status) as the policy sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct PackageFile {
    pub(crate) release: Release,
    pub(crate) component: String,
    pub(crate) architecture: String,
    /// The URI's host (empty for local files and the status file).
    pub(crate) site: String,
    /// The dpkg status file: it only counts for the installed version.
    pub(crate) is_status: bool,
    /// Filled in by [`Policy::new`].
    pub(crate) priority: i32,
    /// How answers name it: origin/suite/component.
    pub(crate) label: String,
}

/// What a pin compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// `Pin: release …`: fields of the Release file, or a bare archive/codename/version.
    Release(Vec<(char, String)>),
    /// `Pin: origin host`.
    Origin(String),
    /// `Pin: version 1.2*`.
    Version(String),
}

/// One preferences stanza, or `APT::Default-Release`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin {
    /// Package patterns with their architecture qualifier; empty for `Package: *`.
    packages: Vec<(String, Option<String>)>,
    matcher: Matcher,
    priority: i32,
}

/// Preferences and Default-Release over the configured package files.
#[derive(Debug)]
pub(crate) struct Policy {
    files: Vec<PackageFile>,
    specific: Vec<Pin>,
    native_architecture: String,
}

/// One version of a package, with the files it is in.
#[derive(Debug, Clone)]
pub(crate) struct VersionFiles<'a> {
    pub(crate) version: &'a str,
    /// Indexes into [`Policy::files`]; the status file's for the installed version.
    pub(crate) files: Vec<usize>,
    pub(crate) installed: bool,
}

impl Policy {
    /// Reads `etc/preferences` and `etc/preferences.d` and gives every file its
    /// priority. Stanzas APT would reject are skipped and named in `warnings`.
    pub(crate) fn new(
        mut files: Vec<PackageFile>,
        etc: &Path,
        default_release: Option<&str>,
        native_architecture: &str,
        warnings: &mut Vec<String>,
    ) -> Self {
        let mut pins = Vec::new();
        if let Some(release) = default_release {
            let matcher = release_matcher(release);
            // apt refuses to run with such a setting; the read path says so and goes on.
            if !files.iter().any(|file| file_matches(&matcher, file)) {
                warnings.push(format!(
                    "APT::Default-Release \"{release}\" names no release of the configured sources"
                ));
            }
            pins.push(Pin {
                packages: Vec::new(),
                matcher,
                priority: 990,
            });
        }
        let mut paths = vec![etc.join("preferences")];
        paths.extend(config_parts(&etc.join("preferences.d"), &["pref"], true));
        for path in paths {
            if let Ok(text) = std::fs::read(&path) {
                pins.extend(read_preferences(&text, &path, warnings));
            }
        }
        let (generic, specific): (Vec<Pin>, Vec<Pin>) =
            pins.into_iter().partition(|pin| pin.packages.is_empty());
        for file in &mut files {
            file.priority = match (
                file.release.not_automatic,
                file.release.but_automatic_upgrades,
            ) {
                _ if file.is_status => 100,
                (true, true) => 100,
                (true, false) => 1,
                _ => 500,
            };
            // The first generic pin matching a file decides its priority.
            if let Some(pin) = generic.iter().find(|pin| file_matches(&pin.matcher, file)) {
                file.priority = pin.priority;
            }
        }
        Self {
            files,
            specific,
            native_architecture: native_architecture.to_owned(),
        }
    }

    /// The files, with their priorities.
    pub(crate) fn files(&self) -> &[PackageFile] {
        &self.files
    }

    /// The priority of one version: its pin's, or the best of its files'.
    pub(crate) fn priority(
        &self,
        name: &str,
        architecture: &str,
        version: &str,
        files: &[usize],
        installed: bool,
    ) -> i32 {
        let pinned = self.specific.iter().find(|pin| {
            pin.packages.iter().any(|(pattern, arch)| {
                self.names_match(pattern, arch.as_deref(), name, architecture)
            }) && match &pin.matcher {
                Matcher::Version(pattern) => version_matches(pattern, version),
                matcher => files
                    .iter()
                    .any(|&file| file_matches(matcher, &self.files[file])),
            }
        });
        if let Some(pin) = pinned {
            return pin.priority;
        }
        files
            .iter()
            .map(|&file| &self.files[file])
            .filter(|file| !file.is_status || installed)
            .map(|file| file.priority)
            .max()
            .unwrap_or(NEVER)
    }

    fn names_match(
        &self,
        pattern: &str,
        qualifier: Option<&str>,
        name: &str,
        architecture: &str,
    ) -> bool {
        let wanted = qualifier.unwrap_or(&self.native_architecture);
        let architecture_matches = wanted == "any"
            || wanted == architecture
            || (architecture == "all" && qualifier.is_none());
        architecture_matches && (pattern == name || expression_matches(pattern, name))
    }

    /// The candidate among `versions` (any order): the highest priority wins, the
    /// newer version among equals; the installed version holds unless another has a
    /// higher priority and, below it, only a priority of 1000 or more (a downgrade) wins.
    pub(crate) fn candidate(
        &self,
        name: &str,
        architecture: &str,
        versions: &[VersionFiles<'_>],
    ) -> Option<usize> {
        let mut order: Vec<usize> = (0..versions.len()).collect();
        order.sort_by(|&a, &b| dpkg::compare(versions[b].version, versions[a].version));
        let mut best = None;
        let mut max = NEVER;
        for index in order {
            let version = &versions[index];
            let priority = self.priority(
                name,
                architecture,
                version.version,
                &version.files,
                version.installed,
            );
            if priority > max {
                best = Some(index);
                max = priority;
            }
            if version.installed && max < 1000 {
                // A pin below 1000 on a newer version does not make the installed one
                // lose; from here on only a downgrade pin can win.
                if best.is_none() {
                    best = Some(index);
                }
                max = 999;
            }
        }
        best
    }
}

/// Parses preferences stanzas (`Package`, `Pin`, `Pin-Priority`).
fn read_preferences(text: &[u8], path: &Path, warnings: &mut Vec<String>) -> Vec<Pin> {
    let text: Vec<u8> = text
        .split(|&c| c == b'\n')
        .filter(|line| !line.starts_with(b"#"))
        .flat_map(|line| line.iter().copied().chain(std::iter::once(b'\n')))
        .collect();
    let mut pins = Vec::new();
    for stanza in stanzas(&text) {
        let field = |key: &str| stanza.field(key).map(lossy);
        let (Some(package), Some(pin)) = (field("Package"), field("Pin")) else {
            // An Explanation-only stanza is a comment; anything else is malformed.
            if stanza.field("Package").is_some() || stanza.field("Pin").is_some() {
                warnings.push(format!(
                    "{}: a stanza without Package or Pin is ignored",
                    path.display()
                ));
            }
            continue;
        };
        let priority = field("Pin-Priority").and_then(|value| value.trim().parse::<i32>().ok());
        let Some(priority) = priority.filter(|&priority| priority != 0) else {
            warnings.push(format!(
                "{}: the pin for {package} has no (or a zero) Pin-Priority and is ignored",
                path.display()
            ));
            continue;
        };
        let pin = pin.trim();
        let (kind, data) = pin.split_once(char::is_whitespace).unwrap_or((pin, ""));
        let data = data.trim();
        let packages: Vec<(String, Option<String>)> = if package.trim() == "*" {
            Vec::new()
        } else {
            package
                .split_whitespace()
                .filter(|word| !word.starts_with("src:"))
                .map(|word| match word.rsplit_once(':') {
                    Some((name, arch)) => (name.to_owned(), Some(arch.to_owned())),
                    None => (word.to_owned(), None),
                })
                .collect()
        };
        if packages.is_empty() && package.trim() != "*" {
            continue;
        }
        let matcher = match kind.to_ascii_lowercase().as_str() {
            "release" => release_matcher(data),
            "origin" => Matcher::Origin(data.trim_matches('"').to_owned()),
            "version" if !packages.is_empty() => Matcher::Version(data.to_owned()),
            _ => {
                warnings.push(format!(
                    "{}: unknown pin `{pin}` is ignored",
                    path.display()
                ));
                continue;
            }
        };
        pins.push(Pin {
            packages,
            matcher,
            priority,
        });
    }
    pins
}

/// `o=Debian,a=stable`, or a bare word: a version when it starts with a digit, else
/// an archive or codename.
fn release_matcher(data: &str) -> Matcher {
    if !data.contains('=') {
        let key = if data.starts_with(|c: char| c.is_ascii_digit()) {
            'v'
        } else {
            'r'
        };
        return Matcher::Release(vec![(key, data.to_owned())]);
    }
    Matcher::Release(
        data.split(',')
            .filter_map(|part| part.trim().split_once('='))
            .filter_map(|(key, value)| {
                let mut chars = key.trim().chars();
                match (chars.next(), chars.next()) {
                    (Some(key), None) => Some((key, value.trim().to_owned())),
                    _ => None,
                }
            })
            .collect(),
    )
}

fn file_matches(matcher: &Matcher, file: &PackageFile) -> bool {
    let field =
        |value: &str, pattern: &str| !value.is_empty() && expression_matches(pattern, value);
    match matcher {
        // `Pin: origin ""` means local repositories, never the status file.
        Matcher::Origin(site) => {
            !file.is_status
                && if site.is_empty() {
                    file.site.is_empty()
                } else {
                    expression_matches(site, &file.site)
                }
        }
        Matcher::Version(_) => false,
        Matcher::Release(parts) => {
            let release = &file.release;
            let archive = if file.is_status {
                "now"
            } else {
                release.suite.as_str()
            };
            !parts.is_empty()
                && parts.iter().all(|(key, pattern)| match key {
                    'v' => version_matches(pattern, &release.version),
                    'o' => field(&release.origin, pattern),
                    'a' => field(archive, pattern),
                    'n' => field(&release.codename, pattern),
                    'r' => field(archive, pattern) || field(&release.codename, pattern),
                    'l' => field(&release.label, pattern),
                    'c' => field(&file.component, pattern),
                    'b' => field(&file.architecture, pattern),
                    _ => false,
                })
        }
    }
}

/// `1.2*` is a prefix, anything else an exact version or a glob (case-insensitive).
fn version_matches(pattern: &str, version: &str) -> bool {
    if version.is_empty() {
        return false;
    }
    match pattern.strip_suffix('*') {
        Some(prefix)
            if version.len() >= prefix.len()
                && version.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes()) =>
        {
            true
        }
        _ => pattern.eq_ignore_ascii_case(version) || expression_matches(pattern, version),
    }
}

/// `/regex/` (extended, case-insensitive, unanchored) or a case-insensitive glob.
pub(crate) fn expression_matches(pattern: &str, value: &str) -> bool {
    if let Some(inner) = pattern
        .strip_prefix('/')
        .and_then(|rest| rest.strip_suffix('/'))
    {
        return regex_lite::Regex::new(&format!("(?i){inner}"))
            .is_ok_and(|regex| regex.is_match(value));
    }
    glob(pattern.as_bytes(), value.as_bytes())
}

/// fnmatch with `*`, `?` and `[…]` classes, ASCII case folded.
fn glob(pattern: &[u8], value: &[u8]) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some((b'*', rest)) => (0..=value.len()).any(|skip| glob(rest, &value[skip..])),
        Some((b'?', rest)) => !value.is_empty() && glob(rest, &value[1..]),
        Some((b'[', rest)) => {
            let Some(close) = rest.iter().skip(1).position(|&c| c == b']').map(|i| i + 1) else {
                return value.first() == Some(&b'[') && glob(rest, &value[1..]);
            };
            let Some(&c) = value.first() else {
                return false;
            };
            let (negated, class) = match rest[..close].split_first() {
                Some((b'!' | b'^', class)) => (true, class),
                _ => (false, &rest[..close]),
            };
            let c = c.to_ascii_lowercase();
            let mut found = false;
            let mut i = 0;
            while i < class.len() {
                let low = class[i].to_ascii_lowercase();
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    found |= (low..=class[i + 2].to_ascii_lowercase()).contains(&c);
                    i += 3;
                } else {
                    found |= low == c;
                    i += 1;
                }
            }
            found != negated && glob(&rest[close + 1..], &value[1..])
        }
        Some((&c, rest)) => {
            value.first().is_some_and(|v| v.eq_ignore_ascii_case(&c)) && glob(rest, &value[1..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_regexes_match_like_apt() {
        assert!(expression_matches("omg-*", "omg-test-hello"));
        assert!(expression_matches("OMG-?est", "omg-test"));
        assert!(expression_matches("lib[a-c]x", "libbx"));
        assert!(!expression_matches("lib[!a-c]x", "libbx"));
        assert!(expression_matches("/^python3\\.[0-9]+$/", "python3.11"));
        assert!(!expression_matches("/^python3$/", "python3-dev"));
        assert!(!expression_matches("omg", "omg-test"));
    }

    #[test]
    fn release_matcher_reads_bare_words_and_fields() {
        assert_eq!(
            release_matcher("12*"),
            Matcher::Release(vec![('v', "12*".to_owned())])
        );
        assert_eq!(
            release_matcher("bookworm"),
            Matcher::Release(vec![('r', "bookworm".to_owned())])
        );
        assert_eq!(
            release_matcher("o=Debian, a=stable"),
            Matcher::Release(vec![('o', "Debian".to_owned()), ('a', "stable".to_owned())])
        );
    }

    #[test]
    fn version_pins_take_prefixes_and_globs() {
        assert!(version_matches("1.0*", "1.0.3-1"));
        assert!(version_matches("1.0.3-1", "1.0.3-1"));
        assert!(!version_matches("1.0", "1.0.3-1"));
        assert!(version_matches("1.?.3-*", "1.0.3-1"));
    }

    #[test]
    fn origin_pins_match_the_host_and_local_files() {
        let remote = PackageFile {
            site: "deb.example.org".to_owned(),
            ..PackageFile::default()
        };
        let local = PackageFile::default();
        let status = PackageFile {
            is_status: true,
            ..PackageFile::default()
        };
        let origin = |site: &str| Matcher::Origin(site.to_owned());
        assert!(file_matches(&origin("deb.example.org"), &remote));
        assert!(!file_matches(&origin("deb.example.org"), &local));
        assert!(file_matches(&origin(""), &local));
        assert!(!file_matches(&origin(""), &status));
    }
}
