//! The user's config file (`$XDG_CONFIG_HOME/omg/config.toml`). Every key is optional;
//! unknown keys are an error so a typo never silently does nothing.

use crate::{BackendKind, Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Config {
    /// Backend to use instead of detecting it from /etc/os-release.
    pub backend: Option<BackendKind>,
    /// Search settings.
    #[serde(default)]
    pub search: SearchConfig,
    /// Arch backend settings.
    #[serde(default)]
    pub arch: ArchConfig,
    /// Debian backend settings.
    #[serde(default)]
    pub debian: DebianConfig,
    /// Daemon settings.
    #[serde(default)]
    pub daemon: DaemonConfig,
    /// Where runtimes are downloaded from.
    #[serde(default)]
    pub mirrors: MirrorsConfig,
    /// How runtimes are downloaded.
    #[serde(default)]
    pub downloads: DownloadsConfig,
    /// How system changes are made.
    #[serde(default)]
    pub system: SystemConfig,
    /// The Arch User Repository.
    #[serde(default)]
    pub aur: AurConfig,
    /// Vulnerability feeds.
    #[serde(default)]
    pub audit: AuditConfig,
}

/// `[audit]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The Arch Security Tracker's `all.json` (`OMG_AUDIT_ARCH_URL`).
    pub arch_url: Option<String>,
    /// The Debian Security Tracker's JSON (`OMG_AUDIT_DEBIAN_URL`).
    pub debian_url: Option<String>,
    /// The Debian release to match (default: `VERSION_CODENAME` from os-release).
    pub release: Option<String>,
    /// The OSV API's base URL, asked about runtime versions (`OMG_OSV_URL`).
    pub osv_url: Option<String>,
}

/// `[aur]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AurConfig {
    /// The AUR's base URL (default <https://aur.archlinux.org>): the RPC is
    /// `{url}/rpc/v5/…`. `OMG_AUR_URL` overrides it.
    pub url: Option<String>,
    /// The unprivileged user makepkg runs as when omg runs as root (makepkg never
    /// runs as root). `OMG_AUR_BUILD_USER` overrides it.
    pub build_user: Option<String>,
    /// Show each PKGBUILD (or its diff since the last review) and ask before
    /// building (default true); `--noreview` turns it off for one command.
    pub review: Option<bool>,
    /// Seconds between omgd's downloads of the AUR's metadata dump, its local AUR
    /// index (default [`AurConfig::DEFAULT_INDEX_REFRESH_SECS`], a day; `omg sync`
    /// refreshes it too). 0 turns the index off: searches ask the RPC.
    pub index_refresh_secs: Option<u64>,
}

impl AurConfig {
    /// aurweb rewrites the dump every few minutes, but a day-old index only misses
    /// the day's new packages, and the file is ~10 MB.
    pub const DEFAULT_INDEX_REFRESH_SECS: u64 = 86_400;
}

/// `[system]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemConfig {
    /// The program that runs `omgd --transact` as root when omg is not root and
    /// the package database is not the user's own (default sudo). `OMG_ELEVATE`
    /// overrides it.
    pub elevate: Option<Elevate>,
}

/// A program that runs a command as root after asking the user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Elevate {
    /// sudo(8).
    #[default]
    Sudo,
    /// OpenBSD's doas, as packaged by Arch (opendoas).
    Doas,
    /// systemd's run0 (systemd 256 and later).
    Run0,
}

impl Elevate {
    /// Every choice, in the order errors list them.
    pub const ALL: [Self; 3] = [Self::Sudo, Self::Doas, Self::Run0];

    /// The program's name, looked up on PATH.
    #[must_use]
    pub fn program(self) -> &'static str {
        match self {
            Self::Sudo => "sudo",
            Self::Doas => "doas",
            Self::Run0 => "run0",
        }
    }

    /// The choice named `name`, spelled as in the config file.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|choice| choice.program() == name)
    }
}

/// `[downloads]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DownloadsConfig {
    /// Seconds a download may receive nothing before it fails (at least 1); a slow
    /// one that keeps moving never does. `OMG_DOWNLOAD_STALL_TIMEOUT` overrides it.
    pub stall_timeout_secs: u64,
    /// MiB one runtime archive may unpack to (at least 1; default 16384): past it
    /// the install is refused, so a decompression bomb fails cleanly.
    pub max_unpacked_mib: u64,
}

impl Default for DownloadsConfig {
    fn default() -> Self {
        Self {
            stall_timeout_secs: 60,
            max_unpacked_mib: 16 * 1024,
        }
    }
}

/// `[mirrors]`: base URLs laid out exactly like the upstream each replaces (for
/// Node, like nodejs.org/dist). `OMG_<RUNTIME>_MIRROR` overrides each. A plain
/// `http://` one is allowed because it is set here, and omg warns when it is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MirrorsConfig {
    /// Node.js (default <https://nodejs.org/dist>).
    pub node: Option<String>,
    /// Go (default <https://go.dev/dl>): `$BASE/?mode=json&include=all` and
    /// `$BASE/<file>`.
    pub go: Option<String>,
    /// Java (default <https://api.adoptium.net>): the Adoptium API v3 paths.
    pub java: Option<String>,
    /// Bun release downloads (default
    /// <https://github.com/oven-sh/bun/releases/download>): `$BASE/bun-vX.Y.Z/…`.
    pub bun: Option<String>,
    /// The npm registry Bun's versions are listed from (default
    /// <https://registry.npmjs.org>).
    pub npm: Option<String>,
    /// Replaces the python-build-standalone download prefix
    /// (<https://github.com/astral-sh/python-build-standalone/releases/download>).
    pub python: Option<String>,
    /// The Python build list, in uv's `download-metadata.json` shape.
    pub python_metadata: Option<String>,
    /// Rust (default <https://static.rust-lang.org>), like `RUSTUP_DIST_SERVER`.
    pub rust: Option<String>,
    /// Ruby sources (default <https://cache.ruby-lang.org/pub/ruby>): `index.txt`
    /// and `X.Y/ruby-X.Y.Z.tar.gz`.
    pub ruby: Option<String>,
    /// Where omg's own mise comes from: a base laid out like mise's GitHub releases
    /// (default <https://github.com/jdx/mise/releases/download>), or `"path"` to use
    /// the `mise` on PATH.
    pub mise: Option<String>,
}

/// `[search]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Add typo-tolerant matches when the exact result set is this small or smaller.
    pub fuzzy_below: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self { fuzzy_below: 5 }
    }
}

/// `[arch]`: the same knobs pacman takes on its command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchConfig {
    /// pacman.conf to read (default /etc/pacman.conf).
    pub config: Option<PathBuf>,
    /// Installation root, overriding pacman.conf's `RootDir`.
    pub root: Option<PathBuf>,
    /// Database directory, overriding pacman.conf's `DBPath`.
    pub dbpath: Option<PathBuf>,
}

/// `[debian]`: where the APT and dpkg state lives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebianConfig {
    /// APT lists directory (default /var/lib/apt/lists).
    pub lists_dir: Option<PathBuf>,
    /// dpkg status file (default /var/lib/dpkg/status).
    pub status_file: Option<PathBuf>,
    /// APT's auto-installed marks (default /var/lib/apt/extended_states).
    pub extended_states: Option<PathBuf>,
    /// APT's configuration directory: sources, preferences, apt.conf (default /etc/apt).
    pub etc_dir: Option<PathBuf>,
}

/// `[daemon]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// Start omgd in the background when a command finds it absent.
    pub autostart: bool,
    /// Seconds between background refreshes.
    pub refresh_secs: u64,
    /// Seconds a cached answer stays valid.
    pub cache_ttl_secs: u64,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            autostart: true,
            refresh_secs: 300,
            cache_ttl_secs: 300,
        }
    }
}

impl Config {
    /// Parses a config file's text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|error| Error::ConfigParse {
            path: path.to_owned(),
            message: error.message().to_owned(),
        })
    }

    /// Loads the config file; a missing file is the default config.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(Error::ConfigRead {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_empty_is_default() {
        assert_eq!(
            Config::parse("", Path::new("c")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn parse_reads_sections() {
        let config = Config::parse(
            "backend = \"arch\"\n[arch]\nroot = \"/tmp/r\"\n[daemon]\nautostart = false\n",
            Path::new("c"),
        )
        .unwrap();
        assert_eq!(config.backend, Some(BackendKind::Arch));
        assert_eq!(config.arch.root, Some(PathBuf::from("/tmp/r")));
        assert!(!config.daemon.autostart);
        assert_eq!(config.daemon.refresh_secs, 300);
        assert_eq!(config.downloads.stall_timeout_secs, 60);
        let config =
            Config::parse("[downloads]\nstall_timeout_secs = 5\n", Path::new("c")).unwrap();
        assert_eq!(config.downloads.stall_timeout_secs, 5);
    }

    #[test]
    fn elevate_is_one_of_three_programs() {
        assert_eq!(Config::default().system.elevate, None);
        let config = Config::parse("[system]\nelevate = \"doas\"\n", Path::new("c")).unwrap();
        assert_eq!(config.system.elevate, Some(Elevate::Doas));
        let error = Config::parse("[system]\nelevate = \"su\"\n", Path::new("/x/config.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("/x/config.toml"), "{error}");
        assert!(error.contains("`sudo`, `doas`, `run0`"), "{error}");
        assert_eq!(Elevate::parse("run0"), Some(Elevate::Run0));
        assert_eq!(Elevate::parse("su"), None);
    }

    #[test]
    fn aur_url_is_optional_and_checked_for_typos() {
        assert_eq!(Config::default().aur.url, None);
        let config =
            Config::parse("[aur]\nurl = \"http://127.0.0.1:1\"\n", Path::new("c")).unwrap();
        assert_eq!(config.aur.url.as_deref(), Some("http://127.0.0.1:1"));
        assert!(Config::parse("[aur]\nrpc = \"x\"\n", Path::new("c")).is_err());
        let config = Config::parse("[aur]\nindex_refresh_secs = 0\n", Path::new("c")).unwrap();
        assert_eq!(config.aur.index_refresh_secs, Some(0));
    }

    #[test]
    fn parse_rejects_unknown_key_naming_file() {
        let error = Config::parse("[daemon]\nautostrat = true\n", Path::new("/x/config.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("/x/config.toml"), "{error}");
        assert!(error.contains("autostrat"), "{error}");
    }

    #[test]
    fn load_missing_file_is_default() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(&dir.path().join("absent.toml")).unwrap();
        assert_eq!(config, Config::default());
    }
}
