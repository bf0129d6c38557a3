//! The Arch Security Tracker's `all.json`: one AVG group per element, matched as
//! arch-audit matches it (an installed package named in a group whose status is
//! not "Not affected" is affected when the group has no fix or the installed
//! version is older than the fix, by pacman's vercmp).

use crate::{FeedError, Finding, Installed, Severity};
use omg_core::version::pacman::vercmp;
use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One AVG group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    /// `AVG-<n>`.
    pub name: String,
    pub packages: Vec<String>,
    pub status: String,
    pub severity: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub affected: String,
    pub fixed: Option<String>,
    /// CVE ids.
    #[serde(default)]
    pub issues: Vec<String>,
}

/// Parses `all.json`.
pub fn parse(bytes: &[u8]) -> Result<Vec<Group>, FeedError> {
    serde_json::from_slice(bytes).map_err(|source| FeedError::Malformed {
        feed: "Arch Security Tracker",
        source,
    })
}

fn severity(text: &str) -> Severity {
    text.parse().unwrap_or(Severity::Unknown)
}

/// The findings for `installed`, sorted by package then group.
#[must_use]
pub fn matches(groups: &[Group], installed: &[Installed]) -> Vec<Finding> {
    let by_name: HashMap<&str, &Installed> =
        installed.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut findings = Vec::new();
    for group in groups.iter().filter(|g| g.status != "Not affected") {
        for name in &group.packages {
            let Some(package) = by_name.get(name.as_str()) else {
                continue;
            };
            let affected = group
                .fixed
                .as_deref()
                .is_none_or(|fixed| vercmp(&package.version, fixed) == Ordering::Less);
            if !affected {
                continue;
            }
            let fixed_by_upgrade = match (&group.fixed, &package.candidate) {
                (Some(fixed), Some(candidate)) => vercmp(candidate, fixed) != Ordering::Less,
                _ => false,
            };
            let mut ids = vec![group.name.clone()];
            ids.extend(group.issues.iter().cloned());
            findings.push(Finding {
                package: package.name.clone(),
                source: None,
                installed_version: package.version.clone(),
                ids,
                severity: severity(&group.severity),
                fixed_version: group.fixed.clone(),
                fixed_by_upgrade,
                minor: false,
            });
        }
    }
    findings.sort_by(|a, b| a.package.cmp(&b.package).then_with(|| a.ids.cmp(&b.ids)));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"[
      {"name":"AVG-1","packages":["openssl","lib32-openssl"],"status":"Fixed","severity":"High",
       "type":"arbitrary code execution","affected":"3.0.7-1","fixed":"3.0.8-1","ticket":null,
       "issues":["CVE-2023-0286"],"advisories":["ASA-202302-05"]},
      {"name":"AVG-2","packages":["zlib"],"status":"Vulnerable","severity":"Critical",
       "type":"denial of service","affected":"1:1.3-1","fixed":null,"ticket":null,
       "issues":["CVE-2024-1"],"advisories":[]},
      {"name":"AVG-3","packages":["curl"],"status":"Not affected","severity":"Low",
       "type":"information disclosure","affected":"8.0-1","fixed":null,"ticket":null,
       "issues":["CVE-2024-2"],"advisories":[]},
      {"name":"AVG-4","packages":["bash"],"status":"Fixed","severity":"Medium",
       "type":"unknown","affected":"5.1-1","fixed":"5.2-1","ticket":null,"issues":[],"advisories":[]}
    ]"#;

    fn installed(name: &str, version: &str, candidate: Option<&str>) -> Installed {
        Installed {
            name: name.to_owned(),
            version: version.to_owned(),
            source: None,
            candidate: candidate.map(str::to_owned),
        }
    }

    #[test]
    fn matches_as_arch_audit_does() {
        let groups = parse(FEED.as_bytes()).unwrap();
        let findings = matches(
            &groups,
            &[
                installed("openssl", "3.0.7-1", Some("3.0.8-1")),
                installed("lib32-openssl", "3.0.8-1", None),
                installed("zlib", "1:1.3-1", None),
                installed("curl", "8.0-1", None),
                installed("bash", "5.1-1", Some("5.1-2")),
            ],
        );
        let summary: Vec<(&str, &str, Severity, Option<&str>, bool)> = findings
            .iter()
            .map(|f| {
                (
                    f.package.as_str(),
                    f.ids[0].as_str(),
                    f.severity,
                    f.fixed_version.as_deref(),
                    f.fixed_by_upgrade,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("bash", "AVG-4", Severity::Medium, Some("5.2-1"), false),
                ("openssl", "AVG-1", Severity::High, Some("3.0.8-1"), true),
                ("zlib", "AVG-2", Severity::Critical, None, false),
            ]
        );
        assert_eq!(findings[1].ids, ["AVG-1", "CVE-2023-0286"]);
    }

    #[test]
    fn an_epoch_decides_as_vercmp_does() {
        let groups = parse(
            br#"[{"name":"AVG-9","packages":["p"],"status":"Fixed","severity":"Low","type":"x",
                 "affected":"1:1.0-1","fixed":"1:1.1-1","issues":[]}]"#,
        )
        .unwrap();
        // 2.0 without an epoch is older than anything with epoch 1.
        assert_eq!(matches(&groups, &[installed("p", "2.0-1", None)]).len(), 1);
        assert!(matches(&groups, &[installed("p", "1:1.1-1", None)]).is_empty());
    }

    #[test]
    fn malformed_feeds_are_errors_not_panics() {
        for bad in [&b"{"[..], b"[{\"name\":1}]", b"null", b"\xff\xfe"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
