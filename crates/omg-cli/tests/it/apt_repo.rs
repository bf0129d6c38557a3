//! Local APT repositories for the tests that use this machine's real apt: binary
//! packages built with dpkg-deb, indexed by hand the way a mirror lays them out
//! (`dists/<suite>/main/binary-<arch>/Packages`, a `Release` per suite).

use crate::common::reference;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `program`, failing the test with its stderr when it fails.
pub(crate) fn run(program: &str, args: &[&str]) {
    crate::common::stdout_of(
        Command::new(program)
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    );
}

/// One package to build: name, version, extra control lines (`Depends: …\n`), a
/// configuration file under /etc and a postinst script body (empty: none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deb<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: &'a str,
    pub(crate) fields: &'a str,
    pub(crate) conffile: &'a str,
    pub(crate) postinst: &'a str,
}

/// A binary package built with dpkg-deb into `pool`.
pub(crate) fn build_deb(pool: &Path, deb: Deb<'_>) -> PathBuf {
    let Deb {
        name,
        version,
        fields,
        conffile,
        postinst,
    } = deb;
    let root = pool.join(format!("{name}-{version}"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join("usr/share/doc").join(name)).unwrap();
    std::fs::write(root.join("usr/share/doc").join(name).join("probe"), version).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: {name}\nVersion: {version}\nArchitecture: all\n{fields}Maintainer: omg tests <omg@example.invalid>\nDescription: omg test package\n"
        ),
    )
    .unwrap();
    if !conffile.is_empty() {
        let relative = conffile.trim_start_matches('/');
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{name} {version}\n")).unwrap();
        std::fs::write(root.join("DEBIAN/conffiles"), format!("/{relative}\n")).unwrap();
    }
    if !postinst.is_empty() {
        let script = root.join("DEBIAN/postinst");
        std::fs::write(&script, format!("#!/bin/sh\nset -e\n{postinst}\n")).unwrap();
        run("chmod", &["755", script.to_str().unwrap()]);
    }
    let file = pool.join(format!("{name}_{version}_all.deb"));
    run(
        "dpkg-deb",
        &[
            "--root-owner-group",
            "-Zxz",
            "--build",
            root.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    file
}

/// The `Packages` stanza apt needs for `deb`, relative to the repository `base`.
pub(crate) fn stanza(base: &Path, deb: &Path) -> String {
    let control = reference("dpkg-deb", &["--field", deb.to_str().unwrap()]);
    let sha256 = reference("sha256sum", &[deb.to_str().unwrap()]);
    let size = std::fs::metadata(deb).unwrap().len();
    let relative = deb.strip_prefix(base).unwrap().display().to_string();
    format!(
        "{}Filename: {relative}\nSize: {size}\nSHA256: {}\n\n",
        control,
        sha256.split_whitespace().next().unwrap()
    )
}

/// A repository at `base` with `packages` (name, version) under `dists/<suite>/main`.
pub(crate) fn repository(base: &Path, suite: &str, release: &str, packages: &[(&str, &str)]) {
    let debs: Vec<Deb<'_>> = packages
        .iter()
        .map(|&(name, version)| Deb {
            name,
            version,
            fields: "",
            conffile: "",
            postinst: "",
        })
        .collect();
    repository_of(base, suite, release, &debs);
}

/// A repository at `base` with `debs` under `dists/<suite>/main`, replacing what
/// the suite offered before.
pub(crate) fn repository_of(base: &Path, suite: &str, release: &str, debs: &[Deb<'_>]) {
    let arch = reference("dpkg", &["--print-architecture"])
        .trim()
        .to_owned();
    let pool = base.join("pool");
    std::fs::create_dir_all(&pool).unwrap();
    let index: String = debs
        .iter()
        .map(|&deb| stanza(base, &build_deb(&pool, deb)))
        .collect();
    let dir = base.join(format!("dists/{suite}/main/binary-{arch}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Packages"), &index).unwrap();
    // A Release with a date and the index's hash, as a mirror's: without them apt
    // drops a `file:` index it already has on the next update.
    let date = reference("date", &["-Ru"]);
    let sha256 = reference("sha256sum", &[dir.join("Packages").to_str().unwrap()]);
    std::fs::write(
        base.join(format!("dists/{suite}/Release")),
        format!(
            "{release}Suite: {suite}\nCodename: {suite}\nDate: {}\nComponents: main\nArchitectures: {arch} all\nSHA256:\n {} {} main/binary-{arch}/Packages\n",
            date.trim(),
            sha256.split_whitespace().next().unwrap(),
            index.len()
        ),
    )
    .unwrap();
}
