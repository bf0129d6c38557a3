//! omgd's command line, resolved with the same rules as omg's.

use anyhow::Result;
use clap::Parser;
use omg_core::config::Config;
use omg_core::paths::{Environment, Paths};
use omg_core::{BackendFlags, BackendKind, BackendSelection};
use std::path::PathBuf;

/// omg's per-user daemon: keeps the package index warm and answers omg over a Unix
/// socket.
#[derive(Debug, Clone, Parser)]
#[command(name = "omgd", version, about, max_term_width = 100)]
pub(crate) struct Args {
    /// Stay in the foreground (systemd, tests) instead of detaching.
    #[arg(long)]
    pub(crate) foreground: bool,

    /// Answer one framed request from stdin on stdout, then exit (used by omg).
    #[arg(long, hide = true, conflicts_with = "foreground")]
    pub(crate) answer: bool,

    /// Build the index snapshot in omg's cache directory, then exit (the daemon
    /// runs its builds this way, so that parsing the lists never grows it).
    #[arg(long, hide = true, conflicts_with_all = ["foreground", "answer"])]
    pub(crate) build_index: bool,

    /// Plan and commit one system change, talking frames over stdin and stdout
    /// (used by omg; needs the rights the change needs).
    #[arg(long, hide = true, conflicts_with_all = ["foreground", "answer"])]
    pub(crate) transact: bool,

    /// With --transact: only plan, without the database lock, and commit nothing
    /// (what omg shows before asking for elevation).
    #[arg(long, hide = true, requires = "transact")]
    pub(crate) preview: bool,

    /// With --transact: download without libalpm's sandbox (handed over as is).
    #[arg(long, hide = true, requires = "transact")]
    disable_sandbox: bool,

    /// With --transact: download without the sandbox's Landlock rules.
    #[arg(long, hide = true, requires = "transact")]
    disable_sandbox_filesystem: bool,

    /// With --transact: download without the sandbox's seccomp filter.
    #[arg(long, hide = true, requires = "transact")]
    disable_sandbox_syscalls: bool,

    /// Write omgd's man page into DIR and exit (`omg manpages DIR` asks for it).
    #[arg(long, hide = true, value_name = "DIR", exclusive = true)]
    pub(crate) manpages: Option<PathBuf>,

    /// Package backend to serve instead of detecting it from /etc/os-release.
    #[arg(long, value_parser = parse_backend)]
    pub(crate) backend: Option<BackendKind>,

    /// Arch: pacman.conf to read (default /etc/pacman.conf).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Arch: installation root, overriding pacman.conf's RootDir.
    #[arg(short = 'r', long, value_name = "DIR")]
    pub(crate) root: Option<PathBuf>,

    /// Arch: database directory, overriding pacman.conf's DBPath.
    #[arg(short = 'b', long, value_name = "DIR")]
    pub(crate) dbpath: Option<PathBuf>,

    /// Debian: APT lists directory (omg's `[debian] lists_dir`).
    #[arg(long, hide = true, value_name = "DIR")]
    pub(crate) debian_lists_dir: Option<PathBuf>,

    /// Debian: dpkg status file (omg's `[debian] status_file`).
    #[arg(long, hide = true, value_name = "FILE")]
    pub(crate) debian_status_file: Option<PathBuf>,

    /// Debian: APT's auto-installed marks (omg's `[debian] extended_states`).
    #[arg(long, hide = true, value_name = "FILE")]
    pub(crate) debian_extended_states: Option<PathBuf>,

    /// Debian: APT's configuration directory (omg's `[debian] etc_dir`).
    #[arg(long, hide = true, value_name = "DIR")]
    pub(crate) debian_etc_dir: Option<PathBuf>,
}

fn parse_backend(value: &str) -> Result<BackendKind, omg_core::Error> {
    value.parse()
}

/// Everything the daemon needs, resolved once at start.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) selection: BackendSelection,
    pub(crate) config: Config,
    pub(crate) paths: Paths,
    pub(crate) socket: PathBuf,
    /// `OMG_SOCKET` chose the socket: its directory is the caller's business.
    pub(crate) socket_overridden: bool,
    /// The command-line flags that chose the backend, for an `omgd --build-index`
    /// of the same one.
    pub(crate) backend_args: Vec<std::ffi::OsString>,
}

impl Args {
    pub(crate) fn resolve(&self) -> Result<Setup> {
        let environment = Environment::from_process();
        let paths = Paths::resolve(&environment);
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
            config,
            paths,
            socket: omg_ipc::socket_path(&environment),
            socket_overridden: environment.socket.is_some(),
            backend_args: self.backend_args(),
        })
    }

    fn backend_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = Vec::new();
        if let Some(kind) = self.backend {
            args.extend(["--backend".into(), kind.as_str().into()]);
        }
        for (flag, value) in [
            ("--config", &self.config),
            ("--root", &self.root),
            ("--dbpath", &self.dbpath),
            ("--debian-lists-dir", &self.debian_lists_dir),
            ("--debian-status-file", &self.debian_status_file),
            ("--debian-extended-states", &self.debian_extended_states),
            ("--debian-etc-dir", &self.debian_etc_dir),
        ] {
            if let Some(value) = value {
                args.extend([flag.into(), value.into()]);
            }
        }
        args
    }
}
