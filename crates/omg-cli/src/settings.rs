//! Command-line flags, environment and config file resolved into what the commands
//! need. Commands never see clap types.

use crate::cli::{ColorChoice, GlobalArgs};
use crate::printer::message;
use anyhow::{bail, Result};
use omg_core::config::{Config, Elevate, MirrorsConfig};
use omg_core::paths::{Environment, Paths};
use omg_core::{env, BackendFlags, BackendSelection};
use omg_runtimes::download::{Downloader, Origin};
use omg_runtimes::mise::MiseSource;
use omg_runtimes::Mirrors;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

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
    /// How long a download may receive nothing.
    pub(crate) stall_timeout: Duration,
    /// What one archive may unpack to.
    pub(crate) unpack_limits: omg_runtimes::archive::Limits,
    /// Mirrors the user set to plain `http://`, and who set each.
    pub(crate) plain_http: Vec<(Origin, String)>,
}

/// One `[mirrors]` key: its variable (which wins over the config file), its
/// default, and where the value goes.
struct MirrorSetting {
    variable: &'static str,
    key: &'static str,
    configured: fn(&MirrorsConfig) -> Option<&String>,
    default: &'static str,
    apply: fn(&mut Mirrors, String),
}

const MIRRORS: &[MirrorSetting] = &[
    MirrorSetting {
        variable: env::OMG_NODE_MIRROR,
        key: "node",
        configured: |config| config.node.as_ref(),
        default: omg_runtimes::node::DEFAULT_MIRROR,
        apply: |mirrors, value| mirrors.node = value,
    },
    MirrorSetting {
        variable: env::OMG_GO_MIRROR,
        key: "go",
        configured: |config| config.go.as_ref(),
        default: omg_runtimes::go::DEFAULT_MIRROR,
        apply: |mirrors, value| mirrors.go = value,
    },
    MirrorSetting {
        variable: env::OMG_JAVA_MIRROR,
        key: "java",
        configured: |config| config.java.as_ref(),
        default: omg_runtimes::java::DEFAULT_MIRROR,
        apply: |mirrors, value| mirrors.java = value,
    },
    MirrorSetting {
        variable: env::OMG_BUN_MIRROR,
        key: "bun",
        configured: |config| config.bun.as_ref(),
        default: omg_runtimes::bun::DEFAULT_MIRROR,
        apply: |mirrors, value| mirrors.bun = value,
    },
    MirrorSetting {
        variable: env::OMG_NPM_REGISTRY,
        key: "npm",
        configured: |config| config.npm.as_ref(),
        default: omg_runtimes::bun::DEFAULT_REGISTRY,
        apply: |mirrors, value| mirrors.npm = value,
    },
    MirrorSetting {
        variable: env::OMG_PYTHON_MIRROR,
        key: "python",
        configured: |config| config.python.as_ref(),
        default: omg_runtimes::python::UPSTREAM_PREFIX,
        apply: |mirrors, value| mirrors.python = value,
    },
    MirrorSetting {
        variable: env::OMG_PYTHON_METADATA,
        key: "python_metadata",
        configured: |config| config.python_metadata.as_ref(),
        default: omg_runtimes::python::DEFAULT_METADATA,
        apply: |mirrors, value| mirrors.python_metadata = value,
    },
    MirrorSetting {
        variable: env::OMG_RUST_MIRROR,
        key: "rust",
        configured: |config| config.rust.as_ref(),
        default: omg_runtimes::rust::DEFAULT_MIRROR,
        apply: |mirrors, value| mirrors.rust = value,
    },
    MirrorSetting {
        variable: env::OMG_RUBY_MIRROR,
        key: "ruby",
        configured: |config| config.ruby.as_ref(),
        default: omg_runtimes::ruby::DEFAULT_MIRROR,
        apply: |mirrors, value| mirrors.ruby = value,
    },
    MirrorSetting {
        variable: env::OMG_MISE_MIRROR,
        key: "mise",
        configured: |config| config.mise.as_ref(),
        default: omg_runtimes::mise::DEFAULT_MIRROR,
        apply: |mirrors, value| {
            mirrors.mise = if value == "path" {
                MiseSource::Path
            } else {
                MiseSource::Mirror(value)
            };
        },
    },
];

/// The runtime mirrors as a command would resolve them, for a TAB, which runs
/// before settings are: a config that cannot be read leaves the defaults.
pub(crate) fn completion_mirrors() -> omg_runtimes::Mirrors {
    let environment = Environment::from_process();
    let paths = Paths::resolve(&environment);
    let config = Config::load(&paths.config_file).unwrap_or_default();
    RuntimeSettings::resolve(&config, &paths, &|name| std::env::var(name).ok())
        .map(|settings| settings.mirrors)
        .unwrap_or_default()
}

impl RuntimeSettings {
    /// `variable(name)` reads the environment (injected so tests need not
    /// change the process's own).
    fn resolve(
        config: &Config,
        paths: &Paths,
        variable: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let mut mirrors = Mirrors {
            mise_home: paths.data_dir.join("mise"),
            ..Mirrors::default()
        };
        let mut plain_http = Vec::new();
        for setting in MIRRORS {
            let (value, source) = match (
                variable(setting.variable).filter(|value| !value.is_empty()),
                (setting.configured)(&config.mirrors),
            ) {
                (Some(value), _) => (value, setting.variable.to_owned()),
                (None, Some(value)) => (value.clone(), format!("[mirrors] {}", setting.key)),
                (None, None) => (setting.default.to_owned(), String::new()),
            };
            // Every default is https, so a plain-http value is the user's choice.
            if let Some(origin) = Origin::parse(&value).filter(|origin| !origin.is_https()) {
                plain_http.push((origin, source));
            }
            (setting.apply)(&mut mirrors, value);
        }
        let stall_secs =
            match variable(env::OMG_DOWNLOAD_STALL_TIMEOUT).filter(|value| !value.is_empty()) {
                Some(value) => value.trim().parse::<u64>().map_err(|_| {
                    anyhow::anyhow!(
                        "{}={value}: expected a whole number of seconds",
                        env::OMG_DOWNLOAD_STALL_TIMEOUT
                    )
                })?,
                None => config.downloads.stall_timeout_secs,
            };
        if stall_secs == 0 {
            bail!(
                "the download stall timeout is 0 s ({} or [downloads] stall_timeout_secs); \
                 it must be at least 1",
                env::OMG_DOWNLOAD_STALL_TIMEOUT
            );
        }
        let max_unpacked_mib = config.downloads.max_unpacked_mib;
        if max_unpacked_mib == 0 {
            bail!("[downloads] max_unpacked_mib is 0; it must be at least 1");
        }
        Ok(Self {
            data_dir: paths.data_dir.clone(),
            downloads: paths.cache_dir.join("downloads"),
            shims: paths.data_dir.join("shims"),
            mirrors,
            stall_timeout: Duration::from_secs(stall_secs),
            unpack_limits: omg_runtimes::archive::Limits {
                max_bytes: max_unpacked_mib.saturating_mul(1 << 20),
                ..omg_runtimes::archive::Limits::default()
            },
            plain_http,
        })
    }

    /// The downloader these settings describe: plain http allowed to the mirrors
    /// the user set so, with a warning the first time each is used.
    pub(crate) fn downloader(&self) -> Downloader {
        let sources: Vec<(Origin, String)> = self.plain_http.clone();
        let mut downloader = Downloader::new(self.stall_timeout);
        for (origin, _) in &self.plain_http {
            downloader = downloader.allow_plain_http(origin.clone());
        }
        downloader.on_plain_http(move |origin| {
            let source = sources
                .iter()
                .find(|(configured, _)| configured == origin)
                .map_or_else(String::new, |(_, source)| format!(" (set by {source})"));
            message(&format!(
                "warning: downloading over plain http from {origin}{source}: \
                 anyone on the network path can change what is installed"
            ));
        })
    }
}

/// Everything a command needs besides its own arguments.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) json: bool,
    pub(crate) color: bool,
    pub(crate) verbose: bool,
    /// `-q`: no progress.
    pub(crate) quiet: bool,
    /// The package database, or why none could be chosen (only package commands
    /// need one: runtime commands work on any distribution).
    backend: Result<BackendSelection, String>,
    pub(crate) fuzzy_below: usize,
    pub(crate) daemon: DaemonSettings,
    pub(crate) runtimes: RuntimeSettings,
    /// The program system changes run under when they need root, or why the
    /// setting is unusable (only system changes need it).
    elevate: Result<Elevate, String>,
    /// The AUR's base URL: `OMG_AUR_URL`, else `[aur] url`, else the real AUR.
    pub(crate) aur_url: String,
    pub(crate) aur: AurSettings,
    /// Where the vulnerability feeds come from and are kept.
    pub(crate) audit: omg_audit::system::FeedSources,
    /// `$XDG_CACHE_HOME/omg`: the index snapshot a direct answer starts from.
    pub(crate) cache_dir: std::path::PathBuf,
    /// The command's `--disable-sandbox*` switches, passed to omgd --transact.
    pub(crate) sandbox: omg_packages::ChangeOptions,
}

/// How AUR packages are built.
#[derive(Debug, Clone)]
pub(crate) struct AurSettings {
    /// `OMG_AUR_BUILD_USER`, else `[aur] build_user`: makepkg's user when omg is root.
    pub(crate) build_user: Option<String>,
    /// `[aur] review` (default true).
    pub(crate) review: bool,
    /// `$XDG_CACHE_HOME/omg`: clones under `aur/`, packages and logs beside it.
    pub(crate) cache_dir: std::path::PathBuf,
}

impl AurSettings {
    fn resolve(config: &Config, paths: &Paths, variable: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            build_user: variable(env::OMG_AUR_BUILD_USER)
                .filter(|value| !value.trim().is_empty())
                .or_else(|| config.aur.build_user.clone())
                .map(|user| user.trim().to_owned()),
            review: config.aur.review.unwrap_or(true),
            cache_dir: paths.cache_dir.clone(),
        }
    }
}

/// `OMG_AUR_URL`, else `[aur] url`, else <https://aur.archlinux.org>.
fn resolve_aur_url(config: &Config, variable: &dyn Fn(&str) -> Option<String>) -> String {
    omg_packages::aur::base_url(variable(env::OMG_AUR_URL), config.aur.url.as_deref())
}

/// `OMG_ELEVATE`, else `[system] elevate`, else sudo.
fn resolve_elevate(
    config: &Config,
    variable: &dyn Fn(&str) -> Option<String>,
) -> Result<Elevate, String> {
    match variable(env::OMG_ELEVATE).filter(|value| !value.is_empty()) {
        Some(value) => Elevate::parse(value.trim()).ok_or_else(|| {
            let choices: Vec<&str> = Elevate::ALL.iter().map(|e| e.program()).collect();
            format!(
                "{}={value}: expected one of {}",
                env::OMG_ELEVATE,
                choices.join(", ")
            )
        }),
        None => Ok(config.system.elevate.unwrap_or_default()),
    }
}

impl Settings {
    /// The package database the command reads.
    pub(crate) fn backend(&self) -> Result<&BackendSelection> {
        self.backend
            .as_ref()
            .map_err(|error| anyhow::anyhow!("{error}"))
    }

    /// The program that elevates system changes.
    pub(crate) fn elevate(&self) -> Result<Elevate> {
        self.elevate
            .as_ref()
            .copied()
            .map_err(|error| anyhow::anyhow!("{error}"))
    }

    pub(crate) fn resolve(args: &GlobalArgs, sandbox: crate::cli::SandboxArgs) -> Result<Self> {
        let environment = Environment::from_process();
        let paths = Paths::resolve(&environment);
        let config = Config::load(&paths.config_file)?;
        let process_env = |name: &str| std::env::var(name).ok();
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
            quiet: args.quiet,
            backend,
            fuzzy_below: config.search.fuzzy_below,
            daemon: DaemonSettings {
                enabled: !args.no_daemon,
                autostart: config.daemon.autostart && !one_off,
                socket: omg_ipc::socket_path(&environment),
                log: omg_ipc::launch::log_path(&paths),
            },
            runtimes: RuntimeSettings::resolve(&config, &paths, &process_env)?,
            elevate: resolve_elevate(&config, &process_env),
            aur_url: resolve_aur_url(&config, &process_env),
            aur: AurSettings::resolve(&config, &paths, &process_env),
            audit: omg_audit::system::FeedSources::resolve(&config, &paths, &process_env),
            cache_dir: paths.cache_dir.clone(),
            sandbox: sandbox.options(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(config: &str, variables: &[(&str, &str)]) -> Result<RuntimeSettings> {
        let config = Config::parse(config, std::path::Path::new("config.toml")).unwrap();
        let paths = Paths::resolve(&Environment {
            home: Some("/home/u".into()),
            ..Environment::default()
        });
        let variable = |name: &str| {
            variables
                .iter()
                .find(|(variable, _)| *variable == name)
                .map(|(_, value)| (*value).to_owned())
        };
        RuntimeSettings::resolve(&config, &paths, &variable)
    }

    #[test]
    fn mirrors_come_from_the_variable_then_the_config_then_the_default() {
        let settings = resolve(
            "[mirrors]\nnode = \"https://config.example/node\"\ngo = \"https://config.example/go\"\nmise = \"path\"\n",
            &[
                (env::OMG_NODE_MIRROR, "https://env.example/node"),
                (env::OMG_GO_MIRROR, ""),
            ],
        )
        .unwrap();
        let mirrors = &settings.mirrors;
        assert_eq!(mirrors.node, "https://env.example/node");
        assert_eq!(mirrors.go, "https://config.example/go");
        assert_eq!(mirrors.java, omg_runtimes::java::DEFAULT_MIRROR);
        assert_eq!(
            mirrors.python_metadata,
            omg_runtimes::python::DEFAULT_METADATA
        );
        assert!(matches!(mirrors.mise, MiseSource::Path));
        assert_eq!(
            mirrors.mise_home,
            PathBuf::from("/home/u/.local/share/omg/mise")
        );
        assert!(settings.plain_http.is_empty());
        assert_eq!(settings.stall_timeout, Duration::from_secs(60));
    }

    #[test]
    fn the_aur_url_comes_from_the_variable_then_the_config_then_the_default() {
        let config = |text: &str| Config::parse(text, std::path::Path::new("c")).unwrap();
        let none = |_: &str| None;
        assert_eq!(
            resolve_aur_url(&config(""), &none),
            "https://aur.archlinux.org"
        );
        let configured = config("[aur]\nurl = \"http://127.0.0.1:9/\"\n");
        assert_eq!(resolve_aur_url(&configured, &none), "http://127.0.0.1:9");
        let variable = |name: &str| (name == env::OMG_AUR_URL).then(|| "http://x".to_owned());
        assert_eq!(resolve_aur_url(&configured, &variable), "http://x");
    }

    #[test]
    fn elevation_comes_from_the_variable_then_the_config_then_sudo() {
        let elevate = |config: &str, value: Option<&str>| {
            let config = Config::parse(config, std::path::Path::new("config.toml")).unwrap();
            resolve_elevate(&config, &|name: &str| {
                (name == env::OMG_ELEVATE)
                    .then(|| value.map(str::to_owned))
                    .flatten()
            })
        };
        let doas = "[system]\nelevate = \"doas\"\n";
        assert_eq!(elevate("", None), Ok(Elevate::Sudo));
        assert_eq!(elevate(doas, None), Ok(Elevate::Doas));
        assert_eq!(elevate(doas, Some("")), Ok(Elevate::Doas));
        assert_eq!(elevate(doas, Some("run0")), Ok(Elevate::Run0));
        assert_eq!(
            elevate(doas, Some("su")),
            Err("OMG_ELEVATE=su: expected one of sudo, doas, run0".to_owned())
        );
    }

    #[test]
    fn plain_http_mirrors_are_the_ones_the_user_set() {
        let settings = resolve(
            "[mirrors]\nrust = \"http://lan.example:8080/rust\"\n",
            &[(env::OMG_RUBY_MIRROR, "http://127.0.0.1:9000/ruby")],
        )
        .unwrap();
        let plain: Vec<(String, &str)> = settings
            .plain_http
            .iter()
            .map(|(origin, source)| (origin.to_string(), source.as_str()))
            .collect();
        assert_eq!(
            plain,
            [
                ("http://lan.example:8080".to_owned(), "[mirrors] rust"),
                ("http://127.0.0.1:9000".to_owned(), env::OMG_RUBY_MIRROR),
            ]
        );
    }

    #[test]
    fn the_stall_timeout_comes_from_the_variable_then_the_config() {
        let configured = "[downloads]\nstall_timeout_secs = 5\n";
        assert_eq!(
            resolve(configured, &[]).unwrap().stall_timeout,
            Duration::from_secs(5)
        );
        assert_eq!(
            resolve(configured, &[(env::OMG_DOWNLOAD_STALL_TIMEOUT, "7")])
                .unwrap()
                .stall_timeout,
            Duration::from_secs(7)
        );
        assert_eq!(
            resolve("", &[(env::OMG_DOWNLOAD_STALL_TIMEOUT, "soon")])
                .unwrap_err()
                .to_string(),
            "OMG_DOWNLOAD_STALL_TIMEOUT=soon: expected a whole number of seconds"
        );
        assert!(resolve("[downloads]\nstall_timeout_secs = 0\n", &[])
            .unwrap_err()
            .to_string()
            .contains("must be at least 1"));
    }
}
