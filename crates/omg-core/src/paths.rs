//! XDG base directories for omg's own files. Values come from an [`Environment`]
//! snapshot so callers (and tests) pass the environment explicitly instead of
//! mutating the process's.

use crate::env;
use std::path::PathBuf;

/// The environment variables path resolution depends on.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `$HOME`.
    pub home: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME`.
    pub config_home: Option<PathBuf>,
    /// `$XDG_DATA_HOME`.
    pub data_home: Option<PathBuf>,
    /// `$XDG_CACHE_HOME`.
    pub cache_home: Option<PathBuf>,
    /// `$XDG_RUNTIME_DIR`.
    pub runtime_dir: Option<PathBuf>,
    /// `$OMG_CONFIG`.
    pub config_file: Option<PathBuf>,
    /// `$OMG_SOCKET`.
    pub socket: Option<PathBuf>,
}

impl Environment {
    /// Reads the variables from the current process.
    #[must_use]
    pub fn from_process() -> Self {
        // Empty values mean "unset" in the XDG spec.
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        Self {
            home: var(env::HOME),
            config_home: var(env::XDG_CONFIG_HOME),
            data_home: var(env::XDG_DATA_HOME),
            cache_home: var(env::XDG_CACHE_HOME),
            runtime_dir: var(env::XDG_RUNTIME_DIR),
            config_file: var(env::OMG_CONFIG),
            socket: var(env::OMG_SOCKET),
        }
    }
}

/// Where omg keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `$XDG_CONFIG_HOME/omg`.
    pub config_dir: PathBuf,
    /// The config file: `$OMG_CONFIG`, else `config_dir/config.toml`.
    pub config_file: PathBuf,
    /// `$XDG_DATA_HOME/omg`.
    pub data_dir: PathBuf,
    /// `$XDG_CACHE_HOME/omg`.
    pub cache_dir: PathBuf,
}

impl Paths {
    /// Resolves the directories from an environment snapshot, with the XDG defaults
    /// under `$HOME` (or `/` when even that is unset, as for some system services).
    #[must_use]
    pub fn resolve(environment: &Environment) -> Self {
        let home = environment
            .home
            .clone()
            .unwrap_or_else(|| PathBuf::from("/"));
        // XDG says relative values are invalid and must be ignored.
        let absolute = |value: &Option<PathBuf>| value.clone().filter(|path| path.is_absolute());
        let config_home =
            absolute(&environment.config_home).unwrap_or_else(|| home.join(".config"));
        let data_home =
            absolute(&environment.data_home).unwrap_or_else(|| home.join(".local/share"));
        let cache_home = absolute(&environment.cache_home).unwrap_or_else(|| home.join(".cache"));
        let config_dir = config_home.join("omg");
        let config_file = environment
            .config_file
            .clone()
            .unwrap_or_else(|| config_dir.join("config.toml"));
        Self {
            config_dir,
            config_file,
            data_dir: data_home.join("omg"),
            cache_dir: cache_home.join("omg"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_uses_home_defaults_when_xdg_unset() {
        let paths = Paths::resolve(&Environment {
            home: Some("/home/u".into()),
            ..Environment::default()
        });
        assert_eq!(
            paths.config_file,
            PathBuf::from("/home/u/.config/omg/config.toml")
        );
        assert_eq!(paths.data_dir, PathBuf::from("/home/u/.local/share/omg"));
        assert_eq!(paths.cache_dir, PathBuf::from("/home/u/.cache/omg"));
    }

    #[test]
    fn resolve_ignores_relative_xdg_values() {
        let paths = Paths::resolve(&Environment {
            home: Some("/h".into()),
            data_home: Some("relative".into()),
            config_home: Some("/cfg".into()),
            ..Environment::default()
        });
        assert_eq!(paths.data_dir, PathBuf::from("/h/.local/share/omg"));
        assert_eq!(paths.config_dir, PathBuf::from("/cfg/omg"));
    }
}
