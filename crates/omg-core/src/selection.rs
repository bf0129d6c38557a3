//! Which package database a command (or the daemon) reads: resolved once from flags,
//! environment and config, the same way for `omg` and `omgd`, so the two can tell
//! whether they are talking about the same system.

use crate::config::Config;
use crate::{env, BackendKind, Error, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the command line asked for, before config and detection fill the gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendFlags {
    /// `--backend`.
    pub kind: Option<BackendKind>,
    /// `--config` (Arch).
    pub arch_config: Option<PathBuf>,
    /// `--root` (Arch).
    pub arch_root: Option<PathBuf>,
    /// `--dbpath` (Arch).
    pub arch_dbpath: Option<PathBuf>,
}

/// A fully resolved backend choice. Two equal selections read the same databases;
/// the daemon names the one it serves in every reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BackendSelection {
    /// Backend family.
    pub kind: BackendKind,
    /// Arch: pacman.conf (`None`: /etc/pacman.conf).
    pub arch_config: Option<PathBuf>,
    /// Arch: root overriding pacman.conf's `RootDir`.
    pub arch_root: Option<PathBuf>,
    /// Arch: database directory overriding pacman.conf's `DBPath`.
    pub arch_dbpath: Option<PathBuf>,
    /// Debian: APT lists directory (`None`: /var/lib/apt/lists).
    pub debian_lists_dir: Option<PathBuf>,
    /// Debian: dpkg status file (`None`: /var/lib/dpkg/status).
    pub debian_status_file: Option<PathBuf>,
    /// Debian: APT's auto-installed marks (`None`: /var/lib/apt/extended_states).
    pub debian_extended_states: Option<PathBuf>,
    /// Debian: APT's configuration directory (`None`: /etc/apt).
    pub debian_etc_dir: Option<PathBuf>,
}

impl BackendSelection {
    /// Flags first, then `$OMG_BACKEND`, then the config file, then /etc/os-release.
    /// pacman's own flags only make sense for Arch: asking for a root is asking for Arch.
    pub fn resolve(flags: &BackendFlags, config: &Config) -> Result<Self> {
        let from_env = std::env::var(env::OMG_BACKEND)
            .ok()
            .filter(|value| !value.is_empty())
            .map(|value| value.parse::<BackendKind>())
            .transpose()?;
        let pacman_flags =
            flags.arch_config.is_some() || flags.arch_root.is_some() || flags.arch_dbpath.is_some();
        let kind = match flags.kind {
            Some(kind) => kind,
            None if pacman_flags => BackendKind::Arch,
            None => match from_env.or(config.backend) {
                Some(kind) => kind,
                None => crate::distro::detect().ok_or(Error::UndetectedDistro)?,
            },
        };
        // Absolute, so `--root ./chroot` means the same directory to omgd (started
        // elsewhere) as to this command.
        let absolute = |path: Option<&PathBuf>| {
            path.map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone()))
        };
        Ok(Self {
            kind,
            arch_config: absolute(flags.arch_config.as_ref().or(config.arch.config.as_ref())),
            arch_root: absolute(flags.arch_root.as_ref().or(config.arch.root.as_ref())),
            arch_dbpath: absolute(flags.arch_dbpath.as_ref().or(config.arch.dbpath.as_ref())),
            debian_lists_dir: absolute(config.debian.lists_dir.as_ref()),
            debian_status_file: absolute(config.debian.status_file.as_ref()),
            debian_extended_states: absolute(config.debian.extended_states.as_ref()),
            debian_etc_dir: absolute(config.debian.etc_dir.as_ref()),
        })
    }

    /// The flags that make another process (omgd started by `omg`) resolve the same
    /// selection, given the same config file.
    #[must_use]
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec!["--backend".into(), self.kind.as_str().into()];
        // Debian's paths come from omg's config file, which a process started
        // through sudo would not find: they travel as flags too.
        for (flag, value) in [
            ("--config", &self.arch_config),
            ("--root", &self.arch_root),
            ("--dbpath", &self.arch_dbpath),
            ("--debian-lists-dir", &self.debian_lists_dir),
            ("--debian-status-file", &self.debian_status_file),
            ("--debian-extended-states", &self.debian_extended_states),
            ("--debian-etc-dir", &self.debian_etc_dir),
        ] {
            if let Some(value) = value {
                args.push(flag.into());
                args.push(value.clone().into_os_string());
            }
        }
        args
    }

    /// Debian's paths as the `--debian-*` flags of [`Self::to_args`] carried them
    /// (lists, status file, extended_states, etc), over the ones the config gave.
    pub fn override_debian_paths(&mut self, flags: [&Option<PathBuf>; 4]) {
        let fields = [
            &mut self.debian_lists_dir,
            &mut self.debian_status_file,
            &mut self.debian_extended_states,
            &mut self.debian_etc_dir,
        ];
        for (field, flag) in fields.into_iter().zip(flags) {
            if flag.is_some() {
                field.clone_from(flag);
            }
        }
    }

    /// A short description for status lines and logs: `debian /` or `arch /tmp/root`.
    #[must_use]
    pub fn describe(&self) -> String {
        let root = self
            .arch_root
            .as_deref()
            .filter(|_| self.kind == BackendKind::Arch)
            .unwrap_or_else(|| std::path::Path::new("/"));
        format!("{} {}", self.kind, root.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacman_flags_imply_arch_and_win_over_config() {
        let config = Config {
            backend: Some(BackendKind::Debian),
            arch: crate::config::ArchConfig {
                root: Some("/from-config".into()),
                ..crate::config::ArchConfig::default()
            },
            ..Config::default()
        };
        let selection = BackendSelection::resolve(
            &BackendFlags {
                arch_root: Some("/flag".into()),
                ..BackendFlags::default()
            },
            &config,
        )
        .unwrap();
        assert_eq!(selection.kind, BackendKind::Arch);
        assert_eq!(selection.arch_root, Some(PathBuf::from("/flag")));
        assert_eq!(selection.describe(), "arch /flag");
    }

    #[test]
    fn relative_paths_become_absolute() {
        let selection = BackendSelection::resolve(
            &BackendFlags {
                arch_root: Some("chroot".into()),
                ..BackendFlags::default()
            },
            &Config::default(),
        )
        .unwrap();
        let expected = std::env::current_dir().unwrap().join("chroot");
        assert_eq!(selection.arch_root, Some(expected));
    }

    #[test]
    fn to_args_round_trips_the_flags() {
        let selection = BackendSelection {
            kind: BackendKind::Arch,
            arch_config: Some("/c".into()),
            arch_root: None,
            arch_dbpath: Some("/d".into()),
            debian_lists_dir: None,
            debian_status_file: None,
            debian_extended_states: None,
            debian_etc_dir: None,
        };
        let args: Vec<String> = selection
            .to_args()
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        assert_eq!(
            args,
            ["--backend", "arch", "--config", "/c", "--dbpath", "/d"]
        );
    }
}
