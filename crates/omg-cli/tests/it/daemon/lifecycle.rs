//! Starting and stopping: the single-instance lock, signals, a stale socket, a
//! corrupt store, autostart, and the socket's permissions.

use super::{assert_serving, wait_until_serving};
use crate::common::{Context, Daemon};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn second_daemon_refuses_and_names_the_lock_holder() {
    let context = Context::new();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let second = context
        .command(crate::common::omgd())
        .args(["--foreground", "--backend", "debian"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "omgd is already running: pid {} holds",
            daemon.child.id()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The detaching form says so before starting anything.
    let detached = context
        .command(crate::common::omgd())
        .args(["--backend", "debian"])
        .output()
        .unwrap();
    assert_eq!(detached.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&detached.stderr);
    assert!(
        stderr.contains(&format!(
            "omgd is already running (pid {}",
            daemon.child.id()
        )),
        "{stderr}"
    );
    assert_serving(&daemon);
}

#[test]
fn sigterm_and_shutdown_stop_cleanly() {
    let context = Context::new();
    let socket = context.socket();
    let lock = socket.with_file_name("omgd.lock");
    for signal in ["TERM", "INT"] {
        let daemon = context.start_daemon(&["--backend", "debian"]);
        assert!(socket.exists() && lock.exists());
        let status = daemon.signal(signal);
        assert!(status.success(), "SIG{signal}: {status}");
        assert!(
            !socket.exists() && !lock.exists(),
            "SIG{signal} left the socket or lock behind"
        );
    }

    let daemon = context.start_daemon(&["--backend", "debian"]);
    let builds = daemon.status().index_built_at;
    let refresh = context.omg_via_daemon(&["daemon", "refresh"]);
    assert!(refresh.status.success(), "{refresh:?}");
    let status = daemon.status();
    assert!(status.index_built_at >= builds);
    assert_eq!(
        String::from_utf8_lossy(&refresh.stderr).trim(),
        format!(
            "omgd re-read the databases: {} packages",
            status.index_packages
        )
    );
    let stop = context.omg_via_daemon(&["daemon", "stop"]);
    assert!(stop.status.success(), "{stop:?}");
    assert!(
        !socket.exists() && !lock.exists(),
        "socket or lock left behind"
    );
    let mut daemon = daemon;
    let exit = daemon.child.wait().unwrap();
    assert!(exit.success(), "{exit}");
    assert!(daemon.log_text().contains("shutdown requested"));
}

#[test]
fn kill_9_leaves_a_stale_socket_the_next_daemon_removes() {
    let context = Context::new();
    let mut daemon = context.start_daemon(&["--backend", "debian"]);
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    assert!(context.socket().exists(), "kill -9 should leave the socket");
    // The dead daemon's socket refuses: omg answers directly.
    let output = context.omg_via_daemon(&["--backend", "debian", "-v", "info", "bash"]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("answered directly (omgd is not running)")
    );
    let next = context.start_daemon(&["--backend", "debian"]);
    assert!(
        next.log_text().contains("removed stale socket"),
        "{}",
        next.log_text()
    );
    assert_serving(&next);
}

#[test]
fn corrupt_store_is_moved_aside_and_rebuilt() {
    let context = Context::new();
    let store_dir = context.home().join("data/omg");
    std::fs::create_dir_all(&store_dir).unwrap();
    std::fs::write(store_dir.join("store.redb"), vec![0x5a; 16 * 1024]).unwrap();
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let aside: Vec<String> = std::fs::read_dir(&store_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("store.redb.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        daemon.log_text().contains("is unusable"),
        "{}",
        daemon.log_text()
    );
    // The fresh store works: the status snapshot gets written and survives a restart.
    let deadline = Instant::now() + Duration::from_secs(60);
    while daemon.status().last_refresh.is_none() {
        assert!(Instant::now() < deadline, "no status refresh");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(daemon.terminate().success());
    let again = context.start_daemon(&["--backend", "debian"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while again.status().last_refresh.is_none() {
        assert!(Instant::now() < deadline, "no status after restart");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_serving(&again);
}

/// Kills an omgd this test did not start itself.
struct Autostarted(u32);

impl Drop for Autostarted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}

#[test]
fn autostart_starts_omgd_for_the_next_command_only_for_the_configured_system() {
    let context = Context::new();
    std::fs::write(
        context.home().join("config/omg/config.toml"),
        "[daemon]\nautostart = true\n",
    )
    .unwrap();
    // A one-off backend flag never leaves a daemon behind.
    let one_off = context.omg_via_daemon(&["--backend", "debian", "-v", "info", "bash"]);
    assert!(one_off.status.success());
    assert!(!String::from_utf8_lossy(&one_off.stderr).contains("started omgd"));

    let first = context.omg_via_daemon(&["-v", "info", "bash"]);
    assert!(first.status.success(), "{first:?}");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("answered directly (omgd is not running)"),
        "{stderr}"
    );
    let pid: u32 = stderr
        .split("started omgd (pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no autostart: {stderr}"));
    let _guard = Autostarted(pid);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let next = context.omg_via_daemon(&["-v", "info", "bash"]);
        assert_eq!(next.stdout, first.stdout);
        if String::from_utf8_lossy(&next.stderr).contains("answered by omgd") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the autostarted omgd never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = context.omg_via_daemon(&["daemon", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["daemon"]["pid"], pid);
    assert!(context.omg_via_daemon(&["daemon", "stop"]).status.success());
    assert!(!context.socket().exists());
}

#[test]
fn default_socket_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let context = Context::new();
    let runtime = tempfile::tempdir().unwrap();
    let mut child = context
        .command(crate::common::omgd())
        .env_remove("OMG_SOCKET")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .args(["--foreground", "--backend", "debian"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let socket = runtime.path().join("omg/omgd.sock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "no socket at {}",
            socket.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(socket.parent().unwrap()), 0o700);
    assert_eq!(mode(&socket), 0o600);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Runs omgd to its exit (killing it after a minute: a daemon that serves when it
/// should have refused fails the test instead of hanging it); exit code and stderr.
fn omgd_exit(context: &Context, args: &[&str]) -> (Option<i32>, String) {
    let log = context.home().join("refused.log");
    let mut child = context
        .command(crate::common::omgd())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "omgd {args:?} is still running: {}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), std::fs::read_to_string(&log).unwrap())
}

#[test]
fn stale_socket_path_holding_something_else_is_left_alone() {
    use std::os::unix::fs::FileTypeExt;
    let context = Context::new();
    let socket = context.socket();
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    let precious = context.home().join("precious");
    std::fs::write(&precious, "keep").unwrap();
    let live = std::os::unix::net::UnixListener::bind(context.home().join("live.sock")).unwrap();
    let plant: [(&str, &dyn Fn()); 4] = [
        ("a regular file", &|| {
            std::fs::write(&socket, "keep").unwrap()
        }),
        ("a directory", &|| std::fs::create_dir(&socket).unwrap()),
        ("a symbolic link", &|| {
            std::os::unix::fs::symlink(&precious, &socket).unwrap();
        }),
        // A link to a socket of ours is still not the socket omgd made.
        ("a symbolic link", &|| {
            std::os::unix::fs::symlink(live.local_addr().unwrap().as_pathname().unwrap(), &socket)
                .unwrap();
        }),
    ];
    for (what, plant) in plant {
        plant();
        let before = std::fs::symlink_metadata(&socket).unwrap().file_type();
        let (code, stderr) = omgd_exit(&context, &["--foreground", "--backend", "debian"]);
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{} is {what}, not a socket omgd left behind",
                socket.display()
            )),
            "{stderr}"
        );
        let after = std::fs::symlink_metadata(&socket).unwrap().file_type();
        assert_eq!(
            (
                after.is_file(),
                after.is_dir(),
                after.is_symlink(),
                after.is_socket()
            ),
            (
                before.is_file(),
                before.is_dir(),
                before.is_symlink(),
                before.is_socket()
            ),
            "{what} was touched"
        );
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep");
        if after.is_file() {
            assert_eq!(std::fs::read_to_string(&socket).unwrap(), "keep");
        }
        if after.is_dir() {
            std::fs::remove_dir(&socket).unwrap();
        } else {
            std::fs::remove_file(&socket).unwrap();
        }
    }
    // With the path clear, the same daemon starts.
    let daemon = context.start_daemon(&["--backend", "debian"]);
    assert_serving(&daemon);
}

#[test]
fn another_users_socket_is_left_alone() {
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        omg_ipc::current_uid(),
        0,
        "this test hands a socket to another user: run it as root (CI does)"
    );
    let context = Context::new();
    let socket = context.socket();
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    let theirs = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::os::unix::fs::chown(&socket, Some(65534), None).unwrap();
    let (code, stderr) = omgd_exit(&context, &["--foreground", "--backend", "debian"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is a socket of uid 65534, not a socket omgd left behind",
            socket.display()
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::symlink_metadata(&socket).unwrap().uid(), 65534);
    // Still theirs, and still connected to its listener.
    assert!(std::os::unix::net::UnixStream::connect(&socket).is_ok());
    drop(theirs);
}

#[test]
fn socket_is_0600_from_its_first_moment_even_under_umask_000() {
    use notify::event::{EventKind, ModifyKind};
    use notify::{RecursiveMode, Watcher};
    use std::os::unix::fs::PermissionsExt;
    let context = Context::new();
    let socket = context.socket();
    let dir = socket.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender).unwrap();
    watcher.watch(dir, RecursiveMode::NonRecursive).unwrap();
    // Inherited, this umask would make a freshly bound socket 0777.
    let child = context
        .command("sh")
        .args([
            "-c",
            "umask 000 && exec \"$0\" --foreground --backend debian",
        ])
        .arg(crate::common::omgd())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(context.home().join("omgd.log")).unwrap())
        .spawn()
        .unwrap();
    let daemon = Daemon {
        child,
        socket: socket.clone(),
        log: context.home().join("omgd.log"),
    };
    wait_until_serving(&daemon);
    // inotify reports in order: once this file's creation is in, so is every
    // change made to the socket before it.
    let marker = dir.join("marker");
    std::fs::write(&marker, "").unwrap();
    let mut created = false;
    loop {
        let event = events
            .recv_timeout(Duration::from_secs(60))
            .expect("the marker's event")
            .unwrap();
        if event.paths.contains(&marker) {
            break;
        }
        if !event.paths.contains(&socket) {
            continue;
        }
        match event.kind {
            EventKind::Create(_) => created = true,
            // A chmod (or chown) after bind: the socket existed with other bits first.
            EventKind::Modify(ModifyKind::Metadata(_)) => {
                panic!("the socket's mode changed after it was created: {event:?}")
            }
            _ => {}
        }
    }
    assert!(created, "no creation event for {}", socket.display());
    // Never changed since its creation, and 0600 now: 0600 all along.
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_serving(&daemon);
}
