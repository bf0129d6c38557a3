//! pacman's and dpkg's version orders must behave as orders: reflexive,
//! antisymmetric and transitive, or "newest candidate" answers depend on the order
//! things were read in (and `sort_by` may panic on an inconsistent comparison).
//! Each is also checked pair by pair against the code it claims to equal: pacman's
//! against libalpm's `alpm_pkg_vercmp`, dpkg's against libdpkg's `parseversion` and
//! `dpkg_version_compare` (wherever dpkg accepts both versions, as
//! `dpkg --compare-versions` does). Input: `a NUL b NUL c`.
//!
//! libalpm's order is not transitive on arbitrary strings, so neither is an exact
//! copy of it: `1.011..0` < `\nrc` < `.` yet `1.011..0` > `.`, and even makepkg-valid
//! versions break it (`a.-1` < `a2a-1.1` < `a..a-1` < `a.-1`), as do versions with
//! and without a release (`1.0` = `1.0-1`, `1.0` = `1.0-2`, `1.0-1` < `1.0-2`).
//! Transitivity is therefore checked for pacman on the versions repositories really
//! use: `[epoch:]pkgver-pkgrel`, the pkgver made of alphanumeric runs joined by
//! single dots or underscores, the pkgrel of digits and dots. dpkg's order is
//! checked on everything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_core::version::{dpkg, pacman};
use omg_fuzz::{libdpkg, split};
use std::cmp::Ordering;

fuzz_target!(|data: &[u8]| {
    let parts: Result<Vec<&str>, _> = split(data, 3)
        .into_iter()
        .map(std::str::from_utf8)
        .collect();
    let Ok(&[a, b, c]) = parts.as_deref() else {
        return;
    };
    check_order("dpkg", dpkg::compare, [a, b, c], true);
    for (x, y) in [(a, b), (b, c), (a, c)] {
        if let Some(expected) = libdpkg::compare(x, y) {
            assert_eq!(
                dpkg::compare(x, y),
                expected,
                "dpkg order differs from libdpkg on {x:?} vs {y:?}"
            );
        }
    }
    // What omg calls valid, dpkg must accept.
    if dpkg::validate(a).is_ok() {
        assert!(
            libdpkg::compare(a, a).is_some(),
            "dpkg refuses {a:?}, which validate accepts"
        );
    }
    // libalpm reads C strings; only the last part can hold a NUL.
    if c.contains('\0') {
        return;
    }
    for (x, y) in [(a, b), (b, c), (a, c)] {
        assert_eq!(
            pacman::vercmp(x, y),
            alpm::vercmp(x, y),
            "pacman order differs from libalpm on {x:?} vs {y:?}"
        );
    }
    let transitive = [a, b, c].iter().all(|version| repository_version(version));
    check_order("pacman", pacman::vercmp, [a, b, c], transitive);
});

/// `[epoch:]pkgver-pkgrel` as repositories publish it (see the module comment).
fn repository_version(version: &str) -> bool {
    let rest = match version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|c| c.is_ascii_digit()) => {
            rest
        }
        Some(_) => return false,
        None => version,
    };
    let Some((pkgver, pkgrel)) = rest.rsplit_once('-') else {
        return false;
    };
    let runs = |text: &str, separators: &[char], alphabet: fn(&u8) -> bool| {
        text.split(separators)
            .all(|run| !run.is_empty() && run.bytes().all(|c| alphabet(&c)))
    };
    runs(pkgver, &['.', '_'], u8::is_ascii_alphanumeric) && runs(pkgrel, &['.'], u8::is_ascii_digit)
}

fn check_order(
    name: &str,
    cmp: fn(&str, &str) -> Ordering,
    [a, b, c]: [&str; 3],
    transitive: bool,
) {
    for x in [a, b, c] {
        assert_eq!(
            cmp(x, x),
            Ordering::Equal,
            "{name}: {x:?} is not equal to itself"
        );
    }
    for (x, y) in [(a, b), (b, c), (a, c)] {
        assert_eq!(
            cmp(x, y),
            cmp(y, x).reverse(),
            "{name}: not antisymmetric on {x:?} vs {y:?}"
        );
    }
    if !transitive {
        return;
    }
    // Every arrangement of the three, so a counterexample in any order is caught.
    for [x, y, z] in [
        [a, b, c],
        [a, c, b],
        [b, a, c],
        [b, c, a],
        [c, a, b],
        [c, b, a],
    ] {
        let (xy, yz, xz) = (cmp(x, y), cmp(y, z), cmp(x, z));
        if xy.is_le() && yz.is_le() {
            let expected = if xy.is_lt() || yz.is_lt() {
                Ordering::Less
            } else {
                Ordering::Equal
            };
            assert_eq!(
                xz, expected,
                "{name}: not transitive: {x:?} {xy:?} {y:?}, {y:?} {yz:?} {z:?}, but {x:?} {xz:?} {z:?}"
            );
        }
    }
}
