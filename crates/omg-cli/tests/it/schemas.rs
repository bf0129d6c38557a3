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
    let daemon = context.start_daemon(&["--backend", "debian"]);
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
    drop(daemon);
    // Not running: the same keys, both null, and exit 1.
    let absent = context.omg_via_daemon(&["daemon", "status", "--json"]);
    assert_eq!(absent.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&absent.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"daemon": null, "serves": null}));
}

#[test]
fn list_json_gives_each_installed_version_with_its_marks() {
    let context = Context::new();
    install_fake_node(&context);
    let list = context.omg_json(&["list"]);
    let entries = list.as_array().expect("a list");
    assert_eq!(entries.len(), 1, "{list:#}");
    assert_eq!(
        keys(&entries[0]),
        ["default", "runtime", "used_here", "version"]
    );
    assert_eq!(entries[0]["runtime"], "node");
    assert_eq!(entries[0]["version"], "22.12.0");
    assert_eq!(entries[0]["default"], true);
}

#[test]
fn use_install_and_available_json_name_what_they_did() {
    let runtimes = crate::runtimes::Runtimes::new();
    let home = runtimes.context.home().to_owned();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let (stdout, _) = runtimes.ok_in(&home, &all);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    };
    let installed = json(&["install", "node@22"]);
    assert_eq!(keys(&installed), ["installed"]);
    let first = &installed["installed"][0];
    assert_eq!(keys(first), ["runtime", "version"]);
    assert_eq!(first["version"], omg_testbed::NODE_VERSION);
    let used = json(&["use", "node", "22"]);
    assert_eq!(keys(&used), ["file", "runtime", "scope", "version"]);
    assert_eq!(used["scope"], "global");
    assert!(used["file"].is_null());
    let pinned = json(&["use", "--local", "node", "22"]);
    assert_eq!(pinned["scope"], "local");
    assert!(
        pinned["file"]
            .as_str()
            .is_some_and(|file| file.ends_with(".node-version")),
        "{pinned:#}"
    );
    let offers = json(&["list", "node", "--available"]);
    let offer = &offers.as_array().expect("a list")[0];
    assert_eq!(keys(offer), ["label", "version"]);
}
