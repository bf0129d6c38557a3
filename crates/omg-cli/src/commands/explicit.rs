//! `omg explicit`: like `pacman -Qeq` and `apt-mark showmanual`.

use crate::printer::Printer;
use crate::settings::Settings;
use crate::{backend, ExitStatus};
use anyhow::Result;
use std::io::Write;

pub(crate) fn run(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let backend = backend::open(&settings.backend)?;
    let explicit: Vec<_> = backend
        .installed()?
        .into_iter()
        .filter(|package| package.explicit)
        .collect();
    if settings.json {
        printer.json(&explicit)?;
    } else {
        let out = printer.out();
        for package in &explicit {
            writeln!(out, "{}", package.name)?;
        }
    }
    Ok(ExitStatus::Success)
}
