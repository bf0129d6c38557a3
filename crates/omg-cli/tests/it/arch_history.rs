//! `omg history` on a hermetic Arch root: what `omgd --transact` records after each
//! commit, read back as text and JSON, checked against pacman on the same root.

use crate::common::{args, Context};
use omg_testbed::ArchRoot;
use std::process::Output;

/// `omg ARGS` as if run through `sudo` by `alice`, in UTC.
fn omg_as_alice(context: &Context, args: &[&str]) -> Output {
    context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(args)
        .env("OMG_NO_DAEMON", "1")
        .env("SUDO_USER", "alice")
        .env("TZ", "UTC")
        .output()
        .expect("run omg")
}

fn history_file(root: &ArchRoot) -> std::path::PathBuf {
    root.root().join("var/log/omg/history.jsonl")
}

/// Replaces the last byte of every copy of `prefix*` in the repository and the
/// cache, so the next commit that needs it fails verification.
fn corrupt(root: &ArchRoot, prefix: &str) {
    for dir in [root.repo_dir(), root.root().join("var/cache/pacman/pkg")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with(prefix) && !name.ends_with(".sig") {
                let mut bytes = std::fs::read(&path).unwrap();
                let last = bytes.len() - 1;
                bytes[last] ^= 0xff;
                std::fs::write(&path, bytes).unwrap();
            }
        }
    }
}

#[test]
fn history_records_install_remove_and_a_failed_commit() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let empty = context.omg(&args(&pacman_args, &["history"]));
    assert!(empty.status.success(), "{empty:?}");
    assert_eq!(
        String::from_utf8_lossy(&empty.stderr),
        "no transactions recorded yet\n"
    );
    assert_eq!(
        context.omg_json(&args(&pacman_args, &["history"])),
        serde_json::json!([])
    );

    let install = omg_as_alice(
        &context,
        &args(&pacman_args, &["install", "-y", "omg-hello"]),
    );
    assert!(install.status.success(), "{install:?}");
    context.omg_ok(&args(&pacman_args, &["remove", "-y", "omg-hello"]));
    corrupt(&root, "omg-hello-1.0-1-");
    let failed = context.omg(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    assert_eq!(failed.status.code(), Some(2), "{failed:?}");
    // A plan that is refused before commit is not a transaction: not recorded.
    let refused = context.omg(&args(&pacman_args, &["remove", "-y", "omg-zebra"]));
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert_eq!(
        String::from_utf8_lossy(&root.pacman(&["-Q"]).stdout),
        "omg-lib 2.3-1\n"
    );

    let json = context.omg_json(&args(&pacman_args, &["history"]));
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{json:#}");
    let keys: Vec<&str> = entries[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected_keys = [
        "time",
        "timestamp",
        "user",
        "command",
        "backend",
        "result",
        "error",
        "changes",
        "cache_files",
        "cache_size",
    ];
    expected_keys.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected_keys);
    let time = entries[0]["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
    assert_eq!(entries[0]["user"], "alice");
    assert_eq!(entries[0]["backend"], "arch");
    assert_eq!(
        entries[0]["command"],
        serde_json::json!(["install", "omg-hello"])
    );
    assert_eq!(entries[0]["result"], "done");
    assert_eq!(entries[0]["error"], serde_json::Value::Null);
    assert_eq!(
        entries[0]["changes"],
        serde_json::json!([
            {"name": "omg-lib", "action": "install", "old_version": null, "new_version": "2.3-1"},
            {"name": "omg-hello", "action": "install", "old_version": null, "new_version": "1.0-1"},
        ])
    );
    assert_eq!(entries[1]["user"], "root");
    assert_eq!(
        entries[1]["command"],
        serde_json::json!(["remove", "omg-hello"])
    );
    assert_eq!(
        entries[1]["changes"],
        serde_json::json!([
            {"name": "omg-hello", "action": "remove", "old_version": "1.0-1", "new_version": null},
        ])
    );
    assert_eq!(entries[1]["result"], "done");
    assert_eq!(entries[2]["result"], "failed");
    let error = entries[2]["error"].as_str().unwrap();
    assert!(error.contains("omg-hello-1.0-1-"), "{error}");
    assert_eq!(entries[2]["changes"][0]["new_version"], "1.0-1", "{json:#}");
    // The record agrees with pacman's: what was installed and what is left.
    let log = std::fs::read_to_string(root.root().join("var/log/pacman.log")).unwrap();
    assert!(log.contains("installed omg-hello (1.0-1)"), "{log}");
    assert!(log.contains("removed omg-hello (1.0-1)"), "{log}");

    let text = omg_as_alice(&context, &args(&pacman_args, &["history", "-n", "2"]));
    assert!(text.status.success(), "{text:?}");
    let stdout = String::from_utf8_lossy(&text.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].starts_with('['), "{stdout}");
    assert!(
        lines[0].ends_with("+0000] remove omg-hello (by root): done"),
        "{stdout}"
    );
    assert_eq!(lines[1], "  remove     omg-hello 1.0-1");
    assert!(
        lines[2].contains("] install omg-hello (by root): failed: "),
        "{stdout}"
    );
    assert_eq!(lines[3], "  install    omg-hello 1.0-1");
    assert_eq!(String::from_utf8_lossy(&text.stderr), "");

    // A truncated last line and garbage are skipped with one warning.
    let path = history_file(&root);
    let mut contents = std::fs::read(&path).unwrap();
    let first_line = contents.split(|&b| b == b'\n').next().unwrap().to_vec();
    contents.extend_from_slice(b"\x00\xffnot json\n{\"time\":\n");
    contents.extend_from_slice(&first_line[..first_line.len() / 2]);
    std::fs::write(&path, contents).unwrap();
    let output = context.omg(&args(&pacman_args, &["history", "--json"]));
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        format!(
            "warning: skipped 3 unreadable lines in {}\n",
            path.display()
        )
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
}

#[test]
fn history_refuses_a_symlinked_log_directory_and_the_change_still_counts() {
    let context = Context::new();
    let root = ArchRoot::new();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), root.root().join("var/log/omg")).unwrap();
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-zebra"]));
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = stderr
        .lines()
        .find(|line| line.starts_with("warning: cannot record the transaction"))
        .unwrap_or_else(|| panic!("no warning: {stderr}"));
    assert!(warning.contains("var/log/omg"), "{warning}");
    assert!(stderr.ends_with("done\n"), "{stderr}");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    assert_eq!(
        String::from_utf8_lossy(&root.pacman(&["-Q"]).stdout),
        "omg-zebra 1.0-1\n"
    );

    // The file itself as a link to a file elsewhere: nothing is written through it.
    std::fs::remove_file(root.root().join("var/log/omg")).unwrap();
    std::fs::create_dir(root.root().join("var/log/omg")).unwrap();
    let target = elsewhere.path().join("target");
    std::fs::write(&target, b"").unwrap();
    std::os::unix::fs::symlink(&target, history_file(&root)).unwrap();
    let output = context.omg(&args(&pacman_args, &["remove", "-y", "omg-zebra"]));
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("warning: cannot record the transaction"),
        "{output:?}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"");
    assert_eq!(String::from_utf8_lossy(&root.pacman(&["-Q"]).stdout), "");

    // A FIFO under the name hangs neither the transaction nor the reader.
    std::fs::remove_file(history_file(&root)).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(history_file(&root))
        .status()
        .unwrap()
        .success());
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-zebra"]));
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("warning: cannot record the transaction"),
        "{output:?}"
    );
    let output = context.omg(&args(&pacman_args, &["history"]));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}
