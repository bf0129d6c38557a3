//! omgd's local AUR index: the metadata dump from omg-testbed's AUR server, kept
//! on disk, revalidated with its ETag, and searched in memory with the same
//! output as one RPC search.

use crate::common::{Context, Daemon};
use omg_ipc::{Reply, Request};
use omg_testbed::{aur_fixtures, ArchRoot, AurFixture, AurMode, AurServer};
use std::process::Output;
use std::time::{Duration, Instant};

/// The line `omg -v search` prints when the AUR part came from omgd's index.
const FROM_INDEX: &str = "debug: AUR results from omgd's local AUR index";

/// omgd on `root` keeping an index of `aur`, refreshed every `refresh_secs`.
fn start(context: &Context, root: &ArchRoot, aur: &str, refresh_secs: u64) -> Daemon {
    let config = context.home().join("config/omg/config.toml");
    std::fs::write(
        &config,
        format!("[daemon]\nautostart = false\n[aur]\nindex_refresh_secs = {refresh_secs}\n"),
    )
    .expect("config");
    let args = root.pacman_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    context.start_daemon_with(&args, &[("OMG_AUR_URL", aur)])
}

/// `omg -v ARGS` on `root` with the AUR at `aur`, through omgd unless `direct`.
fn omg(context: &Context, root: &ArchRoot, aur: &str, direct: bool, args: &[&str]) -> Output {
    let mut command = context.command(env!("CARGO_BIN_EXE_omg"));
    command
        .arg("-v")
        .args(root.pacman_args())
        .args(args)
        .env("OMG_AUR_URL", aur);
    if direct {
        command.env("OMG_NO_DAEMON", "1");
    }
    command.output().expect("run omg")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits (up to a minute) until a search for `term` is answered from the index
/// and shows `expected` (or, with `None`, anything); returns its stdout.
fn wait_for_index(
    context: &Context,
    root: &ArchRoot,
    aur: &str,
    term: &str,
    expected: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let output = omg(context, root, aur, false, &["search", "--aur", term]);
        let stdout = text(&output.stdout);
        if text(&output.stderr).contains(FROM_INDEX) && stdout.contains(expected) {
            return stdout;
        }
        assert!(
            Instant::now() < deadline,
            "omgd's index never showed {expected:?} for {term}: {stdout}\n{}",
            text(&output.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn rpc_searches(aur: &AurServer) -> usize {
    aur.requests()
        .iter()
        .filter(|target| target.starts_with("/rpc/v5/search"))
        .count()
}

#[test]
fn search_from_omgd_index_prints_what_the_rpc_search_prints() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let url = aur.url();
    let _daemon = start(&context, &root, &url, 86_400);
    wait_for_index(&context, &root, &url, "paru", "aur/paru ");
    for command in [
        &["search", "greeting"][..],
        &["search", "--aur", "aur", "helper"],
        &["search", "--aur", "--limit", "1", "aur", "helper"],
        &["search", "--json", "paru"],
        &["search", "--json", "--aur", "AUR"],
        &["search", "oldname"],
        &["search", "--aur", "pacman", "wrapper"],
    ] {
        let direct = omg(&context, &root, &url, true, command);
        let searches = rpc_searches(&aur);
        let indexed = omg(&context, &root, &url, false, command);
        assert_eq!(rpc_searches(&aur), searches, "{command:?} asked the RPC");
        assert!(
            text(&indexed.stderr).contains(FROM_INDEX),
            "{command:?}: {}",
            text(&indexed.stderr)
        );
        assert!(
            text(&direct.stderr).contains("AUR results from the AUR's RPC"),
            "{command:?}: {}",
            text(&direct.stderr)
        );
        assert_eq!(indexed.status.code(), direct.status.code(), "{command:?}");
        assert_eq!(text(&indexed.stdout), text(&direct.stdout), "{command:?}");
    }
}

#[test]
fn hostile_names_in_the_dump_are_dropped() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let url = aur.url();
    let daemon = start(&context, &root, &url, 86_400);
    wait_for_index(&context, &root, &url, "greeting", "aur/evil-greeting ");
    let reply = daemon.request(Request::AurSearch {
        url: url.clone(),
        terms: vec!["greeting".to_owned()],
        limit: None,
    });
    let Ok(Ok(Reply::AurSearch(Some(found)))) = reply else {
        panic!("no answer from the index: {reply:?}");
    };
    let names: Vec<&str> = found
        .hits
        .iter()
        .map(|hit| hit.package.name.as_str())
        .collect();
    // The fixtures' `Evil\e[31m-greeting` (base `../../evil`, 9999 votes) matches
    // too, and would rank first.
    assert_eq!(names, ["evil-greeting", "omg-hello-git"]);
    let valid = aur_fixtures()
        .iter()
        .filter(|package| omg_packages::aur::valid_package_name(package.name))
        .count();
    assert!(valid < aur_fixtures().len());
    let log = daemon.log_text();
    assert!(
        log.contains(&format!("AUR index (downloaded): {valid} packages")),
        "{log}"
    );
    // Another AUR's search is not answered from this one's index.
    let other = daemon.request(Request::AurSearch {
        url: "http://127.0.0.1:9".to_owned(),
        terms: vec!["greeting".to_owned()],
        limit: None,
    });
    assert!(matches!(other, Ok(Ok(Reply::AurSearch(None)))), "{other:?}");
}

#[test]
fn the_dump_is_revalidated_with_its_etag_and_replaced_when_it_changes() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let url = aur.url();
    let _daemon = start(&context, &root, &url, 1);
    wait_for_index(&context, &root, &url, "paru", "aur/paru ");
    let kept = context
        .home()
        .join("cache/omg/aur-index/packages-meta-ext-v1.json.gz");
    let first = std::fs::read(&kept).expect("the dump is kept on disk");
    let statuses = aur.wait_for_dump_requests(3);
    assert_eq!(statuses[0], 200);
    assert!(
        statuses[1..].iter().all(|&status| status == 304),
        "{statuses:?}"
    );
    let mut packages = aur_fixtures();
    packages.push(AurFixture {
        name: "omg-newcomer",
        package_base: "omg-newcomer",
        version: "0.1-1",
        description: Some("Uploaded after the first dump"),
        maintainer: Some("omgtester"),
        submitter: "omgtester",
        ..AurFixture::default()
    });
    aur.set_packages(packages);
    let found = wait_for_index(&context, &root, &url, "newcomer", "aur/omg-newcomer ");
    assert_eq!(
        found,
        "aur/omg-newcomer 0.1-1 [+0 ~0.00]\n    Uploaded after the first dump\n"
    );
    assert!(aur.dump_statuses().contains(&200));
    assert_ne!(std::fs::read(&kept).expect("kept"), first);
}

#[test]
fn a_truncated_or_malformed_dump_keeps_the_previous_index() {
    let context = Context::new();
    let root = ArchRoot::new();
    let aur = AurServer::start();
    let url = aur.url();
    let daemon = start(&context, &root, &url, 1);
    let before = wait_for_index(&context, &root, &url, "paru", "aur/paru ");
    let kept = context
        .home()
        .join("cache/omg/aur-index/packages-meta-ext-v1.json.gz");
    let first = std::fs::read(&kept).expect("the dump is kept on disk");
    for mode in [AurMode::TruncatedDump, AurMode::MalformedDump] {
        aur.set_mode(mode);
        // Another package, so a dump that got through would differ.
        let mut packages = aur_fixtures();
        packages.retain(|package| package.name != "paru-bin");
        aur.set_packages(packages);
        let asked = aur.dump_statuses().len();
        let statuses = aur.wait_for_dump_requests(asked + 2);
        assert!(statuses[asked..].iter().all(|&status| status == 200));
        let output = omg(&context, &root, &url, false, &["search", "--aur", "paru"]);
        assert!(text(&output.stderr).contains(FROM_INDEX), "{mode:?}");
        assert_eq!(text(&output.stdout), before, "{mode:?}");
        assert_eq!(std::fs::read(&kept).expect("kept"), first, "{mode:?}");
    }
    let log = daemon.log_text();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("cannot refresh the AUR metadata feed"))
        .collect();
    assert!(
        warnings
            .iter()
            .any(|line| line.contains("cannot decompress it")),
        "{log}"
    );
    assert!(
        warnings
            .iter()
            .any(|line| line.contains("expected a JSON array of packages, found `{`")),
        "{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn an_unreachable_aur_leaves_the_official_results_and_one_warning() {
    let context = Context::new();
    let root = ArchRoot::new();
    // A port that was just free: nothing answers there.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let daemon = start(&context, &root, &url, 86_400);
    let direct = omg(&context, &root, &url, true, &["search", "greeting"]);
    let output = omg(&context, &root, &url, false, &["search", "greeting"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), text(&direct.stdout));
    assert!(text(&output.stdout).contains("omgtest/omg-hello"));
    let warnings: Vec<String> = text(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("debug: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("warning: cannot reach the AUR at "),
        "{warnings:?}"
    );
    // omgd tried once, said so, and serves on.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !daemon.log_text().contains("AUR index: cannot fetch") {
        assert!(Instant::now() < deadline, "{}", daemon.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(matches!(
        daemon.request(Request::Ping),
        Ok(Ok(Reply::Pong { .. }))
    ));
}

#[test]
fn omgd_on_debian_keeps_no_aur_index() {
    let context = Context::new();
    let aur = AurServer::start();
    let url = aur.url();
    let daemon = context.start_daemon_with(&["--backend", "debian"], &[("OMG_AUR_URL", &url)]);
    let reply = daemon.request(Request::AurSearch {
        url: url.clone(),
        terms: vec!["paru".to_owned()],
        limit: None,
    });
    assert!(matches!(reply, Ok(Ok(Reply::AurSearch(None)))), "{reply:?}");
    std::thread::sleep(Duration::from_millis(500));
    assert!(aur.requests().is_empty(), "{:?}", aur.requests());
}
