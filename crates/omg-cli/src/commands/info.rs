//! `omg info`.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_core::InfoAnswer;
use omg_ipc::{Reply, Request};

pub(crate) fn run(name: &str, settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let answer = source::answer(
        settings,
        Request::Info {
            name: name.to_owned(),
        },
        |reply| match reply {
            Reply::Info(answer) => Some(answer),
            _ => None,
        },
        |catalog| catalog.info(name),
    )?;
    match answer {
        InfoAnswer::Found(details) => {
            if settings.json {
                printer.json(&details)?;
            } else {
                render::info(printer, &details)?;
            }
            Ok(ExitStatus::Success)
        }
        InfoAnswer::NotFound { suggestions } => {
            message(&format!("error: package `{name}` was not found"));
            if !suggestions.is_empty() {
                message(&format!("hint: did you mean {}?", suggestions.join(", ")));
            }
            Ok(ExitStatus::Failure)
        }
    }
}
