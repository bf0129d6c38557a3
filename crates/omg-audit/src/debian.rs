//! The Debian Security Tracker's JSON (`/tracker/data/json`): source package →
//! issue id → release codename → status. Matched as debsecan matches: through
//! each binary's source package and source version, for the system's release,
//! with dpkg's version order.

use crate::{FeedError, Finding, Installed, Severity};
use omg_core::version::dpkg;
use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// One issue's state in one release.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReleaseState {
    /// `open`, `resolved` or `undetermined`.
    pub status: String,
    /// Empty or absent while open; `"0"` when the release was never affected.
    #[serde(default)]
    pub fixed_version: Option<String>,
    #[serde(default)]
    pub urgency: Option<String>,
}

/// One issue of one source package.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Issue {
    #[serde(default)]
    pub releases: HashMap<String, ReleaseState>,
}

/// The whole feed: source package → issue id (CVE or TEMP) → issue.
pub type Feed = HashMap<String, HashMap<String, Issue>>;

/// Parses the tracker's JSON.
pub fn parse(bytes: &[u8]) -> Result<Feed, FeedError> {
    serde_json::from_slice(bytes).map_err(|source| FeedError::Malformed {
        feed: "Debian Security Tracker",
        source,
    })
}

/// The feed restricted to the `sources` given (the installed ones): every other
/// source's issues are skipped as they are read, never built, which keeps a
/// Debian-sized feed (about 50 MB, tens of thousands of sources) to the memory of
/// the few thousand a system has installed. The JSON must still be valid as a
/// whole.
pub fn parse_for(bytes: &[u8], sources: &HashSet<String>) -> Result<Feed, FeedError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let feed = serde::de::DeserializeSeed::deserialize(Only { sources }, &mut deserializer)
        .and_then(|feed| deserializer.end().map(|()| feed))
        .map_err(|source| FeedError::Malformed {
            feed: "Debian Security Tracker",
            source,
        })?;
    Ok(feed)
}

/// The top-level map, keeping only the named sources.
struct Only<'a> {
    sources: &'a HashSet<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Only<'_> {
    type Value = Feed;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Feed, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Only<'_> {
    type Value = Feed;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a map of source packages to their issues")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Feed, A::Error> {
        let mut feed = Feed::new();
        while let Some(source) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.sources.contains(source.as_ref()) {
                feed.insert(source.into_owned(), map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(feed)
    }
}

/// Debian's urgency as a severity; `unimportant` is low and marked minor (hidden
/// unless asked for); the tracker's `*` marks (uncertain) are ignored.
fn severity(urgency: Option<&str>) -> (Severity, bool) {
    let urgency = urgency.unwrap_or("").trim_end_matches('*');
    match urgency {
        "unimportant" => (Severity::Low, true),
        "low" => (Severity::Low, false),
        "medium" => (Severity::Medium, false),
        "high" => (Severity::High, false),
        _ => (Severity::Unknown, false),
    }
}

/// The findings for `installed` in release `codename`, sorted by package then id.
#[must_use]
pub fn matches(feed: &Feed, codename: &str, installed: &[Installed]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for package in installed {
        let (source, source_version) = match &package.source {
            Some((name, version)) => (name.as_str(), version.as_str()),
            None => (package.name.as_str(), package.version.as_str()),
        };
        let Some(issues) = feed.get(source) else {
            continue;
        };
        for (id, issue) in issues {
            let Some(state) = issue.releases.get(codename) else {
                continue;
            };
            let fixed = state
                .fixed_version
                .as_deref()
                .filter(|version| !version.is_empty());
            let fixed_version = match (state.status.as_str(), fixed) {
                ("resolved", Some("0")) => continue,
                ("resolved", Some(fixed)) => {
                    if dpkg::compare(source_version, fixed) != Ordering::Less {
                        continue;
                    }
                    Some(fixed.to_owned())
                }
                ("open", _) => None,
                // `undetermined`, or resolved without a version: nothing to say.
                _ => continue,
            };
            let fixed_by_upgrade = match (&fixed_version, &package.candidate) {
                (Some(fixed), Some(candidate)) => dpkg::compare(candidate, fixed) != Ordering::Less,
                _ => false,
            };
            let (severity, minor) = severity(state.urgency.as_deref());
            findings.push(Finding {
                package: package.name.clone(),
                source: Some(source.to_owned()),
                installed_version: package.version.clone(),
                ids: vec![id.clone()],
                severity,
                fixed_version,
                fixed_by_upgrade,
                minor,
            });
        }
    }
    findings.sort_by(|a, b| a.package.cmp(&b.package).then_with(|| a.ids.cmp(&b.ids)));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-checked against the rules: open, resolved above and below the
    /// installed version, never affected, unimportant, another release only.
    const FEED: &str = r#"{
      "zlib": {
        "CVE-2023-0001": {"description": "open one", "releases": {
          "bookworm": {"status": "open", "repositories": {"bookworm": "1:1.2.13.dfsg-1"},
                       "urgency": "high"}}},
        "CVE-2023-0002": {"releases": {
          "bookworm": {"status": "resolved", "fixed_version": "1:1.2.13.dfsg-2",
                       "urgency": "medium"}}},
        "CVE-2023-0003": {"releases": {
          "bookworm": {"status": "resolved", "fixed_version": "1:1.2.11-1",
                       "urgency": "low"}}},
        "CVE-2023-0004": {"releases": {
          "bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "high"}}},
        "TEMP-0000001-ABCDEF": {"releases": {
          "bookworm": {"status": "open", "urgency": "unimportant",
                       "nodsa": "Minor issue", "nodsa_reason": "ignored"}}},
        "CVE-2023-0005": {"releases": {
          "trixie": {"status": "open", "urgency": "high"}}},
        "CVE-2023-0006": {"releases": {
          "bookworm": {"status": "undetermined", "urgency": "not yet assigned"}}}
      },
      "other": {"CVE-2023-0007": {"releases": {
          "bookworm": {"status": "open", "urgency": "not yet assigned"}}}}
    }"#;

    fn zlib_binary(name: &str, candidate: Option<&str>) -> Installed {
        Installed {
            name: name.to_owned(),
            version: "1:1.2.13.dfsg-1".to_owned(),
            source: Some(("zlib".to_owned(), "1:1.2.13.dfsg-1".to_owned())),
            candidate: candidate.map(str::to_owned),
        }
    }

    #[test]
    fn matches_as_debsecan_does() {
        let feed = parse(FEED.as_bytes()).unwrap();
        let findings = matches(
            &feed,
            "bookworm",
            &[zlib_binary("zlib1g", Some("1:1.2.13.dfsg-2"))],
        );
        let summary: Vec<(&str, Severity, Option<&str>, bool, bool)> = findings
            .iter()
            .map(|f| {
                (
                    f.ids[0].as_str(),
                    f.severity,
                    f.fixed_version.as_deref(),
                    f.fixed_by_upgrade,
                    f.minor,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("CVE-2023-0001", Severity::High, None, false, false),
                (
                    "CVE-2023-0002",
                    Severity::Medium,
                    Some("1:1.2.13.dfsg-2"),
                    true,
                    false
                ),
                ("TEMP-0000001-ABCDEF", Severity::Low, None, false, true),
            ]
        );
        assert!(findings.iter().all(|f| f.source.as_deref() == Some("zlib")));
    }

    #[test]
    fn every_binary_of_a_source_is_reported() {
        let feed = parse(FEED.as_bytes()).unwrap();
        let findings = matches(
            &feed,
            "bookworm",
            &[zlib_binary("zlib1g", None), zlib_binary("zlib1g-dev", None)],
        );
        assert_eq!(findings.len(), 6);
        assert!(findings.iter().all(|f| !f.fixed_by_upgrade));
    }

    #[test]
    fn a_binary_that_is_its_own_source_is_looked_up_by_name() {
        let feed = parse(FEED.as_bytes()).unwrap();
        let own = Installed {
            name: "other".to_owned(),
            version: "1.0-1".to_owned(),
            source: None,
            candidate: None,
        };
        let findings = matches(&feed, "bookworm", &[own]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Unknown);
        assert!(matches(&feed, "trixie", &[zlib_binary("zlib1g", None)]).len() == 1);
    }

    #[test]
    fn a_restricted_parse_keeps_only_the_named_sources_and_matches_the_same() {
        let sources: HashSet<String> = ["zlib".to_owned()].into();
        let only = parse_for(FEED.as_bytes(), &sources).unwrap();
        assert_eq!(only.keys().collect::<Vec<_>>(), ["zlib"]);
        let all = parse(FEED.as_bytes()).unwrap();
        let installed = [zlib_binary("zlib1g", None)];
        assert_eq!(
            matches(&only, "bookworm", &installed),
            matches(&all, "bookworm", &installed)
        );
        // Skipped sources must still be valid JSON.
        assert!(parse_for(b"{\"other\": [1, 2,], \"zlib\": {}}", &sources).is_err());
        assert!(parse_for(b"{\"zlib\": {}} trailing", &sources).is_err());
    }

    #[test]
    fn malformed_feeds_are_errors_not_panics() {
        for bad in [
            &b"["[..],
            b"{\"zlib\": 3}",
            b"{\"a\":{\"b\":{\"releases\":{\"x\":{}}}}}",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
