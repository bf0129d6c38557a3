//! The testbed itself: its repository and roots behave as pacman expects.

use omg_testbed::ArchRoot;

#[test]
fn repo_lists_every_built_package() {
    let root = ArchRoot::new();
    let search = root.pacman_ok(&["-Ssq", "omg"]);
    let names: Vec<&str> = search.lines().collect();
    for expected in [
        "omg-chain-base",
        "omg-chain-mid",
        "omg-chain-top",
        "omg-epoch",
        "omg-hello",
        "omg-hello-extras",
        "omg-helloworld",
        "omg-lib",
        "omg-renamed",
        "omg-split-core",
        "omg-split-extra",
        "omg-virtual-a",
        "omg-virtual-b",
        "omg-zebra",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[test]
fn install_records_reasons_and_upgrade_is_offered() {
    let root = ArchRoot::new();
    root.install(&["omg-hello"]);
    assert_eq!(root.pacman_ok(&["-Qeq"]).trim(), "omg-hello");
    assert_eq!(root.pacman_ok(&["-Qdq"]).trim(), "omg-lib");
    assert!(root.root().join("usr/bin/omg-hello").exists());
    root.publish_upgrade();
    assert_eq!(root.pacman_ok(&["-Qu"]).trim(), "omg-hello 1.0-1 -> 1.1-1");
}

#[test]
fn roots_are_independent() {
    let first = ArchRoot::new();
    let second = ArchRoot::new();
    first.install(&["omg-zebra"]);
    assert_eq!(first.pacman_ok(&["-Qq"]).trim(), "omg-zebra");
    assert!(
        !second.pacman(&["-Qq"]).status.success() || second.pacman_ok(&["-Qq"]).trim().is_empty()
    );
}

fn curl(args: &[&str]) -> std::process::Output {
    std::process::Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .expect("run curl")
}

#[test]
fn http_server_speaks_http_to_curl() {
    use omg_testbed::{Fault, HttpServer};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("v1")).unwrap();
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("v1/file.bin"), &body).unwrap();
    let server = HttpServer::serve(dir.path());
    let url = format!("{}/v1/file.bin", server.url());

    let whole = curl(&["-f", &url]);
    assert!(whole.status.success(), "{whole:?}");
    assert_eq!(whole.stdout, body);

    let rest = curl(&["-f", "-r", "99000-", &url]);
    assert!(rest.status.success(), "{rest:?}");
    assert_eq!(rest.stdout, &body[99_000..]);

    // A range from the end on is unsatisfiable; the answer names the current length.
    for start in ["100000-", "250000-"] {
        let past_end = curl(&["-D", "-", "-o", "/dev/null", "-r", start, &url]);
        let headers = String::from_utf8_lossy(&past_end.stdout);
        assert!(headers.starts_with("HTTP/1.1 416 "), "{headers}");
        assert!(
            headers.contains("Content-Range: bytes */100000\r\n"),
            "{headers}"
        );
    }

    server.redirect("/moved", "/v1/file.bin");
    let moved = curl(&["-fL", &format!("{}/moved", server.url())]);
    assert!(moved.status.success(), "{moved:?}");
    assert_eq!(moved.stdout, body);

    let missing = curl(&[
        "-f",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("{}/nope", server.url()),
    ]);
    assert_eq!(String::from_utf8_lossy(&missing.stdout), "404");
    let climbing = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--path-as-is",
        &format!("{}/../etc/passwd", server.url()),
    ]);
    assert_eq!(String::from_utf8_lossy(&climbing.stdout), "404");

    server.fail("/v1/file.bin", Fault::Status(500));
    let failed = curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]);
    assert_eq!(String::from_utf8_lossy(&failed.stdout), "500");

    server.fail("/v1/file.bin", Fault::Truncate(1000));
    let cut = curl(&["-f", &url]);
    // curl: (18) transfer closed with outstanding read data remaining
    assert_eq!(cut.status.code(), Some(18), "{cut:?}");
    assert_eq!(cut.stdout.len(), 1000);

    server.heal("/v1/file.bin");
    assert!(curl(&["-f", "-o", "/dev/null", &url]).status.success());
    assert!(server
        .requests()
        .contains(&"GET /v1/file.bin bytes=99000-".to_owned()));
}
