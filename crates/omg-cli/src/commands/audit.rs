//! `omg audit`: installed packages against the distribution's security feed (the
//! Arch Security Tracker, the Debian Security Tracker), matched by omg-audit with
//! the distribution's version order. The feed is kept under
//! `$XDG_CACHE_HOME/omg/audit` and refreshed daily or on `--refresh`; the installed
//! packages and the upgrades available come from omgd when it runs.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{source, ExitStatus};
use anyhow::{anyhow, Result};
use omg_audit::{Finding, Installed, Severity};
use omg_core::BackendKind;
use omg_fetch::FeedCache;
use omg_ipc::{Reply, Request};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

/// What `omg audit` was asked to show.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditFlags {
    /// Findings below this are not shown and do not count.
    pub(crate) threshold: Severity,
    /// Only findings the upgrade available now fixes.
    pub(crate) upgradable: bool,
    /// Fetch the feed even when the kept copy is under a day old.
    pub(crate) refresh: bool,
    /// Debian's `unimportant` issues too.
    pub(crate) all: bool,
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

pub(crate) fn run(
    flags: AuditFlags,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let kind = settings.backend()?.kind;
    let installed = source::answer(settings, Request::Installed, packages, |catalog| {
        catalog.installed()
    })?;
    let upgrades = source::answer(settings, Request::Upgradable, upgrades, |catalog| {
        catalog.upgradable()
    })?;
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
    let cache = FeedCache::new(&settings.audit.cache_dir, DAY);
    let findings = match kind {
        BackendKind::Arch => {
            let groups = load(
                &cache,
                "Arch Security Tracker",
                "arch.json",
                &settings.audit.arch_url,
                flags.refresh,
                &omg_audit::arch::parse,
            )?;
            omg_audit::arch::matches(&groups, &inputs)
        }
        BackendKind::Debian => {
            let release = settings.audit.release.clone().ok_or_else(|| {
                anyhow!("cannot tell this system's Debian release (no VERSION_CODENAME in os-release): set [audit] release")
            })?;
            // Only the installed sources are built: the feed is tens of MB.
            let sources: std::collections::HashSet<String> = inputs
                .iter()
                .map(|package| match &package.source {
                    Some((source, _)) => source.clone(),
                    None => package.name.clone(),
                })
                .collect();
            let parse = |bytes: &[u8]| omg_audit::debian::parse_for(bytes, &sources);
            let feed = load(
                &cache,
                "Debian Security Tracker",
                "debian.json",
                &settings.audit.debian_url,
                flags.refresh,
                &parse,
            )?;
            omg_audit::debian::matches(&feed, &release, &inputs)
        }
    };
    let shown: Vec<Finding> = findings
        .into_iter()
        .filter(|finding| flags.all || !finding.minor)
        .filter(|finding| finding.severity >= flags.threshold)
        .filter(|finding| !flags.upgradable || finding.fixed_by_upgrade)
        .collect();
    if settings.json {
        printer.json(&shown)?;
    } else {
        render(printer, &shown)?;
    }
    Ok(if shown.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The feed parsed, fetched or from the kept copy; a new body is parsed once and
/// only replaces the copy when it parses.
fn load<T>(
    cache: &FeedCache,
    feed: &'static str,
    name: &str,
    url: &str,
    refresh: bool,
    parse: &dyn Fn(&[u8]) -> Result<T, omg_audit::FeedError>,
) -> Result<T> {
    let parsed = RefCell::new(None);
    let fetched = cache.load(feed, name, url, refresh, &|bytes| {
        let value = parse(bytes).map_err(|error| error.to_string())?;
        *parsed.borrow_mut() = Some(value);
        Ok(())
    })?;
    if let Some(warning) = &fetched.warning {
        message(&format!("warning: {warning}"));
    }
    match parsed.into_inner() {
        // Parsed only if it was the body just fetched and kept.
        Some(value) if fetched.warning.is_none() => Ok(value),
        _ => Ok(parse(&fetched.bytes)?),
    }
}

fn render(printer: &mut Printer, findings: &[Finding]) -> std::io::Result<()> {
    let styles = printer.styles;
    let out = printer.out();
    if findings.is_empty() {
        writeln!(out, "no known vulnerabilities in the installed packages")?;
        return Ok(());
    }
    let mut last: Option<&str> = None;
    for finding in findings {
        if last != Some(finding.package.as_str()) {
            out.paint(styles.bold, &finding.package)?;
            write!(out, " {}", finding.installed_version)?;
            if let Some(source) = finding.source.as_deref().filter(|s| *s != finding.package) {
                write!(out, " (source {source})")?;
            }
            writeln!(out)?;
            last = Some(finding.package.as_str());
        }
        write!(
            out,
            "  {:<8} {}",
            finding.severity.as_str(),
            finding.ids.join(" ")
        )?;
        match &finding.fixed_version {
            Some(fixed) if finding.fixed_by_upgrade => {
                writeln!(out, "  fixed in {fixed}: upgrade available")?;
            }
            Some(fixed) => writeln!(out, "  fixed in {fixed}")?,
            None => writeln!(out, "  no fix yet")?,
        }
    }
    let packages = findings
        .iter()
        .map(|f| f.package.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    writeln!(out, "{} findings in {packages} packages", findings.len())
}

fn packages(reply: Reply) -> Option<Vec<omg_core::InstalledPackage>> {
    match reply {
        Reply::Packages(packages) => Some(packages),
        _ => None,
    }
}

fn upgrades(reply: Reply) -> Option<Vec<omg_core::Upgrade>> {
    match reply {
        Reply::Upgrades(upgrades) => Some(upgrades),
        _ => None,
    }
}
