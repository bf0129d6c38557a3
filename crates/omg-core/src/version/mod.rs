//! The two version orders omg needs: pacman's `vercmp` (epoch:pkgver-pkgrel, rpmvercmp
//! segments) and dpkg's (epoch, upstream with `~`, revision).

pub mod dpkg;
pub mod pacman;

use crate::BackendKind;
use std::cmp::Ordering;

/// Compares two versions with the order of the given backend's package manager.
#[must_use]
pub fn compare(backend: BackendKind, a: &str, b: &str) -> Ordering {
    match backend {
        BackendKind::Arch => pacman::vercmp(a, b),
        BackendKind::Debian => dpkg::compare(a, b),
    }
}
