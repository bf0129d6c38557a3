//! The omgd binary itself (its behaviour is tested end to end from omg-cli's
//! tests, which find it beside omg). This target also makes `cargo test` build it.

use std::process::Command;

#[test]
fn omgd_writes_its_own_man_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_omgd"))
        .arg("--manpages")
        .arg(dir.path())
        .status()
        .expect("run omgd");
    assert!(status.success());
    let page = std::fs::read_to_string(dir.path().join("omgd.1")).expect("omgd.1");
    assert!(page.contains("\\-\\-foreground"), "{page}");
}

#[test]
fn omgd_refuses_an_unknown_flag_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_omgd"))
        .arg("--no-such-flag")
        .output()
        .expect("run omgd");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}
