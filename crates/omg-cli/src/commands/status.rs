//! `omg status`. Vulnerability counts come only from omgd's worker, which
//! matches the feed in the background: without omgd the status says nothing
//! about them, since matching here would parse a feed of tens of MB on a path
//! that must stay instant.

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_core::audit::AuditSummary;
use omg_core::{RuntimeProbe, SystemStatus};
use omg_ipc::{Reply, Request};
use serde::Serialize;

/// `omg status --json`: the system's fields, plus the runtimes.
#[derive(Serialize)]
struct JsonStatus<'a> {
    #[serde(flatten)]
    system: &'a SystemStatus,
    runtimes: &'a [RuntimeProbe],
    /// omgd's counts; null without omgd or before its first match.
    vulnerabilities: Option<&'a AuditSummary>,
}

/// What omgd can say about vulnerabilities.
pub(crate) enum Vulnerabilities {
    /// No omgd serving this system, no report yet (no feed was ever fetched), or
    /// a report from another feed: nothing to say.
    Unknown,
    Counted(AuditSummary),
}

pub(crate) fn run(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let status = source::answer(
        settings,
        Request::Status,
        |reply| match reply {
            Reply::Status(status) => Some(status),
            _ => None,
        },
        omg_packages::Catalog::status,
    )?;
    let runtimes = match source::ask_any_daemon(settings, Request::Runtimes) {
        Some(Reply::Runtimes(probes)) => probes,
        _ => omg_runtimes::probe(&omg_runtimes::Layout::new(&settings.runtimes.data_dir)),
    };
    let vulnerabilities = vulnerabilities(settings);
    if settings.json {
        printer.json(&JsonStatus {
            system: &status,
            runtimes: &runtimes,
            vulnerabilities: match &vulnerabilities {
                Vulnerabilities::Counted(summary) => Some(summary),
                _ => None,
            },
        })?;
    } else {
        render::status(printer, &status, &runtimes, &vulnerabilities)?;
    }
    Ok(ExitStatus::Success)
}

fn vulnerabilities(settings: &Settings) -> Vulnerabilities {
    let Ok(backend) = settings.backend() else {
        return Vulnerabilities::Unknown;
    };
    let answered = source::daemon_answer(
        settings,
        Request::AuditSummary,
        source::DAEMON_TIMEOUT,
        |reply| match reply {
            Reply::AuditSummary(summary) => Some(summary),
            _ => None,
        },
    );
    match answered {
        Some(Ok(Some(summary)))
            if settings
                .audit
                .made(backend.kind, &summary.feed_url, summary.release.as_deref()) =>
        {
            Vulnerabilities::Counted(summary)
        }
        _ => Vulnerabilities::Unknown,
    }
}
