//! Arch Linux through libalpm (the `alpm` crate 5.x, which binds libalpm 16). Every
//! libalpm call lives in this module, reads in this file and changes in
//! [`transact`], so moving to a newer crate major version (for a newer libalpm) is
//! this module's work; pacman.conf parsing is in [`conf`].
//!
//! A libalpm handle is not `Send`, so each call opens its own: opening is cheap, and
//! loading a sync database's package cache (the real cost) happens once per call.
//! Sync databases are registered without signature checks because nothing here
//! installs; signature policy belongs to transactions.

mod clean;
mod events;
pub mod transact;

use crate::pacman::conf::PacmanConf;
pub use crate::pacman::{conf, ArchOptions};
use crate::{Error, PackageBackend, Result};
use alpm::{Alpm, LogLevel, PackageReason, SigLevel};
use omg_core::{BackendKind, InstalledPackage, PackageDetails, PackageRecord, Upgrade};
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Repository label of a package no sync database has (pacman's "foreign").
const LOCAL_REPOSITORY: &str = "local";

/// The Arch backend.
#[derive(Debug, Clone)]
pub struct ArchBackend {
    /// What the index is built from.
    database_paths: Vec<PathBuf>,
    conf: PacmanConf,
    root: PathBuf,
    dbpath: PathBuf,
}

impl ArchBackend {
    /// Reads pacman.conf and resolves root and database path the way pacman does:
    /// flags over the file, and a database path under the root when only a root is set.
    pub fn new(options: &ArchOptions) -> Result<Self> {
        let setup = crate::pacman::PacmanSetup::new(options)?;
        Ok(Self {
            database_paths: setup.database_paths(),
            conf: setup.conf,
            root: setup.root,
            dbpath: setup.dbpath,
        })
    }

    /// The parsed pacman.conf.
    #[must_use]
    pub fn conf(&self) -> &PacmanConf {
        &self.conf
    }

    /// The database directory in use.
    #[must_use]
    pub fn dbpath(&self) -> &Path {
        &self.dbpath
    }

    fn open(&self) -> Result<Session> {
        let alpm = Alpm::new(
            self.root.to_string_lossy().as_bytes().to_vec(),
            self.dbpath.to_string_lossy().as_bytes().to_vec(),
        )
        .map_err(|error| Error::Alpm {
            message: format!(
                "cannot open the database at {} (root {}): {error}",
                self.dbpath.display(),
                self.root.display()
            ),
        })?;
        let errors = Rc::new(RefCell::new(Vec::new()));
        alpm.set_log_cb(Rc::clone(&errors), |level, message, errors| {
            if level.intersects(LogLevel::ERROR) {
                errors.borrow_mut().push(message.trim().to_owned());
            }
        });
        for repo in &self.conf.repos {
            alpm.register_syncdb(repo.name.as_str(), SigLevel::NONE)
                .map_err(|error| Error::Alpm {
                    message: format!("cannot register repository {}: {error}", repo.name),
                })?;
        }
        Ok(Session { alpm, errors })
    }

    fn sync_db_path(&self, repo: &str) -> PathBuf {
        crate::pacman::sync_db_path(&self.dbpath, repo)
    }
}

/// An open handle plus the errors libalpm logged through it.
struct Session {
    alpm: Alpm,
    errors: Rc<RefCell<Vec<String>>>,
}

impl Session {
    /// Fails when libalpm logged an error while loading `path`.
    fn check(&self, path: &Path) -> Result<()> {
        let errors = std::mem::take(&mut *self.errors.borrow_mut());
        match errors.first() {
            None => Ok(()),
            Some(first) => Err(Error::Corrupt {
                path: path.to_owned(),
                message: first.clone(),
            }),
        }
    }

    /// Every sync database's packages, loaded, or the first load error.
    fn sync_packages<'a>(
        &'a self,
        backend: &ArchBackend,
    ) -> Result<Vec<(&'a str, alpm::AlpmList<'a, &'a alpm::Package>)>> {
        self.alpm
            .syncdbs()
            .iter()
            .map(|db| {
                let packages = db.pkgs();
                self.check(&backend.sync_db_path(db.name()))?;
                Ok((db.name(), packages))
            })
            .collect()
    }
}

fn installed_package(package: &alpm::Package) -> InstalledPackage {
    InstalledPackage {
        source: None,
        architecture: package.arch().map(str::to_owned),
        licenses: package.licenses().iter().map(str::to_owned).collect(),
        name: package.name().to_owned(),
        version: package.version().to_string(),
        explicit: package.reason() == PackageReason::Explicit,
    }
}

fn dep_strings<'a>(deps: impl Iterator<Item = &'a alpm::Dep>) -> Vec<String> {
    deps.map(|dep| dep.to_string()).collect()
}

fn size(bytes: i64) -> Option<u64> {
    u64::try_from(bytes).ok()
}

impl PackageBackend for ArchBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Arch
    }

    fn root(&self) -> PathBuf {
        self.root.clone()
    }

    fn records(&self) -> Result<Vec<PackageRecord>> {
        let session = self.open()?;
        let local = session.alpm.localdb();
        let installed_version = |name: &str| local.pkg(name).ok().map(|p| p.version().to_string());
        let mut records = Vec::new();
        let mut seen = HashSet::new();
        for (repo, packages) in session.sync_packages(self)? {
            for package in packages.iter() {
                if !seen.insert(package.name().to_owned()) {
                    continue; // an earlier repository wins, as in pacman
                }
                records.push(PackageRecord {
                    name: package.name().to_owned(),
                    version: package.version().to_string(),
                    description: package.desc().unwrap_or_default().to_owned(),
                    long_description: None,
                    repository: repo.to_owned(),
                    installed_version: installed_version(package.name()),
                    provides: package
                        .provides()
                        .iter()
                        .map(|dep| dep.name().to_owned())
                        .collect(),
                });
            }
        }
        for package in local.pkgs() {
            if seen.contains(package.name()) {
                continue;
            }
            let version = package.version().to_string();
            records.push(PackageRecord {
                name: package.name().to_owned(),
                version: version.clone(),
                description: package.desc().unwrap_or_default().to_owned(),
                long_description: None,
                repository: LOCAL_REPOSITORY.to_owned(),
                installed_version: Some(version),
                provides: package
                    .provides()
                    .iter()
                    .map(|dep| dep.name().to_owned())
                    .collect(),
            });
        }
        session.check(&self.dbpath.join("local"))?;
        Ok(records)
    }

    fn details(&self, name: &str) -> Result<Option<PackageDetails>> {
        let session = self.open()?;
        let local = session.alpm.localdb().pkg(name).ok();
        let sync = session
            .sync_packages(self)?
            .into_iter()
            .find_map(|(repo, _)| {
                let db = session.alpm.syncdbs().iter().find(|db| db.name() == repo)?;
                db.pkg(name).ok().map(|package| (repo, package))
            });
        let (repository, package) = match (sync, local) {
            (Some((repo, package)), _) => (repo, package),
            (None, Some(package)) => (LOCAL_REPOSITORY, package),
            (None, None) => return Ok(None),
        };
        Ok(Some(PackageDetails {
            name: package.name().to_owned(),
            version: Some(package.version().to_string()),
            installed_version: local.map(|p| p.version().to_string()),
            repository: repository.to_owned(),
            description: package.desc().unwrap_or_default().to_owned(),
            url: package.url().map(str::to_owned),
            licenses: package.licenses().iter().map(str::to_owned).collect(),
            architecture: package.arch().map(str::to_owned),
            depends: dep_strings(package.depends().iter()),
            optional_depends: dep_strings(package.optdepends().iter()),
            provides: dep_strings(package.provides().iter()),
            conflicts: dep_strings(package.conflicts().iter()),
            replaces: dep_strings(package.replaces().iter()),
            download_size: (repository != LOCAL_REPOSITORY)
                .then(|| size(package.download_size()))
                .flatten(),
            installed_size: size(package.isize()),
            packager: package.packager().map(str::to_owned),
            build_date: Some(package.build_date()),
            install_date: local.and_then(|p| p.install_date()),
            explicit: local.map(|p| p.reason() == PackageReason::Explicit),
            section: {
                let groups: Vec<&str> = package.groups().iter().collect();
                (!groups.is_empty()).then(|| groups.join(" "))
            },
            // pacman's description is one line.
            long_description: None,
        }))
    }

    fn installed(&self) -> Result<Vec<InstalledPackage>> {
        let session = self.open()?;
        let mut packages: Vec<InstalledPackage> = session
            .alpm
            .localdb()
            .pkgs()
            .iter()
            .map(installed_package)
            .collect();
        session.check(&self.dbpath.join("local"))?;
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(packages)
    }

    fn upgradable(&self) -> Result<Vec<Upgrade>> {
        let session = self.open()?;
        session.sync_packages(self)?;
        let syncdbs = session.alpm.syncdbs();
        let mut upgrades: Vec<Upgrade> = session
            .alpm
            .localdb()
            .pkgs()
            .iter()
            .filter_map(|package| {
                let newer = package.sync_new_version(syncdbs)?;
                Some(Upgrade {
                    name: package.name().to_owned(),
                    installed_version: package.version().to_string(),
                    new_version: newer.version().to_string(),
                })
            })
            .collect();
        upgrades.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(upgrades)
    }

    fn satisfiers(&self, dependencies: &[String]) -> Result<Vec<omg_core::Satisfier>> {
        if let Some(bad) = dependencies
            .iter()
            .find(|dependency| dependency.contains('\0'))
        {
            return Err(Error::Alpm {
                message: format!("invalid dependency {bad:?}"),
            });
        }
        let session = self.open()?;
        session.sync_packages(self)?;
        let installed = session.alpm.localdb().pkgs();
        let syncdbs = session.alpm.syncdbs();
        Ok(dependencies
            .iter()
            .map(|dependency| omg_core::Satisfier {
                installed: installed.find_satisfier(dependency.as_str()).is_some(),
                repository: syncdbs.find_satisfier(dependency.as_str()).map(|package| {
                    let repo = package.db().map_or(LOCAL_REPOSITORY, |db| db.name());
                    format!("{repo}/{}", package.name())
                }),
            })
            .collect())
    }

    fn foreign(&self) -> Result<Vec<InstalledPackage>> {
        let session = self.open()?;
        session.sync_packages(self)?;
        let syncdbs = session.alpm.syncdbs();
        let mut packages: Vec<InstalledPackage> = session
            .alpm
            .localdb()
            .pkgs()
            .iter()
            .filter(|package| syncdbs.iter().all(|db| db.pkg(package.name()).is_err()))
            .map(installed_package)
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(packages)
    }

    fn orphans(&self) -> Result<Vec<String>> {
        // The same set `omg clean --orphans` removes.
        Ok(clean::orphans(&self.open()?.alpm))
    }

    fn database_synced_at(&self) -> Result<Option<i64>> {
        Ok(crate::pacman::database_synced_at(&self.conf, &self.dbpath))
    }

    fn database_paths(&self) -> Vec<PathBuf> {
        self.database_paths.clone()
    }

    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}
