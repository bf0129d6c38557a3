//! pacman's setup without libalpm: pacman.conf, and the root and database path it
//! and pacman's flags select. The Arch backend opens libalpm on top of this; `omg
//! doctor`, which must not link libalpm, reads database ages and locks from it.

pub mod conf;
mod snapshot_only;

pub use snapshot_only::SnapshotOnly;

use crate::{newest_mtime, Result};
use conf::PacmanConf;
use std::path::{Path, PathBuf};

/// What selects an Arch installation, as on pacman's command line.
#[derive(Debug, Clone, Default)]
pub struct ArchOptions {
    /// pacman.conf (default /etc/pacman.conf).
    pub config: Option<PathBuf>,
    /// Installation root, overriding the file's `RootDir`.
    pub root: Option<PathBuf>,
    /// Database directory, overriding the file's `DBPath`.
    pub dbpath: Option<PathBuf>,
    /// The `--disable-sandbox*` flags, added to pacman.conf's settings.
    pub change: crate::ChangeOptions,
}

impl ArchOptions {
    /// The pacman flags `selection` carries.
    #[must_use]
    pub fn of(selection: &omg_core::BackendSelection) -> Self {
        Self {
            config: selection.arch_config.clone(),
            root: selection.arch_root.clone(),
            dbpath: selection.arch_dbpath.clone(),
            ..Self::default()
        }
    }
}

/// pacman.conf with the root and database path resolved.
#[derive(Debug, Clone)]
pub struct PacmanSetup {
    /// The pacman.conf read.
    pub config: PathBuf,
    pub conf: PacmanConf,
    pub root: PathBuf,
    pub dbpath: PathBuf,
}

impl PacmanSetup {
    /// Reads pacman.conf and resolves root and database path the way pacman does:
    /// flags over the file, and a database path under the root when only a root is set.
    pub fn new(options: &ArchOptions) -> Result<Self> {
        let config = options
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("/etc/pacman.conf"));
        let mut conf = PacmanConf::load(&config)?;
        // pacman's flags add to the file's switches; they never turn one back on.
        conf.disable_sandbox_filesystem |= options.change.disable_sandbox_filesystem;
        conf.disable_sandbox_syscalls |= options.change.disable_sandbox_syscalls;
        let root = options
            .root
            .clone()
            .or_else(|| conf.root_dir.clone())
            .unwrap_or_else(|| PathBuf::from("/"));
        let dbpath = options
            .dbpath
            .clone()
            .or_else(|| conf.db_path.clone())
            .unwrap_or_else(|| root.join("var/lib/pacman"));
        Ok(Self {
            config,
            conf,
            root,
            dbpath,
        })
    }

    /// A repository's sync database file.
    #[must_use]
    pub fn sync_db_path(&self, repo: &str) -> PathBuf {
        sync_db_path(&self.dbpath, repo)
    }

    /// When the newest sync database was written (unix seconds).
    #[must_use]
    pub fn database_synced_at(&self) -> Option<i64> {
        database_synced_at(&self.conf, &self.dbpath)
    }

    /// What the index is built from: pacman.conf (which repositories there are)
    /// and the local and sync databases.
    #[must_use]
    pub fn database_paths(&self) -> Vec<PathBuf> {
        vec![
            self.config.clone(),
            self.dbpath.join("local"),
            self.dbpath.join("sync"),
        ]
    }
}

pub(crate) fn sync_db_path(dbpath: &Path, repo: &str) -> PathBuf {
    dbpath.join("sync").join(format!("{repo}.db"))
}

pub(crate) fn database_synced_at(conf: &PacmanConf, dbpath: &Path) -> Option<i64> {
    let paths: Vec<PathBuf> = conf
        .repos
        .iter()
        .map(|repo| sync_db_path(dbpath, &repo.name))
        .collect();
    newest_mtime(paths.iter().map(PathBuf::as_path))
}
