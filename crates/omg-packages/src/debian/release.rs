//! A repository's `InRelease`/`Release` file as APT keeps it in the lists
//! directory: the fields pins match on and the NotAutomatic flags.
//!
//! Signatures are not checked here: APT verified the file before storing it, and the
//! read path trusts what APT trusted.

use super::control::{lossy, stanzas};
use super::sources::is_true;
use std::path::Path;

/// What a Release file says about its repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Release {
    pub(crate) origin: String,
    pub(crate) label: String,
    /// `Suite` (APT's archive, `a=`).
    pub(crate) suite: String,
    /// `Codename` (`n=`).
    pub(crate) codename: String,
    /// `Version` (`v=`).
    pub(crate) version: String,
    pub(crate) not_automatic: bool,
    pub(crate) but_automatic_upgrades: bool,
}

impl Release {
    /// The first of `names` present in `lists_dir`; `None` when there is none
    /// (APT then knows the repository by its source line only).
    pub(crate) fn read(lists_dir: &Path, names: &[String]) -> Option<Self> {
        names
            .iter()
            .find_map(|name| std::fs::read(lists_dir.join(name)).ok())
            .map(|text| Self::parse(&text))
    }

    /// Parses a Release file, clearsigned or not.
    pub(crate) fn parse(text: &[u8]) -> Self {
        let body = signed_body(text);
        let Some(stanza) = stanzas(&body).next() else {
            return Self::default();
        };
        let text = |key: &str| stanza.field(key).map(lossy).unwrap_or_default();
        let flag = |key: &str| {
            stanza
                .field(key)
                .is_some_and(|value| is_true(&lossy(value)))
        };
        Self {
            origin: text("Origin"),
            label: text("Label"),
            suite: text("Suite"),
            codename: text("Codename"),
            version: text("Version"),
            not_automatic: flag("NotAutomatic"),
            but_automatic_upgrades: flag("ButAutomaticUpgrades"),
        }
    }
}

/// The signed text of a clearsigned file (dash-escaping undone), or the file itself.
fn signed_body(text: &[u8]) -> Vec<u8> {
    let text = lossy(text);
    if !text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
        return text.into_bytes();
    }
    let mut lines = text.lines();
    // Armor headers (`Hash: SHA512`) end at the first empty line.
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
    }
    let mut body = String::new();
    for line in lines {
        if line.starts_with("-----BEGIN PGP SIGNATURE-----") {
            break;
        }
        body.push_str(line.strip_prefix("- ").unwrap_or(line));
        body.push('\n');
    }
    body.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_of_clearsigned_backports() {
        let text = b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian Backports\nLabel: Debian Backports\nSuite: stable-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\nSHA256:\n 0123 10 main/binary-amd64/Packages\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
        let release = Release::parse(text);
        assert_eq!(release.origin, "Debian Backports");
        assert_eq!(release.suite, "stable-backports");
        assert_eq!(release.codename, "bookworm-backports");
        assert!(release.not_automatic && release.but_automatic_upgrades);
    }

    #[test]
    fn release_plain_without_flags() {
        let release = Release::parse(b"Origin: Debian\nSuite: stable\nVersion: 12.11\n");
        assert_eq!(release.version, "12.11");
        assert!(!release.not_automatic && !release.but_automatic_upgrades);
    }
}
