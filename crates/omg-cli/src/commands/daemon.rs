//! `omg daemon start|stop|status|restart|refresh`; `enable|disable` (systemd) live
//! in [`super::systemd`].

use crate::cli::DaemonAction;
use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{render, source, ExitStatus};
use anyhow::{bail, Context, Result};
use omg_ipc::{Client, ClientError, Reply, Request};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn run(
    action: DaemonAction,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    match action {
        DaemonAction::Start => start(settings),
        DaemonAction::Stop => stop(settings),
        DaemonAction::Restart => {
            stop(settings)?;
            start(settings)
        }
        DaemonAction::Status => status(settings, printer),
        DaemonAction::Refresh => refresh(settings),
        DaemonAction::Enable => super::systemd::enable(settings),
        DaemonAction::Disable => super::systemd::disable(),
    }
}

fn refresh(settings: &Settings) -> Result<ExitStatus> {
    let Some(mut client) = connect(settings)? else {
        return Ok(ExitStatus::Failure);
    };
    match client.request(Request::Refresh)?.body {
        Ok(Reply::Refreshed { packages }) => {
            message(&format!("omgd re-read the databases: {packages} packages"));
            Ok(ExitStatus::Success)
        }
        Ok(other) => bail!("omgd gave an unexpected answer: {other:?}"),
        Err(error) => bail!("{error}"),
    }
}

/// A client, or `None` (after saying so) when omgd is not running.
fn connect(settings: &Settings) -> Result<Option<Client>> {
    let socket = &settings.daemon.socket;
    match Client::connect(socket, TIMEOUT) {
        Ok(client) => Ok(Some(client)),
        Err(ClientError::Absent) => {
            message(&format!(
                "omgd is not running (socket {})",
                socket.display()
            ));
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

fn start(settings: &Settings) -> Result<ExitStatus> {
    if let Ok(mut client) = Client::connect(&settings.daemon.socket, TIMEOUT) {
        if let Ok(envelope) = ping_when_loaded(&mut client) {
            if let Ok(Reply::Pong { pid }) = envelope.body {
                message(&format!(
                    "omgd is already running (pid {pid}, socket {}, serving {})",
                    settings.daemon.socket.display(),
                    envelope.served.describe()
                ));
                if settings.backend().is_ok_and(|own| *own != envelope.served) {
                    message(
                        "hint: `omg daemon restart` with this command's flags to serve this system",
                    );
                }
                return Ok(ExitStatus::Success);
            }
        }
    }
    // omgd itself detaches, waits until it answers and reports.
    let status = std::process::Command::new(source::omgd_binary())
        .args(settings.backend()?.to_args())
        .status()
        .context("cannot run omgd")?;
    Ok(if status.success() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

/// `Ping`, asked again while omgd is still loading: a socket systemd holds
/// answers at once and starts omgd, which is then the daemon to wait for, not a
/// reason to start a second one.
fn ping_when_loaded(client: &mut Client) -> Result<omg_ipc::ReplyEnvelope, ClientError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let envelope = client.request(Request::Ping)?;
        if envelope.body != Err(omg_ipc::IpcError::NotReady) || Instant::now() > deadline {
            return Ok(envelope);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop(settings: &Settings) -> Result<ExitStatus> {
    // Stopping what is not running is done already.
    let Some(client) = connect(settings)? else {
        return Ok(ExitStatus::Success);
    };
    shut_down(client, settings)
}

/// Stops omgd when something answers on its socket; says nothing otherwise.
pub(super) fn stop_if_running(settings: &Settings) -> Result<()> {
    if let Ok(client) = Client::connect(&settings.daemon.socket, TIMEOUT) {
        shut_down(client, settings)?;
    }
    Ok(())
}

/// Asks omgd to stop and waits until it has: its own socket gone, or, for a
/// socket systemd passed it (which stays), its process gone.
fn shut_down(mut client: Client, settings: &Settings) -> Result<ExitStatus> {
    let socket = &settings.daemon.socket;
    let pid = match client.request(Request::DaemonStatus)?.body {
        Ok(Reply::DaemonStatus(status)) => Some(status.pid),
        _ => None,
    };
    let reply = client.request(Request::Shutdown)?;
    if !matches!(reply.body, Ok(Reply::ShuttingDown)) {
        bail!("omgd did not accept the shutdown: {:?}", reply.body);
    }
    let deadline = Instant::now() + TIMEOUT;
    while socket.exists() && pid.is_none_or(is_running) {
        if Instant::now() > deadline {
            bail!(
                "omgd accepted the shutdown but still holds {}",
                socket.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if socket.exists() {
        message("omgd stopped; systemd keeps its socket and starts it again at the next request (`omg daemon disable` ends that)");
    } else {
        message("omgd stopped");
    }
    Ok(ExitStatus::Success)
}

/// Whether `pid` is a live process (a zombie has finished: its parent just has
/// not collected it yet).
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the parenthesised name, which may itself hold ") ".
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X']))
    })
}

fn status(settings: &Settings, printer: &mut Printer) -> Result<ExitStatus> {
    let socket = &settings.daemon.socket;
    let mut client = match Client::connect(socket, TIMEOUT) {
        Ok(client) => client,
        Err(ClientError::Absent) => {
            message(&format!(
                "omgd is not running (socket {})",
                socket.display()
            ));
            if settings.json {
                // Scripts get a document either way: `daemon` null means not running.
                printer.json(&serde_json::json!({ "daemon": null, "serves": null }))?;
            }
            return Ok(ExitStatus::Failure);
        }
        Err(error) => return Err(error.into()),
    };
    let envelope = client.request(Request::DaemonStatus)?;
    let Ok(Reply::DaemonStatus(status)) = envelope.body else {
        bail!("omgd gave no status: {:?}", envelope.body);
    };
    if settings.json {
        printer.json(&serde_json::json!({ "daemon": status, "serves": envelope.served }))?;
    } else {
        render::daemon_status(printer, &status, &envelope.served)?;
    }
    Ok(ExitStatus::Success)
}
