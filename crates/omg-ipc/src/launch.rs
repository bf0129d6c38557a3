//! Starting omgd in the background, for `omg` (autostart, `omg daemon start`) and
//! for `omgd` itself: both need it, and `omg` must not link the daemon to get it.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where a detached omgd writes its log.
#[must_use]
pub fn log_path(paths: &omg_core::paths::Paths) -> PathBuf {
    paths.data_dir.join("omgd.log")
}

/// Starts `omgd --foreground ARGS` from the binary `omgd`, out of the terminal's
/// process group (a Ctrl-C there does not reach it), its output appended to
/// `log_path`. The caller need not wait for it.
///
/// # Errors
/// The log cannot be opened, or omgd cannot be started.
pub fn spawn(omgd: &Path, args: &[OsString], log_path: &Path) -> std::io::Result<Child> {
    let named = |what: String| {
        move |error: std::io::Error| std::io::Error::new(error.kind(), format!("{what}: {error}"))
    };
    if let Some(dir) = log_path.parent() {
        std::fs::create_dir_all(dir).map_err(named(format!("cannot create {}", dir.display())))?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(named(format!("cannot open {}", log_path.display())))?;
    let mut command = Command::new(omgd);
    command.arg("--foreground").args(args);
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0);
    command
        .spawn()
        .map_err(named(format!("cannot start {}", omgd.display())))
}
