//! `omg list --installed`: like `pacman -Q` and `dpkg-query -W`.

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{backend, ExitStatus};
use anyhow::Result;
use std::io::Write;

pub(crate) fn run(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let backend = backend::open(&settings.backend)?;
    let installed = backend.installed()?;
    if settings.json {
        printer.json(&installed)?;
    } else {
        let styles = printer.styles;
        let out = printer.out();
        for package in &installed {
            writeln!(
                out,
                "{}{}{} {}{}{}",
                styles.bold,
                package.name,
                styles.reset,
                styles.green,
                package.version,
                styles.reset
            )?;
        }
    }
    Ok(ExitStatus::Success)
}
