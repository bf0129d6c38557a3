//! `omg daemon enable|disable`: omgd as a systemd user service started by its
//! socket. systemd listens on `$XDG_RUNTIME_DIR/omg/omgd.sock` from login on and
//! starts omgd at the first connection, so the first `omg` never races an
//! autostart and omgd runs only once something asks.
//!
//! The units are the repository's `contrib/systemd` files, compiled in, so what
//! `enable` writes cannot drift from what the packages ship; only `ExecStart`
//! changes, to the omgd beside this omg. Files `enable` did not write are never
//! overwritten or removed.

use super::daemon;
use crate::printer::message;
use crate::settings::Settings;
use crate::{source, ExitStatus};
use anyhow::{bail, Context, Result};
use omg_core::paths::{Environment, Paths};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const SERVICE_UNIT: &str = include_str!("../../../../contrib/systemd/omgd.service");
const SOCKET_UNIT: &str = include_str!("../../../../contrib/systemd/omgd.socket");
const SERVICE: &str = "omgd.service";
const SOCKET: &str = "omgd.socket";
/// The first line of every unit `enable` writes: `disable` removes only these.
const MARKER: &str = "# Written by `omg daemon enable`; `omg daemon disable` removes it.";

pub(crate) fn enable(settings: &Settings) -> Result<ExitStatus> {
    let systemctl = Systemctl::find()?;
    let dir = units_dir();
    let omgd = omgd_path()?;
    let units = [
        (SERVICE, service_unit(&omgd)?),
        (SOCKET, format!("{MARKER}\n{SOCKET_UNIT}")),
    ];
    for (name, _) in &units {
        refuse_foreign(&dir.join(name))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in &units {
        write_atomically(&dir.join(name), text)?;
    }
    // An omgd started by hand holds the socket path systemd is about to take.
    daemon::stop_if_running(settings)?;
    systemctl.run(&["daemon-reload"])?;
    systemctl.run(&["enable", "--now", SOCKET])?;
    message(&format!(
        "omgd enabled: systemd listens on $XDG_RUNTIME_DIR/omg/omgd.sock and starts omgd at the first request (units in {})",
        dir.display()
    ));
    if !socket_is_systemds(&settings.daemon.socket) {
        message(&format!(
            "note: this omg looks for omgd at {} (OMG_SOCKET, or no XDG_RUNTIME_DIR), not where systemd listens",
            settings.daemon.socket.display()
        ));
    }
    Ok(ExitStatus::Success)
}

pub(crate) fn disable() -> Result<ExitStatus> {
    let systemctl = Systemctl::find()?;
    let dir = units_dir();
    // Stopping the socket first keeps a request in between from starting omgd again.
    systemctl.run(&["disable", "--now", SOCKET, SERVICE])?;
    let mut removed = Vec::new();
    for name in [SERVICE, SOCKET] {
        let path = dir.join(name);
        if written_by_enable(&path) {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            removed.push(path.display().to_string());
        } else if std::fs::symlink_metadata(&path).is_ok() {
            message(&format!(
                "left {} in place: `omg daemon enable` did not write it",
                path.display()
            ));
        }
    }
    systemctl.run(&["daemon-reload"])?;
    message(&if removed.is_empty() {
        "omgd disabled".to_owned()
    } else {
        format!("omgd disabled (removed {})", removed.join(", "))
    });
    Ok(ExitStatus::Success)
}

/// `systemctl --user`, once it has shown that a user manager answers.
struct Systemctl {
    program: PathBuf,
}

impl Systemctl {
    fn find() -> Result<Self> {
        let program = std::env::var_os(omg_core::env::OMG_SYSTEMCTL)
            .filter(|value| !value.is_empty())
            .map_or_else(|| PathBuf::from("systemctl"), PathBuf::from);
        let probe = Command::new(&program)
            .args(["--user", "show-environment"])
            .output();
        match probe {
            Ok(output) if output.status.success() => Ok(Self { program }),
            Ok(output) => bail!(
                "no systemd user manager answers here (systemctl --user: {}); `omg daemon start` runs omgd without it",
                first_line(&output.stderr)
            ),
            Err(error) => bail!(
                "cannot run {}: {error}; `omg daemon start` runs omgd without systemd",
                program.display()
            ),
        }
    }

    fn run(&self, args: &[&str]) -> Result<()> {
        let output = Command::new(&self.program)
            .arg("--user")
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        if !output.status.success() {
            bail!(
                "systemctl --user {} failed: {}",
                args.join(" "),
                first_line(&output.stderr)
            );
        }
        Ok(())
    }
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .find(|line| !line.trim().is_empty())
        .map_or_else(|| "no message".to_owned(), |line| line.trim().to_owned())
}

/// `$XDG_CONFIG_HOME/systemd/user`, where the user manager reads its own units.
fn units_dir() -> PathBuf {
    let paths = Paths::resolve(&Environment::from_process());
    // config_dir is `<config home>/omg`.
    paths
        .config_dir
        .parent()
        .map_or_else(|| paths.config_dir.clone(), Path::to_path_buf)
        .join("systemd/user")
}

fn omgd_path() -> Result<PathBuf> {
    let omgd = source::omgd_binary();
    if !omgd.is_absolute() {
        bail!(
            "omgd is not beside this omg; install both together (cargo install, or the packages)"
        );
    }
    // A relative current_exe component would make the unit depend on systemd's cwd.
    std::fs::canonicalize(&omgd).with_context(|| format!("cannot resolve {}", omgd.display()))
}

/// The packaged service with `ExecStart` naming `omgd`.
fn service_unit(omgd: &Path) -> Result<String> {
    let executable = systemd_quote(omgd)?;
    let mut text = format!("{MARKER}\n");
    let mut replaced = false;
    for line in SERVICE_UNIT.lines() {
        if let Some(arguments) = line
            .strip_prefix("ExecStart=")
            .and_then(|command| command.split_once(' ').map(|(_, rest)| rest))
        {
            text.push_str(&format!("ExecStart={executable} {arguments}\n"));
            replaced = true;
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    if !replaced {
        bail!("the built-in omgd.service has no ExecStart line");
    }
    Ok(text)
}

/// A path as one word of a systemd command line: double-quoted, with `\` and `"`
/// escaped, `%` (specifiers) and `$` (variables) doubled. Control characters
/// have no safe spelling there and are refused.
fn systemd_quote(path: &Path) -> Result<String> {
    let Some(text) = path.to_str() else {
        bail!(
            "{} is not valid UTF-8, which a unit file cannot name",
            path.display()
        );
    };
    if text.chars().any(char::is_control) {
        bail!("{text:?} holds a control character, which a unit file cannot name");
    }
    let mut quoted = String::from("\"");
    for character in text.chars() {
        match character {
            '\\' | '"' => {
                quoted.push('\\');
                quoted.push(character);
            }
            '%' => quoted.push_str("%%"),
            '$' => quoted.push_str("$$"),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    Ok(quoted)
}

/// A regular file (not a link to one) whose first line is [`MARKER`].
fn written_by_enable(path: &Path) -> bool {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return false;
    };
    metadata.is_file()
        && std::fs::read_to_string(path).is_ok_and(|text| text.lines().next() == Some(MARKER))
}

/// A unit the user wrote (or linked) is theirs: refuse rather than replace it.
fn refuse_foreign(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() && !written_by_enable(path) {
        bail!(
            "{} exists and `omg daemon enable` did not write it; move it away to let omg manage omgd's units",
            path.display()
        );
    }
    Ok(())
}

/// Writes `text` beside `path` and renames it over `path`: systemd never reads
/// half a unit, and a link planted at `path` is replaced, not followed.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = path.with_file_name(format!(".{name}.{}.omg-tmp", std::process::id()));
    let _ = std::fs::remove_file(&staged);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&staged)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    if let Err(error) = write().and_then(|()| std::fs::rename(&staged, path)) {
        let _ = std::fs::remove_file(&staged);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Whether omg's socket is the one the unit names: `%t` is the user manager's
/// `$XDG_RUNTIME_DIR`, which is this shell's in a login session.
fn socket_is_systemds(socket: &Path) -> bool {
    std::env::var_os(omg_core::env::OMG_SOCKET).is_none()
        && std::env::var_os(omg_core::env::XDG_RUNTIME_DIR)
            .is_some_and(|dir| socket == Path::new(&dir).join("omg/omgd.sock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_unit_names_the_given_omgd_quoted() {
        let text = service_unit(Path::new("/opt/my tools/100%/$x/omgd")).unwrap();
        assert!(text.starts_with(MARKER));
        assert!(
            text.contains("\nExecStart=\"/opt/my tools/100%%/$$x/omgd\" --foreground\n"),
            "{text}"
        );
        assert_eq!(text.matches("ExecStart=").count(), 1);
    }

    #[test]
    fn systemd_quote_refuses_control_characters() {
        assert!(systemd_quote(Path::new("/a\nb/omgd")).is_err());
        assert_eq!(
            systemd_quote(Path::new(r#"/a"b\c"#)).unwrap(),
            r#""/a\"b\\c""#
        );
    }
}
