//! `omg search`.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_core::SearchRequest;
use omg_ipc::{Reply, Request};

pub(crate) fn run(
    terms: &[String],
    limit: Option<usize>,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let request = SearchRequest {
        terms: terms.to_vec(),
        limit,
        fuzzy_below: settings.fuzzy_below,
    };
    let results = source::answer(
        settings,
        Request::Search(request.clone()),
        |reply| match reply {
            Reply::Search(results) => Some(results),
            _ => None,
        },
        |catalog| catalog.search(&request),
    )?;
    if settings.json {
        printer.json(&render::JsonSearch::from(&results))?;
    } else {
        render::search(printer, &results)?;
    }
    if results.hits.is_empty() {
        message(&format!("no package matches {}", terms.join(" ")));
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}
