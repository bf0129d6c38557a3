//! Changes that cannot be made must leave the system as it was: a root on a full
//! file system, compared with pacman on a twin root filled the same way.

use crate::common::{args, installed, Context};
use omg_testbed::{ArchRoot, RootOptions};

/// A root on a 4 MiB tmpfs with `CheckSpace`, omg-zebra installed, then filled
/// to about 60 KiB free: less than libalpm's cushion (5% of the file system) plus
/// any package. `None`, said on stderr, when this process may not mount.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn full_root() -> Option<ArchRoot> {
    let Some(root) = ArchRoot::with(RootOptions {
        tmpfs_kib: Some(4096),
        ..RootOptions::default()
    }) else {
        eprintln!("note: skipped; mounting a tmpfs needs root");
        return None;
    };
    root.install(&["omg-zebra"]);
    root.fill_leaving(60);
    Some(root)
}

#[test]
fn a_full_disk_is_one_line_and_changes_nothing() {
    let (Some(ours), Some(theirs)) = (full_root(), full_root()) else {
        return;
    };
    let before = installed(&ours);
    assert_eq!(before, "omg-zebra 1.0-1\n");
    let context = Context::new();
    let pacman_args = ours.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: not enough free disk space"),
        "{stderr}"
    );
    // libalpm's own words name the file system and the shortfall.
    assert!(
        stderr.contains(&format!("Partition {} too full", ours.root().display())),
        "{stderr}"
    );
    let pacman = theirs.pacman(&["-S", "omg-hello"]);
    assert!(!pacman.status.success());
    assert!(
        String::from_utf8_lossy(&pacman.stderr).contains("not enough free disk space"),
        "{pacman:?}"
    );
    assert_eq!(installed(&ours), before);
    assert_eq!(installed(&ours), installed(&theirs));
    // The local database is whole and the installed package intact.
    ours.pacman_ok(&["-Dk"]);
    ours.pacman_ok(&["-Qk", "omg-zebra"]);
    assert!(!ours.dbpath().join("db.lck").exists());
    assert!(!ours.root().join("usr/bin/omg-hello").exists());
}

/// `omg` run by an unprivileged user (through setpriv, keeping this test's
/// environment) on a root it does not own, with a `doas` first on PATH that
/// writes its arguments to `doas-argv` and runs the rest. The tests run as root,
/// and root is never elevated, so only a real second user shows which program
/// `omg` picks; that user cannot lock root's database, so the change itself fails
/// inside `omgd --transact` and nothing is installed. `None` when not root.
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn omg_as_a_user(
    context: &Context,
    root: &ArchRoot,
    rest: &[&str],
    variable: Option<&str>,
) -> Option<std::process::Output> {
    use std::os::unix::fs::PermissionsExt;
    if omg_ipc::current_uid() != 0 {
        eprintln!("note: skipped; running omg as another user needs root");
        return None;
    }
    let home = context.home();
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let doas = bin.join("doas");
    std::fs::write(
        &doas,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n[ \"$1\" = -- ] && shift\nexec \"$@\"\n",
            home.join("doas-argv").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&doas, std::fs::Permissions::from_mode(0o755)).unwrap();
    let chown = std::process::Command::new("chown")
        .args(["-R", &format!("{}:", omg_testbed::build_user())])
        .arg(home)
        .status()
        .unwrap();
    assert!(chown.success());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let user = omg_testbed::build_user();
    let mut command = context.command("setpriv");
    command
        .args([
            &format!("--reuid={user}"),
            &format!("--regid={user}"),
            "--clear-groups",
            "--",
        ])
        .arg(env!("CARGO_BIN_EXE_omg"))
        .args(args(&root.pacman_args(), rest))
        .env("OMG_NO_DAEMON", "1")
        .env("PATH", path);
    match variable {
        Some(value) => command.env("OMG_ELEVATE", value),
        None => command.env_remove("OMG_ELEVATE"),
    };
    Some(command.output().unwrap())
}

#[test]
fn a_user_changing_roots_system_is_elevated_with_the_configured_program() {
    let context = Context::new();
    let root = ArchRoot::new();
    std::fs::write(
        context.home().join("config/omg/config.toml"),
        "[daemon]\nautostart = false\n[system]\nelevate = \"doas\"\n",
    )
    .unwrap();
    let Some(output) = omg_as_a_user(&context, &root, &["install", "-y", "omg-zebra"], None) else {
        return;
    };
    let recorded = std::fs::read_to_string(context.home().join("doas-argv"))
        .unwrap_or_else(|_| panic!("doas never ran: {output:?}"));
    let mut expected = vec![
        "--".to_owned(),
        // Elevated, omg runs the command sudo rules name.
        crate::common::omgd().display().to_string(),
        "--transact".to_owned(),
        "--backend".to_owned(),
        "arch".to_owned(),
    ];
    expected.extend(root.pacman_args());
    assert_eq!(recorded.lines().collect::<Vec<_>>(), expected, "{output:?}");
    // The plan came from an unprivileged preview, before doas ran.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("omg-zebra"), "{output:?}");
    // Run as the user, omgd cannot use root's files: one error, nothing installed.
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(installed(&root), "");
    // Without a terminal and without -y: the plan is shown, omg refuses, and
    // nothing is ever elevated.
    std::fs::remove_file(context.home().join("doas-argv")).unwrap();
    let output = omg_as_a_user(&context, &root, &["install", "omg-zebra"], None).unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("install") && stdout.contains("omg-zebra"),
        "{output:?}"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no terminal"),
        "{output:?}"
    );
    assert!(
        !context.home().join("doas-argv").exists(),
        "elevated before the user agreed: {output:?}"
    );
    // The variable wins over the config file; a value omg does not know is one
    // line, and nothing runs.
    let output =
        omg_as_a_user(&context, &root, &["install", "-y", "omg-zebra"], Some("su")).unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "error: OMG_ELEVATE=su: expected one of sudo, doas, run0"
    );
    assert!(!context.home().join("doas-argv").exists());
}
