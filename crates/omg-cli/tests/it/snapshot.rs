//! The index snapshot end to end on this machine's real APT lists: a direct command
//! starts from it when it is valid, writes it when it is not, and answers the same
//! either way; omgd starts from it too.

use crate::common::Context;
use std::path::PathBuf;
use std::process::Output;

fn snapshots(context: &Context) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(context.home().join("cache/omg")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().contains("index-"))
        })
        .collect();
    found.sort();
    found
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn origin(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|line| line.strip_prefix("debug: index from the "))
        .unwrap_or_else(|| panic!("no index origin in {output:?}"))
        .to_owned()
}

const SEARCH: &[&str] = &["--backend", "debian", "-v", "search", "vim"];

#[test]
fn a_direct_search_writes_the_snapshot_then_answers_from_it_alike() {
    let context = Context::new();
    let first = context.omg(SEARCH);
    assert_eq!(origin(&first), "databases (no snapshot yet)");
    assert_eq!(snapshots(&context).len(), 1);
    let second = context.omg(SEARCH);
    assert_eq!(origin(&second), "snapshot");
    assert_eq!(stdout(&second), stdout(&first));
    assert!(stdout(&first).contains("vim"));
}

/// `info` from the snapshot's details equals `info` read from the lists (a cache
/// directory that cannot hold a snapshot forces that path), for packages spread
/// over the whole index. (Every package of the testbed trees is compared in
/// omg-packages; `debian::info_equals_apt_cache_show_of_candidate` compares the
/// snapshot's answers with apt-cache.)
#[test]
fn info_from_the_snapshot_equals_info_from_the_lists() {
    let context = Context::new();
    let names: Vec<String> = stdout(&context.omg(&["--backend", "debian", "search", "lib"]))
        .lines()
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter_map(|path| path.rsplit('/').next())
        .step_by(97)
        .take(20)
        .map(str::to_owned)
        .collect();
    assert_eq!(names.len(), 20);
    let mut args = vec!["--backend", "debian", "-v", "info", "--json"];
    args.extend(names.iter().map(String::as_str));
    let from_snapshot = context.omg(&args);
    assert_eq!(origin(&from_snapshot), "snapshot");

    let without = Context::new();
    std::fs::write(without.home().join("cache"), "not a directory").unwrap();
    let from_lists = without.omg(&args);
    assert!(origin(&from_lists).starts_with("databases"));
    assert!(String::from_utf8_lossy(&from_lists.stderr).contains("cannot write the index snapshot"));
    assert_eq!(stdout(&from_snapshot), stdout(&from_lists));
    let answers: serde_json::Value = serde_json::from_str(&stdout(&from_snapshot)).unwrap();
    assert_eq!(answers.as_array().unwrap().len(), 20);
}

#[test]
fn two_commands_writing_at_once_leave_one_valid_snapshot() {
    let context = Context::new();
    let spawn = || {
        context
            .command(env!("CARGO_BIN_EXE_omg"))
            .args(SEARCH)
            .env("OMG_NO_DAEMON", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(snapshots(&context).len(), 1, "temporary files left behind");
    let after = context.omg(SEARCH);
    assert_eq!(origin(&after), "snapshot");
    assert_eq!(stdout(&after), stdout(&a));
}

#[test]
fn a_damaged_snapshot_is_rebuilt_with_the_same_answer() {
    let context = Context::new();
    let first = context.omg(SEARCH);
    let [path] = &snapshots(&context)[..] else {
        panic!("no snapshot");
    };
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 4;
    bytes[middle] ^= 0xff;
    std::fs::write(path, &bytes).unwrap();
    let damaged = context.omg(SEARCH);
    assert!(
        origin(&damaged).starts_with("databases (the snapshot is unusable"),
        "{}",
        origin(&damaged)
    );
    assert_eq!(stdout(&damaged), stdout(&first));
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    let truncated = context.omg(SEARCH);
    assert!(
        origin(&truncated).contains("truncated"),
        "{}",
        origin(&truncated)
    );
    assert_eq!(stdout(&truncated), stdout(&first));
    assert_eq!(origin(&context.omg(SEARCH)), "snapshot");
}

#[test]
fn omgd_starts_from_the_snapshot() {
    let context = Context::new();
    let direct = stdout(&context.omg(&["--backend", "debian", "search", "vim"]));
    let daemon = context.start_daemon(&["--backend", "debian"]);
    let served = stdout(&context.omg_via_daemon(&["--backend", "debian", "search", "vim"]));
    assert_eq!(served, direct);
    let log = daemon.log_text();
    assert!(log.contains("packages from snapshot"), "{log}");
}

/// Arch: `omgd --answer` writes the snapshot, then `omg` answers searches from it
/// without starting omgd (it does not link libalpm); a package installed by pacman
/// makes it stale, and the next search shows the change.
#[cfg(feature = "arch-suite")]
#[test]
fn arch_searches_come_from_the_snapshot_until_pacman_changes_the_system() {
    let context = Context::new();
    let root = omg_testbed::ArchRoot::new();
    let pacman = root.pacman_args();
    let search = |terms: &[&str]| {
        let mut args: Vec<&str> = pacman.iter().map(String::as_str).collect();
        args.extend(["-v", "search", "--repo"]);
        args.extend(terms);
        context.omg(&args)
    };
    let from_snapshot = |output: &Output| {
        String::from_utf8_lossy(&output.stderr).contains("debug: index from the snapshot")
    };
    let first = search(&["omg-hello"]);
    assert!(!from_snapshot(&first), "{first:?}");
    assert_eq!(snapshots(&context).len(), 1);
    let second = search(&["omg-hello"]);
    assert!(from_snapshot(&second), "{second:?}");
    assert_eq!(stdout(&second), stdout(&first));
    assert!(!stdout(&second).contains("[installed]"));

    root.install(&["omg-hello"]);
    let stale = search(&["omg-hello"]);
    assert!(!from_snapshot(&stale), "{stale:?}");
    assert!(stdout(&stale).contains("[installed"), "{}", stdout(&stale));
    let again = search(&["omg-hello"]);
    assert!(from_snapshot(&again), "{again:?}");
    assert_eq!(stdout(&again), stdout(&stale));
}
