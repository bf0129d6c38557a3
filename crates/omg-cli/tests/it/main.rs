//! End-to-end tests of the `omg` binary against real package databases: this
//! machine's APT data (compared with apt-cache, apt-mark and dpkg-query) and a
//! hermetic Arch root built by omg-testbed (compared with pacman). The Arch tests
//! need omgd with the Arch backend (libalpm 16) and are compiled only with the
//! `arch-suite` feature: scripts/test turns it on where libalpm 16 is (in
//! `scripts/distro-root sid` on a Debian machine).

mod apt_change;
mod apt_policy;
mod apt_repo;
#[cfg(feature = "arch-suite")]
mod arch;
#[cfg(feature = "arch-suite")]
mod arch_change;
#[cfg(feature = "arch-suite")]
mod arch_clean;
#[cfg(feature = "arch-suite")]
mod arch_history;
#[cfg(feature = "arch-suite")]
mod arch_questions;
#[cfg(feature = "arch-suite")]
mod arch_safety;
#[cfg(feature = "arch-suite")]
mod arch_sandbox;
#[cfg(feature = "arch-suite")]
mod arch_signed;
mod audit;
mod audit_daemon;
mod audit_debsecan;
mod audit_osv;
mod audit_sbom;
#[cfg(feature = "arch-suite")]
mod aur;
#[cfg(feature = "arch-suite")]
mod aur_index;
#[cfg(feature = "arch-suite")]
mod aur_install;
mod common;
mod completions;
mod daemon;
mod debian;
mod doctor;
mod downloads;
mod hostile;
mod lean;
mod packaging;
mod runtimes;
mod schemas;
mod snapshot;
mod terminal;
