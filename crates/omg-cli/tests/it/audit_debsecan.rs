//! `omg audit` and the real debsecan on one fabricated data set: the tracker's
//! JSON for omg, the same notes rendered as debsecan's own feed for debsecan
//! (`omg_testbed::debsecan_feed`), both served locally, both matching this
//! machine's dpkg database (read only). Every case is compared finding by
//! finding; where the two read the tracker differently, the difference is
//! asserted as such.

use crate::audit::{installed_from, json_of};
use crate::common::Context;
use omg_testbed::{write_debsecan_feed, HttpServer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SUITE: &str = "omgtest";

/// (binary, id) → the fixed versions debsecan names (unstable and branches).
type Findings = BTreeMap<(String, String), BTreeSet<String>>;

/// debsecan's `--format detail`: one block per finding, the id first, then
/// `installed: <binary> <version>` and a `fixed ...: <source> <version> (...)`
/// line per fixed version.
fn parse_detail(text: &str) -> Findings {
    let mut findings = Findings::new();
    for block in text.split("\n\n").filter(|block| !block.trim().is_empty()) {
        let mut lines = block.lines();
        let id = lines.next().unwrap().split_whitespace().next().unwrap();
        let mut binary = None;
        let mut fixed = BTreeSet::new();
        for line in lines {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("installed:") {
                binary = rest.split_whitespace().next().map(str::to_owned);
            } else if let Some(rest) = line
                .strip_prefix("fixed in unstable:")
                .or_else(|| line.strip_prefix("fixed on branch:"))
            {
                fixed.insert(rest.split_whitespace().nth(1).unwrap().to_owned());
            }
        }
        let binary = binary.unwrap_or_else(|| panic!("no installed line: {block}"));
        findings.insert((binary, id.to_owned()), fixed);
    }
    findings
}

/// (binary, id) → (severity, fixed version) from `omg audit --json`.
fn omg_findings(json: &serde_json::Value) -> BTreeMap<(String, String), (String, String)> {
    json.as_array()
        .expect("a list")
        .iter()
        .map(|f| {
            (
                (
                    f["package"].as_str().unwrap().to_owned(),
                    f["ids"][0].as_str().unwrap().to_owned(),
                ),
                (
                    f["severity"].as_str().unwrap().to_owned(),
                    f["fixed_version"].as_str().unwrap_or("-").to_owned(),
                ),
            )
        })
        .collect()
}

fn run_debsecan(context: &Context, source: &str) -> std::process::Output {
    context
        .command("debsecan")
        .args(["--suite", SUITE, "--source", source, "--format", "detail"])
        // No /etc/default/debsecan, no history: nothing is read or written but
        // the feed and dpkg's status.
        .args(["--config", "/dev/null", "--status", "/var/lib/dpkg/status"])
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env("no_proxy", "*")
        .output()
        .expect("run debsecan")
}

#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn debian_audit_agrees_with_debsecan_case_by_case() {
    if !Path::new("/usr/bin/debsecan").exists() {
        eprintln!("note: skipped; debsecan is not installed (scripts/setup installs it)");
        return;
    }
    let apt = installed_from(&["apt"]);
    let dpkg = installed_from(&["dpkg"]);
    let bash = installed_from(&["bash"]);
    assert!(apt.len() >= 2 && !dpkg.is_empty() && !bash.is_empty());
    let apt_source = apt[0].3.as_str();
    let dpkg_source = dpkg[0].3.as_str();
    let open = |urgency: &str| serde_json::json!({"status": "open", "urgency": urgency});
    let resolved = |fixed: &str, repository: &str, urgency: &str| {
        serde_json::json!({"status": "resolved", "fixed_version": fixed, "urgency": urgency,
                           "repositories": {SUITE: repository}})
    };
    let tracker = serde_json::json!({
        "apt": {
            // Open in the release and in sid: both report it, no fix.
            "CVE-2026-2000": {"description": "open", "scope": "remote", "releases": {
                SUITE: open("high"), "sid": open("high")}},
            // Fixed above the installed version: both report it, with that fix.
            "CVE-2026-2001": {"description": "fixed later", "releases": {
                SUITE: resolved("99:9999", "99:9999", "medium"),
                "sid": resolved("99:9999", "99:9999", "medium")}},
            // Fixed below the installed version by the release's own update, which
            // the repository holds: neither reports it.
            "CVE-2026-2002": {"releases": {
                SUITE: resolved("0.1", apt_source, "high"),
                "sid": resolved("99:9999", "99:9999", "high")}},
            // The same, but the installed version is not the one the release
            // holds: debsecan asks whether it is one of the fixed versions, omg
            // whether it is at least the fix.
            "CVE-2026-2003": {"releases": {
                SUITE: resolved("0.1", "0.2", "high"),
                "sid": resolved("99:9999", "99:9999", "high")}},
            // End of life in the release: debsecan's feed leaves it out, omg
            // reports it open with an unknown severity.
            "CVE-2026-2006": {"releases": {SUITE: open("end-of-life")}},
            // Undetermined: debsecan counts it unfixed, omg says nothing.
            "CVE-2026-2007": {"releases": {SUITE: {"status": "undetermined",
                                                   "urgency": "not yet assigned"}}},
            // Known for another release only: debsecan's lines are the same for
            // every suite, so it reports it; omg matches this release only.
            "CVE-2026-2008": {"releases": {"other": open("high")}}
        },
        "dpkg": {
            // Never affected in the release, fixed in sid: neither.
            "CVE-2026-2004": {"releases": {
                SUITE: resolved("0", dpkg_source, "high"),
                "sid": resolved("99:9999", "99:9999", "high")}},
            // Never affected anywhere: neither.
            "CVE-2026-2009": {"releases": {
                SUITE: resolved("0", dpkg_source, "high"), "sid": resolved("0", "1", "high")}}
        },
        "bash": {
            // Unimportant everywhere: debsecan's feed leaves it out, omg shows it
            // (low, minor) with --all only.
            "TEMP-0000000-000001": {"releases": {SUITE: open("unimportant"),
                                                 "sid": open("unimportant")}},
            // Unimportant here but high in sid: debsecan takes the highest
            // urgency; omg the release's own (minor, so --all only).
            "CVE-2026-2005": {"releases": {SUITE: open("unimportant"), "sid": open("high")}}
        },
        "omg-not-installed": {"CVE-2026-2010": {"releases": {SUITE: open("high")}}}
    });
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(feeds.path().join("json"), tracker.to_string()).unwrap();
    write_debsecan_feed(&feeds.path().join("debsecan"), &tracker, SUITE).unwrap();
    let server = HttpServer::serve(feeds.path());
    let context = Context::new();
    context.configure(&format!(
        "[audit]\nrelease = \"{SUITE}\"\ndebian_url = \"{}/json\"\n",
        server.url()
    ));

    let output = run_debsecan(&context, &format!("{}/debsecan/release/1/", server.url()));
    assert!(output.status.success(), "{output:?}");
    let debsecan = parse_detail(&String::from_utf8_lossy(&output.stdout));
    assert!(server
        .requests()
        .iter()
        .any(|line| line.contains(&format!("/debsecan/release/1/{SUITE}"))));

    let omg = |rest: &[&str]| {
        let mut args = vec!["--backend", "debian", "--json", "audit"];
        args.extend_from_slice(rest);
        let output = context
            .command(env!("CARGO_BIN_EXE_omg"))
            .args(&args)
            .env("OMG_NO_DAEMON", "1")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        omg_findings(&json_of(&output))
    };
    let all = omg(&["--all"]);
    let plain = omg(&[]);

    let key = |binary: &str, id: &str| (binary.to_owned(), id.to_owned());
    let mut both = BTreeSet::new();
    let mut debsecan_only = BTreeSet::new();
    let mut omg_only = BTreeSet::new();
    for (binary, ..) in &apt {
        both.insert(key(binary, "CVE-2026-2000"));
        both.insert(key(binary, "CVE-2026-2001"));
        debsecan_only.insert(key(binary, "CVE-2026-2003"));
        debsecan_only.insert(key(binary, "CVE-2026-2007"));
        debsecan_only.insert(key(binary, "CVE-2026-2008"));
        omg_only.insert(key(binary, "CVE-2026-2006"));
    }
    for (binary, ..) in &bash {
        both.insert(key(binary, "CVE-2026-2005"));
        omg_only.insert(key(binary, "TEMP-0000000-000001"));
    }
    let found_by_debsecan: BTreeSet<_> = debsecan.keys().cloned().collect();
    let found_by_omg: BTreeSet<_> = all.keys().cloned().collect();
    assert_eq!(
        found_by_debsecan,
        both.union(&debsecan_only).cloned().collect(),
        "debsecan's findings"
    );
    assert_eq!(
        found_by_omg,
        both.union(&omg_only).cloned().collect(),
        "omg's findings with --all"
    );
    // Where both give a fix, omg's is one of debsecan's.
    for finding in &both {
        let (_, fixed) = &all[finding];
        if fixed != "-" {
            assert!(debsecan[finding].contains(fixed), "{finding:?}: {fixed}");
        }
    }
    assert!(all
        .iter()
        .any(|(k, (_, fixed))| k.1 == "CVE-2026-2001" && fixed == "99:9999"));
    // Urgency: debsecan's highest over all releases, omg's the release's own.
    for (binary, ..) in &bash {
        assert_eq!(all[&key(binary, "CVE-2026-2005")].0, "low");
        assert_eq!(all[&key(binary, "TEMP-0000000-000001")].0, "low");
    }
    let detail = String::from_utf8_lossy(&output.stdout);
    assert!(detail.contains("CVE-2026-2005 (high urgency)"), "{detail}");
    assert!(
        detail.contains("CVE-2026-2000 (remotely exploitable, high urgency)"),
        "{detail}"
    );
    // Without --all omg hides the release's unimportant issues, which the shared
    // CVE-2026-2005 is.
    let shown: BTreeSet<_> = plain.keys().cloned().collect();
    let expected: BTreeSet<_> = both
        .union(&omg_only)
        .filter(|(binary, _)| !bash.iter().any(|(name, ..)| name == binary))
        .cloned()
        .collect();
    assert_eq!(shown, expected, "omg's findings without --all");
}
