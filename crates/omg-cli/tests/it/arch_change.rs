//! `omg install`, `remove`, `sync` and `update` on a hermetic Arch root, each
//! checked against pacman on the same root (install reason included).

use crate::common::{args, installed, omg_on_terminal, Context};
use omg_testbed::ArchRoot;

fn explicit(root: &ArchRoot) -> String {
    String::from_utf8_lossy(&root.pacman(&["-Qe"]).stdout).into_owned()
}

#[test]
fn install_with_yes_equals_pacman_s() {
    let context = Context::new();
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    let pacman_args = ours.pacman_args();
    let output = context.omg(&args(
        &pacman_args,
        &["install", "-y", "omg-chain-top", "omg-hello", "omg-epoch"],
    ));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = |name: &str| {
        stdout
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no plan line for {name}: {stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("omg-lib"), "install omg-lib 2.3-1 (dependency)");
    assert_eq!(line("omg-hello"), "install omg-hello 1.0-1");
    assert_eq!(line("omg-epoch"), "install omg-epoch 1:0.9-1");
    assert!(stdout.contains("Download size: "), "{stdout}");
    assert!(stderr.contains("installing omg-hello"), "{stderr}");
    theirs.install(&["omg-chain-top", "omg-hello", "omg-epoch"]);
    assert_eq!(installed(&ours), installed(&theirs));
    assert_eq!(explicit(&ours), explicit(&theirs));
    assert!(explicit(&ours).contains("omg-hello"));
    assert!(!explicit(&ours).contains("omg-lib"));
}

#[test]
fn install_without_terminal_or_yes_refuses_and_changes_nothing() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "omg-hello"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: no terminal to ask for confirmation: nothing changed (pass -y to proceed)"
    );
    // The plan was still shown.
    assert!(String::from_utf8_lossy(&output.stdout).contains("omg-hello"));
    assert_eq!(installed(&root), "");
    assert!(!root.dbpath().join("db.lck").exists());
}

#[test]
fn install_already_installed_is_reported_not_reinstalled() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    let log = root.root().join("var/log/pacman.log");
    let before = std::fs::read_to_string(&log).unwrap();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "omg-hello"]));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "already installed: omg-hello\n"
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "nothing to do\n");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), before);
}

#[test]
fn install_unknown_package_is_one_line_with_suggestions() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-helo"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: not found in any repository: omg-helo (did you mean omg-hello"),
        "{stderr}"
    );
    assert_eq!(installed(&root), "");
}

#[test]
fn remove_needed_package_is_refused_naming_dependents() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello-extras"]);
    let before = installed(&root);
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["remove", "-y", "omg-hello"]));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "error: cannot remove omg-hello: omg-hello-extras needs it"
    );
    assert_eq!(installed(&root), before);
}

#[test]
fn remove_with_and_without_recursive_equals_pacman() {
    let context = Context::new();
    let ours = ArchRoot::new();
    let theirs = ArchRoot::new();
    for root in [&ours, &theirs] {
        root.install(&["omg-hello", "omg-chain-top"]);
    }
    let pacman_args = ours.pacman_args();
    context.omg_ok(&args(&pacman_args, &["remove", "-y", "omg-hello"]));
    theirs.pacman_ok(&["-R", "omg-hello"]);
    assert_eq!(installed(&ours), installed(&theirs));
    context.omg_ok(&args(
        &pacman_args,
        &["remove", "-y", "--recursive", "omg-chain-top"],
    ));
    theirs.pacman_ok(&["-Rs", "omg-chain-top"]);
    assert_eq!(installed(&ours), installed(&theirs));
    assert_eq!(installed(&ours), "omg-lib 2.3-1\n");
}

#[test]
fn held_lock_is_one_line_naming_it_and_left_in_place() {
    let context = Context::new();
    let root = ArchRoot::new();
    let lock = root.dbpath().join("db.lck");
    std::fs::write(&lock, b"").unwrap();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-zebra"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: the package database is locked: {} exists",
            lock.display()
        )),
        "{stderr}"
    );
    assert!(lock.exists());
    assert_eq!(installed(&root), "");
}

#[test]
fn update_check_lists_then_update_upgrades() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    root.publish_upgrade();
    let pacman_args = root.pacman_args();
    let check = context.omg_ok(&args(&pacman_args, &["update", "--check"]));
    assert!(
        check.contains("upgrade    omg-hello  1.0-1 -> 1.1-1"),
        "{check}"
    );
    assert_eq!(installed(&root), "omg-hello 1.0-1\nomg-lib 2.3-1\n");
    let json = context.omg_json(&args(&pacman_args, &["update", "-y"]));
    assert_eq!(json["outcome"], "done");
    assert_eq!(json["plan"]["packages"][0]["old_version"], "1.0-1");
    assert_eq!(installed(&root), "omg-hello 1.1-1\nomg-lib 2.3-1\n");
    assert_eq!(explicit(&root), "omg-hello 1.1-1\n");
    let again = context.omg(&args(&pacman_args, &["update", "-y"]));
    assert_eq!(String::from_utf8_lossy(&again.stderr), "nothing to do\n");
}

#[test]
fn sync_refreshes_the_databases() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    std::fs::remove_file(root.dbpath().join("sync/omgtest.db")).unwrap();
    let output = context.omg(&args(&pacman_args, &["sync"]));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "refreshed omgtest\n"
    );
    assert!(root.dbpath().join("sync/omgtest.db").is_file());
}

#[test]
fn a_running_daemon_answers_with_the_change_right_after() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let daemon_args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    let daemon = context.start_daemon(&daemon_args);
    let installed_version = || {
        let output =
            context.omg_via_daemon(&args(&pacman_args, &["-v", "info", "--json", "omg-zebra"]));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(stderr.contains("answered by omgd"), "{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["installed_version"].as_str().map(str::to_owned)
    };
    assert_eq!(installed_version(), None);
    let output = context.omg_via_daemon(&args(&pacman_args, &["-v", "install", "-y", "omg-zebra"]));
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("omgd re-read the package databases"),
        "{stderr}"
    );
    // No waiting: omg has the daemon rebuild before it returns.
    assert_eq!(
        installed_version().as_deref(),
        Some("1.0-1"),
        "{}",
        daemon.log_text()
    );
    let output = context.omg_via_daemon(&args(&pacman_args, &["remove", "-y", "omg-zebra"]));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(installed_version(), None);
}

#[test]
fn a_corrupt_package_is_one_line_and_installs_nothing() {
    let context = Context::new();
    let root = ArchRoot::new();
    let file = "omg-lib-2.3-1-any.pkg.tar.zst";
    let path = root.repo_dir().join(file);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(error[0].contains(file), "{stderr}");
    assert!(error[0].contains("removed from the cache"), "{stderr}");
    assert_eq!(installed(&root), "");
    assert!(!root.root().join("var/cache/pacman/pkg").join(file).exists());
}

#[test]
fn a_conflict_is_refused_and_nothing_is_removed() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-virtual-a"]);
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-virtual-b"]));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "error: conflicting packages: omg-virtual-b and omg-virtual-a"
    );
    assert_eq!(installed(&root), "omg-virtual-a 1.0-1\n");
}

#[test]
fn update_shows_a_replacement_in_the_plan_then_makes_it() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install_local("omg-oldname");
    let pacman_args = root.pacman_args();
    let check = context.omg_ok(&args(&pacman_args, &["update", "--check"]));
    assert!(
        check.contains("note: omg-renamed replaces omg-oldname"),
        "{check}"
    );
    assert_eq!(installed(&root), "omg-oldname 1.0-1\n");
    context.omg_ok(&args(&pacman_args, &["update", "-y"]));
    assert_eq!(installed(&root), "omg-renamed 3.0-1\n");
}

#[test]
fn on_a_terminal_no_declines_and_yes_commits() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let declined = omg_on_terminal(
        &context,
        &args(&pacman_args, &["install", "omg-zebra"]),
        "n\n",
    );
    let text = String::from_utf8_lossy(&declined.stdout);
    assert_eq!(declined.status.code(), Some(1), "{text}");
    assert!(text.contains("Proceed with the change? [Y/n]"), "{text}");
    assert!(text.contains("nothing changed"), "{text}");
    assert_eq!(installed(&root), "");
    assert!(!root.dbpath().join("db.lck").exists());
    let accepted = omg_on_terminal(
        &context,
        &args(&pacman_args, &["install", "omg-zebra"]),
        "y\n",
    );
    let text = String::from_utf8_lossy(&accepted.stdout);
    assert!(accepted.status.success(), "{text}");
    assert!(text.contains("(1/1) installing omg-zebra"), "{text}");
    assert_eq!(installed(&root), "omg-zebra 1.0-1\n");
}

#[test]
fn install_mixes_system_packages_and_runtimes() {
    let runtimes = crate::runtimes::Runtimes::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let home = runtimes.context.home().to_owned();
    let (_, stderr) = runtimes.ok_in(
        &home,
        &args(&pacman_args, &["install", "-y", "omg-zebra", "node@22"]),
    );
    assert!(stderr.contains("(1/1) installing omg-zebra"), "{stderr}");
    assert!(
        stderr.contains(&format!("node {} is installed", omg_testbed::NODE_VERSION)),
        "{stderr}"
    );
    assert_eq!(installed(&root), "omg-zebra 1.0-1\n");
}

/// An `omgd --transact` installing omg-zebra, stopped in a post-transaction hook
/// until [`Blocked::release`]; the package is committed by then.
struct Blocked {
    child: std::process::Child,
    stdout: std::process::ChildStdout,
    _stdin: std::process::ChildStdin,
    fifo: std::path::PathBuf,
}

impl Blocked {
    fn start(context: &Context, root: &ArchRoot) -> Self {
        use omg_ipc::{Reply, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION};
        use std::io::Write;
        std::fs::write(
            root.root().join("etc/pacman.d/hooks/block.hook"),
            "[Trigger]\nOperation = Install\nType = Package\nTarget = omg-zebra\n\n[Action]\nWhen = PostTransaction\nExec = /bin/sh -c 'echo started > /hook-started; read line < /hook-fifo'\n",
        )
        .unwrap();
        let fifo = root.root().join("hook-fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let mut child = context
            .command(crate::common::omgd())
            .arg("--transact")
            .args(root.pacman_args())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut send = |body: Request| {
            let frame = omg_ipc::encode(&RequestEnvelope {
                protocol: PROTOCOL_VERSION,
                id: 1,
                body,
            })
            .unwrap();
            stdin.write_all(&frame).unwrap();
        };
        send(Request::Change(omg_core::ChangeRequest::Install {
            names: vec!["omg-zebra".to_owned()],
            reinstall: false,
            downgrade: false,
        }));
        let mut buffer = Vec::new();
        omg_ipc::read_frame(&mut stdout, &mut buffer).unwrap();
        let envelope: ReplyEnvelope = omg_ipc::decode(&buffer).unwrap();
        assert!(matches!(envelope.body, Ok(Reply::Plan(_))), "{envelope:?}");
        send(Request::Proceed { proceed: true });
        let started = root.root().join("hook-started");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !started.exists() {
            assert!(std::time::Instant::now() < deadline, "the hook never ran");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self {
            child,
            stdout,
            _stdin: stdin,
            fifo,
        }
    }

    /// Lets the hook finish.
    fn release(&self) {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.fifo)
            .unwrap()
            .write_all(b"go\n")
            .unwrap();
    }

    /// The replies left, up to the last one.
    fn last_reply(&mut self) -> omg_ipc::ReplyEnvelope {
        let mut buffer = Vec::new();
        loop {
            omg_ipc::read_frame(&mut self.stdout, &mut buffer).unwrap();
            let envelope: omg_ipc::ReplyEnvelope = omg_ipc::decode(&buffer).unwrap();
            if !matches!(envelope.body, Ok(omg_ipc::Reply::ChangeEvent(_))) {
                return envelope;
            }
        }
    }
}

/// kill -9 of the process committing, while a post-transaction hook runs: the
/// next run names the lock left behind and how to clear it, never removes it, and
/// once cleared the database is whole (`pacman -Dk`) and agrees with what happened.
#[test]
fn a_commit_killed_midway_leaves_an_honest_state() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let mut blocked = Blocked::start(&context, &root);
    blocked.child.kill().unwrap();
    blocked.child.wait().unwrap();
    blocked.release();
    let lock = root.dbpath().join("db.lck");
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-zebra"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: the package database is locked: {} exists; another pacman or omg is \
             running, or one was killed (then remove the file)",
            lock.display()
        )
    );
    assert!(lock.exists());
    std::fs::remove_file(&lock).unwrap();
    root.pacman_ok(&["-Dk"]);
    // The package was committed before the hook ran: it is installed, and whole.
    assert_eq!(installed(&root), "omg-zebra 1.0-1\n");
    root.pacman_ok(&["-Qk", "omg-zebra"]);
    let again = context.omg(&args(&pacman_args, &["install", "omg-zebra"]));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "already installed: omg-zebra\n"
    );
}

/// Ctrl-C (SIGINT) or a closed terminal (SIGHUP) during a commit does not stop it
/// halfway: it finishes, reports, and releases the lock.
#[test]
fn interrupts_wait_for_the_commit_to_finish() {
    let context = Context::new();
    let root = ArchRoot::new();
    let mut blocked = Blocked::start(&context, &root);
    let pid = blocked.child.id().to_string();
    for signal in ["-INT", "-HUP"] {
        assert!(std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
    }
    blocked.release();
    let last = blocked.last_reply();
    assert_eq!(
        last.body,
        Ok(omg_ipc::Reply::Changed(omg_core::ChangeOutcome::Done))
    );
    assert!(blocked.child.wait().unwrap().success());
    assert_eq!(installed(&root), "omg-zebra 1.0-1\n");
    assert!(!root.dbpath().join("db.lck").exists());
}

#[test]
fn removing_what_is_not_installed_is_one_line() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-zebra"]);
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(
        &pacman_args,
        &["remove", "-y", "omg-zebra", "omg-hello"],
    ));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "error: not installed: omg-hello"
    );
    assert_eq!(installed(&root), "omg-zebra 1.0-1\n");
}

#[test]
fn progress_is_drawn_as_bars_on_a_terminal_and_as_lines_elsewhere() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    // Under a pseudo-terminal (util-linux `script`), as a user at a shell sees it.
    let mut words = vec![env!("CARGO_BIN_EXE_omg").to_owned()];
    words.extend(pacman_args.iter().cloned());
    words.extend(["install", "-y", "omg-chain-top"].map(str::to_owned));
    let line = words
        .iter()
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let output = context
        .command("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("OMG_NO_DAEMON", "1")
        .env("TERM", "xterm")
        .output()
        .expect("run script");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{screen}");
    // The steps bar, finished: every package, a full bar.
    let count = installed(&root).lines().count();
    assert!(count > 1, "{screen}");
    assert!(screen.contains(&format!("({count}/{count})")), "{screen}");
    assert!(screen.contains("100%"), "{screen}");
    assert!(screen.contains("[#########################]"), "{screen}");
    // A download bar with its sizes.
    assert!(screen.contains("omg-chain-top"), "{screen}");
    assert!(screen.contains(" B/"), "{screen}");

    // Without a terminal: plain lines, no bar drawing.
    let other = ArchRoot::new();
    let other_args = other.pacman_args();
    let output = context.omg(&args(&other_args, &["install", "-y", "omg-chain-top"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("({count}/{count}) installing")),
        "{stderr}"
    );
    assert!(!stderr.contains('\r') && !stderr.contains("[#"), "{stderr}");
}

#[test]
fn quiet_changes_show_the_plan_and_the_result_but_no_progress() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(
        &pacman_args,
        &["-q", "install", "-y", "omg-chain-top"],
    ));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("installing") && !stderr.contains("downloaded"),
        "{stderr}"
    );
    assert!(stderr.contains("done"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("omg-chain-top"));
    assert!(installed(&root).contains("omg-chain-top"));
}
