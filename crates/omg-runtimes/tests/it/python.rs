//! Python from a python-build-standalone-shaped mirror. No registry carries a
//! relocatable CPython, so the archives are small ones built here in PBS's exact
//! `install_only` layout (`python/bin/python3`, `python/lib/python3.X/`).

use omg_runtimes::python::{PythonMirror, UPSTREAM_PREFIX};
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::HttpServer;
use std::path::Path;
use std::process::Command;

const TAG: &str = "20241206";

/// Writes a PBS-layout archive for `version` under `root/TAG/`; returns its
/// asset name and SHA-256.
fn pbs_archive(root: &Path, version: &str) -> (String, String) {
    let work = tempfile::tempdir().unwrap();
    let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let bin = work.path().join("python/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(work.path().join(format!("python/lib/python{minor}"))).unwrap();
    std::fs::write(
        work.path().join(format!("python/lib/python{minor}/os.py")),
        "",
    )
    .unwrap();
    std::fs::write(
        bin.join("python3"),
        format!("#!/bin/sh\necho \"Python {version}\"\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("python3"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("python3", bin.join(format!("python{minor}"))).unwrap();
    let name = format!("cpython-{version}+{TAG}-x86_64-unknown-linux-gnu-install_only.tar.gz");
    std::fs::create_dir_all(root.join(TAG)).unwrap();
    let archive = root.join(TAG).join(&name);
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(work.path())
        .arg("python")
        .status()
        .unwrap();
    assert!(status.success());
    let sha256 = omg_runtimes::checksum::sha256_file(&archive).unwrap();
    (name, sha256)
}

fn metadata_entry(version: &str, name: &str, sha256: &str) -> String {
    let mut parts = version.split('.');
    let (major, minor, patch) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    format!(
        r#""cpython-{version}-linux-x86_64-gnu": {{"name": "cpython", "arch": {{"family": "x86_64", "variant": null}}, "os": "linux", "libc": "gnu", "major": {major}, "minor": {minor}, "patch": {patch}, "prerelease": "", "url": "{UPSTREAM_PREFIX}/{TAG}/{}", "sha256": "{sha256}", "variant": null, "build": "{TAG}"}}"#,
        name.replace('+', "%2B")
    )
}

#[test]
fn installs_from_a_pbs_mirror_and_refuses_a_wrong_checksum() {
    let root = tempfile::tempdir().unwrap();
    let (good_name, good_sha) = pbs_archive(root.path(), "3.12.8");
    let (bad_name, _) = pbs_archive(root.path(), "3.13.1");
    let metadata = format!(
        "{{{}, {}, {}}}",
        metadata_entry("3.12.8", &good_name, &good_sha),
        metadata_entry("3.13.1", &bad_name, &"6".repeat(64)),
        // Another platform's build is never chosen.
        metadata_entry("3.14.0", "elsewhere.tar.gz", &"7".repeat(64)).replace("x86_64", "aarch64"),
    );
    std::fs::write(root.path().join("download-metadata.json"), metadata).unwrap();
    let server = HttpServer::serve(root.path());
    let mirror = PythonMirror::new(
        &format!("{}/download-metadata.json", server.url()),
        &server.url(),
    );
    assert_eq!(mirror.resolve("3").unwrap(), "3.13.1");
    assert_eq!(mirror.resolve("3.12").unwrap(), "3.12.8");
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let dir = mirror
        .install(
            &layout,
            "3.12.8",
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap();
    for binary in ["python", "python3", "python3.12"] {
        let output = Command::new(dir.join("bin").join(binary)).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            "Python 3.12.8",
            "{binary}"
        );
    }
    assert!(dir.join("lib/python3.12/os.py").is_file());
    let error = mirror
        .install(
            &layout,
            "3.13.1",
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("checksum mismatch"), "{error}");
    assert_eq!(layout.installed(&Runtime::Python).unwrap(), ["3.12.8"]);
    crate::selects(
        &layout,
        &Runtime::Python,
        ".python-version",
        "3.12\n",
        "3.12.8",
    );
    crate::selects(
        &layout,
        &Runtime::Python,
        "mise.toml",
        "[tools]\npython = \"3.12\"\n",
        "3.12.8",
    );
}
