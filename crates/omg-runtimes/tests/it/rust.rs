//! Rust from a static.rust-lang.org-shaped server. No registry carries rustc, so
//! the component tarballs are small ones built here in rust-installer's exact layout.

use omg_runtimes::rust::{host, RustMirror};
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::HttpServer;
use std::path::Path;
use std::process::Command;

const DATE: &str = "2024-11-28";

/// A rust-installer tarball for `package` holding `files` (path, content), under
/// `root/dist/DATE/`; returns its upstream URL and SHA-256.
fn component(
    root: &Path,
    package: &str,
    component: &str,
    files: &[(&str, &str)],
) -> (String, String) {
    let work = tempfile::tempdir().unwrap();
    let top = format!("{package}-1.83.0-{}", host());
    let base = work.path().join(&top);
    std::fs::create_dir_all(base.join(component)).unwrap();
    std::fs::write(base.join("rust-installer-version"), "3\n").unwrap();
    std::fs::write(base.join("components"), format!("{component}\n")).unwrap();
    let mut manifest = String::new();
    for (path, content) in files {
        let file = base.join(component).join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, content).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        manifest.push_str(&format!("file:{path}\n"));
    }
    std::fs::write(base.join(component).join("manifest.in"), manifest).unwrap();
    let name = format!("{top}.tar.gz");
    let dir = root.join("dist").join(DATE);
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new("tar")
        .arg("-czf")
        .arg(dir.join(&name))
        .arg("-C")
        .arg(work.path())
        .arg(&top)
        .status()
        .unwrap();
    assert!(status.success());
    let sha256 = omg_runtimes::checksum::sha256_file(&dir.join(&name)).unwrap();
    (
        format!("https://static.rust-lang.org/dist/{DATE}/{name}"),
        sha256,
    )
}

fn publish(root: &Path, channel: &str, manifest: &str) {
    let dist = root.join("dist");
    std::fs::write(dist.join(format!("channel-rust-{channel}.toml")), manifest).unwrap();
    std::fs::write(
        dist.join(format!("channel-rust-{channel}.toml.sha256")),
        format!(
            "{}  channel-rust-{channel}.toml\n",
            omg_runtimes::checksum::sha256_bytes(manifest.as_bytes())
        ),
    )
    .unwrap();
}

#[test]
fn assembles_rustc_cargo_and_std_from_a_channel_manifest() {
    let root = tempfile::tempdir().unwrap();
    let host = host();
    let rustc = component(
        root.path(),
        "rustc",
        "rustc",
        &[(
            "bin/rustc",
            "#!/bin/sh\necho 'rustc 1.83.0 (90b35a623 2024-11-26)'\n",
        )],
    );
    let cargo = component(
        root.path(),
        "cargo",
        "cargo",
        &[("bin/cargo", "#!/bin/sh\necho 'cargo 1.83.0'\n")],
    );
    let std_lib = component(
        root.path(),
        "rust-std",
        &format!("rust-std-{host}"),
        &[(&format!("lib/rustlib/{host}/lib/libstd.rlib"), "rlib")],
    );
    let target = |(url, hash): &(String, String)| {
        format!("[pkg.PKG.target.{host}]\navailable = true\nurl = \"{url}\"\nhash = \"{hash}\"\n")
    };
    let manifest = format!(
        "manifest-version = \"2\"\ndate = \"{DATE}\"\n[pkg.rustc]\nversion = \"1.83.0 (90b35a623 2024-11-26)\"\n{}[pkg.cargo]\nversion = \"0.84.0\"\n{}[pkg.rust-std]\nversion = \"1.83.0\"\n{}",
        target(&rustc).replace("PKG", "rustc"),
        target(&cargo).replace("PKG", "cargo"),
        target(&std_lib).replace("PKG", "rust-std"),
    );
    publish(root.path(), "stable", &manifest);
    publish(root.path(), "1.83.0", &manifest);
    let server = HttpServer::serve(root.path());
    let mirror = RustMirror::new(&server.url());
    assert_eq!(mirror.resolve("stable").unwrap(), "1.83.0");
    assert_eq!(mirror.resolve("1.83.0").unwrap(), "1.83.0");
    let data = tempfile::tempdir().unwrap();
    let layout = Layout::new(data.path());
    let dir = mirror
        .install(
            &layout,
            "1.83.0",
            &data.path().join("downloads"),
            &mut |_, _| {},
        )
        .unwrap();
    let output = Command::new(dir.join("bin/rustc")).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "rustc 1.83.0 (90b35a623 2024-11-26)"
    );
    let output = Command::new(dir.join("bin/cargo")).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "cargo 1.83.0"
    );
    assert!(dir
        .join(format!("lib/rustlib/{host}/lib/libstd.rlib"))
        .is_file());
    assert_eq!(layout.installed(&Runtime::Rust).unwrap(), ["1.83.0"]);
    crate::selects(
        &layout,
        &Runtime::Rust,
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"1.83.0\"\n",
        "1.83.0",
    );
    crate::selects(
        &layout,
        &Runtime::Rust,
        "rust-toolchain",
        "1.83\n",
        "1.83.0",
    );

    // A manifest that does not match its published hash is refused.
    std::fs::write(root.path().join("dist/channel-rust-beta.toml"), &manifest).unwrap();
    std::fs::write(
        root.path().join("dist/channel-rust-beta.toml.sha256"),
        "0".repeat(64),
    )
    .unwrap();
    let error = mirror.resolve("beta").unwrap_err().to_string();
    assert!(error.contains("checksum mismatch"), "{error}");
    // No build for this host.
    publish(
        root.path(),
        "nightly",
        &manifest.replace(&host, "riscv64gc-unknown-linux-gnu"),
    );
    let error = mirror.resolve("nightly").unwrap_err().to_string();
    assert_eq!(
        error,
        format!("no rust release matches `nightly` for {host}")
    );
}
