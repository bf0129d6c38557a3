//! Answers a TAB: the package-name and runtime words the completion scripts ask
//! omg for.
//!
//! Only a running omgd answers package names. A TAB must cost about as much as a
//! warm search, so without omgd there are quietly no candidates: no direct
//! database read, no autostart, nothing on stderr. Runtime names and installed
//! versions come from the versions tree, a directory listing that costs less than
//! asking omgd would.

use clap_complete::CompletionCandidate;
use omg_core::SearchRequest;
use omg_ipc::{Client, Reply, Request};
use omg_runtimes::{Layout, Runtime};
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

/// Runtimes for `omg use <TAB>`: the ones installed, then the ones omg manages
/// itself (any mise tool name is accepted too, but there is no list worth paging).
pub(crate) fn runtime_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let mut names: Vec<String> = layout()
        .runtimes()
        .iter()
        .map(|runtime| runtime.name().to_owned())
        .collect();
    for native in ["bun", "go", "java", "node", "python", "ruby", "rust"] {
        if !names.iter().any(|name| name == native) {
            names.push(native.to_owned());
        }
    }
    names.retain(|name| name.starts_with(prefix));
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// Versions for `omg use <runtime> <TAB>`: those installed, newest first (the
/// default marked), the requests every runtime understands, then the versions its
/// mirror offers as omgd last listed them (omgd fetches a list it lacks in the
/// background, for the next TAB; without omgd there are none).
pub(crate) fn runtime_versions(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let Some(runtime) = runtime_being_used() else {
        return Vec::new();
    };
    let layout = layout();
    let default = layout.current(&runtime);
    let mut candidates: Vec<CompletionCandidate> = layout
        .installed(&runtime)
        .unwrap_or_default()
        .into_iter()
        .rev()
        .filter(|version| version.starts_with(prefix))
        .map(|version| {
            let help = if default.as_deref() == Some(version.as_str()) {
                "installed, the default"
            } else {
                "installed"
            };
            CompletionCandidate::new(version).help(Some(help.into()))
        })
        .collect();
    let mut requests = vec![("latest", "the newest release")];
    if runtime == Runtime::Node {
        requests.push(("lts", "the newest long-term support release"));
    }
    candidates.extend(
        requests
            .into_iter()
            .filter(|(request, _)| request.starts_with(prefix))
            .map(|(request, help)| CompletionCandidate::new(request).help(Some(help.into()))),
    );
    let mirrors = crate::settings::completion_mirrors();
    let Some(mirror) = mirrors.list_source(&runtime) else {
        return candidates;
    };
    let request = Request::RuntimeOffers {
        runtime: runtime.name().to_owned(),
        mirror: mirror.to_owned(),
    };
    if let Some(Reply::RuntimeOffers(Some(offers))) = ask(request) {
        let installed = layout.installed(&runtime).unwrap_or_default();
        candidates.extend(
            offers
                .into_iter()
                .filter(|(version, _)| version.starts_with(prefix) && !installed.contains(version))
                // A mirror lists hundreds: the newest are the ones worth paging.
                .take(MOST_OFFERS)
                .map(|(version, label)| {
                    let help = label
                        .map_or_else(|| "offered".to_owned(), |label| format!("offered, {label}"));
                    CompletionCandidate::new(version).help(Some(help.into()))
                }),
        );
    }
    candidates
}

/// The most mirror versions a TAB lists.
const MOST_OFFERS: usize = 100;

fn layout() -> Layout {
    let paths = omg_core::paths::Paths::resolve(&omg_core::paths::Environment::from_process());
    Layout::new(&paths.data_dir)
}

/// The runtime word of the `omg use` line being completed. clap hands a
/// completer only its own word, so it is read from the words the script passed
/// (`omg -- omg [flags] use [flags] RUNTIME …`): the first word after `use` that is
/// not a flag.
fn runtime_being_used() -> Option<Runtime> {
    let words: Vec<String> = std::env::args_os()
        .skip_while(|word| word != "--")
        .skip(2)
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    let runtime = words
        .iter()
        .skip_while(|word| *word != "use")
        .skip(1)
        .find(|word| !word.starts_with('-'))?;
    Runtime::parse(runtime).ok()
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
