//! The Arch User Repository: its RPC (v5) for search and info and its metadata
//! dump for a local index (feature `aur`), the local matching that gives AUR
//! results the same semantics as the official index,
//! and the pure groundwork for installs: `.SRCINFO` parsing and the build graph
//! across repository and AUR packages (no network, so they build everywhere).
//!
//! Everything the RPC or a clone returns is untrusted: names are checked against
//! pacman's rule before they are used, and text fields are left for the CLI to escape.

#[cfg(feature = "aur")]
pub mod build;
mod dependency;
#[cfg(feature = "aur")]
pub mod devel;
#[cfg(feature = "aur")]
mod dump;
#[cfg(feature = "aur")]
pub mod git;
mod graph;
#[cfg(feature = "aur")]
mod rpc;
mod srcinfo;

pub use dependency::{Comparison, Dependency, DependencyError, OptionalDependency};
#[cfg(feature = "aur")]
pub use dump::{parse_dump, AurIndex, DUMP_FILE, MAX_DUMP_BYTES};
pub use graph::{
    resolve, AurBuild, AurInstall, GraphError, KnownPackage, KnownPackages, Plan, Reason,
    RepoInstall, Repositories, ResolveOptions,
};
#[cfg(feature = "aur")]
pub use omg_core::aur::{AurHit, AurPackage, AurSearchResults};
#[cfg(feature = "aur")]
pub use rpc::{info_urls, parse_envelope, AurClient, DEFAULT_URL};
pub use srcinfo::{
    ArchList, LineProblem, Package, PackageBase, Srcinfo, SrcinfoError, MAX_SRCINFO_BYTES,
};

#[cfg(feature = "aur")]
use omg_core::MatchKind;

/// pacman's rule for package names: `[a-z0-9@._+-]`, not starting with `-` or `.`.
/// A name the RPC returns that breaks it is dropped: it could be a path, an option
/// or an escape sequence, and no real package can have it.
#[must_use]
pub fn valid_package_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '.'])
        && name.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"@._+-".contains(&byte)
        })
}

/// The AUR's base URL: `variable` (`OMG_AUR_URL`) unless blank, else
/// `configured` (`[aur] url`), else [`DEFAULT_URL`]; without a trailing slash.
/// omg and omgd both resolve it so, and omgd serves its index only to a search
/// for the same AUR.
#[cfg(feature = "aur")]
#[must_use]
pub fn base_url(variable: Option<String>, configured: Option<&str>) -> String {
    variable
        .filter(|value| !value.trim().is_empty())
        .or_else(|| configured.map(str::to_owned))
        .map_or_else(
            || DEFAULT_URL.to_owned(),
            |url| url.trim().trim_end_matches('/').to_owned(),
        )
}

/// The term to send to the RPC for `terms`: the longest, since it narrows the
/// answer most and the others are checked locally.
#[must_use]
pub fn rpc_term(terms: &[String]) -> Option<&str> {
    terms
        .iter()
        .map(|term| term.trim())
        .filter(|term| !term.is_empty())
        .max_by_key(|term| term.chars().count())
}

/// The packages every term matches (case-insensitively, in the name or the
/// description, as the official index matches), ranked like it: exact name, name
/// prefix, name substring, then description only; within a kind, more votes first.
#[cfg(feature = "aur")]
#[must_use]
pub fn search_hits(terms: &[String], packages: Vec<AurPackage>) -> Vec<AurHit> {
    let terms = normalized_terms(terms);
    let mut lowered = String::new();
    let mut hits: Vec<AurHit> = packages
        .into_iter()
        .filter(|package| valid_package_name(&package.name))
        .filter_map(|package| {
            lowercase_into(
                package.description.as_deref().unwrap_or_default(),
                &mut lowered,
            );
            let matched = match_kind(&terms, &package.name, &lowered)?;
            Some(AurHit { package, matched })
        })
        .collect();
    hits.sort_by(|a, b| {
        hit_order(
            (a.matched, a.package.num_votes, &a.package.name),
            (b.matched, b.package.num_votes, &b.package.name),
        )
    });
    hits
}

/// The terms as matching compares them: trimmed, lowercased, blanks dropped.
#[cfg(feature = "aur")]
fn normalized_terms(terms: &[String]) -> Vec<String> {
    terms
        .iter()
        .map(|term| term.trim().to_lowercase())
        .filter(|term| !term.is_empty())
        .collect()
}

/// `text.to_lowercase()` into a reused buffer. Descriptions are nearly all ASCII,
/// and ASCII lowercasing is the same mapping without the allocation; anything
/// else goes through Unicode's rules (final sigma included), so both search
/// paths match the same packages.
#[cfg(feature = "aur")]
fn lowercase_into(text: &str, buffer: &mut String) {
    if text.is_ascii() {
        buffer.clear();
        buffer.push_str(text);
        buffer.make_ascii_lowercase();
    } else {
        *buffer = text.to_lowercase();
    }
}

/// How a package with a valid (so already lowercase) `name` and a lowercased
/// description matches every one of `terms`, or `None`.
#[cfg(feature = "aur")]
fn match_kind(terms: &[String], name: &str, description: &str) -> Option<MatchKind> {
    let all = terms
        .iter()
        .all(|term| name.contains(term.as_str()) || description.contains(term.as_str()));
    if !all {
        return None;
    }
    Some(if terms.iter().any(|term| term == name) {
        MatchKind::ExactName
    } else if terms.iter().any(|term| name.starts_with(term.as_str())) {
        MatchKind::NamePrefix
    } else if terms.iter().any(|term| name.contains(term.as_str())) {
        MatchKind::NameSubstring
    } else {
        MatchKind::Description
    })
}

/// The ranking of hits given as (kind, votes, name): kind, then more votes, then
/// name, so that equal packages always come out in the same order.
#[cfg(feature = "aur")]
fn hit_order(a: (MatchKind, u64, &str), b: (MatchKind, u64, &str)) -> std::cmp::Ordering {
    a.0.cmp(&b.0)
        .then_with(|| b.1.cmp(&a.1))
        .then_with(|| a.2.cmp(b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "aur")]
    fn package(name: &str, description: &str, votes: u64) -> AurPackage {
        AurPackage {
            name: name.to_owned(),
            package_base: name.to_owned(),
            version: "1-1".to_owned(),
            description: Some(description.to_owned()),
            num_votes: votes,
            ..AurPackage::default()
        }
    }

    #[test]
    fn package_names_follow_pacman_rule() {
        for good in [
            "paru",
            "lib32-glibc",
            "python-foo.bar",
            "gtk+",
            "foo@2",
            "0ad",
        ] {
            assert!(valid_package_name(good), "{good}");
        }
        for bad in [
            "",
            "-rf",
            ".hidden",
            "Paru",
            "a b",
            "a/b",
            "../x",
            "a\u{1b}[31m",
            "é",
        ] {
            assert!(!valid_package_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn rpc_term_is_the_longest_non_blank_term() {
        let terms = vec!["ab".to_owned(), "  ".to_owned(), "abcd".to_owned()];
        assert_eq!(rpc_term(&terms), Some("abcd"));
        assert_eq!(rpc_term(&["  ".to_owned()]), None);
    }

    #[cfg(feature = "aur")]
    #[test]
    fn search_hits_need_every_term_and_rank_like_the_index() {
        let packages = vec![
            package("yay", "Yet another yogurt", 10),
            package("paru-bin", "Feature packed AUR helper", 50),
            package("paru", "Feature packed AUR helper", 40),
            package("aurutils", "helper tools for the AUR", 900),
            package("xparu", "unrelated", 1),
            package("Bad-Name", "AUR helper", 1),
        ];
        let terms = vec!["paru".to_owned(), "helper".to_owned()];
        let names: Vec<_> = search_hits(&terms, packages.clone())
            .into_iter()
            .map(|hit| (hit.package.name, hit.matched))
            .collect();
        assert_eq!(
            names,
            [
                ("paru".to_owned(), MatchKind::ExactName),
                ("paru-bin".to_owned(), MatchKind::NamePrefix),
            ]
        );
        let names: Vec<_> = search_hits(&["aur".to_owned()], packages)
            .into_iter()
            .map(|hit| hit.package.name)
            .collect();
        assert_eq!(names, ["aurutils", "paru-bin", "paru"]);
    }
}
