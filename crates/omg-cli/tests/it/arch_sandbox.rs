//! pacman 7's download sandbox: with `DownloadUser` set, libalpm downloads as that
//! user under Landlock and seccomp. Each case runs omg and pacman 7.1 on twin roots
//! and compares; "a kernel without Landlock" is a seccomp filter that fails
//! Landlock's probe, as container runtimes do.

use crate::common::{args, installed, Context};
use omg_testbed::{is_root, without_landlock, ArchRoot};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

/// A root whose pacman.conf downloads as `user`; the sandbox user must be able to
/// reach the databases and the repository.
fn root_downloading_as(user: &str) -> ArchRoot {
    let root = ArchRoot::new();
    let dir = root.config().parent().unwrap().to_owned();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = std::fs::read_to_string(root.config()).unwrap();
    let conf = conf.replacen(
        "[options]\n",
        &format!("[options]\nDownloadUser = {user}\n"),
        1,
    );
    std::fs::write(root.config(), conf).unwrap();
    // Package files are fetched again, so each install downloads.
    std::fs::remove_dir_all(root.root().join("var/cache/pacman/pkg")).unwrap();
    std::fs::create_dir(root.root().join("var/cache/pacman/pkg")).unwrap();
    root
}

fn pacman_without_landlock(root: &ArchRoot, extra: &[&str]) -> Output {
    let mut command = Command::new("pacman");
    command
        .args(root.pacman_args())
        .args(["--noconfirm", "--color", "never"])
        .args(extra)
        .env("LC_ALL", "C");
    without_landlock(&mut command).output().unwrap()
}

fn omg_without_landlock(context: &Context, root: &ArchRoot, extra: &[&str]) -> Output {
    let pacman_args = root.pacman_args();
    let mut command = context.command(env!("CARGO_BIN_EXE_omg"));
    command
        .args(args(&pacman_args, extra))
        .env("OMG_NO_DAEMON", "1");
    without_landlock(&mut command).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// libalpm's sandbox starts only as root; as anyone else these cases test nothing.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn sandbox_runs_here() -> bool {
    if !is_root() {
        eprintln!("skipped: libalpm's download sandbox runs only as root");
    }
    is_root()
}

#[test]
fn installs_download_in_the_sandbox_as_pacman_does() {
    if !sandbox_runs_here() {
        return;
    }
    let context = Context::new();
    let (ours, theirs) = (root_downloading_as("nobody"), root_downloading_as("nobody"));
    let pacman_args = ours.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    assert!(output.status.success(), "{}", stderr(&output));
    theirs.install(&["omg-hello"]);
    assert_eq!(installed(&ours), installed(&theirs));
    assert!(installed(&ours).contains("omg-hello"));
}

#[test]
fn a_sandbox_that_cannot_start_fails_with_pacmans_line_and_the_setting_that_turns_it_off() {
    if !sandbox_runs_here() {
        return;
    }
    let context = Context::new();
    let (ours, theirs) = (root_downloading_as("nobody"), root_downloading_as("nobody"));

    let pacman = pacman_without_landlock(&theirs, &["-S", "omg-hello"]);
    assert!(!pacman.status.success(), "pacman: {}", stderr(&pacman));
    let landlock =
        "restricting filesystem access failed because Landlock is not supported by the kernel!";
    assert!(stderr(&pacman).contains(landlock), "{}", stderr(&pacman));

    let omg = omg_without_landlock(&context, &ours, &["install", "-y", "omg-hello"]);
    assert!(!omg.status.success());
    let said = stderr(&omg);
    let error: Vec<&str> = said
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(error.len(), 1, "one error line: {said}");
    assert!(error[0].contains(landlock), "{said}");
    assert!(error[0].contains("--disable-sandbox-filesystem"), "{said}");
    assert!(error[0].contains("DisableSandboxFilesystem"), "{said}");
    assert_eq!(installed(&ours), installed(&theirs));
    assert!(!installed(&ours).contains("omg-hello"));
    assert!(!ours.dbpath().join("db.lck").exists());

    // The switch pacman.conf(5) names turns that part off; pacman 7.1.0 takes only
    // --disable-sandbox on its command line.
    let omg = omg_without_landlock(
        &context,
        &ours,
        &["install", "-y", "--disable-sandbox-filesystem", "omg-hello"],
    );
    assert!(omg.status.success(), "{}", stderr(&omg));
    let pacman = pacman_without_landlock(&theirs, &["--disable-sandbox", "-S", "omg-hello"]);
    assert!(pacman.status.success(), "{}", stderr(&pacman));
    assert_eq!(installed(&ours), installed(&theirs));

    // The same for a refresh (`pacman -Sy`).
    std::fs::remove_file(ours.dbpath().join("sync/omgtest.db")).unwrap();
    let omg = omg_without_landlock(&context, &ours, &["sync"]);
    assert!(!omg.status.success());
    assert!(stderr(&omg).contains(landlock), "{}", stderr(&omg));
    let omg = omg_without_landlock(&context, &ours, &["sync", "--disable-sandbox"]);
    assert!(omg.status.success(), "{}", stderr(&omg));
    assert!(ours.dbpath().join("sync/omgtest.db").is_file());
}

#[test]
fn a_download_user_that_does_not_exist_is_refused_as_pacman_refuses_it() {
    let context = Context::new();
    let (ours, theirs) = (
        root_downloading_as("omg-no-such-user"),
        root_downloading_as("omg-no-such-user"),
    );
    let pacman = theirs.pacman(&["-S", "omg-hello"]);
    assert!(!pacman.status.success());
    let pacman_line = stderr(&pacman)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        pacman_line,
        "error: problem setting DownloadUser 'omg-no-such-user' (user does not exist)"
    );
    let pacman_args = ours.pacman_args();
    let omg = context.omg(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    assert!(!omg.status.success());
    assert_eq!(stderr(&omg).trim_end(), pacman_line);
}
