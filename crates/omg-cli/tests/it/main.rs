//! End-to-end tests of the `omg` binary against real package databases: this
//! machine's APT data (compared with apt-cache, apt-mark and dpkg-query) and a
//! hermetic Arch root built by omg-testbed (compared with pacman).

mod apt_change;
mod apt_policy;
mod apt_repo;
mod arch;
mod arch_change;
mod arch_clean;
mod arch_history;
mod arch_questions;
mod arch_safety;
mod arch_signed;
mod audit;
mod audit_daemon;
mod audit_debsecan;
mod audit_osv;
mod audit_sbom;
mod aur;
mod aur_index;
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
