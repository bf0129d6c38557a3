use omg_runtimes::bun::BunMirror;
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::{bun_dist, HttpServer, BUN_MISSING_VERSION, BUN_VERSION};

#[test]
fn installs_a_real_bun_with_bunx() {
    let server = HttpServer::serve(&bun_dist().root);
    let mirror = BunMirror::new(&server.url(), &server.url());
    assert_eq!(mirror.resolve("latest").unwrap(), BUN_VERSION);
    assert_eq!(mirror.resolve("1.4").unwrap(), BUN_VERSION);
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let dir = mirror
        .install(
            &layout,
            BUN_VERSION,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap();
    for binary in ["bun", "bunx"] {
        let output = std::process::Command::new(dir.join("bin").join(binary))
            .arg("--version")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            BUN_VERSION,
            "{binary}"
        );
    }
    let script = data.path().join("x.js");
    std::fs::write(
        &script,
        "console.log(Bun.version === process.versions.bun, 6 * 7)",
    )
    .unwrap();
    let output = std::process::Command::new(dir.join("bin/bun"))
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "true 42");
    crate::selects(&layout, &Runtime::Bun, ".bun-version", "1.4\n", BUN_VERSION);
    crate::selects(
        &layout,
        &Runtime::Bun,
        ".tool-versions",
        "bun 1.4.5\n",
        BUN_VERSION,
    );
}

#[test]
fn a_missing_release_installs_nothing() {
    let server = HttpServer::serve(&bun_dist().root);
    let mirror = BunMirror::new(&server.url(), &server.url());
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let error = mirror
        .install(
            &layout,
            BUN_MISSING_VERSION,
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!(
            "{}/bun-v{BUN_MISSING_VERSION}/SHASUMS256.txt: HTTP 404",
            server.url()
        )
    );
    assert!(layout.installed(&Runtime::Bun).unwrap().is_empty());
}
