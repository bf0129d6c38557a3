//! `omg audit --runtimes`: the runtime versions omg installed, asked of a local
//! OSV API in one `querybatch`, then each advisory read for its aliases, fix and
//! severity; only runtimes OSV has an ecosystem for are sent.

use crate::audit::json_of;
use crate::common::Context;
use omg_testbed::{HttpServer, OsvServer};
use serde_json::json;

fn records() -> Vec<serde_json::Value> {
    vec![
        json!({"id": "GO-2026-0001", "modified": "2026-01-02T00:00:00Z", "aliases": ["CVE-2026-4001"],
            "summary": "net/http: request smuggling",
            "affected": [{"package": {"ecosystem": "Go", "name": "stdlib"}, "ranges": [{"type": "SEMVER",
                "events": [{"introduced": "0"}, {"fixed": "1.21.8"}, {"introduced": "1.22.0"}, {"fixed": "1.22.2"}]}]}]}),
        json!({"id": "GO-2026-0002", "modified": "2026-01-02T00:00:00Z",
            "affected": [{"package": {"ecosystem": "Go", "name": "stdlib"}, "ranges": [{"type": "SEMVER",
                "events": [{"introduced": "0"}, {"fixed": "1.20.0"}]}]}]}),
        json!({"id": "GO-2026-0003", "modified": "2026-01-03T00:00:00Z",
            "affected": [{"package": {"ecosystem": "Go", "name": "stdlib"}, "versions": ["1.22.1"]}]}),
        json!({"id": "GHSA-omg1-omg2-omg3", "modified": "2026-01-04T00:00:00Z", "aliases": ["CVE-2026-4002"],
            "database_specific": {"severity": "HIGH"},
            "affected": [{"package": {"ecosystem": "npm", "name": "bun"}, "ranges": [{"type": "SEMVER",
                "events": [{"introduced": "0"}, {"fixed": "1.1.5"}]}]}]}),
        json!({"id": "GHSA-node-node-node", "modified": "2026-01-04T00:00:00Z",
            "database_specific": {"severity": "CRITICAL"},
            "affected": [{"package": {"ecosystem": "npm", "name": "node"}, "ranges": [{"type": "SEMVER",
                "events": [{"introduced": "0"}]}]}]}),
    ]
}

fn summary(findings: &serde_json::Value) -> Vec<(String, String, Vec<String>, String, String)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"].as_str().unwrap().to_owned(),
                f["installed_version"].as_str().unwrap().to_owned(),
                f["ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|id| id.as_str().unwrap().to_owned())
                    .collect(),
                f["severity"].as_str().unwrap().to_owned(),
                f["fixed_version"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[test]
fn runtimes_are_asked_of_osv_where_it_has_an_ecosystem() {
    let feeds = tempfile::tempdir().unwrap();
    std::fs::write(feeds.path().join("json"), "{}").unwrap();
    let feed = HttpServer::serve(feeds.path());
    let osv = OsvServer::start(records());
    let context = Context::new();
    context.configure(&format!(
        "[audit]\nrelease = \"omgtest\"\ndebian_url = \"{}/json\"\nosv_url = \"{}\"\n",
        feed.url(),
        osv.url()
    ));
    let versions = context.home().join("data/omg/versions");
    for installed in ["go/1.22.1", "go/1.21.9", "bun/1.1.0", "node/22.12.0"] {
        std::fs::create_dir_all(versions.join(installed)).unwrap();
    }

    // Without --runtimes nothing goes to OSV.
    let plain = context.omg(&["--backend", "debian", "--json", "audit"]);
    assert_eq!(plain.status.code(), Some(0), "{plain:?}");
    assert!(osv.requests().is_empty(), "{:?}", osv.requests());

    let output = context.omg(&["--backend", "debian", "--json", "audit", "--runtimes"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let owned = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
    let expected = vec![
        (
            "bun".to_owned(),
            "1.1.0".to_owned(),
            owned(&["GHSA-omg1-omg2-omg3", "CVE-2026-4002"]),
            "high".to_owned(),
            "1.1.5".to_owned(),
        ),
        (
            "go".to_owned(),
            "1.22.1".to_owned(),
            owned(&["GO-2026-0001", "CVE-2026-4001"]),
            "unknown".to_owned(),
            "1.22.2".to_owned(),
        ),
        (
            "go".to_owned(),
            "1.22.1".to_owned(),
            owned(&["GO-2026-0003"]),
            "unknown".to_owned(),
            "-".to_owned(),
        ),
    ];
    assert_eq!(summary(&json_of(&output)), expected);
    // One batch with Go's and Bun's versions, Node's never sent; each advisory
    // read once.
    let requests = osv.requests();
    let batches: Vec<&String> = requests
        .iter()
        .filter(|line| line.starts_with("POST /v1/querybatch "))
        .collect();
    assert_eq!(batches.len(), 1, "{requests:?}");
    let body: serde_json::Value =
        serde_json::from_str(batches[0].trim_start_matches("POST /v1/querybatch ")).unwrap();
    let mut asked: Vec<String> = body["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|query| {
            format!(
                "{}/{}@{}",
                query["package"]["ecosystem"].as_str().unwrap(),
                query["package"]["name"].as_str().unwrap(),
                query["version"].as_str().unwrap()
            )
        })
        .collect();
    asked.sort();
    assert_eq!(
        asked,
        ["Go/stdlib@1.21.9", "Go/stdlib@1.22.1", "npm/bun@1.1.0"]
    );
    let mut reads: Vec<&String> = requests
        .iter()
        .filter(|line| line.starts_with("GET /v1/vulns/"))
        .collect();
    reads.sort();
    assert_eq!(
        reads,
        [
            "GET /v1/vulns/GHSA-omg1-omg2-omg3",
            "GET /v1/vulns/GO-2026-0001",
            "GET /v1/vulns/GO-2026-0003"
        ]
    );

    // Paged answers give the same findings; the threshold applies to them too.
    osv.page(1);
    let paged = context.omg(&["--backend", "debian", "--json", "audit", "--runtimes"]);
    assert_eq!(summary(&json_of(&paged)), expected);
    let high = context.omg(&[
        "--backend",
        "debian",
        "--json",
        "audit",
        "--runtimes",
        "--severity",
        "high",
    ]);
    assert_eq!(summary(&json_of(&high)), expected[..1].to_vec());

    // OSV refusing is the command's error, in one line.
    osv.fail(503);
    let failed = context.omg(&["--backend", "debian", "audit", "--runtimes"]);
    assert_eq!(failed.status.code(), Some(2), "{failed:?}");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot ask OSV") && stderr.contains("HTTP 503"),
        "{stderr}"
    );
}
