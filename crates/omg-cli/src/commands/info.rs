//! `omg info`: the official package when a repository has it, else on Arch the
//! AUR's (one RPC info request, asked only then).

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_core::{BackendKind, InfoAnswer};
use omg_ipc::{Reply, Request};
use omg_packages::aur::{AurClient, AurPackage};

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
            if settings.backend()?.kind == BackendKind::Arch {
                match aur_info(name, settings) {
                    Ok(Some(package)) => {
                        if settings.json {
                            printer.json(&render::JsonAurInfo::from(&package))?;
                        } else {
                            render::aur_info(printer, &package)?;
                        }
                        return Ok(ExitStatus::Success);
                    }
                    Ok(None) => {}
                    // The repositories' answer (not found) still stands.
                    Err(error) => message(&format!("warning: {error}")),
                }
            }
            message(&format!("error: package `{name}` was not found"));
            if !suggestions.is_empty() {
                message(&format!("hint: did you mean {}?", suggestions.join(", ")));
            }
            Ok(ExitStatus::Failure)
        }
    }
}

fn aur_info(name: &str, settings: &Settings) -> omg_packages::Result<Option<AurPackage>> {
    let client = AurClient::new(&settings.aur_url);
    Ok(client
        .info(&[name.to_owned()])?
        .into_iter()
        .find(|package| package.name == name))
}
