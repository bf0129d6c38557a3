//! One audit of the installed system, from the installed packages and the
//! upgrades available to a report: the feed for the backend loaded through the
//! [`FeedCache`], parsed, and matched. omgd's worker and the CLI's direct path
//! both call [`audit`], so their answers are the same by construction. Where the
//! packages come from, and what is shown of the report, is theirs.

use crate::{FeedError, Installed};
use omg_core::audit::AuditReport;
use omg_core::config::Config;
use omg_core::paths::Paths;
use omg_core::{env, BackendKind, InstalledPackage, Upgrade};
use omg_fetch::{FeedCache, FetchError, FetchMode};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// A kept feed younger than this is used without asking the server.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Where the feeds come from and where they are kept, resolved the same way by
/// omg and omgd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSources {
    /// `OMG_AUDIT_ARCH_URL`, else `[audit] arch_url`, else the Arch tracker.
    pub arch_url: String,
    /// `OMG_AUDIT_DEBIAN_URL`, else `[audit] debian_url`, else Debian's tracker.
    pub debian_url: String,
    /// The Debian release to match: `[audit] release`, else os-release's codename.
    pub release: Option<String>,
    /// `$XDG_CACHE_HOME/omg/audit`.
    pub cache_dir: PathBuf,
    /// `OMG_OSV_URL`, else `[audit] osv_url`, else <https://api.osv.dev>.
    pub osv_url: String,
}

impl FeedSources {
    /// From the config and the environment (`variable` reads one variable).
    #[must_use]
    pub fn resolve(
        config: &Config,
        paths: &Paths,
        variable: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let url = |name: &str, configured: &Option<String>, default: &str| {
            variable(name)
                .filter(|value| !value.trim().is_empty())
                .or_else(|| configured.clone())
                .map_or_else(|| default.to_owned(), |url| url.trim().to_owned())
        };
        Self {
            arch_url: url(
                env::OMG_AUDIT_ARCH_URL,
                &config.audit.arch_url,
                "https://security.archlinux.org/all.json",
            ),
            debian_url: url(
                env::OMG_AUDIT_DEBIAN_URL,
                &config.audit.debian_url,
                "https://security-tracker.debian.org/tracker/data/json",
            ),
            release: config
                .audit
                .release
                .clone()
                .or_else(omg_core::distro::codename),
            cache_dir: paths.cache_dir.join("audit"),
            osv_url: url(
                env::OMG_OSV_URL,
                &config.audit.osv_url,
                crate::osv::DEFAULT_URL,
            )
            .trim_end_matches('/')
            .to_owned(),
        }
    }

    /// The feed cache both processes share.
    #[must_use]
    pub fn cache(&self) -> FeedCache {
        FeedCache::new(&self.cache_dir, REFRESH_INTERVAL)
    }

    /// The feed a backend is audited against: its name in messages, the file
    /// name it is kept under, and its URL.
    #[must_use]
    pub fn feed(&self, kind: BackendKind) -> (&'static str, &'static str, &str) {
        match kind {
            BackendKind::Arch => ("Arch Security Tracker", "arch.json", &self.arch_url),
            BackendKind::Debian => ("Debian Security Tracker", "debian.json", &self.debian_url),
        }
    }

    /// Whether a report made from `feed_url` for `release` answers for these
    /// sources (omgd's environment may differ from the asking command's).
    #[must_use]
    pub fn made(&self, kind: BackendKind, feed_url: &str, release: Option<&str>) -> bool {
        let own_release = match kind {
            BackendKind::Arch => None,
            BackendKind::Debian => self.release.as_deref(),
        };
        feed_url == self.feed(kind).2 && release == own_release
    }
}

/// Why no report could be made.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot tell this system's Debian release (no VERSION_CODENAME in os-release): set [audit] release")]
    NoRelease,
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Feed(#[from] FeedError),
}

/// Audits `installed` (with the candidates in `upgrades`) against the feed for
/// `kind`, loading it as `mode` allows.
///
/// # Errors
/// No usable feed copy, a kept copy that no longer parses, or no Debian release.
pub fn audit(
    kind: BackendKind,
    installed: Vec<InstalledPackage>,
    upgrades: Vec<Upgrade>,
    sources: &FeedSources,
    mode: FetchMode,
) -> Result<AuditReport, AuditError> {
    let candidates: HashMap<String, String> = upgrades
        .into_iter()
        .map(|upgrade| (upgrade.name, upgrade.new_version))
        .collect();
    let inputs: Vec<Installed> = installed
        .into_iter()
        .map(|package| Installed {
            candidate: candidates.get(&package.name).cloned(),
            name: package.name,
            version: package.version,
            source: package.source,
        })
        .collect();
    let cache = sources.cache();
    let (feed, name, url) = sources.feed(kind);
    let (findings, fetched, release) = match kind {
        BackendKind::Arch => {
            let (groups, fetched) = load(&cache, feed, name, url, mode, &crate::arch::parse)?;
            (crate::arch::matches(&groups, &inputs), fetched, None)
        }
        BackendKind::Debian => {
            let release = sources.release.clone().ok_or(AuditError::NoRelease)?;
            // Only the installed sources are built: the feed is tens of MB.
            let wanted: HashSet<String> = inputs
                .iter()
                .map(|package| match &package.source {
                    Some((source, _)) => source.clone(),
                    None => package.name.clone(),
                })
                .collect();
            let parse = |bytes: &[u8]| crate::debian::parse_for(bytes, &wanted);
            let (parsed, fetched) = load(&cache, feed, name, url, mode, &parse)?;
            let findings = crate::debian::matches(&parsed, &release, &inputs);
            (findings, fetched, Some(release))
        }
    };
    Ok(AuditReport {
        feed: feed.to_owned(),
        feed_url: url.to_owned(),
        release,
        checked_at: unix_seconds(fetched.checked_at),
        refresh_error: fetched.refresh_error,
        findings,
    })
}

/// What a load brings besides the parsed feed.
struct Loaded {
    checked_at: SystemTime,
    refresh_error: Option<String>,
}

/// The feed parsed, fetched or from the kept copy; a new body is parsed once and
/// only replaces the copy when it parses.
fn load<T>(
    cache: &FeedCache,
    feed: &'static str,
    name: &str,
    url: &str,
    mode: FetchMode,
    parse: &dyn Fn(&[u8]) -> Result<T, FeedError>,
) -> Result<(T, Loaded), AuditError> {
    let parsed = RefCell::new(None);
    let fetched = cache.load(feed, name, url, mode, &|bytes| {
        let value = parse(bytes).map_err(|error| error.to_string())?;
        *parsed.borrow_mut() = Some(value);
        Ok(())
    })?;
    let loaded = Loaded {
        checked_at: fetched.checked_at,
        refresh_error: fetched.refresh_error,
    };
    match parsed.into_inner() {
        // Parsed only if it was the body just fetched and kept.
        Some(value) if loaded.refresh_error.is_none() => Ok((value, loaded)),
        _ => Ok((parse(&fetched.bytes)?, loaded)),
    }
}

/// Seconds since the epoch (0 for a time before it).
#[must_use]
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}
