//! What a match produces, the same for every feed.

use serde::Serialize;

/// How bad a finding is; ordered, so a threshold is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
