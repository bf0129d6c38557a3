//! Changing a Debian system through libapt-pkg (rust-apt): the same depcache,
//! resolver, pins, holds and phased updates `apt-get` uses, so a plan is what
//! `apt-get -s` would print, and the commit is libapt's own download → verify →
//! dpkg run. This module never writes dpkg's database and never runs apt-get.
//!
//! The planned change holds APT's locks (dpkg's lock-frontend and lock) from before
//! the depcache is computed until it is committed or dropped, as apt-get does
//! while it asks "Do you want to continue?".
//!
//! Maintainer scripts cannot ask questions: debconf runs noninteractive and dpkg
//! keeps locally changed configuration files (`--force-confdef --force-confold`),
//! the conservative answers.

use omg_core::{ChangeEvent, ChangeRequest, InstallReason, PackageAction, Plan, PlannedPackage};
use omg_packages::debian::DebianPaths;
use omg_packages::{Error, EventSink, PlannedChange, Result, SystemChanger};
use rust_apt::cache::Upgrade;
use rust_apt::config::Config;
use rust_apt::error::AptErrors;
use rust_apt::progress::{
    AcquireProgress, DynAcquireProgress, DynInstallProgress, InstallProgress,
};
use rust_apt::{Cache, Package};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;
use std::rc::Rc;

/// The write side of a Debian system, configured like `apt-get -o …` with the
/// paths omg reads from.
#[derive(Debug)]
pub struct AptChanger {
    paths: DebianPaths,
}

impl AptChanger {
    /// Changes the system whose APT state lives at `paths`.
    #[must_use]
    pub fn new(paths: DebianPaths) -> Self {
        Self { paths }
    }

    /// apt's configuration as apt-get builds it, read from omg's `etc_dir` (its
    /// apt.conf.d and apt.conf, as the read path reads them), then omg's state
    /// paths on top, as `-o` options would be.
    fn configure(&self) -> Result<()> {
        static INIT: std::sync::Once = std::sync::Once::new();
        let mut failed = None;
        INIT.call_once(|| failed = self.init_from_etc_dir().err());
        if let Some(error) = failed {
            return Err(error);
        }
        let config = Config::new();
        let text = |path: &Path| path.to_string_lossy().into_owned();
        config.set("Dir::Etc", &text(&self.paths.etc_dir));
        config.set("Dir::State::Lists", &text(&self.paths.lists_dir));
        config.set("Dir::State::status", &text(&self.paths.status_file));
        config.set(
            "Dir::State::extended_states",
            &text(&self.paths.extended_states),
        );
        crate::solver::choose(&config, &crate::solver::library_version());
        Ok(())
    }

    /// apt reads its configuration once, from `Dir::Etc`, which only `APT_CONFIG`
    /// can move before that read: for an `etc_dir` of its own, a one-line file
    /// naming it is passed that way, as a user would.
    fn init_from_etc_dir(&self) -> Result<()> {
        use std::io::Write;
        let etc = &self.paths.etc_dir;
        if etc == Path::new("/etc/apt") {
            Config::new();
            return Ok(());
        }
        let text = etc.to_string_lossy();
        if text.contains(['"', '\n', '\r']) || text.contains(char::REPLACEMENT_CHARACTER) {
            return Err(Error::Apt {
                message: format!("[debian] etc_dir cannot be given to apt: {}", etc.display()),
            });
        }
        let io = |error| Error::io(etc, error);
        let mut file = tempfile::Builder::new()
            .prefix("omg-apt-")
            .suffix(".conf")
            .tempfile()
            .map_err(io)?;
        writeln!(file, "Dir::Etc \"{}/\";", text.trim_end_matches('/')).map_err(io)?;
        std::env::set_var("APT_CONFIG", file.path());
        Config::new();
        std::env::remove_var("APT_CONFIG");
        Ok(())
    }

    fn open(&self) -> Result<Cache> {
        self.configure()?;
        Cache::new::<&str>(&[])
            .map_err(|errors| apt_error("cannot open the package cache", &errors))
    }

    /// Each list's name with the inode and time of the entry and of what it names:
    /// apt stores lists as files, and lists of `file:` sources as links to the
    /// repository's own index, whose content changes behind a link that stays.
    fn lists_stamp(&self) -> Vec<(String, [i64; 4])> {
        use std::os::unix::fs::MetadataExt;
        let stamp = |meta: &std::fs::Metadata| {
            (i64::try_from(meta.ino()).unwrap_or(i64::MAX), meta.mtime())
        };
        let mut stamps: Vec<_> = std::fs::read_dir(&self.paths.lists_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let own = entry.metadata().ok()?;
                if own.is_dir() {
                    return None;
                }
                let (own_ino, own_time) = stamp(&own);
                let (ino, time) = std::fs::metadata(entry.path())
                    .map(|target| stamp(&target))
                    .unwrap_or_default();
                Some((
                    entry.file_name().to_string_lossy().into_owned(),
                    [own_ino, own_time, ino, time],
                ))
            })
            .filter(|(name, _)| name != "lock")
            .collect();
        stamps.sort();
        stamps
    }

    fn refresh(&self) -> Result<Vec<String>> {
        let before = self.lists_stamp();
        let cache = self.open()?;
        let mut progress = AcquireProgress::new(Silent);
        cache
            .update(&mut progress)
            .map_err(|errors| apt_error("cannot refresh the package lists", &errors))?;
        // apt only warns when a repository's signature does not verify, and goes on
        // with the lists it had: a refresh that did not happen is a failure here, in
        // one line, rather than a success that hid it.
        let left = AptErrors::new();
        let unverified: Vec<String> = left
            .iter()
            .filter(|message| {
                message.msg.contains("GPG error")
                    || message.msg.contains("signature")
                    || message.msg.contains("is not signed")
            })
            .map(|message| message.msg.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if !unverified.is_empty() {
            return Err(Error::Apt {
                message: format!(
                    "a repository's signature does not verify, so its lists were not refreshed: {}",
                    unverified.join("; ")
                ),
            });
        }
        let after = self.lists_stamp();
        let mut changed: Vec<String> = after
            .into_iter()
            .filter(|stamp| !before.contains(stamp))
            .filter_map(|(name, _)| list_source(&name))
            .collect();
        changed.sort();
        changed.dedup();
        Ok(changed)
    }
}

/// `suite/component` of a package list apt stored under its escaped URI
/// (`deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4` →
/// `bookworm/main`); the escaped path itself for a flat repository.
fn list_source(file_name: &str) -> Option<String> {
    let stem = file_name.split("_Packages").next()?;
    if stem.len() == file_name.len() {
        return None;
    }
    Some(match stem.split_once("_dists_") {
        Some((_, rest)) => {
            let mut parts = rest.split('_');
            let suite = parts.next().unwrap_or_default();
            match parts.next().filter(|part| !part.starts_with("binary-")) {
                Some(component) => format!("{suite}/{component}"),
                None => suite.to_owned(),
            }
        }
        None => stem.replace('_', "/"),
    })
}

impl SystemChanger for AptChanger {
    fn sync(&self) -> Result<Vec<String>> {
        self.configure()?;
        let _lock = Lock::take()?;
        self.refresh()
    }

    fn plan(&self, request: &ChangeRequest) -> Result<Box<dyn PlannedChange>> {
        Ok(Box::new(self.planned(request, true)?))
    }

    fn preview(&self, request: &ChangeRequest, ask: omg_packages::Asker) -> Result<Plan> {
        // apt's resolver asks nothing.
        drop(ask);
        Ok(self.planned(request, false)?.plan)
    }
}

impl AptChanger {
    /// The marked depcache for `request`; `locked`, under APT's lock and after a
    /// refresh for an upgrade, else as `apt-get -s` plans, which any user may.
    fn planned(&self, request: &ChangeRequest, locked: bool) -> Result<AptTransaction> {
        self.configure()?;
        let lock = if locked { Some(Lock::take()?) } else { None };
        if locked && *request == ChangeRequest::Upgrade {
            self.refresh()?;
        }
        let cache = self.open()?;
        let Marks {
            notes,
            already_installed,
            requested,
        } = mark(&cache, request)?;
        resolve(&cache, request, &requested)?;
        let mut plan = plan_of(&cache, &requested, request, notes, already_installed)?;
        if matches!(request, ChangeRequest::Clean { .. }) {
            let archives = Config::new().dir("Dir::Cache::Archives", "/var/cache/apt/archives/");
            plan.cache_files = crate::clean::stale_debs(&cache, Path::new(&archives))?;
        }
        Ok(AptTransaction { cache, plan, lock })
    }
}

enum Marked {
    Missing,
    Already(String),
    Install(String),
}

/// Marks one word of `omg install` (`name`, `name=version`, a virtual name with
/// one provider) as apt-get install does, protected from the resolver.
fn mark_install(cache: &Cache, word: &str, reinstall: bool, downgrade: bool) -> Result<Marked> {
    let (name, version) = match word.split_once('=') {
        Some((name, version)) => (name, Some(version)),
        None => (word, None),
    };
    let Some(pkg) = cache.get(name).and_then(|pkg| real_package(cache, pkg)) else {
        return Ok(Marked::Missing);
    };
    if let Some(version) = version {
        let Some(wanted) = pkg.get_version(version) else {
            return Err(Error::Apt {
                message: format!("version {version} of {name} is not offered by any source"),
            });
        };
        wanted.set_candidate();
    }
    let name = pkg.name().to_owned();
    let Some(candidate) = pkg.candidate() else {
        return Err(Error::Apt {
            message: format!("{name} has no installable version (apt-cache policy {name})"),
        });
    };
    if let Some(installed) = pkg.installed() {
        let order = rust_apt::util::cmp_versions(installed.version(), candidate.version());
        let same = order == std::cmp::Ordering::Equal;
        let newer = order == std::cmp::Ordering::Greater;
        if same && !reinstall {
            pkg.mark_auto(false);
            return Ok(Marked::Already(name));
        }
        if newer && version.is_none() && !downgrade {
            return Err(Error::Downgrade {
                name,
                installed: installed.version().to_owned(),
                offered: candidate.version().to_owned(),
            });
        }
        if same {
            pkg.mark_reinstall(true);
            pkg.protect();
            return Ok(Marked::Install(name));
        }
    }
    pkg.mark_install(true, true);
    pkg.protect();
    Ok(Marked::Install(name))
}

/// `pkg` itself when it has versions, else the one package providing it.
fn real_package<'a>(cache: &'a Cache, pkg: Package<'a>) -> Option<Package<'a>> {
    if pkg.has_versions() {
        return Some(pkg);
    }
    let mut providers: Vec<String> = pkg
        .provides()
        .map(|provider| provider.package().name().to_owned())
        .collect();
    providers.sort();
    providers.dedup();
    match providers.as_slice() {
        [only] => cache.get(only),
        _ => {
            // Several providers: the installed one, if any, is the answer apt gives.
            providers
                .iter()
                .filter_map(|name| cache.get(name))
                .find(Package::is_installed)
        }
    }
}

/// Marks `names` for removal; refuses when something else installed would have to
/// go with them; with `recursive`, also what only they needed.
fn mark_remove(
    cache: &Cache,
    names: &[String],
    recursive: bool,
    purge: bool,
    requested: &mut BTreeSet<String>,
) -> Result<()> {
    let garbage_before: BTreeSet<String> = cache
        .packages(&rust_apt::PackageSort::default().installed())
        .filter(Package::is_auto_removable)
        .map(|pkg| pkg.name().to_owned())
        .collect();
    let mut missing = Vec::new();
    for name in names {
        match cache.get(name).filter(Package::is_installed) {
            Some(pkg) => {
                pkg.mark_delete(purge);
                pkg.protect();
                requested.insert(pkg.name().to_owned());
            }
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(Error::NotInstalled { names: missing });
    }
    if let Err(errors) = cache.resolve(false) {
        return Err(unresolvable(cache, &errors));
    }
    let dependents: Vec<String> = cache
        .get_changes(true)
        .filter(|pkg| pkg.marked_delete() && !requested.contains(pkg.name()))
        .map(|pkg| pkg.name().to_owned())
        .collect();
    if !dependents.is_empty() {
        return Err(Error::RequiredBy {
            packages: requested
                .iter()
                .map(|name| (name.clone(), needing(cache, name, &dependents)))
                .filter(|(_, needing)| !needing.is_empty())
                .collect(),
        });
    }
    if recursive {
        // What became garbage now, and only now: apt's autoremove of these.
        let freed: Vec<String> = cache
            .packages(&rust_apt::PackageSort::default().installed())
            .filter(|pkg| {
                pkg.is_auto_removable()
                    && !pkg.marked_delete()
                    && !garbage_before.contains(pkg.name())
            })
            .map(|pkg| pkg.name().to_owned())
            .collect();
        for name in &freed {
            if let Some(pkg) = cache.get(name) {
                pkg.mark_delete(purge);
            }
        }
    }
    Ok(())
}

/// The installed packages among `candidates` whose dependencies name `name`.
fn needing(cache: &Cache, name: &str, candidates: &[String]) -> Vec<String> {
    let found: Vec<String> = candidates
        .iter()
        .filter(|candidate| {
            let Some(version) = cache.get(candidate).and_then(|pkg| pkg.installed()) else {
                return false;
            };
            version.dependencies().is_some_and(|deps| {
                deps.iter()
                    .any(|dep| dep.iter().any(|base| base.name() == name))
            })
        })
        .cloned()
        .collect();
    if found.is_empty() {
        // Needed through a provided name: still these, just not traced.
        candidates.to_vec()
    } else {
        found
    }
}

/// What marking a request left besides the depcache's marks.
struct Marks {
    notes: Vec<String>,
    already_installed: Vec<String>,
    /// The packages the user named.
    requested: BTreeSet<String>,
}

/// Marks what `request` asks for in `cache`, as apt-get does before solving.
fn mark(cache: &Cache, request: &ChangeRequest) -> Result<Marks> {
    let mut notes = Vec::new();
    let mut already_installed = Vec::new();
    let mut requested = BTreeSet::new();
    match request {
        ChangeRequest::Install {
            names,
            reinstall,
            downgrade,
        } => {
            let mut missing = Vec::new();
            for word in names {
                match mark_install(cache, word, *reinstall, *downgrade)? {
                    Marked::Missing => missing.push(word.clone()),
                    Marked::Already(name) => already_installed.push(name),
                    Marked::Install(name) => {
                        requested.insert(name);
                    }
                }
            }
            if !missing.is_empty() {
                return Err(Error::NotFound { names: missing });
            }
        }
        ChangeRequest::Remove {
            names,
            recursive,
            purge,
        } => {
            mark_remove(cache, names, *recursive, *purge, &mut requested)?;
        }
        ChangeRequest::Upgrade => {
            cache
                .upgrade(Upgrade::FullUpgrade)
                .map_err(|errors| apt_error("cannot compute the upgrade", &errors))?;
            let kept: Vec<String> = cache
                .packages(&rust_apt::PackageSort::default().upgradable())
                .filter(|pkg| !pkg.marked_upgrade() && !pkg.marked_install())
                .map(|pkg| pkg.name().to_owned())
                .collect();
            if !kept.is_empty() {
                notes.push(format!(
                    "kept back (held, phased or needing a removal apt will not make): {}",
                    kept.join(", ")
                ));
            }
        }
        ChangeRequest::Clean { orphans, .. } => {
            if *orphans {
                // apt's autoremove: what nothing installed by hand needs.
                let garbage: Vec<String> = cache
                    .packages(&rust_apt::PackageSort::default().installed())
                    .filter(Package::is_auto_removable)
                    .map(|pkg| pkg.name().to_owned())
                    .collect();
                for name in &garbage {
                    if let Some(pkg) = cache.get(name) {
                        pkg.mark_delete(false);
                    }
                }
            }
        }
        ChangeRequest::Sync => {
            return Err(Error::Apt {
                message: "a refresh is not a planned change".to_owned(),
            })
        }
        ChangeRequest::InstallWithReasons { .. } => {
            return Err(Error::Apt {
                message: "installing built AUR packages is for Arch only".to_owned(),
            })
        }
    }
    Ok(Marks {
        notes,
        already_installed,
        requested,
    })
}

/// Solves the marks, then refuses an install apt would refuse.
fn resolve(cache: &Cache, request: &ChangeRequest, requested: &BTreeSet<String>) -> Result<()> {
    // An upgrade is solved whole by APT::Upgrade, as apt-get leaves it; solving
    // again would have apt 3's solver drop what it marked (nothing the user
    // asked for by name).
    if *request != ChangeRequest::Upgrade {
        if let Err(errors) = cache.resolve(false) {
            return Err(unresolvable(cache, &errors));
        }
    }
    if matches!(request, ChangeRequest::Install { .. }) {
        // apt refuses to mark what it cannot satisfy rather than failing to
        // resolve: a requested package left unmarked is the error apt-get
        // reports as "held broken packages".
        let stuck: Vec<String> = requested
            .iter()
            .filter_map(|name| cache.get(name))
            .filter(|pkg| {
                !(pkg.marked_install()
                    || pkg.marked_upgrade()
                    || pkg.marked_downgrade()
                    || pkg.marked_reinstall())
                    || pkg.is_inst_broken()
            })
            .map(|pkg| unsatisfiable_reason(&pkg))
            .collect();
        if !stuck.is_empty() {
            return Err(Error::Unsatisfied { missing: stuck });
        }
    }
    Ok(())
}

/// What the depcache's marks do to `pkg`.
fn action_of(pkg: &Package<'_>) -> PackageAction {
    if pkg.marked_delete() {
        PackageAction::Remove
    } else if pkg.installed().is_none() {
        PackageAction::Install
    } else if pkg.marked_reinstall() {
        PackageAction::Reinstall
    } else if pkg.marked_downgrade() {
        PackageAction::Downgrade
    } else if pkg.marked_upgrade() {
        PackageAction::Upgrade
    } else {
        PackageAction::Install
    }
}

fn plan_of(
    cache: &Cache,
    requested: &BTreeSet<String>,
    request: &ChangeRequest,
    mut notes: Vec<String>,
    already_installed: Vec<String>,
) -> Result<Plan> {
    let mut removals = Vec::new();
    let mut additions = Vec::new();
    let archives = Config::new().dir("Dir::Cache::Archives", "/var/cache/apt/archives/");
    for pkg in cache.get_changes(true) {
        let name = pkg.name().to_owned();
        let installed = pkg.installed();
        let action = action_of(&pkg);
        let new = (action != PackageAction::Remove)
            .then(|| pkg.install_version())
            .flatten();
        let old_size = installed.as_ref().map_or(0, |v| v.installed_size());
        let new_size = new.as_ref().map_or(0, |v| v.installed_size());
        let reason =
            if matches!(request, ChangeRequest::Install { .. }) && requested.contains(&name) {
                InstallReason::Explicit
            } else if installed.is_some() && action != PackageAction::Install {
                if pkg.is_auto_installed() {
                    InstallReason::Dependency
                } else {
                    InstallReason::Explicit
                }
            } else {
                InstallReason::Dependency
            };
        if action == PackageAction::Remove
            && matches!(
                request,
                ChangeRequest::Install { .. } | ChangeRequest::Upgrade
            )
        {
            notes.push(format!(
                "{name} will be removed: it stands in the way of the new packages"
            ));
        }
        let planned = PlannedPackage {
            action,
            old_version: installed.as_ref().map(|v| v.version().to_owned()),
            new_version: new.as_ref().map(|v| v.version().to_owned()),
            repository: new.as_ref().and_then(|v| repository_of(v)),
            reason,
            download_size: new
                .as_ref()
                .filter(|v| !v.uris().all(|uri| uri.starts_with("file:")))
                .map_or(0, |v| {
                    crate::downloads::still_to_fetch(v, Path::new(&archives))
                }),
            size_change: i64::try_from(new_size).unwrap_or(i64::MAX)
                - i64::try_from(old_size).unwrap_or(i64::MAX),
            name,
        };
        if action == PackageAction::Remove {
            removals.push(planned);
        } else {
            additions.push(planned);
        }
    }
    removals.extend(additions);
    Ok(Plan {
        packages: removals,
        already_installed,
        notes,
        cache_files: Vec::new(),
    })
}

/// `origin/suite/component`, as apt shows the release a version comes from.
fn repository_of(version: &rust_apt::Version<'_>) -> Option<String> {
    version.package_files().find_map(|file| {
        let archive = file.archive()?;
        if archive == "now" {
            return None;
        }
        let parts: Vec<&str> = [file.origin(), Some(archive), file.component()]
            .into_iter()
            .flatten()
            .filter(|part| !part.is_empty())
            .collect();
        Some(parts.join("/"))
    })
}

/// The resolver gave up: say which packages are broken and why, as apt-get does.
fn unresolvable(cache: &Cache, errors: &AptErrors) -> Error {
    let broken: Vec<String> = cache
        .packages(&rust_apt::PackageSort::default())
        .filter_map(|pkg| rust_apt::util::show_broken_pkg(cache, &pkg, false))
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    if broken.is_empty() {
        apt_error("cannot resolve the dependencies", errors)
    } else {
        Error::Unsatisfied { missing: broken }
    }
}

/// `name: depends on x (>= 2), which no source offers`, for each dependency of
/// the candidate nothing satisfies (or provides).
fn unsatisfiable_reason(pkg: &Package<'_>) -> String {
    let name = pkg.name().to_owned();
    // The depcache may hold no candidate for what it refused to mark.
    let Some(candidate) = pkg.candidate().or_else(|| pkg.versions().next()) else {
        return format!("{name} has no installable version");
    };
    let mut missing = Vec::new();
    for kind in [rust_apt::DepType::PreDepends, rust_apt::DepType::Depends] {
        for group in candidate.get_depends(&kind).into_iter().flatten() {
            if group.iter().all(|base| base.all_targets().is_empty()) {
                let words: Vec<String> = group
                    .iter()
                    .map(|base| match (base.comp_type(), base.version()) {
                        (Some(op), Some(version)) => format!("{} ({op} {version})", base.name()),
                        _ => base.name().to_owned(),
                    })
                    .collect();
                missing.push(words.join(" | "));
            }
        }
    }
    if missing.is_empty() {
        format!("{name} cannot be installed with what is installed")
    } else {
        format!(
            "{name} depends on {}, which no source offers",
            missing.join(", ")
        )
    }
}

/// apt's errors (not its warnings) as one line.
fn apt_error(context: &str, errors: &AptErrors) -> Error {
    let lines: Vec<String> = errors
        .iter()
        .filter(|error| error.is_error)
        .map(|error| error.msg.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let detail = if lines.is_empty() {
        errors
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        lines.join("; ")
    };
    Error::Apt {
        message: format!("{context}: {detail}"),
    }
}

/// APT's system lock (dpkg's lock-frontend and lock), released when dropped.
struct Lock;

impl Lock {
    fn take() -> Result<Self> {
        rust_apt::util::apt_lock()
            .map(|()| Self)
            .map_err(|errors| apt_error("cannot lock the package database", &errors))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        rust_apt::util::apt_unlock();
    }
}

/// A planned apt transaction: the marked depcache and the lock (none for a
/// preview, which is never committed).
struct AptTransaction {
    cache: Cache,
    plan: Plan,
    lock: Option<Lock>,
}

impl PlannedChange for AptTransaction {
    fn plan(&self) -> &Plan {
        &self.plan
    }

    fn commit(self: Box<Self>, sink: EventSink) -> Result<()> {
        let Self { cache, plan, lock } = *self;
        if lock.is_none() {
            return Err(Error::Apt {
                message: "a plan made without the lock cannot be committed".to_owned(),
            });
        }
        if plan.packages.is_empty() {
            return omg_packages::cache_dir::delete(&plan.cache_files);
        }
        let config = Config::new();
        config.set("Dpkg::Use-Pty", "false");
        let options = config.find_vector("DPkg::Options");
        for option in ["--force-confdef", "--force-confold"] {
            if !options.iter().any(|o| o == option) {
                config.set("DPkg::Options::", option);
            }
        }
        // Read by debconf in the maintainer scripts dpkg runs.
        std::env::set_var("DEBIAN_FRONTEND", "noninteractive");
        let sink = Rc::new(RefCell::new(sink));
        let mut acquire = AcquireProgress::new(Downloads {
            sink: Rc::clone(&sink),
        });
        let mut install = InstallProgress::new(Steps {
            sink,
            actions: plan
                .packages
                .iter()
                .map(|p| (p.name.clone(), p.action))
                .collect(),
            seen: Vec::new(),
        });
        cache
            .commit(&mut acquire, &mut install)
            .map_err(|errors| apt_error("the transaction failed", &errors))?;
        omg_packages::cache_dir::delete(&plan.cache_files)
    }
}

/// Acquire progress that reports nothing (list refreshes).
struct Silent;

impl DynAcquireProgress for Silent {
    fn pulse_interval(&self) -> usize {
        500_000
    }
    fn hit(&mut self, _: &rust_apt::raw::ItemDesc) {}
    fn fetch(&mut self, _: &rust_apt::raw::ItemDesc) {}
    fn fail(&mut self, _: &rust_apt::raw::ItemDesc) {}
    fn pulse(&mut self, _: &rust_apt::raw::AcqTextStatus, _: &rust_apt::raw::PkgAcquire) {}
    fn done(&mut self, _: &rust_apt::raw::ItemDesc) {}
    fn start(&mut self) {}
    fn stop(&mut self, _: &rust_apt::raw::AcqTextStatus) {}
}

/// Each finished package download becomes a [`ChangeEvent::Download`].
struct Downloads {
    sink: Rc<RefCell<EventSink>>,
}

impl DynAcquireProgress for Downloads {
    fn pulse_interval(&self) -> usize {
        500_000
    }
    fn hit(&mut self, _: &rust_apt::raw::ItemDesc) {}
    fn fetch(&mut self, _: &rust_apt::raw::ItemDesc) {}
    fn fail(&mut self, item: &rust_apt::raw::ItemDesc) {
        let text = item.owner().error_text();
        if !text.is_empty() {
            (self.sink.borrow_mut())(ChangeEvent::Warning {
                message: format!("{}: {text}", item.short_desc()),
            });
        }
    }
    fn pulse(&mut self, _: &rust_apt::raw::AcqTextStatus, _: &rust_apt::raw::PkgAcquire) {}
    fn done(&mut self, item: &rust_apt::raw::ItemDesc) {
        let size = item.owner().file_size();
        (self.sink.borrow_mut())(ChangeEvent::Download {
            file: item.short_desc(),
            done: size,
            total: size,
        });
    }
    fn start(&mut self) {}
    fn stop(&mut self, _: &rust_apt::raw::AcqTextStatus) {}
}

/// dpkg's progress: one [`ChangeEvent::Package`] per package as its turn comes.
struct Steps {
    sink: Rc<RefCell<EventSink>>,
    actions: Vec<(String, PackageAction)>,
    seen: Vec<String>,
}

impl DynInstallProgress for Steps {
    fn status_changed(&mut self, name: String, _: u64, _: u64, _: String) {
        // dpkg reports `name:arch`; the plan has plain names.
        let plain = name
            .split_once(':')
            .map_or(name.as_str(), |(n, _)| n)
            .to_owned();
        let Some(action) = self
            .actions
            .iter()
            .find(|(planned, _)| *planned == plain)
            .map(|(_, action)| *action)
        else {
            return;
        };
        if self.seen.contains(&plain) {
            return;
        }
        self.seen.push(plain.clone());
        (self.sink.borrow_mut())(ChangeEvent::Package {
            action,
            name: plain,
            current: self.seen.len(),
            count: self.actions.len(),
        });
    }

    fn error(&mut self, name: String, _: u64, _: u64, error: String) {
        (self.sink.borrow_mut())(ChangeEvent::Warning {
            message: format!("{name}: {error}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::list_source;

    #[test]
    fn lists_are_named_by_suite_and_component() {
        assert_eq!(
            list_source("deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4")
                .as_deref(),
            Some("bookworm/main")
        );
        assert_eq!(
            list_source("_tmp_repo_dists_omgt-stable_main_binary-all_Packages").as_deref(),
            Some("omgt-stable/main")
        );
        assert_eq!(
            list_source("deb.debian.org_debian_dists_bookworm_InRelease"),
            None
        );
    }
}
