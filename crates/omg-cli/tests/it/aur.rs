//! The AUR beside the official repositories: `omg search` and `omg info` on the
//! hermetic Arch root against omg-testbed's local AUR RPC server.

use crate::common::Context;
use omg_testbed::{ArchRoot, AurMode, AurServer};
use std::process::Output;

/// `omg ARGS` on `root`, with the AUR at `aur` (`OMG_AUR_URL`).
fn omg(context: &Context, root: &ArchRoot, aur: &str, args: &[&str]) -> Output {
    context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .args(args)
        .env("OMG_NO_DAEMON", "1")
        .env("OMG_AUR_URL", aur)
        .output()
        .expect("run omg")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    text(&output.stdout)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(output)).expect("json")
}

/// The `repo/name` of each result line (descriptions are indented).
fn labels(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| !line.starts_with(' ') && line.contains('/'))
        .map(|line| line.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn search_lists_official_results_first_then_aur_labelled() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let output = omg(&context, &root, &aur.url(), &["search", "greeting"]);
    let stdout = ok(&output);
    assert_eq!(
        labels(&stdout),
        [
            "omgtest/omg-hello",
            "omgtest/omg-hello-extras",
            // A name match ranks before a description match, as in the index.
            "aur/evil-greeting",
            "aur/omg-hello-git",
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("aur/omg-hello-git 1.0.r12.gabc1234-1 [+3 ~0.01]\n    Prints a friendly greeting (latest commit)\n"),
        "{stdout}"
    );
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    assert_eq!(aur.requests(), ["/rpc/v5/search/greeting?by=name-desc"]);
}

#[test]
fn search_flags_orphans_and_out_of_date_packages() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let stdout = ok(&omg(&context, &root, &aur.url(), &["search", "cower"]));
    assert_eq!(
        stdout,
        "aur/cower 18-2 [+1200 ~0.00] [out of date: 2019-01-01] [orphan]\n    \
         A simple AUR agent with a pretentious name\n"
    );
}

#[test]
fn search_json_carries_the_aur_fields() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let found = json(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--json", "paru"],
    ));
    let hits = found["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2, "{found}");
    assert_eq!(hits[0]["name"], "paru");
    assert_eq!(hits[0]["repository"], "aur");
    assert_eq!(hits[0]["matched"], "exact_name");
    assert_eq!(hits[0]["votes"], 2430);
    assert_eq!(hits[0]["popularity"], 41.823_914);
    assert_eq!(hits[0]["maintainer"], "Morganamilo");
    assert!(hits[0]["out_of_date"].is_null());
    assert_eq!(hits[1]["name"], "paru-bin");
    assert_eq!(hits[1]["matched"], "name_prefix");
    assert_eq!(found["exact_total"], 2);
    let found = json(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--json", "cower"],
    ));
    assert_eq!(found["hits"][0]["out_of_date"], "2019-01-01T00:00:00Z");
    assert!(found["hits"][0]["maintainer"].is_null());
}

#[test]
fn search_sends_the_longest_term_and_needs_every_term() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "aur", "helper"],
    ));
    // Description matches only, so most votes first.
    assert_eq!(labels(&stdout), ["aur/paru", "aur/yay", "aur/paru-bin"]);
    assert_eq!(aur.requests(), ["/rpc/v5/search/helper?by=name-desc"]);
}

#[test]
fn search_aur_and_repo_restrict_the_sources() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--aur", "greeting"],
    ));
    assert_eq!(labels(&stdout), ["aur/evil-greeting", "aur/omg-hello-git"]);
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--repo", "greeting"],
    ));
    assert_eq!(
        labels(&stdout),
        ["omgtest/omg-hello", "omgtest/omg-hello-extras"]
    );
    // Only the --aur search asked.
    assert_eq!(aur.requests().len(), 1);
    let output = omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--aur", "--repo", "x"],
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn info_shows_every_aur_field_when_no_repository_has_the_package() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    // Through the config file this time.
    context.configure(&format!("[aur]\nurl = \"{}/\"\n", aur.url()));
    let output = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(root.pacman_args())
        .args(["info", "paru"])
        .env("OMG_NO_DAEMON", "1")
        .env_remove("OMG_AUR_URL")
        .output()
        .unwrap();
    let stdout = ok(&output);
    for line in [
        "Repository      : aur",
        "Name            : paru",
        "Version         : 2.0.4-1",
        "Description     : Feature packed AUR helper",
        "Depends On      : git  pacman>=6.1  libalpm.so>=14",
        "Make Deps       : cargo",
        "Check Deps      : None",
        "Optional Deps   : bat: colored pkgbuild printing  devtools: build in chroot and downloading pkgbuilds",
        "Provides        : None",
        "Conflicts With  : None",
        "Maintainer      : Morganamilo",
        "Votes           : 2430",
        "Popularity      : 41.82",
        "First Submitted : 2020-04-14 21:35:20 UTC",
        "Last Modified   : 2024-07-07 22:06:40 UTC",
        "Out Of Date     : No",
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line:?} in\n{stdout}");
    }
    assert_eq!(aur.requests(), ["/rpc/v5/info?arg[]=paru"]);

    let info = json(&omg(
        &context,
        &root,
        &aur.url(),
        &["info", "--json", "omg-hello-git"],
    ));
    assert_eq!(info["repository"], "aur");
    assert_eq!(info["check_depends"], serde_json::json!(["bats"]));
    assert_eq!(info["make_depends"], serde_json::json!(["git"]));
    assert_eq!(info["provides"], serde_json::json!(["omg-hello"]));
    assert_eq!(info["conflicts"], serde_json::json!(["omg-hello"]));
    assert_eq!(info["maintainer"], "omgtester");
    assert_eq!(info["first_submitted"], "2023-11-14T22:13:20Z");
    assert!(info["out_of_date"].is_null());
    let info = json(&omg(
        &context,
        &root,
        &aur.url(),
        &["info", "--json", "cower"],
    ));
    assert_eq!(info["out_of_date"], "2019-01-01T00:00:00Z");
    assert!(info["maintainer"].is_null());
}

#[test]
fn info_for_an_official_package_does_not_ask_the_aur() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let stdout = ok(&omg(&context, &root, &aur.url(), &["info", "omg-hello"]));
    assert!(stdout.contains("omgtest"), "{stdout}");
    assert!(aur.requests().is_empty(), "{:?}", aur.requests());
    // A name no package can have is not sent either.
    let output = omg(&context, &root, &aur.url(), &["info", "../../evil"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(aur.requests().is_empty(), "{:?}", aur.requests());
    let output = omg(&context, &root, &aur.url(), &["info", "no-such-package"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: package `no-such-package` was not found\n"
    );
    assert_eq!(aur.requests(), ["/rpc/v5/info?arg[]=no-such-package"]);
}

#[test]
fn the_error_envelope_is_one_line_with_aurweb_message() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let output = omg(&context, &root, &aur.url(), &["search", "--aur", "x"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "error: the AUR refused the request: Query arg too small.\n"
    );
    // Beside the official results it is a warning.
    let output = omg(&context, &root, &aur.url(), &["search", "o"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(labels(&text(&output.stdout)).contains(&"omgtest/omg-hello".to_owned()));
    assert_eq!(
        text(&output.stderr),
        "warning: the AUR refused the request: Query arg too small.\n"
    );
}

#[test]
fn rate_limiting_keeps_the_official_results_with_one_warning() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    aur.set_mode(AurMode::RateLimited);
    let output = omg(&context, &root, &aur.url(), &["search", "greeting"]);
    assert_eq!(
        labels(&ok(&output)),
        ["omgtest/omg-hello", "omgtest/omg-hello-extras"]
    );
    assert_eq!(
        text(&output.stderr),
        "warning: the AUR is rate-limiting requests (HTTP 429)\n"
    );
    let output = omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--aur", "greeting"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "error: the AUR is rate-limiting requests (HTTP 429)\n"
    );
}

#[test]
fn an_unreachable_aur_is_one_warning() {
    let context = Context::new();
    let root = ArchRoot::new();
    // A port nothing listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let output = omg(&context, &root, &url, &["search", "greeting"]);
    assert_eq!(
        labels(&ok(&output)),
        ["omgtest/omg-hello", "omgtest/omg-hello-extras"]
    );
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "warning: cannot reach the AUR at {url}/rpc/v5/search/greeting"
        )),
        "{stderr}"
    );
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    aur.set_mode(AurMode::Malformed);
    let output = omg(&context, &root, &aur.url(), &["search", "--aur", "paru"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: malformed answer from the AUR for "),
        "{stderr}"
    );
    let output = omg(&context, &root, &aur.url(), &["info", "paru"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("warning: malformed answer from the AUR"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: package `paru` was not found\n"),
        "{stderr}"
    );
}

#[test]
fn hostile_aur_text_is_printed_escaped() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--aur", "greeting"],
    ));
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(
        stdout.contains(
            "aur/evil-greeting 1-1 [+1 ~0.00]\n    A greeting\\x1b]0;pwned\\x07 that \\x1b[31mpaints\\nfake/line 1-1\n"
        ),
        "{stdout}"
    );
    // The server's badly named package never shows, whatever its votes.
    assert!(!stdout.contains("Evil"), "{stdout}");
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["info", "evil-greeting"],
    ));
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(
        stdout.contains("Maintainer      : mallory\\x1b[2J\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Depends On      : bash\\x1b[1m\n"),
        "{stdout}"
    );
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--json", "--aur", "greeting"],
    ));
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    let found: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        found["hits"][0]["description"],
        "A greeting\u{1b}]0;pwned\u{7} that \u{1b}[31mpaints\nfake/line 1-1"
    );
}

#[test]
fn debian_refuses_the_aur_flags() {
    let context = Context::new();
    for flag in ["--aur", "--repo"] {
        let output = context.omg(&["--backend", "debian", "search", flag, "vim"]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("the AUR is Arch-only"), "{stderr}");
    }
    for words in [
        &["install", "--noreview", "vim"][..],
        &["install", "--keep-makedeps", "vim"],
        &["update", "--devel"],
    ] {
        let mut all = vec!["--backend", "debian"];
        all.extend_from_slice(words);
        let output = context.omg(&all);
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("the AUR is Arch-only: --"), "{stderr}");
    }
}

#[test]
fn limit_applies_to_the_aur_results_too() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--aur", "--limit", "1", "aur", "helper"],
    ));
    assert_eq!(labels(&stdout), ["aur/paru"]);
    assert!(
        stdout.ends_with("… 2 more from the AUR; use --limit to see them\n"),
        "{stdout}"
    );
}

#[test]
fn omgd_answers_the_official_part_and_the_output_is_the_same() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let pacman_args = root.pacman_args();
    let pacman_args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    let _daemon = context.start_daemon(&pacman_args);
    for command in [&["search", "greeting"][..], &["info", "paru"]] {
        let direct = omg(&context, &root, &aur.url(), command);
        let via_daemon = context
            .command(env!("CARGO_BIN_EXE_omg"))
            .args(root.pacman_args())
            .arg("-v")
            .args(command)
            .env("OMG_AUR_URL", aur.url())
            .output()
            .unwrap();
        let stderr = text(&via_daemon.stderr);
        assert!(stderr.contains("answered by omgd"), "{stderr}");
        assert_eq!(ok(&via_daemon), ok(&direct), "{command:?}");
    }
    assert_eq!(aur.requests().len(), 4);
}

#[test]
fn an_installed_aur_package_is_marked_with_its_version() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install_local("omg-oldname");
    let aur = AurServer::start();
    let stdout = ok(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--aur", "oldname"],
    ));
    assert_eq!(
        stdout,
        "aur/omg-oldname 1.1-1 [+0 ~0.00] [installed: 1.0-1]\n    \
         Old name of omg-renamed, kept in the AUR\n"
    );
    let found = json(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--json", "--aur", "oldname"],
    ));
    assert_eq!(found["hits"][0]["installed_version"], "1.0-1");
    let found = json(&omg(
        &context,
        &root,
        &aur.url(),
        &["search", "--json", "paru"],
    ));
    assert!(found["hits"][0]["installed_version"].is_null());
}
