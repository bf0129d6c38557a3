//! `omg doctor`: failing checks found in real (temporary) state, the exit code,
//! and the JSON schema scripts rely on.

use crate::common::{args, Context};
use omg_testbed::ArchRoot;
use std::process::Output;

/// The checks in their fixed order: the schema's promise.
const CHECK_IDS: [&str; 9] = [
    "hook",
    "shims",
    "omgd",
    "socket",
    "locks",
    "databases",
    "runtimes",
    "disk",
    "mirrors",
];

/// `omg doctor --json` free to find omgd (doctor checks it), parsed, with the
/// exit status.
fn doctor(context: &Context, extra: &[&str], env: &[(&str, &str)]) -> (Output, serde_json::Value) {
    let mut command = context.command(env!("CARGO_BIN_EXE_omg"));
    command.args(extra).args(["doctor", "--json"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "no JSON ({error}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, json)
}

fn check<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check: {json:#}"))
}

fn assert_schema(json: &serde_json::Value) {
    let object = json.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["checks", "healthy", "schema"], "{json:#}");
    assert_eq!(json["schema"], 1);
    assert!(json["healthy"].is_boolean());
    let checks = json["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, CHECK_IDS);
    for check in checks {
        let mut keys: Vec<&str> = check
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["fix", "id", "status", "summary"], "{check:#}");
        let status = check["status"].as_str().unwrap();
        assert!(["ok", "warning", "problem"].contains(&status), "{check:#}");
        assert!(check["summary"].is_string());
        // Whatever is not ok says what to do.
        assert_eq!(check["fix"].is_string(), status != "ok", "{check:#}");
    }
    let problems = checks.iter().any(|check| check["status"] == "problem");
    assert_eq!(json["healthy"], !problems);
}

#[test]
fn doctor_says_omgd_is_not_running_and_exits_1() {
    let context = Context::new();
    let (output, json) = doctor(&context, &[], &[]);
    assert_schema(&json);
    assert_eq!(output.status.code(), Some(1), "{json:#}");
    let omgd = check(&json, "omgd");
    assert_eq!(omgd["status"], "problem");
    assert!(omgd["summary"].as_str().unwrap().starts_with("not running"));
    assert!(omgd["fix"].as_str().unwrap().contains("omg daemon start"));
    assert_eq!(json["healthy"], false);
}

#[test]
fn doctor_finds_a_current_link_that_points_nowhere() {
    let context = Context::new();
    let node = context.home().join("data/omg/versions/node");
    std::fs::create_dir_all(node.join("22.12.0")).unwrap();
    std::os::unix::fs::symlink("20.1.0", node.join("current")).unwrap();
    let (output, json) = doctor(&context, &[], &[("__OMG_STATE", "")]);
    assert_schema(&json);
    assert_eq!(output.status.code(), Some(1));
    let runtimes = check(&json, "runtimes");
    assert_eq!(runtimes["status"], "problem", "{json:#}");
    assert_eq!(
        runtimes["summary"],
        "node: current points to \"20.1.0\", which is not installed"
    );
    assert_eq!(runtimes["fix"], "omg use node <version>");
    // The hook is active (its variable is set), so that one passes.
    assert_eq!(check(&json, "hook")["status"], "ok");

    // The human form: one line per check, the fix under it.
    let text = context
        .command(env!("CARGO_BIN_EXE_omg"))
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("problem  runtimes   node: current points to"),
        "{stdout}"
    );
    assert!(stdout.contains("fix: omg use node <version>"), "{stdout}");
}

#[test]
fn doctor_finds_a_stale_pacman_lock_in_a_hermetic_root() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    let (_, json) = doctor(&context, &args(&pacman_args, &[]), &[]);
    assert_schema(&json);
    assert_eq!(check(&json, "locks")["status"], "ok", "{json:#}");
    assert_eq!(check(&json, "databases")["status"], "ok", "{json:#}");

    // What a killed pacman leaves behind.
    let lock = root.dbpath().join("db.lck");
    std::fs::write(&lock, "").unwrap();
    let (output, json) = doctor(&context, &args(&pacman_args, &[]), &[]);
    assert_eq!(output.status.code(), Some(1));
    let locks = check(&json, "locks");
    assert_eq!(locks["status"], "problem", "{json:#}");
    assert!(locks["summary"].as_str().unwrap().contains("is stale"));
    assert_eq!(locks["fix"], format!("sudo rm {}", lock.display()));
    // pacman agrees that the database is locked.
    assert!(!root
        .pacman(&["-S", "--noconfirm", "omg-hello"])
        .status
        .success());

    // Held by a live process, it is not stale.
    let holder = std::fs::File::open(&lock).unwrap();
    let (_, json) = doctor(&context, &args(&pacman_args, &[]), &[]);
    assert_eq!(check(&json, "locks")["status"], "warning", "{json:#}");
    drop(holder);
}

#[test]
fn doctor_is_healthy_with_omgd_serving_and_exits_0() {
    let context = Context::new();
    let _daemon = context.start_daemon(&["--backend", "debian"]);
    let (output, json) = doctor(
        &context,
        &["--backend", "debian"],
        &[("__OMG_STATE", ""), ("OMG_BACKEND", "debian")],
    );
    assert_schema(&json);
    let omgd = check(&json, "omgd");
    assert_eq!(omgd["status"], "ok", "{json:#}");
    assert!(omgd["summary"]
        .as_str()
        .unwrap()
        .starts_with("running (pid "));
    assert_eq!(check(&json, "socket")["status"], "ok", "{json:#}");
    // This machine's own dpkg and lists: a held lock or old lists are warnings.
    assert_eq!(json["healthy"], true, "{json:#}");
    assert_eq!(output.status.code(), Some(0), "{json:#}");
}

#[test]
fn doctor_tries_the_mirrors_in_use_and_warns_about_one_that_does_not_answer() {
    let context = Context::new();
    let root = ArchRoot::new();
    let pacman_args = root.pacman_args();
    // The testbed's repository is a file:// server and the context's AUR a local one.
    let (_, json) = doctor(&context, &args(&pacman_args, &[]), &[]);
    let mirrors = check(&json, "mirrors");
    assert_eq!(mirrors["status"], "ok", "{json:#}");
    assert_eq!(mirrors["summary"], "2 reachable", "{json:#}");
    // Nothing listens on port 9 here.
    let (output, json) = doctor(
        &context,
        &args(&pacman_args, &[]),
        &[("OMG_AUR_URL", "http://127.0.0.1:9")],
    );
    let mirrors = check(&json, "mirrors");
    assert_eq!(mirrors["status"], "warning", "{json:#}");
    let summary = mirrors["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("unreachable: the AUR http://127.0.0.1:9 ("),
        "{summary}"
    );
    assert!(mirrors["fix"]
        .as_str()
        .is_some_and(|fix| fix.contains("network")));
    // A warning: nothing is broken by being offline.
    assert_ne!(check(&json, "locks")["status"], "problem", "{json:#}");
    assert!(output.status.code().is_some());
}
