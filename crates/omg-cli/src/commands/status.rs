//! `omg status`.

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{backend, render, ExitStatus};
use anyhow::Result;

pub(crate) fn run(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let backend = backend::open(&settings.backend)?;
    let available = backend.records()?.len();
    let status = omg_packages::system_status(backend.as_ref(), available)?;
    if settings.json {
        printer.json(&status)?;
    } else {
        render::status(printer, &status, &backend.root())?;
    }
    Ok(ExitStatus::Success)
}
