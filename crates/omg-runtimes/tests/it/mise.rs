//! The long tail through mise: omg fetches and verifies its own mise (the real
//! binary, from npm, served in mise's release layout), then delegates. mise's own
//! Node backend is pointed at the local Node mirror, so nothing leaves the machine.

use omg_runtimes::mise::{MiseManager, MiseSource};
use omg_runtimes::name::ToolName;
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::{mise_dist, node_dist, HttpServer, NODE_VERSION};

#[test]
fn mise_is_fetched_verified_and_installs_through_the_versions_tree() {
    let mise_server = HttpServer::serve(&mise_dist().root);
    let node_server = HttpServer::serve(&node_dist().root);
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let manager = MiseManager::new(
        &ToolName::parse("node").unwrap(),
        MiseSource::Mirror(mise_server.url()),
        &data.path().join("mise"),
    )
    .with_env("MISE_NODE_MIRROR_URL", format!("{}/", node_server.url()))
    .with_env("MISE_NODE_GPG_VERIFY", "0")
    .with_env("MISE_USE_VERSIONS_HOST", "0")
    .with_env("HOME", data.path());
    let binary = manager.binary().unwrap();
    assert_eq!(binary, data.path().join("mise/mise"));
    let version = manager.resolve("22").unwrap();
    assert_eq!(version, NODE_VERSION);
    let dir = manager
        .install(
            &layout,
            &version,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap();
    let output = std::process::Command::new(dir.join("bin/node"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("v{NODE_VERSION}")
    );
    // Linked into omg's tree, so listings, the hook and the shims see it.
    let runtime = Runtime::through_mise("node").unwrap();
    assert_eq!(layout.installed(&runtime).unwrap(), [NODE_VERSION]);
    assert!(
        std::fs::symlink_metadata(layout.version_dir(&runtime, NODE_VERSION).unwrap())
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_mise_download_with_the_wrong_checksum_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let release = root
        .path()
        .join(format!("v{}", omg_runtimes::mise::MISE_VERSION));
    std::fs::create_dir_all(&release).unwrap();
    let name = format!(
        "mise-v{}-linux-x64.tar.gz",
        omg_runtimes::mise::MISE_VERSION
    );
    std::fs::write(release.join(&name), b"not mise").unwrap();
    std::fs::write(
        release.join("SHASUMS256.txt"),
        format!("{}  ./{name}\n", "9".repeat(64)),
    )
    .unwrap();
    let server = HttpServer::serve(root.path());
    let home = tempfile::tempdir().unwrap();
    let manager = MiseManager::new(
        &ToolName::parse("deno").unwrap(),
        MiseSource::Mirror(server.url()),
        home.path(),
    );
    let error = manager.binary().unwrap_err().to_string();
    assert!(error.contains("checksum mismatch"), "{error}");
    assert!(!home.path().join("mise").exists());
}

/// A mise that answers what a hostile or broken one could: `where` names a
/// directory outside omg's mise tree. omg must not link it into the versions tree.
#[test]
fn a_mise_where_answer_outside_its_own_tree_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("data/installs/deno/2.0.0")).unwrap();
    let inside_link = home.path().join("data/installs/deno/2.0.0/escape");
    std::os::unix::fs::symlink(outside.path(), &inside_link).unwrap();
    for (answer, why) in [
        (
            outside.path().display().to_string(),
            "not an install in omg's mise directory",
        ),
        ("/etc".to_owned(), "not an install in omg's mise directory"),
        (
            home.path()
                .join("data/installs/deno/2.0.0/../../../..")
                .display()
                .to_string(),
            "not an install in omg's mise directory",
        ),
        (
            home.path()
                .join("data/installs/deno/2.0.0")
                .display()
                .to_string(),
            "leads outside the install",
        ),
    ] {
        // omg runs the binary it keeps at `<home>/mise`; this one is a script.
        let script = format!(
            "#!/bin/sh\ncase \"$1\" in\n  install) exit 0 ;;\n  where) echo '{answer}' ;;\n  latest) echo 2.0.0 ;;\nesac\n"
        );
        std::fs::write(home.path().join("mise"), script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            home.path().join("mise"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        let manager = MiseManager::new(
            &ToolName::parse("deno").unwrap(),
            MiseSource::Mirror("http://127.0.0.1:9/unused".to_owned()),
            home.path(),
        );
        let error = manager
            .install(
                &layout,
                "2.0.0",
                &data.path().join("downloads"),
                &mut |_, _| {},
            )
            .unwrap_err()
            .to_string();
        assert!(error.contains(why), "{answer}: {error}");
        let runtime = Runtime::parse("deno").unwrap();
        assert!(layout.installed(&runtime).unwrap().is_empty(), "{answer}");
    }
}
