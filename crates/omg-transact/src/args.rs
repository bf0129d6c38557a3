//! The command line `omgd --transact` passes on: the system to change, resolved
//! with the same rules as omg's and omgd's.

use anyhow::Result;
use clap::Parser;
use omg_core::config::Config;
use omg_core::paths::{Environment, Paths};
use omg_core::{BackendFlags, BackendKind, BackendSelection};
use std::path::PathBuf;

/// Plans and commits one system change over stdin and stdout (run by omg as
/// `omgd --transact`; needs the rights the change needs).
#[derive(Debug, Clone, Parser)]
#[command(name = "omgd-transact", version, about)]
pub(crate) struct Args {
    /// Accepted for `omgd --transact`, which hands its arguments over as they are.
    #[arg(long, hide = true)]
    transact: bool,

    /// Only plan, without the database lock, and commit nothing (what omg shows
    /// before asking for elevation).
    #[arg(long)]
    pub(crate) preview: bool,

    /// Package backend instead of detecting it from /etc/os-release.
    #[arg(long, value_parser = parse_backend)]
    backend: Option<BackendKind>,

    /// Arch: pacman.conf to read (default /etc/pacman.conf).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Arch: installation root, overriding pacman.conf's RootDir.
    #[arg(short = 'r', long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Arch: database directory, overriding pacman.conf's DBPath.
    #[arg(short = 'b', long, value_name = "DIR")]
    dbpath: Option<PathBuf>,

    /// Arch: download without the sandbox libalpm puts around it (both parts).
    #[arg(long)]
    disable_sandbox: bool,

    /// Arch: download without the sandbox's Landlock filesystem rules.
    #[arg(long)]
    disable_sandbox_filesystem: bool,

    /// Arch: download without the sandbox's seccomp syscall filter.
    #[arg(long)]
    disable_sandbox_syscalls: bool,

    /// Debian: APT lists directory (omg's `[debian] lists_dir`).
    #[arg(long, hide = true, value_name = "DIR")]
    debian_lists_dir: Option<PathBuf>,

    /// Debian: dpkg status file (omg's `[debian] status_file`).
    #[arg(long, hide = true, value_name = "FILE")]
    debian_status_file: Option<PathBuf>,

    /// Debian: APT's auto-installed marks (omg's `[debian] extended_states`).
    #[arg(long, hide = true, value_name = "FILE")]
    debian_extended_states: Option<PathBuf>,

    /// Debian: APT's configuration directory (omg's `[debian] etc_dir`).
    #[arg(long, hide = true, value_name = "DIR")]
    debian_etc_dir: Option<PathBuf>,
}

fn parse_backend(value: &str) -> Result<BackendKind, omg_core::Error> {
    value.parse()
}

/// The system this transaction changes.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) selection: BackendSelection,
    pub(crate) change_options: omg_packages::ChangeOptions,
}

impl Args {
    pub(crate) fn resolve(&self) -> Result<Setup> {
        let paths = Paths::resolve(&Environment::from_process());
        let config = Config::load(&paths.config_file)?;
        let mut selection = BackendSelection::resolve(
            &BackendFlags {
                kind: self.backend,
                arch_config: self.config.clone(),
                arch_root: self.root.clone(),
                arch_dbpath: self.dbpath.clone(),
            },
            &config,
        )?;
        selection.override_debian_paths([
            &self.debian_lists_dir,
            &self.debian_status_file,
            &self.debian_extended_states,
            &self.debian_etc_dir,
        ]);
        Ok(Setup {
            selection,
            change_options: omg_packages::ChangeOptions::from_flags(
                self.disable_sandbox,
                self.disable_sandbox_filesystem,
                self.disable_sandbox_syscalls,
            ),
        })
    }
}
