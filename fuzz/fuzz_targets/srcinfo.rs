//! `.SRCINFO` from a hostile AUR clone, then the build graph over it. Input: the
//! file's bytes. Parsing answers a value or one error naming a line, never a panic;
//! what it accepts keeps pacman's name rule and a version pacman can compare. Each
//! accepted file is then resolved as the only AUR package base, with every
//! dependency unknown or offered by the base itself, so the graph's own checks
//! (provides, versions, split packages, cycles) run on arbitrary shapes too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_core::version::pacman::vercmp;
use omg_packages::aur::{
    resolve, valid_package_name, KnownPackages, ResolveOptions, Srcinfo, SrcinfoError,
};
use std::cmp::Ordering;

fuzz_target!(|data: &[u8]| {
    let srcinfo = match Srcinfo::parse_bytes(data) {
        Ok(srcinfo) => srcinfo,
        Err(SrcinfoError::Line { line, .. }) => {
            let lines = data.split(|&byte| byte == b'\n').count();
            assert!(line >= 1 && line <= lines, "line {line} of {lines}");
            return;
        }
        Err(_) => return,
    };
    assert!(valid_package_name(&srcinfo.base.name));
    assert!(!srcinfo.packages.is_empty());
    let version = srcinfo.version();
    assert_eq!(vercmp(&version, &version), Ordering::Equal);
    for package in &srcinfo.packages {
        assert!(valid_package_name(&package.name));
        for (_, dependencies) in package.depends.groups().chain(package.provides.groups()) {
            for dependency in dependencies {
                assert!(valid_package_name(&dependency.name));
            }
        }
    }
    let options = ResolveOptions {
        arch: "x86_64".to_owned(),
        check_depends: true,
    };
    let targets: Vec<String> = srcinfo.packages.iter().map(|p| p.name.clone()).collect();
    let answer = srcinfo.clone();
    let plan = resolve(
        &targets,
        &KnownPackages::default(),
        &mut |name| {
            let provides = answer.packages.iter().any(|package| {
                package.name == name || package.provides.for_arch("x86_64").any(|p| p.name == name)
            });
            provides.then(|| answer.clone())
        },
        &options,
    );
    if let Ok(plan) = plan {
        assert!(plan.repo.is_empty());
        assert_eq!(plan.aur.len(), 1);
        assert_eq!(plan.aur[0].base, srcinfo.base.name);
    }
});
