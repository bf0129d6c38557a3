//! `omg status`.

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_ipc::{Reply, Request};

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
    if settings.json {
        printer.json(&status)?;
    } else {
        render::status(printer, &status)?;
    }
    Ok(ExitStatus::Success)
}
