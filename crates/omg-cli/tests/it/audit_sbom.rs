//! `omg audit sbom`: the installed system as CycloneDX 1.5 JSON, checked by the
//! CycloneDX project's own Python library against the official schema
//! (`JsonStrictValidator`; scripts/setup installs it under `.tools/cyclonedx`),
//! on this machine's dpkg database and on the hermetic Arch root, whose packages
//! carry licenses.

use crate::audit::{installed_from, json_of};
#[cfg(feature = "arch-suite")]
use crate::common::args;
use crate::common::Context;
#[cfg(feature = "arch-suite")]
use omg_testbed::ArchRoot;
use omg_testbed::HttpServer;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The Python that has cyclonedx-python-lib: `OMG_TEST_CYCLONEDX_PYTHON`, else
/// the venv scripts/setup makes.
fn validator_python() -> PathBuf {
    let python = std::env::var_os("OMG_TEST_CYCLONEDX_PYTHON").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/cyclonedx/bin/python"),
        PathBuf::from,
    );
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup (it installs cyclonedx-python-lib)",
        python.display()
    );
    python
}

const VALIDATE: &str = "
import sys
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.schema import SchemaVersion
error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(sys.stdin.read())
if error is not None:
    print(error)
    sys.exit(1)
";

/// `Err` with the validator's reason when `document` is not valid CycloneDX 1.5.
fn validate(document: &[u8]) -> Result<(), String> {
    let mut child = Command::new(validator_python())
        .args(["-c", VALIDATE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the CycloneDX validator");
    child.stdin.take().unwrap().write_all(document).unwrap();
    let output = child.wait_with_output().unwrap();
    match output.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(String::from_utf8_lossy(&output.stdout).into_owned()),
        _ => panic!(
            "the validator itself failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

fn dpkg_field(package: &str, field: &str) -> String {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f", &format!("${{{field}}}"), package])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

fn component<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == name)
        .unwrap_or_else(|| panic!("no component {name}"))
}

#[test]
fn validator_refuses_a_broken_document() {
    let valid = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [{"type": "library", "name": "apt", "version": "2.6.1"}]
    });
    assert_eq!(validate(valid.to_string().as_bytes()), Ok(()));
    let mut bad_type = valid.clone();
    bad_type["components"][0]["type"] = "package".into();
    let reason = validate(bad_type.to_string().as_bytes()).unwrap_err();
    assert!(reason.contains("'package'"), "{reason}");
    let mut no_format = valid.clone();
    no_format.as_object_mut().unwrap().remove("bomFormat");
    assert!(validate(no_format.to_string().as_bytes()).is_err());
    let mut bad_severity = valid;
    bad_severity["vulnerabilities"] =
        serde_json::json!([{"id": "CVE-1", "ratings": [{"severity": "dire"}]}]);
    assert!(validate(bad_severity.to_string().as_bytes()).is_err());
    assert!(validate(b"{\"bomFormat\": \"CycloneDX\", ").is_err());
}

#[test]
fn debian_sbom_is_valid_cyclonedx_with_packages_runtimes_and_vulnerabilities() {
    let apt = installed_from(&["apt"]);
    let feeds = tempfile::tempdir().unwrap();
    let feed = serde_json::json!({
        "apt": {
            "CVE-2026-3000": {"releases": {"omgtest": {"status": "open", "urgency": "high"}}},
            "CVE-2026-3001": {"releases": {"omgtest": {
                "status": "resolved", "fixed_version": "99:9999", "urgency": "medium"}}}
        },
        "bash": {"TEMP-0000000-000003": {"releases": {
            "omgtest": {"status": "open", "urgency": "unimportant"}}}}
    });
    std::fs::write(feeds.path().join("json"), feed.to_string()).unwrap();
    let server = HttpServer::serve(feeds.path());
    let context = Context::new();
    context.configure(&format!(
        "[audit]\nrelease = \"omgtest\"\ndebian_url = \"{}/json\"\n",
        server.url()
    ));
    let versions = context.home().join("data/omg/versions");
    std::fs::create_dir_all(versions.join("node/22.12.0")).unwrap();
    std::fs::create_dir_all(versions.join("python/3.12.7")).unwrap();

    let plain = context.omg(&["--backend", "debian", "audit", "sbom"]);
    assert_eq!(plain.status.code(), Some(0), "{plain:?}");
    validate(&plain.stdout).unwrap();
    let document = json_of(&plain);
    assert!(document.get("vulnerabilities").is_none());
    assert!(server.requests().is_empty(), "no feed without --vulns");
    assert_eq!(document["specVersion"], "1.5");
    let serial = document["serialNumber"].as_str().unwrap();
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
    let timestamp = document["metadata"]["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() == 20 && timestamp.ends_with('Z') && &timestamp[10..11] == "T",
        "{timestamp}"
    );
    assert_eq!(
        document["metadata"]["tools"]["components"][0]["name"],
        "omg"
    );

    // Every installed package, each with its deb purl.
    let installed = context.omg_json(&["--backend", "debian", "list", "--installed"]);
    let names: std::collections::BTreeSet<&str> = installed
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["name"].as_str().unwrap())
        .collect();
    let libraries: std::collections::BTreeSet<&str> = document["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["type"] == "library")
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    assert_eq!(libraries, names);
    let apt_component = component(&document, "apt");
    assert_eq!(
        apt_component["purl"],
        format!(
            "pkg:deb/debian/apt@{}?arch={}",
            dpkg_field("apt", "Version").replace('+', "%2B"),
            dpkg_field("apt", "Architecture")
        )
    );
    assert_eq!(apt_component["bom-ref"], apt_component["purl"]);
    // The runtimes omg installed, as applications.
    let node = component(&document, "node");
    assert_eq!(node["type"], "application");
    assert_eq!(node["purl"], "pkg:generic/node@22.12.0");
    assert_eq!(component(&document, "python")["version"], "3.12.7");

    // --vulns: one entry per issue, affecting each of apt's binaries; the
    // unimportant one is left out, as a plain `omg audit` leaves it out.
    let with_vulns = context.omg(&["--backend", "debian", "audit", "sbom", "--vulns"]);
    assert_eq!(with_vulns.status.code(), Some(0), "{with_vulns:?}");
    validate(&with_vulns.stdout).unwrap();
    let document = json_of(&with_vulns);
    let vulnerabilities = document["vulnerabilities"].as_array().unwrap();
    let ids: Vec<&str> = vulnerabilities
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["CVE-2026-3000", "CVE-2026-3001"]);
    let open = &vulnerabilities[0];
    assert_eq!(open["ratings"][0]["severity"], "high");
    assert_eq!(open["source"]["name"], "Debian Security Tracker");
    let affected: std::collections::BTreeSet<&str> = open["affects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|affect| affect["ref"].as_str().unwrap())
        .collect();
    let expected: std::collections::BTreeSet<&str> = apt
        .iter()
        .map(|(name, ..)| component(&document, name)["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(affected, expected);
    assert_eq!(vulnerabilities[1]["ratings"][0]["severity"], "medium");
    assert_eq!(
        vulnerabilities[1]["recommendation"],
        "upgrade to 99:9999 or later"
    );
}

#[cfg(feature = "arch-suite")]
#[test]
fn arch_sbom_carries_alpm_purls_and_the_licenses_pacman_records() {
    let context = Context::new();
    let root = ArchRoot::new();
    root.install(&["omg-hello", "omg-renamed"]);
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["audit", "sbom"]));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    validate(&output.stdout).unwrap();
    let document = json_of(&output);
    let hello = component(&document, "omg-hello");
    assert_eq!(hello["purl"], "pkg:alpm/arch/omg-hello@1.0-1?arch=any");
    assert_eq!(
        hello["licenses"],
        serde_json::json!([{"license": {"name": "GPL-3.0-or-later"}}])
    );
    let renamed = component(&document, "omg-renamed");
    assert_eq!(
        renamed["licenses"],
        serde_json::json!([{"license": {"name": "MIT"}}, {"license": {"name": "BSD-3-Clause"}}])
    );
}
