//! What a vulnerability audit produces, the same for every feed and for both
//! paths (omgd's worker and the CLI's direct run): the findings, and what the
//! feed copy they came from was. Matching lives in omg-audit; these are only the
//! values that cross the socket.

use serde::{Deserialize, Serialize};

/// How bad a finding is; ordered, so a threshold is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The feed has not said (Arch `Unknown`, Debian `not yet assigned`).
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The word for it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "unknown" => Ok(Self::Unknown),
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            other => Err(format!(
                "unknown severity `{other}`: expected low, medium, high or critical"
            )),
        }
    }
}

/// One installed package affected by one advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Binary package name.
    pub package: String,
    /// Source package, where the distribution has one (Debian).
    pub source: Option<String>,
    /// The installed version.
    pub installed_version: String,
    /// Advisory ids: the AVG then its CVEs on Arch, the CVE (or TEMP id) on Debian.
    pub ids: Vec<String>,
    pub severity: Severity,
    /// The first version without the issue; `None` when there is no fix yet.
    pub fixed_version: Option<String>,
    /// Installing the candidate available now fixes it.
    pub fixed_by_upgrade: bool,
    /// Debian's `unimportant` urgency: shown only when asked for.
    pub minor: bool,
}

/// Every finding for the installed system against one feed, and where that feed
/// copy stands. Findings are not filtered: thresholds and `--all` are the
/// caller's, so one report answers every `omg audit` variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The feed's name for messages (`Debian Security Tracker`).
    pub feed: String,
    /// Where the feed was fetched from: a report made from another URL does not
    /// answer for this one.
    pub feed_url: String,
    /// The release matched (Debian's codename); `None` on Arch.
    pub release: Option<String>,
    /// When the copy matched was last confirmed current (unix seconds).
    pub checked_at: i64,
    /// Why the last attempt to refresh the copy failed, when it did: the copy
    /// matched is then older than it should be.
    pub refresh_error: Option<String>,
    /// Sorted by package, then ids.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// The warning for a copy that could not be refreshed, its age as of `now`
    /// (unix seconds), so it reads the same whichever process kept the report.
    #[must_use]
    pub fn stale_warning(&self, now: i64) -> Option<String> {
        let reason = self.refresh_error.as_deref()?;
        let age = u64::try_from(now.saturating_sub(self.checked_at)).unwrap_or(0);
        Some(format!(
            "cannot refresh the {} feed ({reason}); using the copy from {} ago",
            self.feed,
            describe_age(age)
        ))
    }
}

/// How many findings of each severity, as `omg status` shows them: what a plain
/// `omg audit` shows (Debian's unimportant issues left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSummary {
    /// The feed's name for messages.
    pub feed: String,
    /// Where the feed came from (see [`AuditReport::feed_url`]).
    pub feed_url: String,
    /// The release matched (Debian).
    pub release: Option<String>,
    /// When the copy matched was last confirmed current (unix seconds).
    pub checked_at: i64,
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub unknown: u32,
    /// Of all those, the ones the upgrade available now fixes.
    pub fixed_by_upgrade: u32,
    /// Installed packages with at least one.
    pub packages: u32,
}

impl AuditReport {
    /// The counts of what `omg audit` shows by default.
    #[must_use]
    pub fn summary(&self) -> AuditSummary {
        let mut summary = AuditSummary {
            feed: self.feed.clone(),
            feed_url: self.feed_url.clone(),
            release: self.release.clone(),
            checked_at: self.checked_at,
            ..AuditSummary::default()
        };
        let mut packages = std::collections::BTreeSet::new();
        for finding in self.findings.iter().filter(|finding| !finding.minor) {
            let count = match finding.severity {
                Severity::Critical => &mut summary.critical,
                Severity::High => &mut summary.high,
                Severity::Medium => &mut summary.medium,
                Severity::Low => &mut summary.low,
                Severity::Unknown => &mut summary.unknown,
            };
            *count += 1;
            summary.fixed_by_upgrade += u32::from(finding.fixed_by_upgrade);
            packages.insert(finding.package.as_str());
        }
        summary.packages = u32::try_from(packages.len()).unwrap_or(u32::MAX);
        summary
    }
}

impl AuditSummary {
    /// All findings counted.
    #[must_use]
    pub fn total(&self) -> u32 {
        self.critical + self.high + self.medium + self.low + self.unknown
    }
}

/// An age in the largest unit that still says something.
#[must_use]
pub fn describe_age(seconds: u64) -> String {
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7199 => format!("{} min", seconds / 60),
        7200..=172_799 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(package: &str, severity: Severity, fixed_by_upgrade: bool, minor: bool) -> Finding {
        Finding {
            package: package.to_owned(),
            source: None,
            installed_version: "1".to_owned(),
            ids: vec!["CVE-1".to_owned()],
            severity,
            fixed_version: None,
            fixed_by_upgrade,
            minor,
        }
    }

    #[test]
    fn summary_counts_what_a_plain_audit_shows() {
        let report = AuditReport {
            feed: "Debian Security Tracker".to_owned(),
            feed_url: "http://feed".to_owned(),
            release: Some("bookworm".to_owned()),
            checked_at: 7,
            refresh_error: None,
            findings: vec![
                finding("a", Severity::Critical, true, false),
                finding("a", Severity::High, false, false),
                finding("b", Severity::High, true, false),
                finding("b", Severity::Low, false, true),
                finding("c", Severity::Unknown, false, false),
            ],
        };
        let summary = report.summary();
        assert_eq!(
            (
                summary.critical,
                summary.high,
                summary.medium,
                summary.low,
                summary.unknown
            ),
            (1, 2, 0, 0, 1)
        );
        assert_eq!(summary.fixed_by_upgrade, 2);
        assert_eq!(summary.packages, 3);
        assert_eq!(summary.total(), 4);
        assert_eq!(summary.checked_at, 7);
    }

    #[test]
    fn stale_warning_says_the_age_at_display_time() {
        let mut report = AuditReport {
            feed: "Arch Security Tracker".to_owned(),
            feed_url: String::new(),
            release: None,
            checked_at: 1_000,
            refresh_error: None,
            findings: Vec::new(),
        };
        assert_eq!(report.stale_warning(5_000), None);
        report.refresh_error = Some("HTTP 503".to_owned());
        assert_eq!(
            report.stale_warning(1_000 + 3 * 3600).as_deref(),
            Some("cannot refresh the Arch Security Tracker feed (HTTP 503); using the copy from 3 h ago")
        );
    }
}
