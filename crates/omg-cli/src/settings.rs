//! Command-line flags, environment and config file resolved into what the commands
//! need. Commands never see clap types.

use crate::cli::{ColorChoice, GlobalArgs};
use anyhow::Result;
use omg_core::config::Config;
use omg_core::paths::{Environment, Paths};
use omg_core::{env, BackendFlags, BackendSelection};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Whether and how to use omgd.
#[derive(Debug, Clone)]
pub(crate) struct DaemonSettings {
    /// Try omgd before answering directly.
    pub(crate) enabled: bool,
    /// Start omgd in the background when it is not running.
    pub(crate) autostart: bool,
    /// Its socket.
    pub(crate) socket: PathBuf,
    /// Where a started omgd logs.
    pub(crate) log: PathBuf,
}

/// Where runtimes live and come from.
#[derive(Debug, Clone)]
pub(crate) struct RuntimeSettings {
    /// omg's data directory (`versions/` lives here).
    pub(crate) data_dir: PathBuf,
    /// Where downloads wait until verified.
    pub(crate) downloads: PathBuf,
    /// Mirror base URLs.
    pub(crate) mirrors: omg_runtimes::Mirrors,
    /// The shims directory (`$XDG_DATA_HOME/omg/shims`).
    pub(crate) shims: PathBuf,
}

/// Everything a command needs besides its own arguments.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) json: bool,
    pub(crate) color: bool,
    pub(crate) verbose: bool,
    /// The package database, or why none could be chosen (only package commands
    /// need one: runtime commands work on any distribution).
    backend: Result<BackendSelection, String>,
    pub(crate) fuzzy_below: usize,
    pub(crate) daemon: DaemonSettings,
    pub(crate) runtimes: RuntimeSettings,
}

impl Settings {
    /// The package database the command reads.
    pub(crate) fn backend(&self) -> Result<&BackendSelection> {
        self.backend
            .as_ref()
            .map_err(|error| anyhow::anyhow!("{error}"))
    }

    pub(crate) fn resolve(args: &GlobalArgs) -> Result<Self> {
        let environment = Environment::from_process();
        let paths = Paths::resolve(&environment);
        let config = Config::load(&paths.config_file)?;
        let flags = BackendFlags {
            kind: args.backend.map(Into::into),
            arch_config: args.config.clone(),
            arch_root: args.root.clone(),
            arch_dbpath: args.dbpath.clone(),
        };
        let backend = BackendSelection::resolve(&flags, &config).map_err(|error| error.to_string());
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os(env::NO_COLOR).is_none_or(|value| value.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        // A one-off --backend/--root must not leave behind a daemon serving that
        // system for every later command; only the configured system gets one.
        let one_off = flags != BackendFlags::default();
        Ok(Self {
            json: args.json,
            color,
            verbose: args.verbose,
            backend,
            fuzzy_below: config.search.fuzzy_below,
            daemon: DaemonSettings {
                enabled: !args.no_daemon,
                autostart: config.daemon.autostart && !one_off,
                socket: omg_ipc::socket_path(&environment),
                log: omg_daemon::log_path(&paths),
            },
            runtimes: RuntimeSettings {
                data_dir: paths.data_dir.clone(),
                downloads: paths.cache_dir.join("downloads"),
                shims: paths.data_dir.join("shims"),
                mirrors: {
                    let pick = |variable: &str, configured: &Option<String>, default: &str| {
                        std::env::var(variable)
                            .ok()
                            .filter(|value| !value.is_empty())
                            .or_else(|| configured.clone())
                            .unwrap_or_else(|| default.to_owned())
                    };
                    omg_runtimes::Mirrors {
                        node: pick(
                            env::OMG_NODE_MIRROR,
                            &config.mirrors.node,
                            omg_runtimes::node::DEFAULT_MIRROR,
                        ),
                        go: pick(
                            env::OMG_GO_MIRROR,
                            &config.mirrors.go,
                            omg_runtimes::go::DEFAULT_MIRROR,
                        ),
                        java: pick(
                            env::OMG_JAVA_MIRROR,
                            &config.mirrors.java,
                            omg_runtimes::java::DEFAULT_MIRROR,
                        ),
                        bun: pick(
                            env::OMG_BUN_MIRROR,
                            &config.mirrors.bun,
                            omg_runtimes::bun::DEFAULT_MIRROR,
                        ),
                        npm: pick(
                            env::OMG_NPM_REGISTRY,
                            &config.mirrors.npm,
                            omg_runtimes::bun::DEFAULT_REGISTRY,
                        ),
                        python: pick(
                            env::OMG_PYTHON_MIRROR,
                            &config.mirrors.python,
                            omg_runtimes::python::UPSTREAM_PREFIX,
                        ),
                        rust: pick(
                            env::OMG_RUST_MIRROR,
                            &config.mirrors.rust,
                            omg_runtimes::rust::DEFAULT_MIRROR,
                        ),
                        ruby: pick(
                            env::OMG_RUBY_MIRROR,
                            &config.mirrors.ruby,
                            omg_runtimes::ruby::DEFAULT_MIRROR,
                        ),
                        mise: match pick(
                            env::OMG_MISE_MIRROR,
                            &config.mirrors.mise,
                            omg_runtimes::mise::DEFAULT_MIRROR,
                        ) {
                            path if path == "path" => omg_runtimes::mise::MiseSource::Path,
                            base => omg_runtimes::mise::MiseSource::Mirror(base),
                        },
                        mise_home: paths.data_dir.join("mise"),
                        python_metadata: pick(
                            env::OMG_PYTHON_METADATA,
                            &config.mirrors.python_metadata,
                            omg_runtimes::python::DEFAULT_METADATA,
                        ),
                    }
                },
            },
        })
    }
}
