use omg_runtimes::go::GoMirror;
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::{go_dist, HttpServer, GO_MISSING_VERSION, GO_VERSION};

#[test]
fn installs_a_real_go_that_compiles_and_runs_a_program() {
    let server = HttpServer::serve(&go_dist().root);
    let mirror = GoMirror::new(&server.url());
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let version = mirror.resolve("1.27").unwrap();
    assert_eq!(version, GO_VERSION);
    assert_eq!(mirror.resolve("latest").unwrap(), GO_VERSION);
    let dir = mirror
        .install(
            &layout,
            &version,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap();
    let go = dir.join("bin/go");
    let output = std::process::Command::new(&go)
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("go version go{GO_VERSION} linux/amd64")
    );
    let program = data.path().join("hello.go");
    std::fs::write(
        &program,
        "package main\nimport \"fmt\"\nfunc main() { fmt.Println(6 * 7) }\n",
    )
    .unwrap();
    let output = std::process::Command::new(&go)
        .arg("run")
        .arg(&program)
        .env("GOCACHE", data.path().join("gocache"))
        .env("GOPATH", data.path().join("gopath"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "42",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(layout.installed(&Runtime::Go).unwrap(), [GO_VERSION]);
    crate::selects(
        &layout,
        &Runtime::Go,
        "go.mod",
        "module x\n\ngo 1.27\n",
        GO_VERSION,
    );
    crate::selects(&layout, &Runtime::Go, ".go-version", "1.27\n", GO_VERSION);
}

#[test]
fn a_missing_archive_installs_nothing_and_unstable_releases_are_labelled() {
    let server = HttpServer::serve(&go_dist().root);
    let mirror = GoMirror::new(&server.url());
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let error = mirror
        .install(
            &layout,
            GO_MISSING_VERSION,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!(
            "{}/go{GO_MISSING_VERSION}.linux-amd64.tar.gz: HTTP 404",
            server.url()
        )
    );
    assert!(layout.installed(&Runtime::Go).unwrap().is_empty());
    let offers = mirror.available().unwrap();
    assert_eq!(offers[0].version, "1.28rc1");
    assert_eq!(offers[0].label.as_deref(), Some("unstable"));
    assert_eq!(offers[1].version, GO_VERSION);
}

#[test]
fn a_mirror_index_naming_a_version_outside_the_grammar_installs_nothing() {
    // The index decides the version, which becomes a directory: `go../../../x`
    // would have been `versions/go/../../../x`.
    let root = tempfile::tempdir().unwrap();
    let hostile = "../../../escaped";
    let json = format!(
        r#"[{{"version": "go{hostile}", "stable": true, "files": [
            {{"filename": "go.linux-amd64.tar.gz", "os": "linux", "arch": "amd64",
              "version": "go{hostile}", "sha256": "{}", "size": 1, "kind": "archive"}}]}}]"#,
        "0".repeat(64)
    );
    std::fs::write(root.path().join("index.json"), json).unwrap();
    let server = HttpServer::serve(root.path());
    let mirror = GoMirror::new(&server.url());
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(&data.path().join("omg"));
    let version = mirror.resolve("latest").unwrap();
    assert_eq!(version, hostile);
    let error = mirror
        .install(
            &layout,
            &version,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("is not a valid version"), "{error}");
    assert!(!data.path().join("escaped").exists());
    assert!(layout.installed(&Runtime::Go).unwrap().is_empty());
    // Nothing was fetched for it either.
    assert!(
        server
            .requests()
            .iter()
            .all(|request| !request.contains(".tar.gz")),
        "{:?}",
        server.requests()
    );
}
