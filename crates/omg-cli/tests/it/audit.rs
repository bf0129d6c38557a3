//! `omg audit` against local HTTP servers serving the feeds' real formats: the
//! Arch Security Tracker on the hermetic root, the Debian Security Tracker on this
//! machine's real dpkg database (read only; issue ids made up for packages that
//! are installed everywhere), with the feed kept and revalidated by ETag.

#[cfg(feature = "arch-suite")]
use crate::common::args;
use crate::common::Context;
#[cfg(feature = "arch-suite")]
use omg_testbed::ArchRoot;
use omg_testbed::{Fault, HttpServer};
use std::collections::BTreeSet;
use std::process::Output;

pub(crate) fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn summary(findings: &serde_json::Value) -> BTreeSet<(String, String, String, String, bool)> {
    findings
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| {
            (
                f["package"].as_str().unwrap().to_owned(),
                f["ids"][0].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["fixed_version"].as_str().unwrap_or("-").to_owned(),
                f["fixed_by_upgrade"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[cfg(feature = "arch-suite")]
#[test]
fn arch_findings_match_the_tracker_as_arch_audit_reads_it() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello", "omg-lib", "omg-zebra"]);
    root.publish_upgrade();
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(
        feeds.path().join("all.json"),
        r#"[
          {"name":"AVG-10","packages":["omg-hello"],"status":"Fixed","severity":"High",
           "type":"arbitrary code execution","affected":"1.0-1","fixed":"1.1-1","ticket":null,
           "issues":["CVE-2026-0010"],"advisories":[]},
          {"name":"AVG-11","packages":["omg-lib","lib32-omg-lib"],"status":"Vulnerable","severity":"Critical",
           "type":"denial of service","affected":"2.3-1","fixed":null,"ticket":null,
           "issues":["CVE-2026-0011","CVE-2026-0012"],"advisories":[]},
          {"name":"AVG-12","packages":["omg-zebra"],"status":"Not affected","severity":"Low",
           "type":"unknown","affected":"1.0-1","fixed":null,"ticket":null,"issues":[],"advisories":[]},
          {"name":"AVG-13","packages":["omg-zebra"],"status":"Fixed","severity":"Medium",
           "type":"unknown","affected":"0.9-1","fixed":"0.9-2","ticket":null,"issues":[],"advisories":[]}
        ]"#,
    )
    .unwrap();
    let server = HttpServer::serve(feeds.path());
    let pacman_args = root.pacman_args();
    let url = format!("{}/all.json", server.url());
    let audit = |rest: &[&str]| {
        context
            .command(env!("CARGO_BIN_EXE_omg"))
            .args(args(&pacman_args, rest))
            .env("OMG_NO_DAEMON", "1")
            .env("OMG_AUDIT_ARCH_URL", &url)
            .output()
            .unwrap()
    };
    let output = audit(&["--json", "audit"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let expected: BTreeSet<_> = [
        ("omg-hello", "AVG-10", "high", "1.1-1", true),
        ("omg-lib", "AVG-11", "critical", "-", false),
    ]
    .into_iter()
    .map(|(p, i, s, f, u)| (p.to_owned(), i.to_owned(), s.to_owned(), f.to_owned(), u))
    .collect();
    assert_eq!(summary(&json_of(&output)), expected);
    // The threshold and --upgradable narrow it; nothing shown is exit 0.
    let critical = audit(&["--json", "audit", "--severity", "critical"]);
    assert_eq!(summary(&json_of(&critical)).len(), 1);
    let upgradable = audit(&["--json", "audit", "--upgradable"]);
    assert_eq!(
        summary(&json_of(&upgradable))
            .into_iter()
            .map(|f| f.0)
            .collect::<Vec<_>>(),
        ["omg-hello"]
    );
    root.pacman_ok(&["-S", "--noconfirm", "omg-hello"]);
    let after = audit(&["--json", "audit", "--severity", "high", "--upgradable"]);
    assert_eq!(after.status.code(), Some(0), "{after:?}");
    assert_eq!(json_of(&after), serde_json::json!([]));
    // The text form groups by package and says what fixes it.
    let text = audit(&["audit"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("omg-lib 2.3-1"), "{stdout}");
    assert!(
        stdout.contains("critical AVG-11 CVE-2026-0011 CVE-2026-0012  no fix yet"),
        "{stdout}"
    );
    // One fetch, then the kept copy: later runs asked nothing.
    let fetches = server
        .requests()
        .iter()
        .filter(|line| line.contains("/all.json"))
        .count();
    assert_eq!(fetches, 1, "{:?}", server.requests());
}

/// `name version source source-version` of the installed binaries built from the
/// `apt` source, and of dpkg and bash, as dpkg-query reports them.
pub(crate) fn installed_from(sources: &[&str]) -> Vec<(String, String, String, String)> {
    let output = std::process::Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${db:Status-Abbrev} ${Package} ${Version} ${source:Package} ${source:Version}\n",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                ["ii", name, version, source, source_version] if sources.contains(source) => {
                    Some((
                        (*name).to_owned(),
                        (*version).to_owned(),
                        (*source).to_owned(),
                        (*source_version).to_owned(),
                    ))
                }
                _ => None,
            }
        })
        // Foreign-architecture copies carry `:arch` and are not audited.
        .filter(|(name, ..)| !name.contains(':'))
        .collect()
}

#[test]
fn debian_findings_match_the_tracker_as_debsecan_reads_it() {
    let apt = installed_from(&["apt"]);
    assert!(apt.len() >= 2, "apt's binaries: {apt:?}");
    let feed = serde_json::json!({
        "apt": {
            "CVE-2026-1000": {"description": "open", "releases": {
                "omgtest": {"status": "open", "urgency": "high"}}},
            "CVE-2026-1001": {"releases": {
                "omgtest": {"status": "resolved", "fixed_version": "99:9999", "urgency": "medium"}}},
            "CVE-2026-1002": {"releases": {
                "omgtest": {"status": "resolved", "fixed_version": "0.1", "urgency": "high"}}},
            "CVE-2026-1003": {"releases": {
                "other": {"status": "open", "urgency": "high"}}}
        },
        "dpkg": {"CVE-2026-1004": {"releases": {
            "omgtest": {"status": "resolved", "fixed_version": "0", "urgency": "high"}}}},
        "bash": {"TEMP-0000000-000001": {"releases": {
            "omgtest": {"status": "open", "urgency": "unimportant"}}}}
    });
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(feeds.path().join("json"), feed.to_string()).unwrap();
    let server = HttpServer::serve(feeds.path());
    let context = Context::new();
    context.configure(&format!(
        "[audit]\nrelease = \"omgtest\"\ndebian_url = \"{}/json\"\n",
        server.url()
    ));
    let output = context.omg(&["--backend", "debian", "--json", "audit"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let findings = json_of(&output);
    let mut expected = BTreeSet::new();
    for (name, ..) in &apt {
        expected.insert((
            name.clone(),
            "CVE-2026-1000".to_owned(),
            "high".to_owned(),
            "-".to_owned(),
            false,
        ));
        expected.insert((
            name.clone(),
            "CVE-2026-1001".to_owned(),
            "medium".to_owned(),
            "99:9999".to_owned(),
            false,
        ));
    }
    assert_eq!(summary(&findings), expected);
    for finding in findings.as_array().unwrap() {
        assert_eq!(finding["source"], "apt");
        let (_, version, ..) = apt
            .iter()
            .find(|(name, ..)| finding["package"] == name.as_str())
            .unwrap();
        assert_eq!(finding["installed_version"], version.as_str());
    }
    // Unimportant issues only with --all.
    let all = context.omg(&["--backend", "debian", "--json", "audit", "--all"]);
    assert!(summary(&json_of(&all))
        .iter()
        .any(|f| f.0 == "bash" && f.1 == "TEMP-0000000-000001" && f.2 == "low"));

    // A refresh revalidates with the ETag; a malformed feed keeps the old copy.
    let refreshed = context.omg(&["--backend", "debian", "--json", "audit", "--refresh"]);
    assert_eq!(summary(&json_of(&refreshed)), expected);
    assert!(server
        .requests()
        .iter()
        .any(|line| line == "GET /json if-none-match"));
    std::fs::write(feeds.path().join("json"), "{\"apt\": [truncated").unwrap();
    let kept = context.omg(&["--backend", "debian", "--json", "audit", "--refresh"]);
    assert_eq!(summary(&json_of(&kept)), expected);
    let stderr = String::from_utf8_lossy(&kept.stderr);
    assert!(
        stderr.contains("cannot refresh the Debian Security Tracker feed"),
        "{stderr}"
    );
    assert!(stderr.contains("using the copy from"), "{stderr}");

    // Never fetched and unreachable: one line, exit 2.
    let fresh = Context::new();
    fresh.configure(&format!(
        "[audit]\nrelease = \"omgtest\"\ndebian_url = \"{}/json\"\n",
        server.url()
    ));
    server.fail("/json", Fault::Status(503));
    let failed = fresh.omg(&["--backend", "debian", "audit"]);
    assert_eq!(failed.status.code(), Some(2), "{failed:?}");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("HTTP 503"), "{stderr}");
}
