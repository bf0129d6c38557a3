//! Changing an Arch system through libalpm: plan a [`ChangeRequest`] into a
//! [`Transaction`] (libalpm's own init → add/remove → prepare, so the plan is
//! exactly what a commit does), show it, then [`Transaction::commit`] it or drop
//! it. Between the two the transaction holds pacman's `db.lck`, as pacman does
//! while it asks "Proceed?": nothing can change the system under the plan.
//!
//! The questions libalpm asks while planning go to the caller's asker (the user,
//! through `omg`), or get their defaults: pacman's `--noconfirm` answers (replace:
//! yes; remove a conflicting package: no; skip unresolvable packages: no). Each
//! yes becomes a note in the plan, so nothing the user did not name is removed
//! without the plan saying so. This module never writes the databases itself and
//! never runs pacman.

use super::{ArchBackend, Session};
use crate::{Asker, Error, EventSink, PlannedChange, Result, SystemChanger};
use alpm::{
    Alpm, AnyDownloadEvent, AnyQuestion, CommitData, DownloadEvent, LogLevel, PackageReason,
    PrepareData, Progress, Question, SigLevel, TransFlag,
};
use omg_core::{ChangeEvent, ChangeRequest, InstallReason, PackageAction, Plan, PlannedPackage};
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::PathBuf;
use std::rc::Rc;

/// A planned transaction, holding the database lock until committed or dropped.
pub struct Transaction {
    session: Session,
    plan: Plan,
    /// libalpm has a transaction open (an empty plan opens none).
    open: bool,
    /// Planned without the lock, never to be committed.
    preview: bool,
    /// Shared with the callbacks set before the commit.
    sink: Rc<RefCell<Option<EventSink>>>,
    /// What the question callback said yes to.
    answers: Rc<RefCell<Answers>>,
    /// Packages to record as dependencies once committed, if this installs them.
    dependencies: HashSet<String>,
}

/// The yeses [`answer_question`] gave: shown in the plan, or in a commit's error.
#[derive(Default)]
struct Answers {
    notes: Vec<String>,
    /// Cached package files that failed verification (and were deleted).
    corrupted: Vec<Corrupted>,
    /// Keys libalpm offered to import (refused: trusting a key is the user's call).
    missing_keys: Vec<String>,
    /// Who answers planning questions; `None`: their defaults.
    ask: Option<Asker>,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers")
            .field("notes", &self.notes)
            .field("corrupted", &self.corrupted)
            .field("missing_keys", &self.missing_keys)
            .field("ask", &self.ask.is_some())
            .finish()
    }
}

/// A cached package file libalpm found bad and deleted.
#[derive(Debug)]
struct Corrupted {
    path: String,
    reason: String,
}

impl Corrupted {
    /// `path: reason`, with what libalpm logged about this package (a
    /// signature's signer and status) when it logged anything.
    fn describe(&self, logged: &[String]) -> String {
        let file = self.path.rsplit('/').next().unwrap_or(&self.path);
        // `name-version-release-arch.pkg.tar.*`, where only the name may hold a
        // dash: omg-lib's line is not about omg-lib-extra's file.
        let about = |name: &str| {
            file.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|rest| rest.matches('-').count() == 2)
        };
        let detail: Vec<&str> = logged
            .iter()
            .filter(|line| line.split_once(": ").is_some_and(|(name, _)| about(name)))
            .map(String::as_str)
            .collect();
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", detail.join("; "))
        };
        format!(
            "{}: {}{detail}; removed from the cache",
            self.path, self.reason
        )
    }
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("plan", &self.plan)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl ArchBackend {
    /// A handle configured as pacman.conf says for changes (as pacman 7.1's
    /// `setup_libalpm` does): paths, policy, the download sandbox, signature levels
    /// and each repository's servers.
    fn open_for_change(&self) -> Result<Session> {
        let mut alpm = Alpm::new(
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
        self.configure_paths(&mut alpm)?;
        configure_policy(&mut alpm, &self.conf)?;
        let errors = Rc::new(RefCell::new(Vec::new()));
        alpm.set_log_cb(Rc::clone(&errors), |level, message, errors| {
            if level.intersects(LogLevel::ERROR) {
                errors.borrow_mut().push(message.trim().to_owned());
            }
        });
        register_repositories(&mut alpm, &self.conf)?;
        Ok(Session { alpm, errors })
    }

    /// Cache, hook, log and GPG locations, with pacman's defaults under the root.
    fn configure_paths(&self, alpm: &mut Alpm) -> Result<()> {
        let conf = &self.conf;
        let cache_dirs = if conf.cache_dirs.is_empty() {
            vec![self.root.join("var/cache/pacman/pkg")]
        } else {
            conf.cache_dirs.clone()
        };
        for dir in &cache_dirs {
            setting("CacheDir", alpm.add_cachedir(path_bytes(dir)))?;
        }
        let hook_dirs = if conf.hook_dirs.is_empty() {
            vec![self.root.join("etc/pacman.d/hooks")]
        } else {
            conf.hook_dirs.clone()
        };
        for dir in &hook_dirs {
            setting("HookDir", alpm.add_hookdir(path_bytes(dir)))?;
        }
        let log_file = conf
            .log_file
            .clone()
            .unwrap_or_else(|| self.root.join("var/log/pacman.log"));
        setting("LogFile", alpm.set_logfile(path_bytes(&log_file)))?;
        let gpg_dir = conf
            .gpg_dir
            .clone()
            .unwrap_or_else(|| self.root.join("etc/pacman.d/gnupg"));
        setting("GPGDir", alpm.set_gpgdir(path_bytes(&gpg_dir)))
    }

    /// Plans `request`. Install and remove only read the databases; `Upgrade`
    /// refreshes them first (as `pacman -Syu`). `Sync` is [`Self::sync`].
    /// libalpm's questions get their defaults (see [`answer_question`]).
    pub fn plan(&self, request: &ChangeRequest) -> Result<Transaction> {
        self.plan_with(request, None, false)
    }

    /// [`Self::plan`], with libalpm's planning questions put to `ask` when given;
    /// a `preview` takes no lock (pacman -Sp's `NOLOCK`) and refreshes nothing.
    pub fn plan_with(
        &self,
        request: &ChangeRequest,
        ask: Option<Asker>,
        preview: bool,
    ) -> Result<Transaction> {
        let session = self.open_for_change()?;
        // Even a plan that turns out empty ("already installed") must not be
        // answered past a lock: it may belong to a transaction half done.
        let lockfile = PathBuf::from(session.alpm.lockfile());
        if lockfile.exists() {
            return Err(Error::Locked { lockfile });
        }
        let answers = Rc::new(RefCell::new(Answers {
            ask,
            ..Answers::default()
        }));
        session
            .alpm
            .set_question_cb(Rc::clone(&answers), answer_question);
        let mut transaction = Transaction {
            session,
            plan: Plan::default(),
            open: false,
            preview,
            sink: Rc::new(RefCell::new(None)),
            answers,
            dependencies: HashSet::new(),
        };
        // libalpm takes C strings: a NUL byte from the pipe would end a name early.
        if request_words(request).any(|word| word.contains('\0')) {
            return Err(Error::Alpm {
                message: "a package name or file contains a NUL byte".to_owned(),
            });
        }
        match request {
            ChangeRequest::Install {
                names,
                reinstall,
                downgrade,
            } => {
                transaction.plan_install(names, *reinstall, *downgrade)?;
            }
            ChangeRequest::InstallWithReasons {
                names,
                files,
                dependencies,
            } => {
                let default_level = sig_level(&self.conf.sig_level, default_sig_level());
                let file_level = sig_level(&self.conf.local_file_sig_level, default_level);
                transaction.dependencies = dependencies.iter().cloned().collect();
                transaction.plan_install_with_reasons(names, files, file_level)?;
            }
            ChangeRequest::Remove {
                names,
                recursive,
                purge,
            } => {
                let mut flags = TransFlag::NONE;
                if *recursive {
                    flags |= TransFlag::RECURSE;
                }
                if *purge {
                    flags |= TransFlag::NO_SAVE;
                }
                transaction.plan_remove(names, flags)?;
            }
            ChangeRequest::Upgrade => {
                if !preview {
                    self.refresh(&mut transaction.session, false)?;
                }
                transaction.plan_upgrade()?;
            }
            ChangeRequest::Sync => {
                return Err(Error::Alpm {
                    message: "a database refresh is not a transaction to plan".to_owned(),
                })
            }
            // The orphans (pacman -Rns $(pacman -Qdtq)); the cache files are added
            // by `clean.rs`.
            ChangeRequest::Clean { orphans, .. } => {
                let names = if *orphans {
                    super::clean::orphans(&transaction.session.alpm)
                } else {
                    Vec::new()
                };
                if !names.is_empty() {
                    transaction.plan_remove(&names, TransFlag::RECURSE | TransFlag::NO_SAVE)?;
                }
            }
        }
        let mut answers = transaction.answers.borrow_mut();
        // Questions during the commit (a corrupted file) keep their fixed answers:
        // the user has already agreed to the plan.
        answers.ask = None;
        let notes = std::mem::take(&mut answers.notes);
        drop(answers);
        transaction.plan.notes.extend(notes);
        Ok(transaction)
    }

    /// Refreshes the sync databases (`pacman -Sy`, `-Syy` with `force`); returns
    /// the repositories whose database changed.
    pub fn sync(&self, force: bool) -> Result<Vec<String>> {
        let mut session = self.open_for_change()?;
        self.refresh(&mut session, force)
    }

    fn refresh(&self, session: &mut Session, force: bool) -> Result<Vec<String>> {
        // A refreshed database is written beside the old one and renamed over it,
        // so the inode tells even a same-size, same-time download apart.
        let stamp = |repo: &str| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(self.sync_db_path(repo))
                .ok()
                .map(|m| (m.len(), m.mtime(), m.ino()))
        };
        let before: Vec<_> = self
            .conf
            .repos
            .iter()
            .map(|repo| stamp(&repo.name))
            .collect();
        let lockfile = PathBuf::from(session.alpm.lockfile());
        session
            .alpm
            .syncdbs_mut()
            .update(force)
            .map_err(|error| match error {
                alpm::Error::HandleLock => Error::Locked { lockfile },
                other => Error::Alpm {
                    message: with_logged(
                        &format!("cannot refresh the databases: {other}"),
                        &session.errors,
                    ),
                },
            })?;
        Ok(self
            .conf
            .repos
            .iter()
            .zip(before)
            .filter(|(repo, before)| stamp(&repo.name) != *before)
            .map(|(repo, _)| repo.name.clone())
            .collect())
    }
}

impl Transaction {
    /// What a commit would do.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn begin(&mut self, flags: TransFlag) -> Result<()> {
        let lockfile = PathBuf::from(self.session.alpm.lockfile());
        let flags = if self.preview {
            flags | TransFlag::NO_LOCK
        } else {
            flags
        };
        self.session
            .alpm
            .trans_init(flags)
            .map_err(|error| match error {
                alpm::Error::HandleLock => Error::Locked { lockfile },
                other => Error::Alpm {
                    message: format!("cannot start a transaction: {other}"),
                },
            })?;
        self.open = true;
        Ok(())
    }

    fn plan_install(&mut self, names: &[String], reinstall: bool, downgrade: bool) -> Result<()> {
        let alpm = &self.session.alpm;
        let mut missing = Vec::new();
        let mut chosen = Vec::new();
        let mut seen = HashSet::new();
        for word in names {
            let Some(package) = find_sync_package(alpm, word) else {
                missing.push(word.clone());
                continue;
            };
            if !seen.insert(package.name().to_owned()) {
                continue;
            }
            let current = alpm.localdb().pkg(package.name()).ok();
            let order = current
                .map(|local| alpm::vercmp(local.version().as_str(), package.version().as_str()));
            match order {
                Some(std::cmp::Ordering::Equal) if !reinstall => {
                    self.plan.already_installed.push(package.name().to_owned());
                }
                // pacman -S would quietly go back; omg only when told to.
                Some(std::cmp::Ordering::Greater) if !downgrade => {
                    return Err(Error::Downgrade {
                        name: package.name().to_owned(),
                        installed: current.map(|l| l.version().to_string()).unwrap_or_default(),
                        offered: package.version().to_string(),
                    });
                }
                // Qualified, so the lookup below finds this repository's package
                // even when an earlier repository has one of the same name.
                _ => chosen.push(match package.db() {
                    Some(db) => format!("{}/{}", db.name(), package.name()),
                    None => package.name().to_owned(),
                }),
            }
        }
        if !missing.is_empty() {
            return Err(Error::NotFound { names: missing });
        }
        if chosen.is_empty() {
            return Ok(());
        }
        self.begin(TransFlag::NONE)?;
        let alpm = &self.session.alpm;
        for name in &chosen {
            // Found above; looked up again because the handle was borrowed.
            if let Some(package) = find_sync_package(alpm, name) {
                alpm.trans_add_pkg(package).map_err(|error| Error::Alpm {
                    message: format!("cannot add {name}: {error}"),
                })?;
            }
        }
        self.prepare()
    }

    /// Repository packages and package files in one transaction, as `pacman -S`
    /// and `pacman -U` would add them; nothing already installed at the same
    /// version is skipped, since a rebuilt package is installed again on purpose.
    fn plan_install_with_reasons(
        &mut self,
        names: &[String],
        files: &[PathBuf],
        file_level: SigLevel,
    ) -> Result<()> {
        let missing: Vec<String> = names
            .iter()
            .filter(|word| find_sync_package(&self.session.alpm, word).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Error::NotFound { names: missing });
        }
        if names.is_empty() && files.is_empty() {
            return Ok(());
        }
        self.begin(TransFlag::NONE)?;
        let alpm = &self.session.alpm;
        for name in names {
            if let Some(package) = find_sync_package(alpm, name) {
                alpm.trans_add_pkg(package).map_err(|error| Error::Alpm {
                    message: format!("cannot add {name}: {error}"),
                })?;
            }
        }
        for file in files {
            let shown = file.display();
            let package = alpm
                .pkg_load(path_bytes(file), true, file_level)
                .map_err(|error| Error::Alpm {
                    message: with_logged(
                        &format!("cannot load {shown}: {error}"),
                        &self.session.errors,
                    ),
                })?;
            alpm.trans_add_pkg(package).map_err(|error| Error::Alpm {
                message: format!("cannot add {shown}: {}", error.error),
            })?;
        }
        self.prepare()
    }

    /// Records [`Self::dependencies`] that this commit installed (not upgraded)
    /// as dependencies, as `pacman --asdeps` does.
    fn mark_dependencies(&mut self, installed: &[String]) -> Result<()> {
        for name in installed {
            if !self.dependencies.contains(name) {
                continue;
            }
            let package = self
                .session
                .alpm
                .localdb()
                .pkg(name.as_str())
                .map_err(|error| Error::Alpm {
                    message: format!("{name}: {error}"),
                })?;
            package
                .set_reason(PackageReason::Depend)
                .map_err(|error| Error::Alpm {
                    message: format!("cannot mark {name} as a dependency: {error}"),
                })?;
        }
        Ok(())
    }

    fn plan_remove(&mut self, names: &[String], flags: TransFlag) -> Result<()> {
        let alpm = &self.session.alpm;
        let missing: Vec<String> = names
            .iter()
            .filter(|name| alpm.localdb().pkg(name.as_str()).is_err())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Error::NotInstalled { names: missing });
        }
        self.begin(flags)?;
        let alpm = &self.session.alpm;
        let mut seen = HashSet::new();
        for name in names {
            if !seen.insert(name.as_str()) {
                continue;
            }
            let package = alpm
                .localdb()
                .pkg(name.as_str())
                .map_err(|error| Error::Alpm {
                    message: format!("{name}: {error}"),
                })?;
            alpm.trans_remove_pkg(package)
                .map_err(|error| Error::Alpm {
                    message: format!("cannot remove {name}: {error}"),
                })?;
        }
        self.prepare()
    }

    fn plan_upgrade(&mut self) -> Result<()> {
        self.begin(TransFlag::NONE)?;
        self.session
            .alpm
            .sync_sysupgrade(false)
            .map_err(|error| Error::Alpm {
                message: format!("cannot plan the upgrade: {error}"),
            })?;
        if self.session.alpm.trans_add().is_empty() && self.session.alpm.trans_remove().is_empty() {
            return Ok(());
        }
        self.prepare()
    }

    /// libalpm resolves dependencies, conflicts and replacements; the outcome
    /// becomes the plan.
    fn prepare(&mut self) -> Result<()> {
        let removing: HashSet<String> = self
            .session
            .alpm
            .trans_remove()
            .iter()
            .map(|p| p.name().to_owned())
            .collect();
        let failure = match self.session.alpm.trans_prepare() {
            Ok(()) => None,
            Err(failed) => Some(match failed.data() {
                Some(PrepareData::UnsatisfiedDeps(missing)) => {
                    let mut needed: Vec<(String, Vec<String>)> = Vec::new();
                    let mut unsatisfied = Vec::new();
                    for entry in missing.iter() {
                        match entry.causing_pkg() {
                            Some(cause) if removing.contains(cause) => {
                                let dependents = match needed.iter_mut().find(|(p, _)| p == cause) {
                                    Some((_, dependents)) => dependents,
                                    None => {
                                        needed.push((cause.to_owned(), Vec::new()));
                                        &mut needed.last_mut().expect("just pushed").1
                                    }
                                };
                                dependents.push(entry.target().to_owned());
                            }
                            _ => unsatisfied.push(format!(
                                "{} needs {}",
                                entry.target(),
                                entry.depend()
                            )),
                        }
                    }
                    if needed.is_empty() {
                        Error::Unsatisfied {
                            missing: unsatisfied,
                        }
                    } else {
                        for (_, dependents) in &mut needed {
                            dependents.sort();
                            dependents.dedup();
                        }
                        Error::RequiredBy { packages: needed }
                    }
                }
                Some(PrepareData::ConflictingDeps(conflicts)) => Error::Conflict {
                    pairs: conflicts
                        .iter()
                        .map(|c| {
                            (
                                c.package1().name().to_owned(),
                                c.package2().name().to_owned(),
                            )
                        })
                        .collect(),
                },
                Some(PrepareData::PkgInvalidArch(packages)) => Error::Alpm {
                    message: format!(
                        "not for this architecture: {}",
                        packages
                            .iter()
                            .map(invalid_arch_entry)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
                None => Error::Alpm {
                    message: format!("cannot prepare the transaction: {}", failed.error()),
                },
            }),
        };
        if let Some(error) = failure {
            return Err(error);
        }
        self.plan.packages = self.planned_packages();
        Ok(())
    }

    fn planned_packages(&self) -> Vec<PlannedPackage> {
        let alpm = &self.session.alpm;
        let local = alpm.localdb();
        let reason = |reason: PackageReason| match reason {
            PackageReason::Explicit => InstallReason::Explicit,
            PackageReason::Depend => InstallReason::Dependency,
        };
        let mut packages: Vec<PlannedPackage> = alpm
            .trans_remove()
            .iter()
            .map(|package| PlannedPackage {
                name: package.name().to_owned(),
                action: PackageAction::Remove,
                old_version: Some(package.version().to_string()),
                new_version: None,
                repository: None,
                reason: reason(package.reason()),
                download_size: 0,
                size_change: -package.isize(),
            })
            .collect();
        for package in alpm.trans_add() {
            let old = local.pkg(package.name()).ok();
            let action = match old
                .map(|old| alpm::vercmp(package.version().as_str(), old.version().as_str()))
            {
                None => PackageAction::Install,
                Some(std::cmp::Ordering::Greater) => PackageAction::Upgrade,
                Some(std::cmp::Ordering::Less) => PackageAction::Downgrade,
                Some(std::cmp::Ordering::Equal) => PackageAction::Reinstall,
            };
            packages.push(PlannedPackage {
                name: package.name().to_owned(),
                action,
                old_version: old.map(|old| old.version().to_string()),
                new_version: Some(package.version().to_string()),
                repository: package.db().map(|db| db.name().to_owned()),
                // libalpm keeps an installed package's reason and marks what it
                // pulled in as a dependency; an AUR step marks its own.
                reason: match old {
                    Some(old) => reason(old.reason()),
                    None if self.dependencies.contains(package.name()) => InstallReason::Dependency,
                    None => reason(package.reason()),
                },
                download_size: u64::try_from(package.download_size()).unwrap_or(0),
                size_change: package.isize() - old.map_or(0, |old| old.isize()),
            });
        }
        packages
    }

    /// Downloads, verifies and applies the plan, reporting to `sink` as it goes.
    pub fn commit(mut self, sink: EventSink) -> Result<()> {
        if self.preview {
            return Err(Error::Alpm {
                message: "a plan made without the lock cannot be committed".to_owned(),
            });
        }
        if !self.open {
            return Ok(());
        }
        *self.sink.borrow_mut() = Some(sink);
        self.install_callbacks();
        let logged = Rc::clone(&self.session.errors);
        let failure = match self.session.alpm.trans_commit() {
            Ok(()) => None,
            Err(failed) => Some(match (failed.data(), failed.error()) {
                (Some(CommitData::FileConflict(conflicts)), _) => Error::Alpm {
                    message: format!(
                        "file conflicts: {}",
                        conflicts
                            .iter()
                            .map(describe_file_conflict)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
                (Some(CommitData::PkgInvalid(files)), _) => {
                    let mut bad: Vec<String> = files.iter().map(str::to_owned).collect();
                    if bad.is_empty() {
                        let corrupted = std::mem::take(&mut self.answers.borrow_mut().corrupted);
                        bad = corrupted
                            .iter()
                            .map(|file| file.describe(&logged.borrow()))
                            .collect();
                    }
                    Error::Alpm {
                        message: bad.join(", "),
                    }
                }
                // The space check runs before anything is written; libalpm's log
                // names the file system and the shortfall.
                (None, error @ alpm::Error::DiskSpace) => Error::DiskSpace {
                    detail: logged
                        .borrow()
                        .iter()
                        .find(|line| line.contains("too full"))
                        .cloned()
                        .unwrap_or_else(|| error.to_string()),
                },
                // Filled in below, once the commit's borrow of the handle is over.
                (None, _) if !missing_keys(&self.answers, &logged).is_empty() => {
                    Error::MissingKeys { keys: Vec::new() }
                }
                (None, error) => Error::Alpm {
                    message: with_logged(&format!("the transaction failed: {error}"), &logged),
                },
            }),
        };
        let failure = match failure {
            Some(Error::MissingKeys { .. }) => Some(Error::MissingKeys {
                keys: self.signers(&missing_keys(&self.answers, &logged)),
            }),
            other => other,
        };
        if let Some(error) = failure {
            // Releasing (in Drop) also frees the lock, whatever happened.
            return Err(error);
        }
        let installed: Vec<String> = self
            .plan
            .packages
            .iter()
            .filter(|package| package.action == PackageAction::Install)
            .map(|package| package.name.clone())
            .collect();
        self.mark_dependencies(&installed)
    }

    /// Each key with the packages of this transaction whose signature names it.
    fn signers(&self, keys: &[String]) -> Vec<(String, Vec<String>)> {
        let alpm = &self.session.alpm;
        keys.iter()
            .map(|key| {
                let packages = alpm
                    .trans_add()
                    .iter()
                    .filter(|package| {
                        signature(alpm, package)
                            .and_then(|sig| alpm.extract_keyid(package.name(), &sig).ok())
                            .is_some_and(|ids| ids.iter().any(|id| same_key(key, id)))
                    })
                    .map(|package| package.name().to_owned())
                    .collect();
                (key.clone(), packages)
            })
            .collect()
    }

    fn install_callbacks(&self) {
        let alpm = &self.session.alpm;
        super::events::install(alpm, &self.sink);
        let sink = Rc::clone(&self.sink);
        let mut last: Option<(String, usize)> = None;
        alpm.set_progress_cb(
            sink,
            move |progress: Progress, name: &str, _percent, count, current, sink| {
                let action = match progress {
                    Progress::AddStart => PackageAction::Install,
                    Progress::UpgradeStart => PackageAction::Upgrade,
                    Progress::DowngradeStart => PackageAction::Downgrade,
                    Progress::ReinstallStart => PackageAction::Reinstall,
                    Progress::RemoveStart => PackageAction::Remove,
                    _ => return,
                };
                // libalpm reports each package many times as its percentage grows.
                let key = (name.to_owned(), current);
                if last.as_ref() == Some(&key) {
                    return;
                }
                last = Some(key);
                emit(
                    sink,
                    ChangeEvent::Package {
                        action,
                        name: name.to_owned(),
                        current,
                        count,
                    },
                );
            },
        );
        let sink = Rc::clone(&self.sink);
        alpm.set_dl_cb(sink, |file: &str, event: AnyDownloadEvent, sink| {
            let (done, total) = match event.event() {
                DownloadEvent::Progress(progress) => (progress.downloaded, progress.total),
                DownloadEvent::Completed(completed) => (completed.total, completed.total),
                _ => return,
            };
            emit(
                sink,
                ChangeEvent::Download {
                    file: file.to_owned(),
                    done: u64::try_from(done).unwrap_or(0),
                    total: u64::try_from(total).unwrap_or(0),
                },
            );
        });
        let sink = Rc::clone(&self.sink);
        let errors = Rc::clone(&self.session.errors);
        alpm.set_log_cb(sink, move |level, message, sink| {
            if level.intersects(LogLevel::ERROR) {
                errors.borrow_mut().push(message.trim().to_owned());
            } else if level.intersects(LogLevel::WARNING) {
                emit(
                    sink,
                    ChangeEvent::Warning {
                        message: message.trim().to_owned(),
                    },
                );
            }
        });
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        // The callback's context is `self.sink`, dropped with `self`.
        super::events::clear(&self.session.alpm);
        if self.open {
            // Nothing useful can be done about a failed release here; libalpm
            // removes the lock either way when the handle is freed.
            let _ = self.session.alpm.trans_release();
        }
    }
}

fn emit(sink: &Rc<RefCell<Option<EventSink>>>, event: ChangeEvent) {
    if let Some(sink) = sink.borrow_mut().as_mut() {
        sink(event);
    }
}

/// `what`'s libalpm error as omg's.
fn setting(what: &str, result: alpm::Result<()>) -> Result<()> {
    result.map_err(|error| Error::Alpm {
        message: format!("cannot set {what}: {error}"),
    })
}

/// What is installed, ignored and extracted, the space check, and downloads:
/// how many at once, as which user, and inside which parts of libalpm's sandbox.
fn configure_policy(alpm: &mut Alpm, conf: &crate::pacman::conf::PacmanConf) -> Result<()> {
    for architecture in &conf.architectures {
        setting("Architecture", alpm.add_architecture(architecture.as_str()))?;
    }
    for name in &conf.ignore_packages {
        setting("IgnorePkg", alpm.add_ignorepkg(name.as_str()))?;
    }
    for name in &conf.ignore_groups {
        setting("IgnoreGroup", alpm.add_ignoregroup(name.as_str()))?;
    }
    for pattern in &conf.no_upgrade {
        setting("NoUpgrade", alpm.add_noupgrade(pattern.as_str()))?;
    }
    for pattern in &conf.no_extract {
        setting("NoExtract", alpm.add_noextract(pattern.as_str()))?;
    }
    alpm.set_check_space(conf.check_space);
    // pacman's default when the file says nothing: one download at a time.
    alpm.set_parallel_downloads(conf.parallel_downloads.unwrap_or(1));
    // libalpm refuses a user it cannot find without saying why.
    alpm.set_sandbox_user(conf.download_user.as_deref())
        .map_err(|_| Error::NoDownloadUser {
            user: conf.download_user.clone().unwrap_or_default(),
        })?;
    alpm.set_disable_sandbox_filesystem(conf.disable_sandbox_filesystem);
    alpm.set_disable_sandbox_syscalls(conf.disable_sandbox_syscalls);
    let default_level = sig_level(&conf.sig_level, default_sig_level());
    setting("SigLevel", alpm.set_default_siglevel(default_level))
}

/// Each `[repo]` in file order, with its own `SigLevel` over the default and its
/// servers.
fn register_repositories(alpm: &mut Alpm, conf: &crate::pacman::conf::PacmanConf) -> Result<()> {
    let default_level = sig_level(&conf.sig_level, default_sig_level());
    for repo in &conf.repos {
        let level = if repo.sig_level.is_empty() {
            SigLevel::USE_DEFAULT
        } else {
            sig_level(&repo.sig_level, default_level)
        };
        let db = alpm
            .register_syncdb_mut(repo.name.as_str(), level)
            .map_err(|error| Error::Alpm {
                message: format!("cannot register repository {}: {error}", repo.name),
            })?;
        for server in &repo.servers {
            db.add_server(server.as_str())
                .map_err(|error| Error::Alpm {
                    message: format!("repository {}: bad server {server}: {error}", repo.name),
                })?;
        }
    }
    Ok(())
}

/// A string libalpm owns, as text.
#[expect(unsafe_code, reason = "reads a C string from a libalpm list")]
fn c_text(pointer: *const std::ffi::c_char) -> String {
    if pointer.is_null() {
        return String::new();
    }
    // SAFETY: the strings in a live libalpm list are NUL-terminated and outlive
    // this call (the list belongs to the error being read).
    unsafe { std::ffi::CStr::from_ptr(pointer) }
        .to_string_lossy()
        .into_owned()
}

/// One entry of the prepare step's invalid-architecture list. alpm 5 types the
/// list as packages, but libalpm fills it with `name-version-arch` strings
/// (`check_arch` in trans.c); the string is read as what it is.
fn invalid_arch_entry(entry: &alpm::Package) -> String {
    c_text(std::ptr::from_ref(entry).cast::<std::ffi::c_char>())
}

/// pacman's wording for one entry of the commit's file-conflict list.
///
/// alpm 5 types that list as [`alpm::Conflict`]s, but on `ALPM_ERR_FILE_CONFLICTS`
/// libalpm fills it with `alpm_fileconflict_t` (alpm.rs frees it as such), and its
/// `FileConflict::conflicting_target` reads the wrong field; so the C struct is
/// read here.
#[expect(
    unsafe_code,
    reason = "alpm 5 mistypes the commit's file-conflict list"
)]
fn describe_file_conflict(entry: &alpm::Conflict) -> String {
    // SAFETY: `Conflict` is `repr(transparent)` over a libalpm struct, and the list
    // behind `CommitData::FileConflict` holds `alpm_fileconflict_t`, alive while
    // the commit's error is.
    let conflict = unsafe { &*std::ptr::from_ref(entry).cast::<alpm_sys::alpm_fileconflict_t>() };
    let (target, file, owner) = (
        c_text(conflict.target),
        c_text(conflict.file),
        c_text(conflict.ctarget),
    );
    if owner.is_empty() {
        format!("{target}: {file} exists in filesystem")
    } else {
        format!("{file} exists in both '{target}' and '{owner}'")
    }
}

/// `repo/name`, a package name, or anything a package provides (`omg-greeter`,
/// `omg-lib>=2`), searched in pacman.conf's repository order as `pacman -S` does.
fn find_sync_package<'a>(alpm: &'a Alpm, word: &str) -> Option<&'a alpm::Package> {
    if let Some((repo, name)) = word.split_once('/') {
        let db = alpm.syncdbs().iter().find(|db| db.name() == repo)?;
        return db.pkg(name).ok();
    }
    alpm.syncdbs()
        .iter()
        .find_map(|db| db.pkg(word).ok())
        .or_else(|| alpm.syncdbs().find_satisfier(word))
}

/// Planning questions go to the asker when there is one; their defaults are
/// pacman's `--noconfirm` answers, except that a package in IgnorePkg is not
/// installed (pacman's default is yes): no default removes or adds what the user
/// did not name. Each yes is noted for the plan. Questions libalpm asks while
/// committing keep fixed answers: a corrupted file is deleted, and a key is never
/// imported (libalpm asks only after a key server found the key, and trusting a
/// key is for `pacman-key`, not for a yes typed in a hurry).
fn answer_question(question: AnyQuestion, answers: &mut Rc<RefCell<Answers>>) {
    match question.question() {
        Question::Replace(replace) => {
            let (new, old) = (replace.newpkg().name(), replace.oldpkg().name());
            let yes = decide(
                answers,
                format!("Replace {old} with {}/{new}?", replace.newdb().name()),
                true,
            );
            if yes {
                answers
                    .borrow_mut()
                    .notes
                    .push(format!("{new} replaces {old}"));
            }
            replace.set_replace(yes);
        }
        Question::Conflict(mut conflict) => {
            let pair = conflict.conflict();
            let (new, installed) = (
                pair.package1().name().to_owned(),
                pair.package2().name().to_owned(),
            );
            let yes = decide(
                answers,
                format!("{new} and {installed} are in conflict. Remove {installed}?"),
                false,
            );
            if yes {
                answers
                    .borrow_mut()
                    .notes
                    .push(format!("{installed} is removed: it conflicts with {new}"));
            }
            conflict.set_remove(yes);
        }
        Question::Corrupted(mut corrupted) => {
            // pacman's default: delete the bad file so the next try downloads again.
            answers.borrow_mut().corrupted.push(Corrupted {
                path: corrupted.filepath().to_owned(),
                reason: corrupted.reason().to_string(),
            });
            corrupted.set_remove(true);
        }
        Question::RemovePkgs(mut remove) => {
            let names: Vec<String> = remove
                .packages()
                .iter()
                .map(|package| package.name().to_owned())
                .collect();
            let names = names.join(", ");
            let yes = decide(
                answers,
                format!(
                    "{names} cannot be upgraded: their dependencies cannot be met. Skip \
                     them for this upgrade?"
                ),
                false,
            );
            if yes {
                answers.borrow_mut().notes.push(format!(
                    "not upgraded: {names} (dependencies cannot be met)"
                ));
            }
            remove.set_skip(yes);
        }
        Question::InstallIgnorepkg(mut ignored) => {
            let name = ignored.pkg().name().to_owned();
            let yes = decide(
                answers,
                format!("{name} is in IgnorePkg/IgnoreGroup. Install it anyway?"),
                false,
            );
            if yes {
                answers.borrow_mut().notes.push(format!(
                    "{name} is installed although it is in IgnorePkg/IgnoreGroup"
                ));
            }
            ignored.set_install(yes);
        }
        Question::SelectProvider(mut select) => select.set_index(0),
        Question::ImportKey(mut import) => {
            // Asked only when a key server knows the key.
            answers
                .borrow_mut()
                .missing_keys
                .push(import.fingerprint().to_owned());
            import.set_import(false);
        }
    }
}

/// The asker's answer to `text`, or `default` when there is no asker.
fn decide(answers: &Rc<RefCell<Answers>>, text: String, default: bool) -> bool {
    // Taken out for the call, so the asker never runs with `answers` borrowed.
    let ask = answers.borrow_mut().ask.take();
    let Some(mut ask) = ask else {
        return default;
    };
    let yes = ask(&omg_core::Question { text, default });
    answers.borrow_mut().ask = Some(ask);
    yes
}

/// The keys a failed commit lacked: those libalpm offered to import (when a key
/// server knew them) and those it could not look up. Empty unless libalpm said
/// keys were missing.
fn missing_keys(answers: &RefCell<Answers>, logged: &RefCell<Vec<String>>) -> Vec<String> {
    let logged = logged.borrow();
    if !logged
        .iter()
        .any(|line| line.contains("required key missing from keyring"))
    {
        return Vec::new();
    }
    let mut keys = answers.borrow().missing_keys.clone();
    keys.extend(logged.iter().filter_map(|line| {
        line.strip_prefix("key \"")?
            .split_once("\" could not be looked up remotely")
            .map(|(key, _)| key.to_owned())
    }));
    keys.sort();
    keys.dedup();
    keys
}

/// `package`'s signature: from the database where repo-add embedded it (before
/// pacman 6.1, or with `--include-sigs`), else the detached `.sig` libalpm
/// downloaded beside the file into a cache directory.
fn signature(alpm: &Alpm, package: &alpm::Package) -> Option<Vec<u8>> {
    if let Some(embedded) = package.base64_sig() {
        return alpm::decode_signature(embedded).ok();
    }
    let file = format!("{}.sig", package.filename()?);
    // A file name from a database is a path component only when it is one.
    if file.contains('/') {
        return None;
    }
    alpm.cachedirs()
        .iter()
        .find_map(|dir| std::fs::read(std::path::Path::new(dir).join(&file)).ok())
}

/// A fingerprint and a key id (its tail) name the same key.
fn same_key(one: &str, other: &str) -> bool {
    let (one, other) = (one.to_ascii_uppercase(), other.to_ascii_uppercase());
    one.ends_with(&other) || other.ends_with(&one)
}

fn default_sig_level() -> SigLevel {
    // pacman 7.1's built-in default: `Required TrustedOnly` for packages and
    // databases (6.x and 7.0 had `Required DatabaseOptional`).
    SigLevel::PACKAGE | SigLevel::DATABASE
}

/// pacman.conf `SigLevel` words applied over `base` (pacman's process_siglevel):
/// `Never`, `Optional`, `Required`, `TrustedOnly`, `TrustAll`, each optionally
/// limited by a `Package` or `Database` prefix.
fn sig_level(words: &[String], base: SigLevel) -> SigLevel {
    let mut level = base;
    for word in words {
        let (package, database, word) = if let Some(rest) = word.strip_prefix("Package") {
            (true, false, rest)
        } else if let Some(rest) = word.strip_prefix("Database") {
            (false, true, rest)
        } else {
            (true, true, word.as_str())
        };
        let mut apply = |package_bits: SigLevel, database_bits: SigLevel, on: bool| {
            for (applies, bits) in [(package, package_bits), (database, database_bits)] {
                if applies {
                    level.set(bits, on);
                }
            }
        };
        match word {
            "Never" => apply(
                SigLevel::PACKAGE | SigLevel::PACKAGE_OPTIONAL,
                SigLevel::DATABASE | SigLevel::DATABASE_OPTIONAL,
                false,
            ),
            "Optional" => {
                apply(SigLevel::PACKAGE, SigLevel::DATABASE, true);
                apply(
                    SigLevel::PACKAGE_OPTIONAL,
                    SigLevel::DATABASE_OPTIONAL,
                    true,
                );
            }
            "Required" => {
                apply(SigLevel::PACKAGE, SigLevel::DATABASE, true);
                apply(
                    SigLevel::PACKAGE_OPTIONAL,
                    SigLevel::DATABASE_OPTIONAL,
                    false,
                );
            }
            "TrustedOnly" => apply(
                SigLevel::PACKAGE_MARGINAL_OK | SigLevel::PACKAGE_UNKNOWN_OK,
                SigLevel::DATABASE_MARGINAL_OK | SigLevel::DATABASE_UNKNOWN_OK,
                false,
            ),
            "TrustAll" => apply(
                SigLevel::PACKAGE_MARGINAL_OK | SigLevel::PACKAGE_UNKNOWN_OK,
                SigLevel::DATABASE_MARGINAL_OK | SigLevel::DATABASE_UNKNOWN_OK,
                true,
            ),
            _ => {}
        }
    }
    level
}

fn path_bytes(path: &std::path::Path) -> Vec<u8> {
    path.to_string_lossy().as_bytes().to_vec()
}

/// `message` plus the first error libalpm logged, which usually says why.
/// Every name and path `request` hands to libalpm.
fn request_words(
    request: &ChangeRequest,
) -> Box<dyn Iterator<Item = std::borrow::Cow<'_, str>> + '_> {
    match request {
        ChangeRequest::Install { names, .. } | ChangeRequest::Remove { names, .. } => {
            Box::new(names.iter().map(|name| name.as_str().into()))
        }
        ChangeRequest::InstallWithReasons {
            names,
            files,
            dependencies,
        } => Box::new(
            names
                .iter()
                .chain(dependencies)
                .map(|name| name.as_str().into())
                .chain(files.iter().map(|file| file.to_string_lossy())),
        ),
        ChangeRequest::Sync | ChangeRequest::Upgrade | ChangeRequest::Clean { .. } => {
            Box::new(std::iter::empty())
        }
    }
}

/// `message` with what libalpm logged about it: a line from its download sandbox
/// (with the setting that turns that part off) before any other.
fn with_logged(message: &str, logged: &RefCell<Vec<String>>) -> String {
    let logged = logged.borrow();
    let sandbox = logged
        .iter()
        .find_map(|line| sandbox_remedy(line).map(|remedy| (line, remedy)));
    match (sandbox, logged.first()) {
        (Some((line, remedy)), _) => format!("{message} ({line}; {remedy})"),
        (None, Some(first)) => format!("{message} ({first})"),
        (None, None) => message.to_owned(),
    }
}

/// For a line libalpm's download sandbox (pacman 7) logged, the setting that
/// turns that part off, as pacman.conf(5) names it (pacman itself prints none).
fn sandbox_remedy(line: &str) -> Option<&'static str> {
    if line.contains("Landlock") || line.contains("landlock") {
        Some(
            "DisableSandboxFilesystem in pacman.conf, or --disable-sandbox-filesystem, \
             turns off the sandbox's filesystem rules",
        )
    } else if line.contains("seccomp") {
        Some(
            "DisableSandboxSyscalls in pacman.conf, or --disable-sandbox-syscalls, \
             turns off the sandbox's syscall filter",
        )
    } else if line.contains("download user")
        || line.contains("sandbox user")
        || line.contains("temporary download directory")
    {
        Some(
            "downloads run as pacman.conf's DownloadUser; DisableSandbox in pacman.conf, \
             or --disable-sandbox, turns the sandbox off",
        )
    } else {
        None
    }
}

impl ArchBackend {
    fn planned(
        &self,
        request: &ChangeRequest,
        ask: Option<Asker>,
        preview: bool,
    ) -> Result<Box<dyn PlannedChange>> {
        let transaction = self.plan_with(request, ask, preview)?;
        if let ChangeRequest::Clean { keep, .. } = request {
            return Ok(Box::new(super::clean::CleanChange::new(
                self,
                transaction,
                *keep,
            )?));
        }
        Ok(Box::new(transaction))
    }
}

impl SystemChanger for ArchBackend {
    fn sync(&self) -> Result<Vec<String>> {
        ArchBackend::sync(self, false)
    }

    fn plan(&self, request: &ChangeRequest) -> Result<Box<dyn PlannedChange>> {
        self.planned(request, None, false)
    }

    fn plan_asking(&self, request: &ChangeRequest, ask: Asker) -> Result<Box<dyn PlannedChange>> {
        self.planned(request, Some(ask), false)
    }

    fn preview(&self, request: &ChangeRequest, ask: Asker) -> Result<Plan> {
        Ok(self.planned(request, Some(ask), true)?.plan().clone())
    }
}

impl PlannedChange for Transaction {
    fn plan(&self) -> &Plan {
        Transaction::plan(self)
    }

    fn commit(self: Box<Self>, sink: EventSink) -> Result<()> {
        Transaction::commit(*self, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn a_corrupted_file_gets_only_its_own_packages_log_lines() {
        let corrupted = Corrupted {
            path: "/c/omg-lib-2.3-1-any.pkg.tar.zst".to_owned(),
            reason: "invalid or corrupted package (PGP signature)".to_owned(),
        };
        let logged = [
            "omg-lib: signature from \"a\" is invalid".to_owned(),
            "omg: signature from \"b\" is invalid".to_owned(),
            "omg-lib-extra: signature from \"c\" is invalid".to_owned(),
        ];
        assert_eq!(
            corrupted.describe(&logged),
            "/c/omg-lib-2.3-1-any.pkg.tar.zst: invalid or corrupted package (PGP signature) \
             (omg-lib: signature from \"a\" is invalid); removed from the cache"
        );
    }

    #[test]
    fn missing_keys_come_from_the_log_and_the_questions() {
        let answers = RefCell::new(Answers {
            missing_keys: vec!["AAAA".to_owned()],
            ..Answers::default()
        });
        let logged = RefCell::new(vec![
            "key \"748AAAF82DA35E2D\" could not be looked up remotely".to_owned(),
        ]);
        // Without libalpm's verdict, nothing is missing.
        assert!(missing_keys(&answers, &logged).is_empty());
        logged
            .borrow_mut()
            .push("required key missing from keyring".to_owned());
        assert_eq!(
            missing_keys(&answers, &logged),
            ["748AAAF82DA35E2D", "AAAA"]
        );
        assert!(same_key(
            "CBFF38A0B02545838263EFD5748AAAF82DA35E2D",
            "748aaaf82da35e2d"
        ));
        assert!(!same_key(
            "CBFF38A0B02545838263EFD5748AAAF82DA35E2D",
            "AAAA"
        ));
    }

    #[test]
    fn sig_level_follows_pacman_words() {
        assert_eq!(
            sig_level(&words("Never"), default_sig_level()),
            SigLevel::NONE
        );
        assert_eq!(
            sig_level(&words("Required DatabaseOptional"), SigLevel::NONE),
            SigLevel::PACKAGE | SigLevel::DATABASE | SigLevel::DATABASE_OPTIONAL
        );
        assert_eq!(
            sig_level(&words("Required"), SigLevel::NONE),
            default_sig_level()
        );
        assert_eq!(
            sig_level(&words("PackageRequired"), SigLevel::NONE),
            SigLevel::PACKAGE
        );
        assert!(sig_level(&words("Optional TrustAll"), SigLevel::NONE)
            .contains(SigLevel::PACKAGE_OPTIONAL | SigLevel::PACKAGE_UNKNOWN_OK));
    }
}
