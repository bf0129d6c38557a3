//! `omg` stays lean: the daemon's machinery (tokio, redb, moka, notify) is in the
//! omg-daemon package's omgd only, and omg never links libalpm (Arch reads and
//! changes go through `omgd --answer` and `omgd --transact`).

use std::process::Command;

#[test]
fn omg_depends_on_none_of_the_daemons_machinery() {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", "omg-cli", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        tree.lines().any(|line| line.starts_with("omg-ipc ")),
        "{tree}"
    );
    for heavy in [
        "tokio",
        "redb",
        "moka",
        "notify",
        "omg-daemon",
        "alpm",
        "rust-apt",
        "cxx",
    ] {
        assert!(
            !tree
                .lines()
                .any(|line| line.starts_with(&format!("{heavy} "))),
            "omg depends on {heavy}:\n{tree}"
        );
    }
}

/// libalpm and libapt-pkg (with the C++ runtime behind it) belong to omgd: loading
/// them cost every omg process milliseconds (libalpm) and half a millisecond
/// (libstdc++ alone) at start. This binary is built with the whole workspace, so
/// it also catches a feature of omgd's unified into omg.
#[test]
fn the_omg_binary_does_not_load_libalpm() {
    let output = Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_omg"))
        .output()
        .expect("run ldd");
    let libraries = String::from_utf8_lossy(&output.stdout);
    assert!(libraries.contains("libc.so"), "{libraries}");
    for library in ["libalpm", "libapt-pkg", "libstdc++"] {
        assert!(!libraries.contains(library), "{library}: {libraries}");
    }
}

/// The daemon serves reads: libapt-pkg and what it pulls in (libstdc++, ICU,
/// GnuTLS: 10 MiB of omgd's resident memory on Debian) belong to omgd-transact.
#[test]
fn omgd_does_not_load_libapt() {
    let output = Command::new("ldd")
        .arg(crate::common::omgd())
        .output()
        .expect("run ldd");
    let libraries = String::from_utf8_lossy(&output.stdout);
    assert!(libraries.contains("libc.so"), "{libraries}");
    assert!(!libraries.contains("libapt-pkg"), "{libraries}");
    let transact = crate::common::omgd().with_file_name("omgd-transact");
    let output = Command::new("ldd")
        .arg(&transact)
        .output()
        .expect("run ldd");
    let libraries = String::from_utf8_lossy(&output.stdout);
    assert!(libraries.contains("libapt-pkg"), "{libraries}");
}
