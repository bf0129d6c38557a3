//! `omg status`.

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_core::{RuntimeProbe, SystemStatus};
use omg_ipc::{Reply, Request};
use serde::Serialize;

/// `omg status --json`: the system's fields, plus the runtimes.
#[derive(Serialize)]
struct JsonStatus<'a> {
    #[serde(flatten)]
    system: &'a SystemStatus,
    runtimes: &'a [RuntimeProbe],
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
    if settings.json {
        printer.json(&JsonStatus {
            system: &status,
            runtimes: &runtimes,
        })?;
    } else {
        render::status(printer, &status, &runtimes)?;
    }
    Ok(ExitStatus::Success)
}
