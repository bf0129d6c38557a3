//! Plain `omgd`: start `omgd --foreground` in its own process group with its output
//! in a log file, wait until it answers `Ping`, and report.

#![expect(
    clippy::print_stdout,
    reason = "the start report is the command's output"
)]

use crate::args::Args;
use anyhow::{bail, Result};
use omg_ipc::{Client, Reply, Request};
use std::path::Path;
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
    let log_path = omg_ipc::launch::log_path(&setup.paths);
    let mut child = omg_ipc::launch::spawn(
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
