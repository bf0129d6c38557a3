//! Plain `omgd`: start `omgd --foreground` in its own process group with its output
//! in a log file, wait until it answers `Ping`, and report.

#![expect(
    clippy::print_stdout,
    reason = "the start report is the command's output"
)]

use crate::args::Args;
use anyhow::{bail, Context, Result};
use omg_ipc::{Client, Reply, Request};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the index build may take before `omgd` gives up waiting.
const READY_WITHIN: Duration = Duration::from_secs(60);

pub(crate) fn start(args: &Args) -> Result<()> {
    let setup = args.resolve()?;
    if let Some(pid) = ping(&setup.socket) {
        bail!(
            "omgd is already running (pid {pid}, socket {})",
            setup.socket.display()
        );
    }
    let log_path = log_path(&setup.paths);
    let mut child = spawn(
        &std::env::current_exe()?,
        &setup.selection.to_args(),
        &log_path,
    )?;
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        if let Some(status) = child.try_wait()? {
            bail!(
                "omgd exited ({status}) before it was ready: {}",
                last_line(&log_path).unwrap_or_else(|| format!("see {}", log_path.display()))
            );
        }
        if let Some(pid) = ping(&setup.socket) {
            println!(
                "omgd started (pid {pid}, socket {}, log {})",
                setup.socket.display(),
                log_path.display()
            );
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "omgd did not become ready within {} s; see {}",
                READY_WITHIN.as_secs(),
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where a detached omgd writes its log.
#[must_use]
pub fn log_path(paths: &omg_core::paths::Paths) -> std::path::PathBuf {
    paths.data_dir.join("omgd.log")
}

/// Starts `omgd --foreground ARGS` from the binary `omgd`, out of the terminal's
/// process group (a Ctrl-C there does not reach it), its output appended to
/// `log_path`. The caller need not wait for it.
pub fn spawn(omgd: &Path, args: &[OsString], log_path: &Path) -> Result<std::process::Child> {
    if let Some(dir) = log_path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let mut command = Command::new(omgd);
    command.arg("--foreground").args(args);
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0);
    command.spawn().context("cannot start omgd")
}

fn ping(socket: &Path) -> Option<u32> {
    let mut client = Client::connect(socket, Duration::from_secs(2)).ok()?;
    match client.request(Request::Ping).ok()?.body {
        Ok(Reply::Pong { pid }) => Some(pid),
        _ => None,
    }
}

fn last_line(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().last().map(str::to_owned)
}
