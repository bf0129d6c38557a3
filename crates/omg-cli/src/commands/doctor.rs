//! `omg doctor`: one screen of checks, each with what to do when it fails. It
//! reads and asks; it never changes anything, never starts omgd and never
//! follows a link it finds except to say where it points.
//!
//! `--json` prints `{"schema": 1, "healthy": bool, "checks": [{"id", "status",
//! "summary", "fix"}]}`, the checks always in [`CHECK_IDS`] order; `status` is
//! `ok`, `warning` or `problem`, and `fix` is null when there is nothing to do.
//! New checks are appended; renaming or removing one bumps `schema`. The exit
//! status is 1 when any check is a problem: warnings (an old database, a lock
//! held right now) are worth a look but nothing is broken.

mod mirrors;
mod system;

use crate::printer::Printer;
use crate::render::human_size;
use crate::settings::Settings;
use crate::ExitStatus;
use anyhow::Result;
use omg_core::BackendKind;
use omg_ipc::{Client, ClientError, IpcError, Reply, Request};
use omg_runtimes::Layout;
use serde::Serialize;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The JSON layout's version.
const SCHEMA: u32 = 1;
/// Every check, in the order they are shown.
pub(crate) const CHECK_IDS: [&str; 9] = [
    "hook",
    "shims",
    "omgd",
    "socket",
    "locks",
    "databases",
    "runtimes",
    "disk",
    "mirrors",
];
/// Package databases older than this get a warning.
const STALE_DATABASE_DAYS: i64 = 7;
/// How long omgd may take to answer a ping before it counts as hung.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Set by the hook in every shell it runs in (see `hook.rs`).
const HOOK_STATE: &str = "__OMG_STATE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warning,
    Problem,
}

#[derive(Debug, Serialize)]
struct Check {
    id: &'static str,
    status: Status,
    summary: String,
    fix: Option<String>,
}

impl Check {
    fn ok(id: &'static str, summary: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Ok,
            summary: summary.into(),
            fix: None,
        }
    }

    fn warning(id: &'static str, summary: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Warning,
            summary: summary.into(),
            fix: Some(fix.into()),
        }
    }

    fn problem(id: &'static str, summary: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Problem,
            summary: summary.into(),
            fix: Some(fix.into()),
        }
    }
}

#[derive(Debug, Serialize)]
struct Report {
    schema: u32,
    healthy: bool,
    checks: Vec<Check>,
}

pub(crate) fn run(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let layout = Layout::new(&settings.runtimes.data_dir);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let checks = vec![
        hook(&layout),
        shims(&settings.runtimes.shims, &path),
        omgd(settings),
        socket(settings),
        locks(settings),
        databases(settings),
        runtimes(&layout),
        disk(settings),
        mirrors::check(settings, &layout.runtimes()),
    ];
    debug_assert!(checks.iter().map(|check| check.id).eq(CHECK_IDS));
    let healthy = checks.iter().all(|check| check.status != Status::Problem);
    let report = Report {
        schema: SCHEMA,
        healthy,
        checks,
    };
    if settings.json {
        printer.json(&report)?;
    } else {
        render(printer, &report)?;
    }
    Ok(if healthy {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn render(printer: &mut Printer, report: &Report) -> std::io::Result<()> {
    let s = printer.styles;
    let out = printer.out();
    for check in &report.checks {
        let (style, label) = match check.status {
            Status::Ok => (s.green, "ok"),
            Status::Warning => (s.magenta, "warning"),
            Status::Problem => (s.red, "problem"),
        };
        out.paint(style, format_args!("{label:<8}"))?;
        out.paint(s.bold, format_args!(" {:<10} ", check.id))?;
        writeln!(out, "{}", check.summary)?;
        if let Some(fix) = &check.fix {
            out.paint(s.dim, format_args!("{:<20}fix: {fix}", ""))?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The user's shell, for fixes that name its startup file.
fn shell_name() -> String {
    std::env::var_os("SHELL")
        .and_then(|shell| {
            Path::new(&shell)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "bash".to_owned())
}

fn hook_line(shell: &str) -> String {
    match shell {
        "zsh" => r#"add `eval "$(omg hook zsh)"` to ~/.zshrc"#.to_owned(),
        "fish" => "add `omg hook fish | source` to ~/.config/fish/config.fish".to_owned(),
        _ => r#"add `eval "$(omg hook bash)"` to ~/.bashrc"#.to_owned(),
    }
}

fn hook(layout: &Layout) -> Check {
    const ID: &str = "hook";
    let shell = shell_name();
    if std::env::var_os(HOOK_STATE).is_some() {
        return Check::ok(ID, format!("active in this shell ({shell})"));
    }
    let fix = format!("{}, then open a new shell", hook_line(&shell));
    if layout.runtimes().is_empty() {
        Check::warning(
            ID,
            "not active in this shell (no runtime installed yet, so nothing is missing)",
            fix,
        )
    } else {
        Check::problem(
            ID,
            "not active in this shell: per-directory runtime versions are not on PATH",
            fix,
        )
    }
}

/// The shims directory's place on PATH, and whether anything earlier on PATH
/// shadows a shim (a system `node` before omg's).
fn shims(shims_dir: &Path, path: &[PathBuf]) -> Check {
    const ID: &str = "shims";
    let names: Vec<String> = std::fs::read_dir(shims_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    let position = path.iter().position(|dir| dir == shims_dir);
    let Some(position) = position else {
        if names.is_empty() {
            return Check::ok(
                ID,
                "no shims yet (none needed before a runtime is installed)",
            );
        }
        return Check::warning(
            ID,
            format!(
                "{} is not on PATH: {} shims reach only shells with the hook",
                shims_dir.display(),
                names.len()
            ),
            format!(
                "for scripts and editors too, put it first on PATH: export PATH=\"{}:$PATH\"",
                shims_dir.display()
            ),
        );
    };
    let mut shadowed: Vec<String> = Vec::new();
    for name in &names {
        if let Some(earlier) = path[..position]
            .iter()
            .find(|dir| is_executable(&dir.join(name)))
        {
            shadowed.push(format!("{}", earlier.join(name).display()));
        }
    }
    if shadowed.is_empty() {
        Check::ok(
            ID,
            format!(
                "{} is entry {} of PATH; {} shims, none shadowed",
                shims_dir.display(),
                position + 1,
                names.len()
            ),
        )
    } else {
        Check::problem(
            ID,
            format!("PATH finds {} before omg's shims", shadowed.join(", ")),
            format!(
                "put {} before those directories on PATH",
                shims_dir.display()
            ),
        )
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

fn omgd(settings: &Settings) -> Check {
    const ID: &str = "omgd";
    if !settings.daemon.enabled {
        return Check::ok(ID, "not used (--no-daemon or OMG_NO_DAEMON)");
    }
    let socket = &settings.daemon.socket;
    let start = "`omg daemon start`, or `omg daemon enable` to have systemd start it at login";
    let mut client = match Client::connect(socket, PING_TIMEOUT) {
        Ok(client) => client,
        Err(ClientError::Absent) => {
            return Check::problem(
                ID,
                format!("not running (socket {})", socket.display()),
                start,
            )
        }
        Err(error) => {
            return Check::problem(
                ID,
                format!("cannot reach it at {}: {error}", socket.display()),
                format!(
                    "`omg daemon restart`; see {}",
                    settings.daemon.log.display()
                ),
            )
        }
    };
    match client.request(Request::Ping) {
        Ok(envelope) => match envelope.body {
            Ok(Reply::Pong { pid }) => Check::ok(
                ID,
                format!(
                    "running (pid {pid}), answering, protocol {}",
                    omg_ipc::PROTOCOL_VERSION
                ),
            ),
            Err(IpcError::NotReady) => Check::warning(
                ID,
                "running, still building its index",
                "wait a moment; reads are answered directly meanwhile",
            ),
            Err(error) => Check::problem(
                ID,
                format!("running, but refuses: {error}"),
                format!(
                    "`omg daemon restart`; see {}",
                    settings.daemon.log.display()
                ),
            ),
            Ok(other) => Check::problem(
                ID,
                format!("gave an unexpected answer: {other:?}"),
                "`omg daemon restart`",
            ),
        },
        Err(ClientError::ProtocolMismatch { daemon }) => Check::problem(
            ID,
            format!(
                "speaks protocol {daemon}, this omg {} (omg was upgraded under it)",
                omg_ipc::PROTOCOL_VERSION
            ),
            "`omg daemon restart`",
        ),
        Err(error) => Check::problem(
            ID,
            format!("does not answer: {error}"),
            format!(
                "`omg daemon restart`; see {}",
                settings.daemon.log.display()
            ),
        ),
    }
}

/// The socket 0600 and ours; for omg's own location, its directory 0700 and ours
/// (`OMG_SOCKET` names a directory that is the caller's business, as for omgd).
fn socket(settings: &Settings) -> Check {
    const ID: &str = "socket";
    let socket = &settings.daemon.socket;
    let uid = omg_ipc::current_uid();
    let mut wrong = Vec::new();
    let mut fixes = Vec::new();
    let overridden = std::env::var_os(omg_core::env::OMG_SOCKET).is_some();
    if !overridden {
        if let Some(dir) = socket.parent() {
            if let Ok(metadata) = std::fs::symlink_metadata(dir) {
                if !metadata.is_dir() || metadata.uid() != uid {
                    wrong.push(format!("{} is not a directory of this user", dir.display()));
                    fixes.push(format!("move {} away", dir.display()));
                } else if metadata.mode() & 0o077 != 0 {
                    wrong.push(format!(
                        "{} is {:o}, not 700",
                        dir.display(),
                        metadata.mode() & 0o777
                    ));
                    fixes.push(format!("chmod 700 {}", dir.display()));
                }
            }
        }
    }
    let Ok(metadata) = std::fs::symlink_metadata(socket) else {
        return if wrong.is_empty() {
            Check::ok(
                ID,
                format!("none at {} (omgd not running)", socket.display()),
            )
        } else {
            Check::problem(ID, wrong.join("; "), fixes.join("; "))
        };
    };
    if !metadata.file_type().is_socket() {
        wrong.push(format!("{} is not a socket", socket.display()));
        fixes.push(format!("move {} away", socket.display()));
    } else if metadata.uid() != uid {
        wrong.push(format!(
            "{} belongs to uid {}",
            socket.display(),
            metadata.uid()
        ));
        fixes.push(format!("remove {} (it is not omgd's)", socket.display()));
    } else if metadata.mode() & 0o177 != 0 {
        wrong.push(format!(
            "{} is {:o}, not 600",
            socket.display(),
            metadata.mode() & 0o777
        ));
        fixes.push(format!("chmod 600 {}", socket.display()));
    }
    if wrong.is_empty() {
        Check::ok(ID, format!("{} is 0600 and this user's", socket.display()))
    } else {
        Check::problem(ID, wrong.join("; "), fixes.join("; "))
    }
}

fn locks(settings: &Settings) -> Check {
    const ID: &str = "locks";
    let Ok(selection) = settings.backend() else {
        return Check::ok(ID, "no package backend to check");
    };
    match selection.kind {
        BackendKind::Arch => match system::pacman_dbpath(selection) {
            Ok(dbpath) => system::pacman_lock(ID, &dbpath),
            Err(error) => Check::problem(
                ID,
                format!("cannot read pacman.conf: {error}"),
                "fix pacman.conf",
            ),
        },
        BackendKind::Debian => system::dpkg_locks(ID, selection),
    }
}

fn databases(settings: &Settings) -> Check {
    const ID: &str = "databases";
    let Ok(selection) = settings.backend() else {
        return Check::ok(ID, "no package backend to check");
    };
    let (synced, sync) = match selection.kind {
        BackendKind::Arch => (system::arch_synced_at(selection), "`omg sync` (pacman -Sy)"),
        BackendKind::Debian => (
            system::debian_synced_at(selection),
            "`omg sync` (apt update)",
        ),
    };
    match synced {
        Err(error) => Check::problem(ID, format!("cannot read them: {error:#}"), sync),
        Ok(None) => Check::problem(ID, "never synced: no repository database", sync),
        Ok(Some(at)) => {
            let days = (system::unix_now() - at).max(0) / 86_400;
            let age = crate::render::format_age(at);
            if days >= STALE_DATABASE_DAYS {
                Check::warning(ID, format!("last synced {age}"), sync)
            } else {
                Check::ok(ID, format!("last synced {age}"))
            }
        }
    }
}

/// A `current` link that leads nowhere: the runtime has no default, and shells
/// without a version file run nothing.
fn runtimes(layout: &Layout) -> Check {
    const ID: &str = "runtimes";
    let mut dangling = Vec::new();
    let mut count = 0;
    for runtime in layout.runtimes() {
        count += 1;
        let link = layout.runtime_dir(&runtime).join("current");
        let Ok(metadata) = std::fs::symlink_metadata(&link) else {
            continue;
        };
        if !metadata.file_type().is_symlink() {
            dangling.push((runtime, format!("{} is not a link", link.display())));
            continue;
        }
        let target = std::fs::read_link(&link).unwrap_or_default();
        let version = target.to_string_lossy().into_owned();
        if !layout.is_installed(&runtime, &version) {
            dangling.push((
                runtime,
                format!("current points to {version:?}, which is not installed"),
            ));
        }
    }
    if dangling.is_empty() {
        return Check::ok(
            ID,
            match count {
                0 => "none installed".to_owned(),
                count => format!("{count} installed, every default in place"),
            },
        );
    }
    let summary = dangling
        .iter()
        .map(|(runtime, what)| format!("{runtime}: {what}"))
        .collect::<Vec<_>>()
        .join("; ");
    let fix = dangling
        .iter()
        .map(|(runtime, _)| format!("omg use {runtime} <version>"))
        .collect::<Vec<_>>()
        .join("; ");
    Check::problem(ID, summary, fix)
}

fn disk(settings: &Settings) -> Check {
    const ID: &str = "disk";
    let versions = settings.runtimes.data_dir.join("versions");
    let cache = settings
        .runtimes
        .downloads
        .parent()
        .map_or_else(|| settings.runtimes.downloads.clone(), Path::to_path_buf);
    let layout = Layout::new(&settings.runtimes.data_dir);
    let per_runtime: Vec<String> = layout
        .runtimes()
        .iter()
        .map(|runtime| {
            format!(
                "{runtime} {}",
                human_size(disk_used(&layout.runtime_dir(runtime)))
            )
        })
        .collect();
    let mut summary = format!("runtime versions {}", human_size(disk_used(&versions)));
    if !per_runtime.is_empty() {
        summary.push_str(&format!(" ({})", per_runtime.join(", ")));
    }
    summary.push_str(&format!(
        ", caches {} ({})",
        human_size(disk_used(&cache)),
        cache.display()
    ));
    Check::ok(ID, summary)
}

/// Bytes allocated under `path`, links not followed (a linked mise install is
/// counted where it lives, not here).
fn disk_used(path: &Path) -> u64 {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    let own = metadata.blocks() * 512;
    if !metadata.is_dir() {
        return own;
    }
    own + std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| disk_used(&entry.path()))
        .sum::<u64>()
}
