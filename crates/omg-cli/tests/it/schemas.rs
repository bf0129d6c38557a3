//! The `--json` shapes scripts rely on, held key by key: `current`, `which` and
//! `daemon status`. A change here is a change of the documented schema.

use crate::common::Context;
use std::os::unix::fs::PermissionsExt;

fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value:#}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// node 22.12.0 installed with a `bin/node`, and the global default pointing at it.
fn install_fake_node(context: &Context) -> std::path::PathBuf {
    let node = context.home().join("data/omg/versions/node");
    let bin = node.join("22.12.0/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("node"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(bin.join("node"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("22.12.0", node.join("current")).unwrap();
    bin.join("node")
}

#[test]
fn current_json_names_version_request_and_file() {
    let context = Context::new();
    install_fake_node(&context);
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join(".nvmrc"), "22\n").unwrap();
    let output = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .args(["current", "--json"])
        .current_dir(project.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(keys(&json), ["runtimes"]);
    let runtimes = json["runtimes"].as_array().unwrap();
    assert_eq!(runtimes.len(), 1, "{json:#}");
    assert_eq!(
        keys(&runtimes[0]),
        ["file", "request", "runtime", "version"]
    );
    assert_eq!(runtimes[0]["runtime"], "node");
    assert_eq!(runtimes[0]["version"], "22.12.0");
    assert_eq!(runtimes[0]["request"], "22");
    assert_eq!(
        runtimes[0]["file"],
        project.path().join(".nvmrc").to_str().unwrap()
    );

    // Outside the project: the global default, with no request and no file.
    let json = context.omg_json(&["current"]);
    assert_eq!(
        json,
        serde_json::json!({"runtimes": [
            {"runtime": "node", "version": "22.12.0", "request": null, "file": null}
        ]})
    );
}

#[test]
fn current_json_is_an_empty_list_and_exit_1_when_nothing_is_selected() {
    let context = Context::new();
    let output = context.omg(&["current", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"runtimes": []}));
}

#[test]
fn which_json_gives_the_path_or_null() {
    let context = Context::new();
    let node = install_fake_node(&context);
    let json = context.omg_json(&["which", "node"]);
    assert_eq!(
        json,
        serde_json::json!({"binary": "node", "path": node.to_str().unwrap()})
    );
    let missing = context.omg(&["which", "no-such-tool", "--json"]);
    assert_eq!(missing.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"binary": "no-such-tool", "path": null})
    );
}

#[test]
fn daemon_status_json_keeps_its_keys() {
    let context = Context::new();
    let _daemon = context.start_daemon(&["--backend", "debian"]);
    let output = context.omg_via_daemon(&["daemon", "status", "--json"]);
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(keys(&json), ["daemon", "serves"]);
    assert_eq!(
        keys(&json["daemon"]),
        [
            "cache_hits",
            "cache_misses",
            "index_build_ms",
            "index_built_at",
            "index_packages",
            "last_refresh",
            "pid",
            "requests",
            "rss_bytes",
            "socket",
            "store",
            "uptime_secs",
            "version",
        ]
    );
    assert_eq!(json["serves"]["kind"], "debian", "{json:#}");
    assert!(json["daemon"]["pid"].is_u64());
}
