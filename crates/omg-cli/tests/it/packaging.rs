//! Packages of omg itself: the PKGBUILD built by the real makepkg (as the
//! testbed's build user) and installed into the hermetic Arch root by pacman, and
//! the Debian package built by dpkg-buildpackage, installed on this machine with
//! dpkg and removed again. Both package the binaries these tests run
//! (`OMG_PREBUILT_DIR`), so no second, release build is needed here.

use omg_testbed::ArchRoot;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn built_binaries() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_omg"))
        .parent()
        .expect("the binaries' directory")
        .to_owned()
}

fn run_ok(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A copy of what a package build reads from the tree, at `into`.
fn copy_tree(into: &Path, parts: &[&str]) {
    for part in parts {
        let from = repo_root().join(part);
        let to = into.join(part);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        run_ok(Command::new("cp").arg("-r").arg(&from).arg(&to));
    }
}

#[test]
fn the_packages_carry_the_crate_version() {
    let version = env!("CARGO_PKG_VERSION");
    let pkgbuild =
        std::fs::read_to_string(repo_root().join("packaging/arch/PKGBUILD")).expect("PKGBUILD");
    assert!(
        pkgbuild.contains(&format!("\npkgver={version}\n")),
        "{pkgbuild}"
    );
    let changelog =
        std::fs::read_to_string(repo_root().join("debian/changelog")).expect("changelog");
    assert!(
        changelog.starts_with(&format!("omg ({version}) ")),
        "{changelog}"
    );
}

#[test]
fn the_pkgbuild_builds_with_makepkg_and_pacman_installs_it() {
    if !omg_testbed::is_root() {
        return;
    }
    // The root also makes sure the build user exists.
    let root = ArchRoot::new();
    let work = tempfile::tempdir().expect("temp dir");
    let tree = work.path().join("tree");
    copy_tree(
        &tree,
        &["packaging/arch/PKGBUILD", "contrib/systemd", "README.md"],
    );
    let (out, build) = (work.path().join("out"), work.path().join("build"));
    for dir in [&out, &build] {
        std::fs::create_dir(dir).expect("mkdir");
    }
    run_ok(Command::new("chmod").arg("755").arg(work.path()));
    run_ok(
        Command::new("chown")
            .args(["-R", omg_testbed::build_user()])
            .arg(work.path()),
    );
    run_ok(
        Command::new("runuser")
            .args([
                "-u",
                omg_testbed::build_user(),
                "--",
                "makepkg",
                "--force",
                "--nodeps",
            ])
            .args(["--noconfirm", "--noprogressbar"])
            .current_dir(tree.join("packaging/arch"))
            .env("PKGDEST", &out)
            .env("BUILDDIR", &build)
            .env("OMG_PREBUILT_DIR", built_binaries())
            .env("LC_ALL", "C"),
    );
    let package = std::fs::read_dir(&out)
        .expect("read out")
        .map(|entry| entry.expect("entry").path())
        .find(|path| path.to_string_lossy().contains(".pkg.tar"))
        .expect("a package file");
    // The hermetic root has no glibc or pacman package to satisfy the depends.
    root.pacman_ok(&["-Udd", "--noconfirm", &package.to_string_lossy()]);
    let listed = root.pacman_ok(&["-Qlq", "omg"]);
    let root_dir = root.root();
    for path in [
        "usr/bin/omg",
        "usr/bin/omgd",
        "usr/bin/omgd-transact",
        "usr/share/man/man1/omg.1.gz",
        "usr/share/man/man1/omg-install.1.gz",
        "usr/share/man/man1/omgd.1.gz",
        "usr/share/bash-completion/completions/omg",
        "usr/share/zsh/site-functions/_omg",
        "usr/share/fish/vendor_completions.d/omg.fish",
        "usr/lib/systemd/user/omgd.service",
        "usr/lib/systemd/user/omgd.socket",
    ] {
        let full = root_dir.join(path);
        assert!(
            listed.lines().any(|line| Path::new(line) == full),
            "{path} not in the package: {listed}"
        );
    }
    let version = run_ok(Command::new(root_dir.join("usr/bin/omg")).arg("--version"));
    assert_eq!(version.trim(), format!("omg {}", env!("CARGO_PKG_VERSION")));
    let info = root.pacman_ok(&["-Qi", "omg"]);
    assert!(
        info.contains(&format!("{}-1", env!("CARGO_PKG_VERSION"))),
        "{info}"
    );
}

#[test]
fn the_debian_package_installs_and_removes_cleanly() {
    if std::env::var_os("OMG_TEST_SYSTEM_APT").is_none() || !omg_testbed::is_root() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let source = work.path().join("omg");
    copy_tree(&source, &["debian", "contrib/systemd"]);
    run_ok(
        Command::new("dpkg-buildpackage")
            .args(["-b", "-us", "-uc", "-d"])
            .current_dir(&source)
            .env("OMG_PREBUILT_DIR", built_binaries()),
    );
    let deb = work
        .path()
        .join(format!("omg_{}_amd64.deb", env!("CARGO_PKG_VERSION")));
    let contents = run_ok(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    let paths: Vec<&str> = contents
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .collect();
    for path in [
        "./usr/bin/omg",
        "./usr/bin/omgd",
        "./usr/bin/omgd-transact",
        "./usr/share/man/man1/omg.1.gz",
        "./usr/share/man/man1/omg-search.1.gz",
        "./usr/share/man/man1/omgd.1.gz",
        "./usr/share/bash-completion/completions/omg",
        "./usr/share/zsh/vendor-completions/_omg",
        "./usr/share/fish/vendor_completions.d/omg.fish",
        "./usr/lib/systemd/user/omgd.service",
        "./usr/lib/systemd/user/omgd.socket",
        "./usr/share/doc/omg/copyright",
    ] {
        assert!(paths.contains(&path), "{path}: {contents}");
    }
    let depends = run_ok(
        Command::new("dpkg-deb")
            .args(["-f"])
            .arg(&deb)
            .arg("Depends"),
    );
    assert!(depends.contains("libapt-pkg"), "{depends}");
    run_ok(Command::new("dpkg").arg("-i").arg(&deb));
    let version = run_ok(Command::new("/usr/bin/omg").arg("--version"));
    assert_eq!(version.trim(), format!("omg {}", env!("CARGO_PKG_VERSION")));
    let page = run_ok(
        Command::new("man")
            .args(["-l", "/usr/share/man/man1/omg-install.1.gz"])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80"),
    );
    assert!(page.contains("omg-install"), "{page}");
    let owned = run_ok(Command::new("dpkg").args(["-L", "omg"]));
    run_ok(Command::new("dpkg").args(["-r", "omg"]));
    for path in owned.lines().filter(|line| line.contains("omg")) {
        assert!(!Path::new(path).is_file(), "{path} left behind");
    }
    let status = Command::new("dpkg-query")
        .args(["-W", "-f", "${db:Status-Status}", "omg"])
        .output()
        .expect("dpkg-query");
    assert_ne!(String::from_utf8_lossy(&status.stdout).trim(), "installed");
}
