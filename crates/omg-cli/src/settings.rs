//! Command-line flags, environment and config file resolved into what the commands
//! need. Commands never see clap types, so the daemon can build the same settings.

use crate::cli::{BackendArg, ColorChoice, GlobalArgs};
use anyhow::{Context, Result};
use omg_core::config::Config;
use omg_core::paths::{Environment, Paths};
use omg_core::{env, BackendKind};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Which package database to open, fully resolved.
#[derive(Debug, Clone)]
pub(crate) struct BackendSelection {
    pub(crate) kind: BackendKind,
    pub(crate) arch_config: Option<PathBuf>,
    pub(crate) arch_root: Option<PathBuf>,
    pub(crate) arch_dbpath: Option<PathBuf>,
    pub(crate) debian_lists_dir: Option<PathBuf>,
    pub(crate) debian_status_file: Option<PathBuf>,
    pub(crate) debian_extended_states: Option<PathBuf>,
}

/// Everything a command needs besides its own arguments.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) json: bool,
    pub(crate) color: bool,
    pub(crate) backend: BackendSelection,
    pub(crate) fuzzy_below: usize,
}

impl Settings {
    pub(crate) fn resolve(args: &GlobalArgs) -> Result<Self> {
        let environment = Environment::from_process();
        let paths = Paths::resolve(&environment);
        let config = Config::load(&paths.config_file)?;
        let backend_from_env = std::env::var(env::OMG_BACKEND)
            .ok()
            .filter(|value| !value.is_empty())
            .map(|value| value.parse::<BackendKind>())
            .transpose()
            .with_context(|| format!("invalid {}", env::OMG_BACKEND))?;
        // pacman's own flags only make sense for Arch: asking for a root is asking for Arch.
        let pacman_flags = args.config.is_some() || args.root.is_some() || args.dbpath.is_some();
        let kind = match args.backend {
            Some(BackendArg::Arch) => BackendKind::Arch,
            Some(BackendArg::Debian) => BackendKind::Debian,
            None if pacman_flags => BackendKind::Arch,
            None => match backend_from_env.or(config.backend) {
                Some(kind) => kind,
                None => omg_core::distro::detect().ok_or(omg_core::Error::UndetectedDistro)?,
            },
        };
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os(env::NO_COLOR).is_none_or(|value| value.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Ok(Self {
            json: args.json,
            color,
            backend: BackendSelection {
                kind,
                arch_config: args.config.clone().or(config.arch.config),
                arch_root: args.root.clone().or(config.arch.root),
                arch_dbpath: args.dbpath.clone().or(config.arch.dbpath),
                debian_lists_dir: config.debian.lists_dir,
                debian_status_file: config.debian.status_file,
                debian_extended_states: config.debian.extended_states,
            },
            fuzzy_below: config.search.fuzzy_below,
        })
    }
}
