//! `omg info`.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{backend, render, ExitStatus};
use anyhow::Result;
use omg_index::Index;

pub(crate) fn run(name: &str, settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let backend = backend::open(&settings.backend)?;
    if let Some(details) = backend.details(name)? {
        if settings.json {
            printer.json(&details)?;
        } else {
            render::info(printer, &details)?;
        }
        return Ok(ExitStatus::Success);
    }
    let index = Index::new(backend.records()?);
    let suggestions = index.closest_names(name, 3);
    message(&format!("error: package `{name}` was not found"));
    if !suggestions.is_empty() {
        message(&format!("hint: did you mean {}?", suggestions.join(", ")));
    }
    Ok(ExitStatus::Failure)
}
