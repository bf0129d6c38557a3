//! `omg audit`: installed packages against the distribution's security feed (the
//! Arch Security Tracker, the Debian Security Tracker), matched by omg-audit with
//! the distribution's version order. omgd's worker keeps the report in memory and
//! answers from it; without omgd the same report is made here, from the feed kept
//! under `$XDG_CACHE_HOME/omg/audit` (refreshed daily or on `--refresh`).

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{source, ExitStatus};
use anyhow::{Context, Result};
use omg_audit::{AuditReport, Finding, Severity};
use omg_core::BackendKind;
use omg_fetch::FetchMode;
use omg_ipc::{Reply, Request};
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
    /// The installed runtime versions too, asked of OSV.
    pub(crate) runtimes: bool,
}

/// omgd answers from memory, but may be finishing a match it started (after a
/// package change); past this the command matches itself.
const DAEMON_TIMEOUT: Duration = Duration::from_secs(10);
/// A refresh fetches tens of MB first: the fetch's own cap, and time to match.
const DAEMON_REFRESH_TIMEOUT: Duration = Duration::from_secs(330);

pub(crate) fn run(
    flags: AuditFlags,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let report = report(settings, flags.refresh)?;
    if let Some(warning) =
        report.stale_warning(omg_audit::system::unix_seconds(std::time::SystemTime::now()))
    {
        message(&format!("warning: {warning}"));
    }
    // Asked here on both paths, so omgd's answer and the direct one stay equal.
    let runtime_findings = if flags.runtimes {
        omg_audit::osv::audit_runtimes(&settings.audit.osv_url, &installed_runtimes(settings))?
    } else {
        Vec::new()
    };
    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .chain(&runtime_findings)
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

/// The whole report: omgd's when it runs, serves this system and matched the
/// same feed and release; else made here.
pub(crate) fn report(settings: &Settings, refresh: bool) -> Result<AuditReport> {
    let kind = settings.backend()?.kind;
    let timeout = if refresh {
        DAEMON_REFRESH_TIMEOUT
    } else {
        DAEMON_TIMEOUT
    };
    let answered =
        source::daemon_answer(
            settings,
            Request::Audit { refresh },
            timeout,
            |reply| match reply {
                Reply::Audit(report) => Some(report),
                _ => None,
            },
        );
    match answered {
        Some(Ok(report))
            if settings
                .audit
                .made(kind, &report.feed_url, report.release.as_deref()) =>
        {
            return Ok(report)
        }
        Some(Ok(_)) => message_debug(settings, "omgd audits another feed; answering directly"),
        Some(Err(error)) => return Err(error),
        None => {}
    }
    let installed = source::answer(settings, Request::Installed, packages, |catalog| {
        catalog.installed()
    })?;
    let upgrades = source::answer(settings, Request::Upgradable, upgrades, |catalog| {
        catalog.upgradable()
    })?;
    let mode = if refresh {
        FetchMode::Refresh
    } else {
        FetchMode::IfStale
    };
    Ok(omg_audit::system::audit(
        kind,
        installed,
        upgrades,
        &settings.audit,
        mode,
    )?)
}

/// `omg audit sbom [--vulns]`: the installed system as CycloneDX 1.5 JSON,
/// whatever `--json` says. Exit 0: the document is an inventory, not a check.
pub(crate) fn sbom(vulns: bool, settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let kind = settings.backend()?.kind;
    let installed = source::answer(settings, Request::Installed, packages, |catalog| {
        catalog.installed()
    })?;
    let runtimes = installed_runtimes(settings);
    let report = if vulns {
        let report = report(settings, false)?;
        if let Some(warning) =
            report.stale_warning(omg_audit::system::unix_seconds(std::time::SystemTime::now()))
        {
            message(&format!("warning: {warning}"));
        }
        Some(report)
    } else {
        None
    };
    let distribution = match kind {
        BackendKind::Arch => "arch",
        // purl's deb namespace is the vendor; Debian derivatives other than
        // Ubuntu ship Debian's packages.
        BackendKind::Debian if omg_core::distro::id().as_deref() == Some("ubuntu") => "ubuntu",
        BackendKind::Debian => "debian",
    };
    let serial_number = omg_audit::sbom::serial_number()
        .context("cannot make a serial number from /dev/urandom")?;
    let now = omg_audit::system::unix_seconds(std::time::SystemTime::now());
    let document = omg_audit::sbom::document(&omg_audit::sbom::SbomInput {
        kind,
        distribution,
        packages: &installed,
        runtimes: &runtimes,
        report: report.as_ref(),
        serial_number: &serial_number,
        timestamp: &crate::time::rfc3339_utc(now),
    });
    printer.json(&document)?;
    Ok(ExitStatus::Success)
}

/// The runtime versions omg installed: omgd's probe, else a fresh one.
fn installed_runtimes(settings: &Settings) -> Vec<omg_core::RuntimeProbe> {
    match source::ask_any_daemon(settings, Request::Runtimes) {
        Some(Reply::Runtimes(probes)) => probes,
        _ => omg_runtimes::probe(&omg_runtimes::Layout::new(&settings.runtimes.data_dir)),
    }
}

fn message_debug(settings: &Settings, text: &str) {
    if settings.verbose {
        message(&format!("debug: {text}"));
    }
}

fn render(printer: &mut Printer, findings: &[&Finding]) -> std::io::Result<()> {
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
