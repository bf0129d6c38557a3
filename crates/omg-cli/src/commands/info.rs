//! `omg info`: for each name, the official package when a repository has it, else
//! on Arch the AUR's (one batched RPC info request for all the names the
//! repositories lack, asked only then). Blocks print in the order asked, a blank
//! line after each when there are several, as pacman -Si prints them. With
//! `--json` one name is one object, several an array of them.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::Result;
use omg_core::{BackendKind, InfoAnswer, PackageDetails};
use omg_ipc::{Reply, Request};
use omg_packages::aur::{AurClient, AurPackage};
use std::io::Write;

/// What is known about one name.
enum Found {
    Official(Box<PackageDetails>),
    Aur(Box<AurPackage>),
    Missing(Vec<String>),
}

pub(crate) fn run(
    names: &[String],
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let mut found = Vec::with_capacity(names.len());
    for name in names {
        let answer = source::answer(
            settings,
            Request::Info { name: name.clone() },
            |reply| match reply {
                Reply::Info(answer) => Some(answer),
                _ => None,
            },
            |catalog| catalog.info(name),
        )?;
        found.push(match answer {
            InfoAnswer::Found(details) => Found::Official(details),
            InfoAnswer::NotFound { suggestions } => Found::Missing(suggestions),
        });
    }
    let missing: Vec<String> = names
        .iter()
        .zip(&found)
        .filter(|(_, found)| matches!(found, Found::Missing(_)))
        .map(|(name, _)| name.clone())
        .collect();
    if !missing.is_empty() && settings.backend()?.kind == BackendKind::Arch {
        match AurClient::new(&settings.aur_url).info(&missing) {
            Ok(packages) => {
                for (name, slot) in names.iter().zip(found.iter_mut()) {
                    if let Some(package) = packages.iter().find(|p| p.name == *name) {
                        *slot = Found::Aur(Box::new(package.clone()));
                    }
                }
            }
            // The repositories' answer (not found) still stands.
            Err(error) => message(&format!("warning: {error}")),
        }
    }
    let mut status = ExitStatus::Success;
    let mut documents = Vec::new();
    for (name, found) in names.iter().zip(&found) {
        match found {
            Found::Official(details) if settings.json => {
                documents.push(render::details_json(details));
            }
            Found::Aur(package) if settings.json => {
                documents.push(serde_json::to_value(render::JsonAurInfo::from(&**package))?);
            }
            Found::Official(details) => render::info(printer, details)?,
            Found::Aur(package) => render::aur_info(printer, package)?,
            Found::Missing(suggestions) => {
                message(&format!("error: package `{name}` was not found"));
                if !suggestions.is_empty() {
                    message(&format!("hint: did you mean {}?", suggestions.join(", ")));
                }
                status = ExitStatus::Failure;
                continue;
            }
        }
        if !settings.json && names.len() > 1 {
            writeln!(printer.out())?;
        }
    }
    if settings.json {
        match documents.len() {
            0 => {}
            // One name keeps the one-object answer scripts already read.
            1 if names.len() == 1 => printer.json(&documents[0])?,
            _ => printer.json(&documents)?,
        }
    }
    Ok(status)
}
