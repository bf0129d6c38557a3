//! Answers a TAB: the package-name words the completion scripts ask omg for.
//!
//! Only a running omgd answers. A TAB must cost about as much as a warm search,
//! so without omgd there are quietly no candidates: no direct database read, no
//! autostart, nothing on stderr.

use clap_complete::CompletionCandidate;
use omg_core::SearchRequest;
use omg_ipc::{Client, Reply, Request};
use std::ffi::OsStr;
use std::time::Duration;

/// Longer than a warm answer by far, short enough that a stuck omgd does not
/// freeze the shell.
const TIMEOUT: Duration = Duration::from_millis(500);

/// Package names offered by the repositories that start with the word (`omg info`,
/// `omg install`).
pub(crate) fn available_packages(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str().filter(|prefix| !prefix.is_empty()) else {
        // Every package of a distribution is not a useful list to page through.
        return Vec::new();
    };
    let request = Request::Search(SearchRequest {
        terms: vec![prefix.to_owned()],
        limit: None,
        fuzzy_below: 0,
    });
    let Some(Reply::Search(results)) = ask(request) else {
        return Vec::new();
    };
    let mut packages: Vec<_> = results
        .hits
        .into_iter()
        .map(|hit| hit.package)
        .filter(|package| package.name.starts_with(prefix))
        .collect();
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages.dedup_by(|a, b| a.name == b.name);
    packages
        .into_iter()
        .map(|package| {
            CompletionCandidate::new(package.name).help(Some(package.description.into()))
        })
        .collect()
}

/// Installed package names that start with the word (`omg remove`).
pub(crate) fn installed_packages(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let Some(Reply::Packages(mut packages)) = ask(Request::Installed) else {
        return Vec::new();
    };
    packages.retain(|package| package.name.starts_with(prefix));
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages
        .into_iter()
        .map(|package| CompletionCandidate::new(package.name))
        .collect()
}

/// omgd's answer, or `None` when it is off, absent, slow or refuses.
fn ask(request: Request) -> Option<Reply> {
    if daemon_disabled() {
        return None;
    }
    let environment = omg_core::paths::Environment::from_process();
    let socket = omg_ipc::socket_path(&environment);
    let mut client = Client::connect(&socket, TIMEOUT).ok()?;
    client.request(request).ok()?.body.ok()
}

/// `OMG_NO_DAEMON` set to a true value, read as clap reads `--no-daemon`'s env.
fn daemon_disabled() -> bool {
    std::env::var(omg_core::env::OMG_NO_DAEMON).is_ok_and(|value| {
        !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no" | "off" | "n" | "f"
        )
    })
}
