//! `omg audit` answered by omgd from the report its worker keeps in memory:
//! the same bytes as the direct path, no match per request, and `--refresh`
//! fetching again through omgd. Debian, on this machine's real dpkg database
//! (read only), with made-up issue ids for packages installed everywhere, and
//! Arch, on the hermetic root.

use crate::audit::{installed_from, json_of};
use crate::common::{Context, Daemon};
#[cfg(feature = "arch-suite")]
use omg_testbed::ArchRoot;
use omg_testbed::{Fault, HttpServer};
use std::time::{Duration, Instant};

/// A feed with an open issue, one fixed above and one below the installed
/// version of apt's binaries, one never affecting dpkg, one unimportant in bash.
fn write_feed(dir: &std::path::Path) {
    let feed = serde_json::json!({
        "apt": {
            "CVE-2026-2000": {"releases": {
                "omgtest": {"status": "open", "urgency": "high"}}},
            "CVE-2026-2001": {"releases": {
                "omgtest": {"status": "resolved", "fixed_version": "99:9999", "urgency": "medium"}}},
            "CVE-2026-2002": {"releases": {
                "omgtest": {"status": "resolved", "fixed_version": "0.1", "urgency": "high"}}}
        },
        "dpkg": {"CVE-2026-2003": {"releases": {
            "omgtest": {"status": "resolved", "fixed_version": "0", "urgency": "high"}}}},
        "bash": {"TEMP-0000000-000002": {"releases": {
            "omgtest": {"status": "open", "urgency": "unimportant"}}}}
    });
    std::fs::write(dir.join("json"), feed.to_string()).unwrap();
}

fn configure(context: &Context, server: &HttpServer) {
    context.configure(&format!(
        "[audit]\nrelease = \"omgtest\"\ndebian_url = \"{}/json\"\n",
        server.url()
    ));
}

/// How many times omgd has matched the feed (it logs each match).
fn matches_logged(daemon: &Daemon) -> usize {
    daemon.log_text().matches(" findings against the ").count()
}

/// Matches beyond the first that neither a package change (an index rebuild,
/// which other work on this machine can cause at any time) nor one of
/// `refreshes` explains: a match made for an ordinary request.
fn unexplained_matches(daemon: &Daemon, refreshes: usize) -> usize {
    let log = daemon.log_text();
    let mut matches = 0_usize;
    let mut rebuilds = 0_usize;
    for line in log.lines() {
        if line.contains(" findings against the ") {
            matches += 1;
        } else if matches > 0 && line.contains("index rebuilt") {
            rebuilds += 1;
        }
    }
    matches.saturating_sub(1 + rebuilds + refreshes)
}

/// Waits until omgd's worker has looked for a feed copy and found none.
fn wait_for_no_copy(daemon: &Daemon) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !daemon.log_text().contains("audit: no feed kept yet") {
        assert!(
            Instant::now() < deadline,
            "omgd's worker never looked for a feed: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn feed_requests(server: &HttpServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|line| line.starts_with("GET /json"))
        .collect()
}

#[test]
fn audit_through_omgd_equals_the_direct_answer_and_matches_once() {
    assert!(installed_from(&["apt"]).len() >= 2);
    let feeds = tempfile::tempdir().unwrap();
    write_feed(feeds.path());
    let server = HttpServer::serve(feeds.path());
    let context = Context::new();
    configure(&context, &server);
    // omgd fetches no feed the user has not: the first audit is the command's.
    let daemon = context.start_daemon(&["--backend", "debian"]);
    wait_for_no_copy(&daemon);
    assert!(feed_requests(&server).is_empty(), "{:?}", server.requests());
    let first = context.omg_via_daemon(&["-v", "--backend", "debian", "audit"]);
    assert_eq!(first.status.code(), Some(1), "{first:?}");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("answering directly"), "{stderr}");
    assert_eq!(feed_requests(&server).len(), 1, "{:?}", server.requests());

    // From then on omgd matches the kept copy once and answers from memory.
    for rest in [
        &["audit"][..],
        &["--json", "audit"],
        &["audit", "--all"],
        &["--json", "audit", "--all"],
        &["audit", "--severity", "high"],
        &["audit", "--upgradable"],
        &["audit", "--severity", "critical"],
    ] {
        let mut via_daemon = vec!["-v", "--backend", "debian"];
        via_daemon.extend_from_slice(rest);
        let mut direct = vec!["--no-daemon", "--backend", "debian"];
        direct.extend_from_slice(rest);
        let served = context.omg_via_daemon(&via_daemon);
        let made = context.omg_via_daemon(&direct);
        let stderr = String::from_utf8_lossy(&served.stderr);
        assert!(stderr.contains("answered by omgd"), "{rest:?}: {stderr}");
        assert!(!stderr.contains("answering directly"), "{rest:?}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&served.stdout),
            String::from_utf8_lossy(&made.stdout),
            "{rest:?}"
        );
        assert_eq!(served.status.code(), made.status.code(), "{rest:?}");
        assert_eq!(made.stderr, b"", "{rest:?}");
    }
    let findings = json_of(&context.omg_via_daemon(&["--backend", "debian", "--json", "audit"]));
    let ids: std::collections::BTreeSet<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["ids"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        ["CVE-2026-2000", "CVE-2026-2001"]
    );
    // Every answer came from the one report: no match, no fetch per request.
    assert_eq!(unexplained_matches(&daemon, 0), 0, "{}", daemon.log_text());
    assert_eq!(feed_requests(&server).len(), 1, "{:?}", server.requests());

    // --refresh through omgd revalidates now and matches again; a new feed body
    // is what the next answers show.
    let feed: serde_json::Value = serde_json::json!({
        "apt": {"CVE-2026-2009": {"releases": {
            "omgtest": {"status": "open", "urgency": "high"}}}}
    });
    std::fs::write(feeds.path().join("json"), feed.to_string()).unwrap();
    let refreshed =
        context.omg_via_daemon(&["-v", "--backend", "debian", "--json", "audit", "--refresh"]);
    let stderr = String::from_utf8_lossy(&refreshed.stderr);
    assert!(stderr.contains("answered by omgd"), "{stderr}");
    assert_eq!(
        feed_requests(&server).last().map(String::as_str),
        Some("GET /json if-none-match")
    );
    assert!(matches_logged(&daemon) >= 2, "{}", daemon.log_text());
    assert_eq!(unexplained_matches(&daemon, 1), 0, "{}", daemon.log_text());
    let after = json_of(&context.omg_via_daemon(&["--backend", "debian", "--json", "audit"]));
    assert!(after
        .as_array()
        .unwrap()
        .iter()
        .all(|finding| finding["ids"][0] == "CVE-2026-2009"));
    let direct = context.omg_via_daemon(&["--no-daemon", "--backend", "debian", "--json", "audit"]);
    assert_eq!(json_of(&direct), after);

    // A refresh through omgd that fails keeps the copy and says so, once; later
    // answers print what the direct path prints (a copy under a day old is not
    // refreshed there, so it does not warn).
    server.fail("/json", Fault::Status(503));
    let failed = context.omg_via_daemon(&["--backend", "debian", "--json", "audit", "--refresh"]);
    assert_eq!(json_of(&failed), after);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains(
            "warning: cannot refresh the Debian Security Tracker feed (HTTP 503); using the copy from"
        ),
        "{stderr}"
    );
    let served = context.omg_via_daemon(&["--backend", "debian", "audit"]);
    let made = context.omg_via_daemon(&["--no-daemon", "--backend", "debian", "audit"]);
    assert_eq!(served.stdout, made.stdout);
    assert_eq!(served.stderr, made.stderr);
    assert_eq!(served.stderr, b"");
}

#[test]
fn status_counts_vulnerabilities_from_omgd_and_never_fetches() {
    let apt = installed_from(&["apt"]).len();
    let feeds = tempfile::tempdir().unwrap();
    write_feed(feeds.path());
    let server = HttpServer::serve(feeds.path());
    let context = Context::new();
    configure(&context, &server);

    // Without omgd, status says nothing about vulnerabilities and fetches nothing.
    let direct = context.omg_ok(&["--backend", "debian", "status"]);
    assert!(!direct.contains("Vulnerabilities"), "{direct}");
    let json = context.omg_json(&["--backend", "debian", "status"]);
    assert_eq!(json["vulnerabilities"], serde_json::Value::Null);
    assert!(feed_requests(&server).is_empty(), "{:?}", server.requests());

    // omgd alone fetches nothing, so it has nothing to count.
    let daemon = context.start_daemon(&["--backend", "debian"]);
    wait_for_no_copy(&daemon);
    let text = context.omg_via_daemon(&["--backend", "debian", "status"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(!text.contains("Vulnerabilities"), "{text}");
    assert!(feed_requests(&server).is_empty(), "{:?}", server.requests());

    // Once an audit kept a feed and omgd matched it, status counts from that.
    context.omg(&["--backend", "debian", "audit"]);
    context.omg_via_daemon(&["--backend", "debian", "audit"]);
    assert!(matches_logged(&daemon) >= 1, "{}", daemon.log_text());
    let fetched = feed_requests(&server).len();
    let text = context.omg_via_daemon(&["--backend", "debian", "status"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let line = text
        .lines()
        .find(|line| line.starts_with("Vulnerabilities"))
        .unwrap_or_else(|| panic!("no vulnerability line: {text}"));
    // apt's binaries each have the open high issue and the medium one fixed
    // later; bash's unimportant one is not counted, dpkg's never affected it.
    assert!(
        line.contains(&format!(
            ": {apt} high, {apt} medium in {apt} packages (0 fixed by an upgrade); Debian Security Tracker checked "
        )),
        "{line}"
    );
    let json = context.omg_via_daemon(&["--backend", "debian", "--json", "status"]);
    let json = json_of(&json);
    let counts = &json["vulnerabilities"];
    assert_eq!(counts["high"], apt);
    assert_eq!(counts["medium"], apt);
    assert_eq!(counts["critical"], 0);
    assert_eq!(counts["low"], 0);
    assert_eq!(counts["packages"], apt);
    assert_eq!(counts["feed"], "Debian Security Tracker");
    // Counted from the kept report: nothing fetched or matched for it.
    assert_eq!(feed_requests(&server).len(), fetched);
    assert_eq!(unexplained_matches(&daemon, 0), 0, "{}", daemon.log_text());
}

#[cfg(feature = "arch-suite")]
#[test]
fn arch_audit_through_omgd_equals_the_direct_answer() {
    let root = ArchRoot::new();
    root.install(&["omg-hello", "omg-lib"]);
    root.publish_upgrade();
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(
        feeds.path().join("all.json"),
        r#"[
          {"name":"AVG-20","packages":["omg-hello"],"status":"Fixed","severity":"High",
           "type":"arbitrary code execution","affected":"1.0-1","fixed":"1.1-1","ticket":null,
           "issues":["CVE-2026-5000"],"advisories":[]},
          {"name":"AVG-21","packages":["omg-lib"],"status":"Vulnerable","severity":"Critical",
           "type":"denial of service","affected":"2.3-1","fixed":null,"ticket":null,
           "issues":["CVE-2026-5001","CVE-2026-5002"],"advisories":[]}
        ]"#,
    )
    .unwrap();
    let server = HttpServer::serve(feeds.path());
    let context = Context::new();
    context.configure(&format!(
        "[audit]\narch_url = \"{}/all.json\"\n",
        server.url()
    ));
    let pacman_args = root.pacman_args();
    let pacman_args: Vec<&str> = pacman_args.iter().map(String::as_str).collect();
    let with = |rest: &[&'static str]| -> Vec<&str> {
        pacman_args
            .iter()
            .copied()
            .chain(rest.iter().copied())
            .collect()
    };
    // The user's first audit keeps the feed; omgd then matches that copy.
    let first = context.omg(&with(&["audit"]));
    assert_eq!(first.status.code(), Some(1), "{first:?}");
    let daemon = context.start_daemon(&pacman_args);
    for rest in [
        &["audit"][..],
        &["--json", "audit"],
        &["audit", "--upgradable"],
        &["audit", "--severity", "critical"],
    ] {
        let mut via_daemon = vec!["-v"];
        via_daemon.extend(with(rest));
        let mut direct = vec!["--no-daemon"];
        direct.extend(with(rest));
        let served = context.omg_via_daemon(&via_daemon);
        let made = context.omg_via_daemon(&direct);
        let stderr = String::from_utf8_lossy(&served.stderr);
        assert!(stderr.contains("answered by omgd"), "{rest:?}: {stderr}");
        assert!(!stderr.contains("answering directly"), "{rest:?}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&served.stdout),
            String::from_utf8_lossy(&made.stdout),
            "{rest:?}"
        );
        assert_eq!(served.status.code(), made.status.code(), "{rest:?}");
    }
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("high     AVG-20 CVE-2026-5000  fixed in 1.1-1: upgrade available"),
        "{stdout}"
    );
    assert_eq!(unexplained_matches(&daemon, 0), 0, "{}", daemon.log_text());
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|line| line.starts_with("GET /all.json"))
            .count(),
        1,
        "{:?}",
        server.requests()
    );
}
