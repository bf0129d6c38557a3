//! Where answers come from: omgd when it runs and serves the same system, else the
//! package databases directly. Both produce the same `omg-core` values, so the
//! rendering (and the output) is the same either way.

use crate::printer::message;
use crate::settings::Settings;
use anyhow::{anyhow, bail, Context, Result};
use omg_core::BackendKind;
use omg_ipc::{Client, ClientError, IpcError, Reply, Request};
use omg_packages::Catalog;
use std::time::Duration;

/// How long a fast-path command waits on omgd before answering itself.
pub(crate) const DAEMON_TIMEOUT: Duration = Duration::from_secs(5);

/// Asks omgd for `request`; on any failure to get a usable answer, computes it
/// directly: with `direct` for Debian, through `omgd --answer` for Arch (see
/// [`one_shot`]). A failure of the request itself (a corrupt database, say) is the
/// command's error either way.
pub(crate) fn answer<T>(
    settings: &Settings,
    request: Request,
    from_reply: impl FnOnce(Reply) -> Option<T>,
    direct: impl FnOnce(&Catalog) -> omg_packages::Result<T>,
) -> Result<T> {
    let backend = settings.backend()?;
    let why_direct = if settings.daemon.enabled {
        match ask_daemon(settings, request.clone()) {
            Ok(Ok(reply)) => {
                debug(settings, "answered by omgd");
                return unwrap_reply(Ok(reply), from_reply);
            }
            Ok(Err(IpcError::Failed(error))) => {
                debug(settings, "answered by omgd");
                return Err(anyhow!(error));
            }
            Ok(Err(error)) => error.to_string(),
            Err(Fallback::Absent) => {
                autostart(settings);
                "omgd is not running".to_owned()
            }
            Err(Fallback::Quietly(reason)) => reason,
            Err(Fallback::Say(reason)) => {
                message(&format!("note: {reason}; answering directly"));
                reason
            }
        }
    } else {
        "--no-daemon".to_owned()
    };
    debug(settings, &format!("answered directly ({why_direct})"));
    match backend.kind {
        BackendKind::Debian => {
            let catalog = direct_catalog(settings, backend)?;
            let answer = direct(catalog);
            if let Some(origin) = catalog.index_origin() {
                debug(settings, &format!("index from the {origin}"));
            }
            for warning in catalog.warnings() {
                message(&format!("warning: {warning}"));
            }
            Ok(answer?)
        }
        BackendKind::Arch => {
            // A search the snapshot can answer needs no libalpm: no omgd --answer.
            if matches!(request, Request::Search(_)) {
                if let Ok(answer) = arch_snapshot_catalog(settings, backend)
                    .and_then(|catalog| direct(&catalog).map_err(Into::into))
                {
                    debug(settings, "index from the snapshot");
                    return Ok(answer);
                }
            }
            unwrap_reply(one_shot(settings, request)?, from_reply)
        }
    }
}

/// The catalog direct answers come from, opened once per process: `omg info a b c`
/// reads the index (or its snapshot) once, not once per name.
fn direct_catalog(
    settings: &Settings,
    backend: &omg_core::BackendSelection,
) -> Result<&'static Catalog> {
    static DIRECT: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    if let Some(catalog) = DIRECT.get() {
        return Ok(catalog);
    }
    let opened = omg_packages::open_debian(backend)?;
    let catalog = Catalog::with_backend(backend, opened).with_snapshot_dir(&settings.cache_dir);
    Ok(DIRECT.get_or_init(|| catalog))
}

/// An Arch catalog that answers only from a valid index snapshot.
fn arch_snapshot_catalog(
    settings: &Settings,
    backend: &omg_core::BackendSelection,
) -> Result<Catalog> {
    let options = omg_packages::pacman::ArchOptions::of(backend);
    let reader = omg_packages::pacman::SnapshotOnly::new(&options)?;
    Ok(Catalog::with_backend(backend, Box::new(reader)).with_snapshot_dir(&settings.cache_dir))
}

fn unwrap_reply<T>(
    reply: Result<Reply, IpcError>,
    from_reply: impl FnOnce(Reply) -> Option<T>,
) -> Result<T> {
    match reply {
        Ok(reply) => {
            from_reply(reply).ok_or_else(|| anyhow!("omgd gave an answer of the wrong kind"))
        }
        Err(IpcError::Failed(error)) => Err(anyhow!(error)),
        Err(error) => Err(error.into()),
    }
}

/// Arch without a daemon: `omgd --answer` reads the databases and answers this one
/// request over a pipe. The `omg` binary never calls libalpm itself, so it does
/// not load libalpm and the ~45 libraries behind it (5 ms) on every run.
fn one_shot(settings: &Settings, request: Request) -> Result<Result<Reply, IpcError>> {
    let omgd = omgd_binary();
    let mut child = std::process::Command::new(&omgd)
        .arg("--answer")
        .args(settings.backend()?.to_args())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", omgd.display()))?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        bail!("cannot talk to {}", omgd.display());
    };
    let exchanged = omg_ipc::exchange(&mut stdin, &mut stdout, 1, request, &mut Vec::new());
    drop(stdin);
    let status = child.wait()?;
    match exchanged {
        Ok(envelope) => Ok(envelope.body),
        // omgd already said why on stderr (a bad config, say).
        Err(_) if !status.success() => bail!("{} failed ({status})", omgd.display()),
        Err(error) => Err(error).with_context(|| format!("talking to {}", omgd.display())),
    }
}

fn debug(settings: &Settings, text: &str) {
    if settings.verbose {
        message(&format!("debug: {text}"));
    }
}

enum Fallback {
    /// Nothing listens: maybe start omgd for next time.
    Absent,
    /// Expected and harmless (it serves another system, timed out).
    Quietly(String),
    /// Worth telling the user (it speaks another protocol).
    Say(String),
}

fn ask_daemon(settings: &Settings, request: Request) -> Result<Result<Reply, IpcError>, Fallback> {
    ask_daemon_within(settings, request, DAEMON_TIMEOUT)
}

fn ask_daemon_within(
    settings: &Settings,
    request: Request,
    timeout: Duration,
) -> Result<Result<Reply, IpcError>, Fallback> {
    let mut client =
        Client::connect(&settings.daemon.socket, timeout).map_err(|error| match error {
            ClientError::Absent => Fallback::Absent,
            other => Fallback::Quietly(other.to_string()),
        })?;
    match client.request(request) {
        Ok(envelope) if settings.backend().is_ok_and(|own| *own == envelope.served) => {
            Ok(envelope.body)
        }
        Ok(envelope) => Err(Fallback::Quietly(format!(
            "omgd serves {}",
            envelope.served.describe()
        ))),
        Err(error @ ClientError::ProtocolMismatch { .. }) => {
            Err(Fallback::Say(format!("{error} (run `omg daemon restart`)")))
        }
        Err(error) => Err(Fallback::Quietly(error.to_string())),
    }
}

/// omgd's answer to `request` when it runs, serves this system and answers
/// within `timeout`; `None` (the command then works directly) otherwise, also
/// for [`IpcError::NotReady`]. A request omgd ran and failed is the command's
/// error. Unlike [`answer`], the direct path is the caller's.
pub(crate) fn daemon_answer<T>(
    settings: &Settings,
    request: Request,
    timeout: Duration,
    from_reply: impl FnOnce(Reply) -> Option<T>,
) -> Option<Result<T>> {
    if !settings.daemon.enabled {
        return None;
    }
    let why = match ask_daemon_within(settings, request, timeout) {
        Ok(Ok(reply)) => {
            debug(settings, "answered by omgd");
            return Some(unwrap_reply(Ok(reply), from_reply));
        }
        Ok(Err(IpcError::Failed(error))) => {
            debug(settings, "answered by omgd");
            return Some(Err(anyhow!(error)));
        }
        Ok(Err(error)) => error.to_string(),
        Err(Fallback::Absent) => "omgd is not running".to_owned(),
        Err(Fallback::Quietly(reason)) => reason,
        Err(Fallback::Say(reason)) => {
            message(&format!("note: {reason}; answering directly"));
            reason
        }
    };
    debug(settings, &format!("answering directly ({why})"));
    None
}

/// omgd's answer to a request that does not depend on the package database
/// (runtime probes), or `None` to compute it here.
pub(crate) fn ask_any_daemon(settings: &Settings, request: Request) -> Option<Reply> {
    if !settings.daemon.enabled {
        return None;
    }
    let mut client = Client::connect(&settings.daemon.socket, DAEMON_TIMEOUT).ok()?;
    client.request(request).ok()?.body.ok()
}

/// After a change: a running omgd serving this system rebuilds its index before
/// this returns, so the next answer shows the change. Its file watcher would
/// notice too, a moment later; this closes that moment.
pub(crate) fn refresh_daemon(settings: &Settings) {
    if !settings.daemon.enabled {
        return;
    }
    let Ok(mut client) = Client::connect(&settings.daemon.socket, DAEMON_TIMEOUT) else {
        return;
    };
    // A daemon serving another system has nothing to re-read.
    let same = matches!(
        client.request(Request::Ping),
        Ok(envelope) if settings.backend().is_ok_and(|own| *own == envelope.served)
    );
    if same && client.request(Request::Refresh).is_ok() {
        debug(settings, "omgd re-read the package databases");
    }
}

/// Starts omgd in the background for the next command; this one does not wait.
fn autostart(settings: &Settings) {
    let Ok(backend) = settings.backend() else {
        return;
    };
    if !settings.daemon.autostart {
        return;
    }
    let spawned = omg_ipc::launch::spawn(&omgd_binary(), &backend.to_args(), &settings.daemon.log);
    match spawned {
        Ok(child) => debug(settings, &format!("started omgd (pid {})", child.id())),
        Err(error) => message(&format!("note: cannot start omgd: {error:#}")),
    }
}

/// `omgd` beside this `omg` (they are installed together), else from PATH.
pub(crate) fn omgd_binary() -> std::path::PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("omgd")))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| "omgd".into())
}
