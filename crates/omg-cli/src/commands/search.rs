//! `omg search`.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{backend, render, ExitStatus};
use anyhow::{bail, Result};
use omg_index::{Index, SearchQuery};

pub(crate) fn run(
    terms: &[String],
    limit: Option<usize>,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    if terms.iter().all(|term| term.trim().is_empty()) {
        bail!("empty search query: give at least one term that is not blank");
    }
    let backend = backend::open(&settings.backend)?;
    let index = Index::new(backend.records()?);
    let results = index.search(&SearchQuery {
        terms,
        limit,
        fuzzy_below: settings.fuzzy_below,
    });
    if settings.json {
        printer.json(&results)?;
    } else {
        render::search(printer, &results)?;
    }
    if results.hits.is_empty() {
        message(&format!("no package matches {}", terms.join(" ")));
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}
