//! Arch parity: omg against pacman on a hermetic root built by omg-testbed, with the
//! same --config/--root/--dbpath.

use crate::common::{exact_hit_names, sorted_lines, Context};
use omg_testbed::ArchRoot;
use std::collections::HashMap;

fn omg_args<'a>(root: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    let mut args: Vec<&str> = root.iter().map(String::as_str).collect();
    args.extend(rest);
    args
}

fn omg_search(context: &Context, root: &ArchRoot, terms: &[&str]) -> Vec<String> {
    let pacman_args = root.pacman_args();
    let mut args = omg_args(&pacman_args, &["search", "--json"]);
    args.extend(terms);
    let output = context.omg(&args);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    exact_hit_names(&serde_json::from_slice(&output.stdout).expect("json"))
}

fn pacman_search(root: &ArchRoot, terms: &[&str]) -> Vec<String> {
    let mut args = vec!["-Ssq"];
    args.extend(terms);
    // pacman -Ss exits 1 when nothing matches.
    let output = root.pacman(&args);
    sorted_lines(&String::from_utf8_lossy(&output.stdout))
}

#[test]
fn search_equals_pacman_ss() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    // Whether pacman must find something: without that, a sync database that failed
    // to build makes both sides empty and the comparison pass on nothing.
    let queries: &[(&[&str], bool)] = &[
        (&["omg"], true),
        (&["hello"], true),
        (&["HELLO"], true),
        (&["xylophone"], true),
        (&["omg-virtual"], true),
        (&["omg-greeter"], true),
        (&["split", "extra"], true),
        (&["dependency chain"], true),
        (&["no-such-package-here"], false),
    ];
    for &(terms, matches) in queries {
        let expected = pacman_search(&root, terms);
        assert_eq!(
            !expected.is_empty(),
            matches,
            "pacman -Ss {terms:?} found {expected:?}"
        );
        assert_eq!(
            omg_search(&context, &root, terms),
            expected,
            "query {terms:?}"
        );
    }
}

#[test]
fn search_marks_installed_and_ranks_exact_name_first() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    let pacman_args = root.pacman_args();
    let json = context.omg_json(&omg_args(&pacman_args, &["search", "omg-hello"]));
    let hits = json["hits"].as_array().unwrap();
    assert_eq!(hits[0]["name"], "omg-hello");
    assert_eq!(hits[0]["matched"], "exact_name");
    assert_eq!(hits[0]["installed_version"], "1.0-1");
    assert_eq!(hits[0]["repository"], "omgtest");
    assert_eq!(hits[1]["matched"], "name_prefix");
    let extras = hits
        .iter()
        .find(|h| h["name"] == "omg-hello-extras")
        .unwrap();
    assert!(extras["installed_version"].is_null());
}

/// pacman's `humanize_size` with two decimals.
fn pacman_size(bytes: u64) -> String {
    let labels = ["B", "KiB", "MiB", "GiB"];
    #[expect(clippy::cast_precision_loss, reason = "test sizes are tiny")]
    let mut value = bytes as f64;
    let mut index = 0;
    while index < labels.len() - 1 && value > 2048.0 {
        value /= 1024.0;
        index += 1;
    }
    format!("{value:.2} {}", labels[index])
}

fn pacman_fields(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(" : "))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

fn pacman_list(value: &str) -> Vec<String> {
    if value == "None" {
        Vec::new()
    } else {
        value
            .split("  ")
            .map(|item| item.trim().to_owned())
            .filter(|i| !i.is_empty())
            .collect()
    }
}

fn ctime_utc(rfc3339: &str) -> String {
    let output = std::process::Command::new("date")
        .args(["-u", "-d", rfc3339, "+%a %b %e %H:%M:%S %Y"])
        .env("LC_ALL", "C")
        .output()
        .expect("date");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn info_equals_pacman_si() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let names = sorted_lines(&root.pacman_ok(&["-Slq"]));
    assert!(names.len() >= 14, "{names:?}");
    for name in &names {
        let expected = pacman_fields(&root.pacman_ok(&["-Si", name]));
        let info = context.omg_json(&omg_args(&pacman_args, &["info", name]));
        let text = |key: &str| info[key].as_str().unwrap_or("None").to_owned();
        let list = |key: &str| -> Vec<String> {
            info[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(text("repository"), expected["Repository"], "{name}");
        assert_eq!(text("version"), expected["Version"], "{name}");
        assert_eq!(text("description"), expected["Description"], "{name}");
        assert_eq!(text("architecture"), expected["Architecture"], "{name}");
        assert_eq!(text("url"), expected["URL"], "{name}");
        assert_eq!(text("packager"), expected["Packager"], "{name}");
        assert_eq!(
            list("licenses"),
            pacman_list(&expected["Licenses"]),
            "{name}"
        );
        assert_eq!(
            list("depends"),
            pacman_list(&expected["Depends On"]),
            "{name}"
        );
        assert_eq!(
            list("optional_depends"),
            pacman_list(&expected["Optional Deps"]),
            "{name}"
        );
        assert_eq!(
            list("provides"),
            pacman_list(&expected["Provides"]),
            "{name}"
        );
        assert_eq!(
            list("conflicts"),
            pacman_list(&expected["Conflicts With"]),
            "{name}"
        );
        assert_eq!(
            list("replaces"),
            pacman_list(&expected["Replaces"]),
            "{name}"
        );
        assert_eq!(
            info["section"]
                .as_str()
                .map_or_else(Vec::new, |g| g.split(' ').map(str::to_owned).collect()),
            pacman_list(&expected["Groups"]),
            "{name}"
        );
        assert_eq!(
            pacman_size(info["download_size"].as_u64().unwrap()),
            expected["Download Size"],
            "{name}"
        );
        assert_eq!(
            pacman_size(info["installed_size"].as_u64().unwrap()),
            expected["Installed Size"],
            "{name}"
        );
        assert_eq!(
            ctime_utc(info["build_date"].as_str().unwrap()),
            expected["Build Date"],
            "{name}"
        );
    }
}

#[test]
fn info_unknown_package_suggests_and_exits_1() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let output = context.omg(&omg_args(&pacman_args, &["info", "omg-helo"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`omg-helo` was not found"), "{stderr}");
    assert!(stderr.contains("did you mean omg-hello"), "{stderr}");
}

#[test]
fn explicit_list_and_status_equal_pacman_queries() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello", "omg-chain-top", "omg-virtual-b", "omg-zebra"]);
    // An orphan: installed, then re-marked as a dependency nobody needs.
    root.pacman_ok(&["-D", "--asdeps", "omg-zebra"]);
    root.publish_upgrade();
    let pacman_args = root.pacman_args();
    assert_eq!(
        sorted_lines(&context.omg_ok(&omg_args(&pacman_args, &["explicit"]))),
        sorted_lines(&root.pacman_ok(&["-Qeq"]))
    );
    assert_eq!(
        sorted_lines(&context.omg_ok(&omg_args(&pacman_args, &["list", "--installed"]))),
        sorted_lines(&root.pacman_ok(&["-Q"]))
    );
    let status = context.omg_json(&omg_args(&pacman_args, &["status"]));
    let count = |args: &[&str]| {
        sorted_lines(&String::from_utf8_lossy(&root.pacman(args).stdout)).len() as u64
    };
    assert_eq!(status["backend"], "arch");
    assert_eq!(status["installed"].as_u64(), Some(count(&["-Qq"])));
    assert_eq!(status["explicit"].as_u64(), Some(count(&["-Qeq"])));
    assert_eq!(status["orphans"].as_u64(), Some(count(&["-Qdtq"])));
    assert_eq!(status["orphans"].as_u64(), Some(1));
    assert_eq!(status["upgradable"].as_u64(), Some(count(&["-Quq"])));
    assert_eq!(status["upgradable"].as_u64(), Some(1));
    assert_eq!(status["available"].as_u64(), Some(count(&["-Slq"])));
}

#[test]
fn corrupt_sync_db_is_one_clear_error() {
    let context = Context::new();
    let root = ArchRoot::new();
    let db = root.dbpath().join("sync/omgtest.db");
    std::fs::write(&db, b"this is not a tar archive").unwrap();
    let pacman_args = root.pacman_args();
    let output = context.omg(&omg_args(&pacman_args, &["search", "omg"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {}: ", db.display())),
        "{stderr}"
    );
}

#[test]
fn missing_include_names_file_and_line() {
    let context = Context::new();
    let root = ArchRoot::new();
    let conf = root.config();
    let text = std::fs::read_to_string(&conf).unwrap();
    let broken = text.replacen(
        "Server = ",
        "Include = /nonexistent/omg-mirrorlist\nServer = ",
        1,
    );
    std::fs::write(&conf, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.starts_with("Include"))
        .unwrap()
        + 1;
    let pacman_args = root.pacman_args();
    let output = context.omg(&omg_args(&pacman_args, &["search", "omg"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: {}:{line}: Include file /nonexistent/omg-mirrorlist does not exist",
            conf.display()
        )
    );
}

#[test]
fn missing_pacman_conf_is_one_clear_error() {
    let context = Context::new();
    let output = context.omg(&["--config", "/nonexistent/pacman.conf", "search", "omg"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        "error: cannot read /nonexistent/pacman.conf: No such file or directory (os error 2)"
    );
}

/// `omg info` on the hermetic root with extra environment.
fn info_with(
    context: &Context,
    root: &ArchRoot,
    names: &[&str],
    variables: &[(&str, &str)],
) -> std::process::Output {
    context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .arg("info")
        .args(names)
        .env("OMG_NO_DAEMON", "1")
        .envs(variables.iter().copied())
        .output()
        .expect("run omg")
}

#[test]
fn dates_print_in_local_time_as_date_prints_them() {
    let context = Context::new();
    let root = ArchRoot::new();
    // A zone that needs no tz database: two hours east of UTC, named XYZ.
    let zone = "XYZ-2";
    let output = info_with(&context, &root, &["omg-hello"], &[("TZ", zone)]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    // --json: RFC 3339 in UTC, whatever the zone; pacman says the same instant.
    let json = context.omg_json(&omg_args(&root.pacman_args(), &["info", "omg-hello"]));
    let instant = json["build_date"].as_str().expect("build_date").to_owned();
    assert!(instant.ends_with('Z'), "{instant}");
    let pacman = pacman_fields(&root.pacman_ok(&["-Si", "omg-hello"]))["Build Date"].clone();
    assert_eq!(ctime_utc(&instant), pacman);
    let reference = std::process::Command::new("date")
        .args(["-d", &instant, "+%Y-%m-%d %H:%M:%S %Z"])
        .env("TZ", zone)
        .env("LC_ALL", "C")
        .output()
        .expect("date");
    let expected = String::from_utf8_lossy(&reference.stdout).trim().to_owned();
    assert!(expected.ends_with(" XYZ"), "{expected}");
    assert!(
        stdout.contains(&format!("Build Date     : {expected}\n")),
        "{stdout}"
    );
}

#[test]
fn long_values_wrap_to_the_terminal_width_and_not_in_a_pipe() {
    let context = Context::new();
    let root = ArchRoot::new();
    let narrow = info_with(&context, &root, &["omg-hello"], &[("COLUMNS", "40")]);
    let stdout = String::from_utf8_lossy(&narrow.stdout);
    // Lines break between words; a word longer than the room (a URL) stays whole.
    assert!(
        stdout
            .lines()
            .all(|line| line.chars().count() <= 40 || !line[17..].contains(' ')),
        "{stdout}"
    );
    assert!(
        stdout.contains("Description    : Prints a friendly\n                 greeting\n"),
        "{stdout}"
    );
    let piped = info_with(&context, &root, &["omg-hello"], &[]);
    let stdout = String::from_utf8_lossy(&piped.stdout);
    assert!(
        stdout.contains("Description    : Prints a friendly greeting\n"),
        "{stdout}"
    );
}

#[test]
fn info_takes_several_names_and_reports_the_missing_one() {
    let context = Context::new();
    let root = ArchRoot::new();
    let output = info_with(&context, &root, &["omg-hello", "omg-nope", "omg-lib"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let names: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Name           : "))
        .collect();
    assert_eq!(names, ["omg-hello", "omg-lib"]);
    assert_eq!(stdout.matches("\n\n").count(), 2, "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: package `omg-nope` was not found"),
        "{stderr}"
    );
    let json = context.omg_json(&omg_args(
        &root.pacman_args(),
        &["info", "omg-hello", "omg-lib"],
    ));
    let names: Vec<&str> = json
        .as_array()
        .expect("an array for several names")
        .iter()
        .filter_map(|info| info["name"].as_str())
        .collect();
    assert_eq!(names, ["omg-hello", "omg-lib"]);
}
