//! omgd under systemd: a socket passed by socket activation (through Debian's
//! `systemd-socket-activate`, which speaks the same LISTEN_FDS protocol as the
//! user manager), and `omg daemon enable|disable` writing, checking and removing
//! the user units.

use super::wait_until_serving;
use crate::common::{Context, Daemon};
use omg_ipc::{Reply, Request};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The variables omgd and omg need; systemd-socket-activate passes only those
/// named with `--setenv`.
const PASSED: [&str; 7] = [
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "OMG_SOCKET",
    "OMG_AUR_URL",
    "NO_COLOR",
];

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn socket_activated_omgd_serves_the_passed_socket_and_leaves_it_to_systemd() {
    assert!(
        installed("systemd-socket-activate"),
        "systemd-socket-activate is missing (Debian's systemd package; scripts/setup)"
    );
    let context = Context::new();
    let socket = context.socket();
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    let log = context.home().join("omgd.log");
    let mut activate = context.command("systemd-socket-activate");
    activate.arg(format!("--listen={}", socket.display()));
    for name in PASSED {
        activate.arg(format!("--setenv={name}"));
    }
    let child = activate
        .arg(crate::common::omgd())
        .args(["--foreground", "--backend", "debian"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let daemon = Daemon {
        child,
        socket: socket.clone(),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "no socket: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // The first connection starts omgd; nothing races to start another.
    let first = context.omg_via_daemon(&["-v", "info", "bash"]);
    assert!(first.status.success(), "{first:?}");
    wait_until_serving(&daemon);
    let via = context.omg_via_daemon(&["-v", "info", "bash"]);
    assert_eq!(via.stdout, first.stdout);
    let stderr = String::from_utf8_lossy(&via.stderr);
    assert!(stderr.contains("debug: answered by omgd"), "{stderr}");
    let Ok(Ok(Reply::Pong { pid })) = daemon.request(Request::Ping) else {
        panic!("no pong: {}", daemon.log_text());
    };
    // systemd-socket-activate execs omgd in its own process: LISTEN_PID matched.
    assert_eq!(pid, daemon.child.id());
    assert!(
        !daemon.log_text().contains("removed stale socket"),
        "{}",
        daemon.log_text()
    );

    // omgd leaves, the socket stays with whoever passed it.
    let status = daemon.terminate();
    assert!(status.success(), "{status}");
    assert!(socket.exists(), "omgd removed the socket it was passed");
    assert!(
        !socket.with_file_name("omgd.lock").exists(),
        "omgd left its lock behind"
    );
}

#[test]
fn socket_activation_refuses_a_descriptor_that_is_not_a_listening_socket() {
    let context = Context::new();
    // `exec` keeps bash's pid, so LISTEN_PID names omgd, and fd 3 is a plain file.
    let output = context
        .command("bash")
        .args([
            "-c",
            r#"exec 3</dev/null; export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" --foreground --backend debian"#,
        ])
        .arg(crate::common::omgd())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("socket activation: fd 3 is not a socket"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!context.socket().exists());
}

#[test]
fn omgd_leaves_a_socket_someone_listens_on() {
    let context = Context::new();
    let socket = context.socket();
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    // What systemd's omgd.socket looks like before its first connection.
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let output = context
        .command(crate::common::omgd())
        .args(["--foreground", "--backend", "debian"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is listened on by another process"),
        "{stderr}"
    );
    assert!(socket.exists());
}

fn units_dir(context: &Context) -> PathBuf {
    context.home().join("config/systemd/user")
}

/// A `systemctl` stand-in that records its arguments, one call a line, and
/// answers like a user manager that is there.
fn recording_systemctl(context: &Context) -> (PathBuf, PathBuf) {
    let calls = context.home().join("systemctl.calls");
    let script = context.home().join("systemctl");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\n", calls.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, calls)
}

fn omg_with_systemctl(context: &Context, systemctl: &Path, args: &[&str]) -> std::process::Output {
    context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(args)
        .env("OMG_SYSTEMCTL", systemctl)
        .output()
        .unwrap()
}

#[test]
fn daemon_enable_writes_units_that_verify_and_disable_removes_them() {
    let context = Context::new();
    let (systemctl, calls) = recording_systemctl(&context);
    let enable = omg_with_systemctl(&context, &systemctl, &["daemon", "enable"]);
    assert!(enable.status.success(), "{enable:?}");
    let dir = units_dir(&context);
    let service = std::fs::read_to_string(dir.join("omgd.service")).unwrap();
    let socket = std::fs::read_to_string(dir.join("omgd.socket")).unwrap();
    let omgd = std::fs::canonicalize(crate::common::omgd()).unwrap();
    assert!(
        service.contains(&format!(
            "\nExecStart=\"{}\" --foreground\n",
            omgd.display()
        )),
        "{service}"
    );
    // The repository's copies, a first line apart (only ExecStart differs).
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/systemd");
    let packaged_socket = std::fs::read_to_string(repository.join("omgd.socket")).unwrap();
    assert_eq!(socket.split_once('\n').unwrap().1, packaged_socket);
    let packaged_service = std::fs::read_to_string(repository.join("omgd.service")).unwrap();
    let differing: Vec<_> = service
        .lines()
        .skip(1)
        .zip(packaged_service.lines())
        .filter(|(written, packaged)| written != packaged)
        .collect();
    assert_eq!(differing.len(), 1, "{differing:?}");
    assert!(differing[0].1.starts_with("ExecStart=/usr/bin/omgd "));
    assert!(socket.contains("\nListenStream=%t/omg/omgd.sock\n"));
    assert!(socket.contains("\nSocketMode=0600\n") && socket.contains("\nDirectoryMode=0700\n"));
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "--user show-environment\n--user daemon-reload\n--user enable --now omgd.socket\n"
    );
    verify_units(
        &context,
        &[dir.join("omgd.socket"), dir.join("omgd.service")],
    );

    std::fs::write(&calls, "").unwrap();
    let disable = omg_with_systemctl(&context, &systemctl, &["daemon", "disable"]);
    assert!(disable.status.success(), "{disable:?}");
    assert!(!dir.join("omgd.service").exists() && !dir.join("omgd.socket").exists());
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "--user show-environment\n--user disable --now omgd.socket omgd.service\n--user daemon-reload\n"
    );
}

/// `systemd-analyze --user verify` on the units, with omgd(1) from `omg
/// manpages` on MANPATH so `Documentation=man:omgd(1)` is checked too. The user
/// lookup paths come from XDG_RUNTIME_DIR, which a root without a session lacks:
/// a private one serves.
fn verify_units(context: &Context, units: &[PathBuf]) {
    let man = context.home().join("man");
    let pages = context.omg(&["manpages", man.join("man1").to_str().unwrap()]);
    assert!(pages.status.success(), "{pages:?}");
    let runtime = context.home().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    let verify = context
        .command("systemd-analyze")
        .args(["--user", "verify"])
        .args(units)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("MANPATH", &man)
        .output()
        .unwrap();
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn daemon_enable_leaves_units_it_did_not_write() {
    let context = Context::new();
    let (systemctl, calls) = recording_systemctl(&context);
    let dir = units_dir(&context);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("omgd.service"), "[Service]\nExecStart=/mine\n").unwrap();
    let enable = omg_with_systemctl(&context, &systemctl, &["daemon", "enable"]);
    assert_eq!(enable.status.code(), Some(2), "{enable:?}");
    let stderr = String::from_utf8_lossy(&enable.stderr);
    assert!(
        stderr.contains("did not write it") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("omgd.service")).unwrap(),
        "[Service]\nExecStart=/mine\n"
    );
    assert!(!dir.join("omgd.socket").exists());
    assert!(!std::fs::read_to_string(&calls).unwrap().contains("enable"));
}

#[test]
fn daemon_enable_without_a_user_manager_says_so_in_one_line() {
    let context = Context::new();
    let probe = Command::new("systemctl")
        .args(["--user", "show-environment"])
        .output();
    if probe.is_ok_and(|output| output.status.success()) {
        // A user manager runs here: enabling would change this machine's session.
        return;
    }
    let enable = context.omg_via_daemon(&["daemon", "enable"]);
    assert_eq!(enable.status.code(), Some(2), "{enable:?}");
    let stderr = String::from_utf8_lossy(&enable.stderr);
    assert!(
        stderr.starts_with("error: no systemd user manager answers here"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!units_dir(&context).exists());
}
