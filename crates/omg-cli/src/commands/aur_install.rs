//! `omg install` of AUR packages (Arch): the names no repository has are looked
//! up in the AUR, their package bases cloned, the build graph resolved from the
//! clones' `.SRCINFO` (trusted over the RPC, which only names the base), each
//! PKGBUILD reviewed, then: the repository packages the builds need installed
//! in one transaction, each base built with makepkg and its packages installed
//! through the same transaction path as repository packages, and the packages
//! needed only to build removed again.

use super::system::{self, Confirm};
use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::{source, ExitStatus};
use anyhow::{anyhow, bail, Context, Result};
use omg_core::{ChangeRequest, Satisfier};
use omg_ipc::{Reply, Request};
use omg_packages::aur::build::{self, BuildJob, BuildSettings};
use omg_packages::aur::devel;
use omg_packages::aur::git::AurRepos;
use omg_packages::aur::{
    self, AurClient, AurPackage, Dependency, Reason, Repositories, ResolveOptions, Srcinfo,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};

/// What `omg install` was told about AUR builds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AurFlags {
    /// `--noreview`: build without showing the PKGBUILD.
    pub(crate) no_review: bool,
    /// `--keep-makedeps`: leave the packages needed only to build installed.
    pub(crate) keep_make_dependencies: bool,
    /// `update --devel`: also rebuild VCS packages whose upstream moved.
    pub(crate) devel: bool,
}

impl AurFlags {
    /// Refuses AUR flags on a system without the AUR, naming the first given.
    pub(crate) fn check_backend(&self, settings: &Settings) -> Result<()> {
        let given = [
            (self.no_review, "--noreview"),
            (self.keep_make_dependencies, "--keep-makedeps"),
            (self.devel, "--devel"),
        ]
        .into_iter()
        .find_map(|(on, flag)| on.then_some(flag));
        match given {
            Some(flag) if settings.backend()?.kind != omg_core::BackendKind::Arch => {
                bail!("the AUR is Arch-only: {flag} needs the Arch backend")
            }
            _ => Ok(()),
        }
    }
}

/// Splits the words of `omg install` into those the repositories satisfy and
/// the names to look up in the AUR. Installed-only names are the AUR's too: a
/// foreign package is rebuilt from there, as paru does.
pub(crate) fn split_targets(
    words: &[String],
    settings: &Settings,
) -> Result<(Vec<String>, Vec<String>)> {
    let plain: Vec<String> = words
        .iter()
        .filter(|word| !word.contains('/') && Dependency::parse(word).is_ok())
        .cloned()
        .collect();
    let satisfiers = satisfiers(settings, &plain)?;
    let mut repository = Vec::new();
    let mut candidates = Vec::new();
    for word in words {
        match plain.iter().position(|name| name == word) {
            Some(index) if satisfiers[index].repository.is_none() => {
                candidates.push(word.clone());
            }
            _ => repository.push(word.clone()),
        }
    }
    Ok((repository, candidates))
}

fn satisfiers(settings: &Settings, dependencies: &[String]) -> Result<Vec<Satisfier>> {
    if dependencies.is_empty() {
        return Ok(Vec::new());
    }
    let answer = source::answer(
        settings,
        Request::Satisfiers {
            dependencies: dependencies.to_vec(),
        },
        |reply| match reply {
            Reply::Satisfiers(satisfiers) => Some(satisfiers),
            _ => None,
        },
        |catalog| catalog.satisfiers(dependencies),
    )?;
    if answer.len() != dependencies.len() {
        bail!(
            "omgd answered {} of {} dependencies",
            answer.len(),
            dependencies.len()
        );
    }
    Ok(answer)
}

/// The system's packages, as the build graph asks about them: each dependency
/// looked up once, through omgd (or `omgd --answer`).
struct SystemPackages<'a> {
    settings: &'a Settings,
    known: RefCell<HashMap<String, Satisfier>>,
    failure: RefCell<Option<anyhow::Error>>,
}

impl SystemPackages<'_> {
    fn lookup(&self, dependency: &Dependency) -> Satisfier {
        let text = dependency.to_string();
        if let Some(known) = self.known.borrow().get(&text) {
            return known.clone();
        }
        let found = match satisfiers(self.settings, std::slice::from_ref(&text)) {
            Ok(mut found) => found.remove(0),
            Err(error) => {
                self.failure.borrow_mut().get_or_insert(error);
                Satisfier {
                    installed: false,
                    repository: None,
                }
            }
        };
        self.known.borrow_mut().insert(text, found.clone());
        found
    }
}

impl Repositories for SystemPackages<'_> {
    fn installed_satisfies(&self, dependency: &Dependency) -> bool {
        self.lookup(dependency).installed
    }

    fn sync_satisfier(&self, dependency: &Dependency) -> Option<String> {
        // The bare name: libalpm picks the same repository for it, and it is the
        // name the install reason is recorded under and removal asks for.
        let qualified = self.lookup(dependency).repository?;
        Some(match qualified.split_once('/') {
            Some((_, name)) => name.to_owned(),
            None => qualified,
        })
    }
}

/// One base as the AUR has it now: the commit fetched and its `.SRCINFO`.
struct Fetched {
    commit: String,
    srcinfo: Srcinfo,
}

/// Looks names up in the AUR and fetches their bases, each once.
struct AurSource {
    client: AurClient,
    repos: AurRepos,
    /// RPC answers by package name (`None`: the AUR has no such name).
    packages: HashMap<String, Option<AurPackage>>,
    bases: HashMap<String, Fetched>,
    /// Say what is fetched (not with `--json`).
    chatty: bool,
    failure: Option<anyhow::Error>,
}

impl AurSource {
    fn note(&self, text: &str) {
        if self.chatty {
            message(text);
        }
    }

    fn look_up(&mut self, names: &[String]) -> Result<()> {
        let wanted: Vec<String> = names
            .iter()
            .filter(|name| !self.packages.contains_key(*name))
            .cloned()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let found = self.client.info(&wanted)?;
        for name in wanted {
            let package = found.iter().find(|package| package.name == name).cloned();
            self.packages.insert(name, package);
        }
        Ok(())
    }

    fn srcinfo_for(&mut self, name: &str) -> Result<Option<Srcinfo>> {
        self.look_up(&[name.to_owned()])?;
        let base = match self.packages.get(name).cloned().flatten() {
            Some(package) => package.package_base,
            None => match self.provider_of(name)? {
                Some(base) => base,
                None => return Ok(None),
            },
        };
        if !aur::valid_package_name(&base) {
            bail!("the AUR names an invalid package base {base:?} for {name}");
        }
        if let Some(fetched) = self.bases.get(&base) {
            return Ok(Some(fetched.srcinfo.clone()));
        }
        self.note(&format!("fetching {base} from the AUR"));
        let commit = self.repos.fetch(&base)?;
        let bytes = self
            .repos
            .file_at(&base, &commit, ".SRCINFO")?
            .ok_or_else(|| anyhow!("{base}: the AUR's repository has no .SRCINFO"))?;
        let srcinfo = Srcinfo::parse_bytes(&bytes).with_context(|| format!("{base}: .SRCINFO"))?;
        if srcinfo.base.name != base {
            bail!(
                "{base}: its .SRCINFO names the base {:?}",
                srcinfo.base.name
            );
        }
        self.bases.insert(
            base,
            Fetched {
                commit,
                srcinfo: srcinfo.clone(),
            },
        );
        Ok(Some(srcinfo))
    }

    /// The base of the AUR package that provides `name`, the most voted when
    /// several do (paru asks; a plan shown before anything happens says which).
    fn provider_of(&mut self, name: &str) -> Result<Option<String>> {
        let mut providers = match self.client.search_by(name, "provides") {
            Ok(providers) => providers,
            // An AUR that cannot search by provides has none to offer.
            Err(omg_packages::Error::AurRefused { .. }) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        providers.retain(|package| {
            package.provides.is_empty()
                || package
                    .provides
                    .iter()
                    .any(|provide| Dependency::parse(provide).is_ok_and(|p| p.name == name))
        });
        providers.sort_by_key(|package| std::cmp::Reverse(package.num_votes));
        let chosen = providers.into_iter().next();
        if let Some(package) = &chosen {
            self.note(&format!(
                "{name} is provided by {} from the AUR",
                package.name
            ));
        }
        Ok(chosen.map(|package| package.package_base))
    }
}

/// Installs `repository` words and `candidates` (names no repository has) when
/// the AUR has some of the candidates; `None` when it has none of them, for the
/// repositories' transaction to report them (with its suggestions).
pub(crate) fn install(
    repository: Vec<String>,
    candidates: Vec<String>,
    confirm: Confirm,
    flags: AurFlags,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<Option<ExitStatus>> {
    let mut source = AurSource {
        client: AurClient::new(&settings.aur_url),
        repos: AurRepos::new(settings.aur.cache_dir.join("aur"), &settings.aur_url),
        packages: HashMap::new(),
        bases: HashMap::new(),
        chatty: !settings.json,
        failure: None,
    };
    source
        .look_up(&candidates)
        .with_context(|| format!("{} is in no repository", candidates.join(", ")))?;
    let (targets, missing): (Vec<String>, Vec<String>) = candidates
        .into_iter()
        .partition(|name| matches!(source.packages.get(name), Some(Some(_))));
    if targets.is_empty() {
        return Ok(None);
    }
    if !missing.is_empty() {
        bail!(
            "not found in any repository or the AUR: {}",
            missing.join(", ")
        );
    }
    // Before any clone: makepkg must have a user who is not root.
    let user = build::builder_for(omg_ipc::current_uid(), settings.aur.build_user.as_deref())?;
    let system_packages = SystemPackages {
        settings,
        known: RefCell::new(HashMap::new()),
        failure: RefCell::new(None),
    };
    let options = ResolveOptions {
        arch: std::env::consts::ARCH.to_owned(),
        check_depends: true,
    };
    let plan = aur::resolve(
        &targets,
        &system_packages,
        &mut |name| match source.srcinfo_for(name) {
            Ok(found) => found,
            Err(error) => {
                source.failure.get_or_insert(error);
                None
            }
        },
        &options,
    );
    if let Some(error) = source.failure.take() {
        return Err(error);
    }
    if let Some(error) = system_packages.failure.borrow_mut().take() {
        return Err(error);
    }
    let plan = plan?;
    if !settings.json {
        show_plan(printer, &plan)?;
    }
    if confirm == Confirm::Never {
        return Ok(Some(ExitStatus::Success));
    }
    let review = settings.aur.review && !flags.no_review;
    for build in &plan.aur {
        let commit = &source.bases[&build.base].commit;
        if review && !reviewed(&source.repos, &build.base, commit, printer)? {
            message("nothing changed");
            return Ok(Some(ExitStatus::Failure));
        }
    }
    // The repository step asks for the whole change; without one, ask here.
    let repository_step: Vec<String> = repository
        .iter()
        .cloned()
        .chain(plan.repo.iter().map(|package| package.name.clone()))
        .collect();
    if repository_step.is_empty() {
        if !agreed(confirm)? {
            message("nothing changed");
            return Ok(Some(ExitStatus::Failure));
        }
    } else {
        let status = system::change(
            &ChangeRequest::InstallWithReasons {
                names: repository_step,
                files: Vec::new(),
                dependencies: plan
                    .repo
                    .iter()
                    .map(|package| package.name.clone())
                    .collect(),
            },
            confirm,
            settings,
            printer,
        )?;
        if status != ExitStatus::Success {
            return Ok(Some(status));
        }
    }
    let settings_for_build = BuildSettings {
        user,
        work_dir: std::env::temp_dir(),
        package_dir: settings.aur.cache_dir.join("aur-packages"),
        log_dir: settings.aur.cache_dir.join("aur-logs"),
        skip_dependency_check: another_root(settings)?,
        echo: !settings.json && !settings.quiet,
    };
    let built = build_and_install(&plan, &source, &settings_for_build, settings, printer);
    let removed = if flags.keep_make_dependencies {
        Ok(ExitStatus::Success)
    } else {
        remove_make_only(&plan, settings, printer)
    };
    built?;
    removed.map(Some)
}

fn build_and_install(
    plan: &aur::Plan,
    source: &AurSource,
    build_settings: &BuildSettings,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<()> {
    for base in &plan.aur {
        let commit = &source.bases[&base.base].commit;
        if !settings.json {
            message(&format!(":: building {} {}", base.base, base.version));
        }
        let tree = source.repos.archive(&base.base, commit)?;
        let wanted: Vec<String> = base.packages.iter().map(|p| p.name.clone()).collect();
        let files = build::build(
            &BuildJob {
                base: &base.base,
                version: &base.version,
                tree: &tree,
                wanted: &wanted,
            },
            build_settings,
        )?;
        let dependencies = base
            .packages
            .iter()
            .filter(|package| package.reason != Reason::Explicit)
            .map(|package| package.name.clone())
            .collect();
        let status = system::change(
            &ChangeRequest::InstallWithReasons {
                names: Vec::new(),
                files,
                dependencies,
            },
            Confirm::Yes,
            settings,
            printer,
        )?;
        if status != ExitStatus::Success {
            bail!("installing {} did not complete", base.base);
        }
        if !base.srcinfo.base.vcs_sources.is_empty() {
            let path = devel::records_path(&settings.aur.cache_dir);
            let mut records = devel::DevelRecords::load(&path);
            records.record(&base.base, &base.srcinfo.base.vcs_sources);
            if let Err(error) = records.save(&path) {
                message(&format!(
                    "warning: cannot record {}'s upstream for --devel: {error}",
                    base.base
                ));
            }
        }
    }
    Ok(())
}

/// Removes the plan's build-only packages that are installed now (a failed
/// build leaves some of them uninstalled).
fn remove_make_only(
    plan: &aur::Plan,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let make_only: Vec<String> = plan.make_only().into_iter().map(str::to_owned).collect();
    if make_only.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let found = satisfiers(settings, &make_only)?;
    let installed: Vec<String> = make_only
        .into_iter()
        .zip(found)
        .filter(|(_, satisfier)| satisfier.installed)
        .map(|(name, _)| name)
        .collect();
    if installed.is_empty() {
        return Ok(ExitStatus::Success);
    }
    if !settings.json {
        message(&format!(
            ":: removing what was needed only to build: {}",
            installed.join(", ")
        ));
    }
    system::change(
        &ChangeRequest::Remove {
            names: installed,
            recursive: true,
            purge: false,
        },
        Confirm::Yes,
        settings,
        printer,
    )
}

/// Whether the system is not this machine's own `/` as pacman.conf sets it up,
/// whose database makepkg's dependency check cannot see.
fn another_root(settings: &Settings) -> Result<bool> {
    let backend = settings.backend()?;
    Ok(backend.arch_root.is_some()
        || backend.arch_dbpath.is_some()
        || backend.arch_config.is_some())
}

fn agreed(confirm: Confirm) -> Result<bool> {
    match confirm {
        Confirm::Yes => Ok(true),
        Confirm::Never => Ok(false),
        Confirm::Ask if std::io::stdin().is_terminal() => {
            Ok(crate::printer::prompt("Proceed with the build? [Y/n] ")?)
        }
        Confirm::Ask => {
            bail!("no terminal to ask for confirmation: nothing changed (pass -y to proceed)")
        }
    }
}

/// Shows the PKGBUILD and install scripts of `commit` (or the diff since the
/// commit last reviewed) and asks. `-y` does not answer this: a build runs code
/// from the AUR, and only a person reading it can agree to that.
fn reviewed(repos: &AurRepos, base: &str, commit: &str, printer: &mut Printer) -> Result<bool> {
    let previous = repos.reviewed(base);
    if previous.as_deref() == Some(commit) {
        message(&format!("{base}: unchanged since your last review"));
        return Ok(true);
    }
    let out = printer.out();
    match &previous {
        Some(previous) => {
            writeln!(out, ":: {base}: changes since your last review")?;
            write!(out, "{}", repos.diff(base, previous, commit)?)?;
        }
        None => {
            for file in repos.files_at(base, commit)? {
                if file != "PKGBUILD" && !file.ends_with(".install") {
                    continue;
                }
                let bytes = repos.file_at(base, commit, &file)?.unwrap_or_default();
                writeln!(out, ":: {base}/{file}")?;
                write!(out, "{}", String::from_utf8_lossy(&bytes))?;
                writeln!(out)?;
            }
        }
    }
    printer.flush()?;
    if !std::io::stdin().is_terminal() {
        bail!(
            "{base} needs a review and there is no terminal to ask on: nothing was built \
             (read it above; pass --noreview to build without one)"
        );
    }
    let yes = crate::printer::ask(&format!(":: Build {base} as shown? [y/N] "), false)?;
    if yes {
        repos.mark_reviewed(base, commit)?;
    }
    Ok(yes)
}

fn show_plan(printer: &mut Printer, plan: &aur::Plan) -> std::io::Result<()> {
    let out = printer.out();
    let reason = |reason: Reason| match reason {
        Reason::Explicit => "",
        Reason::Dependency => "  (dependency)",
        Reason::Make => "  (to build only)",
    };
    if !plan.repo.is_empty() {
        writeln!(out, "Repository packages first ({}):", plan.repo.len())?;
        for package in &plan.repo {
            writeln!(out, "  {}{}", package.name, reason(package.reason))?;
        }
    }
    writeln!(out, "AUR packages to build, in order ({}):", plan.aur.len())?;
    for base in &plan.aur {
        let packages: Vec<String> = base
            .packages
            .iter()
            .map(|package| format!("{}{}", package.name, reason(package.reason)))
            .collect();
        writeln!(
            out,
            "  {} {}: {}",
            base.base,
            base.version,
            packages.join(", ")
        )?;
    }
    let make_only = plan.make_only();
    if !make_only.is_empty() {
        writeln!(out, "Removed after the builds: {}", make_only.join(", "))?;
    }
    Ok(())
}

/// The AUR half of `omg update` (Arch): installed packages no repository has,
/// checked against the AUR's versions with pacman's vercmp, and the newer ones
/// rebuilt through [`install`]. An AUR that cannot be asked is one warning line:
/// the repositories' upgrade already stands.
pub(crate) fn update(
    confirm: Confirm,
    flags: AurFlags,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let foreign = source::answer(
        settings,
        Request::Foreign,
        |reply| match reply {
            Reply::Packages(packages) => Some(packages),
            _ => None,
        },
        |catalog| catalog.foreign(),
    )?;
    if foreign.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let names: Vec<String> = foreign.iter().map(|package| package.name.clone()).collect();
    let offered = match AurClient::new(&settings.aur_url).info(&names) {
        Ok(offered) => offered,
        Err(error) => {
            message(&format!("warning: AUR packages were not checked: {error}"));
            return Ok(ExitStatus::Success);
        }
    };
    let mut newer: Vec<(String, String, String)> = foreign
        .iter()
        .filter_map(|package| {
            let aur = offered.iter().find(|aur| aur.name == package.name)?;
            (omg_core::version::pacman::vercmp(&aur.version, &package.version)
                == std::cmp::Ordering::Greater)
                .then(|| {
                    (
                        package.name.clone(),
                        package.version.clone(),
                        aur.version.clone(),
                    )
                })
        })
        .collect();
    if flags.devel {
        let records = devel::DevelRecords::load(&devel::records_path(&settings.aur.cache_dir));
        let bases = offered.iter().map(|aur| aur.package_base.as_str());
        let (moved, problems) = records.moved(bases);
        for problem in problems {
            message(&format!("warning: cannot check {problem}"));
        }
        for package in &foreign {
            let moved_base = offered
                .iter()
                .find(|aur| aur.name == package.name)
                .is_some_and(|aur| moved.contains(&aur.package_base));
            if moved_base && !newer.iter().any(|(name, _, _)| *name == package.name) {
                newer.push((
                    package.name.clone(),
                    package.version.clone(),
                    "latest upstream commit".to_owned(),
                ));
            }
        }
    }
    if newer.is_empty() {
        if !settings.json {
            message("AUR packages are up to date");
        }
        return Ok(ExitStatus::Success);
    }
    if !settings.json {
        let out = printer.out();
        writeln!(out, "AUR updates ({}):", newer.len())?;
        for (name, old, new) in &newer {
            writeln!(out, "  {name}  {old} -> {new}")?;
        }
        printer.flush()?;
    }
    let targets = newer.into_iter().map(|(name, _, _)| name).collect();
    Ok(
        install(Vec::new(), targets, confirm, flags, settings, printer)?
            .unwrap_or(ExitStatus::Success),
    )
}
