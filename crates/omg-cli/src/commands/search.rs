//! `omg search`: the official index (through omgd or directly), then on Arch the
//! AUR: from omgd's local AUR index when omgd keeps one of the same AUR, else one
//! RPC search from this process. Both rank alike, so the output is the same.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::{bail, Result};
use omg_core::{BackendKind, SearchRequest, SearchResults};
use omg_ipc::{Reply, Request};
use omg_packages::aur::{self, AurClient, AurHit};
use std::collections::HashMap;

/// Which sources a search asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The official repositories, then (on Arch) the AUR.
    Both,
    /// `--repo`.
    Repositories,
    /// `--aur`.
    Aur,
}

/// The AUR's part of a search: its hits, ranked and cut at the limit, and how
/// many matched before the cut.
pub(crate) struct AurResults {
    pub(crate) hits: Vec<AurHit>,
    pub(crate) total: usize,
    /// The installed version of each hit that is installed (a foreign package).
    pub(crate) installed: HashMap<String, String>,
}

pub(crate) fn run(
    terms: &[String],
    limit: Option<usize>,
    scope: Scope,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let kind = settings.backend()?.kind;
    if scope != Scope::Both && kind != BackendKind::Arch {
        bail!("the AUR is Arch-only: --aur and --repo need the Arch backend");
    }
    let official = if scope == Scope::Aur {
        None
    } else {
        Some(official(terms, limit, settings)?)
    };
    let aur = if kind == BackendKind::Arch && scope != Scope::Repositories {
        match search_aur(terms, limit, settings) {
            Ok(mut results) => {
                results.installed = installed_among(&results.hits, settings)?;
                Some(results)
            }
            // Alone, the AUR's failure is the command's; beside the official
            // results it is one warning and they still count.
            Err(error) if scope == Scope::Aur => return Err(error.into()),
            Err(error) => {
                message(&format!("warning: {error}"));
                None
            }
        }
    } else {
        None
    };
    let empty = SearchResults {
        hits: Vec::new(),
        exact_total: 0,
    };
    let official = official.as_ref().unwrap_or(&empty);
    let aur = aur.as_ref();
    if settings.json {
        printer.json(&render::JsonSearch::new(official, aur))?;
    } else {
        render::search(printer, official, aur)?;
    }
    if official.hits.is_empty() && aur.is_none_or(|aur| aur.hits.is_empty()) {
        message(&format!("no package matches {}", terms.join(" ")));
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

fn official(terms: &[String], limit: Option<usize>, settings: &Settings) -> Result<SearchResults> {
    let request = SearchRequest {
        terms: terms.to_vec(),
        limit,
        fuzzy_below: settings.fuzzy_below,
    };
    source::answer(
        settings,
        Request::Search(request.clone()),
        |reply| match reply {
            Reply::Search(results) => Some(results),
            _ => None,
        },
        |catalog| catalog.search(&request),
    )
}

/// omgd's local AUR index when it has one, else one RPC search for the longest
/// term; every term is then checked locally, so the AUR's results mean what the
/// official index's mean.
fn search_aur(
    terms: &[String],
    limit: Option<usize>,
    settings: &Settings,
) -> omg_packages::Result<AurResults> {
    let Some(term) = aur::rpc_term(terms) else {
        return Err(omg_packages::Error::EmptyQuery);
    };
    let request = Request::AurSearch {
        url: settings.aur_url.clone(),
        terms: terms.to_vec(),
        limit,
    };
    if let Some(Reply::AurSearch(Some(found))) = source::ask_any_daemon(settings, request) {
        debug(settings, "AUR results from omgd's local AUR index");
        return Ok(AurResults {
            hits: found.hits,
            total: found.total,
            installed: HashMap::new(),
        });
    }
    debug(
        settings,
        &format!("AUR results from the AUR's RPC at {}", settings.aur_url),
    );
    let client = AurClient::new(&settings.aur_url);
    let mut hits = aur::search_hits(terms, client.search(term)?);
    let total = hits.len();
    if let Some(limit) = limit {
        hits.truncate(limit);
    }
    Ok(AurResults {
        hits,
        total,
        installed: HashMap::new(),
    })
}

/// Which of `hits` are installed, with their versions: asked only when there are
/// hits, in the same way as the official answer (omgd or directly).
fn installed_among(hits: &[AurHit], settings: &Settings) -> Result<HashMap<String, String>> {
    if hits.is_empty() {
        return Ok(HashMap::new());
    }
    let installed = source::answer(
        settings,
        Request::Installed,
        |reply| match reply {
            Reply::Packages(packages) => Some(packages),
            _ => None,
        },
        |catalog| catalog.installed(),
    )?;
    Ok(installed
        .into_iter()
        .filter(|package| hits.iter().any(|hit| hit.package.name == package.name))
        .map(|package| (package.name, package.version))
        .collect())
}

fn debug(settings: &Settings, text: &str) {
    if settings.verbose {
        message(&format!("debug: {text}"));
    }
}
