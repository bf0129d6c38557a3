//! The build graph of an AUR install: from the requested names to the repository
//! packages to install first, the AUR package bases in build order (each built
//! once, however many of its packages are wanted) and the packages needed only to
//! build, which are removed afterwards unless the user keeps them.
//!
//! Pure: repository knowledge comes through [`Repositories`] and `.SRCINFO`s
//! through a closure, so the CLI can answer from libalpm and a clone (or a test
//! from tables) and the resolution itself does no I/O.
//!
//! Each dependency is satisfied, in this order, by a package already in the plan,
//! an installed package, a repository package (pacman installs its own
//! dependencies, so the graph stops there), then the AUR: the order paru and yay
//! use, which prefers what is installed or signed over what must be built.

use super::dependency::{Dependency, DependencyError};
use super::srcinfo::{Package, Srcinfo};
use std::collections::{HashMap, HashSet, VecDeque};

/// What the system and its sync repositories offer.
pub trait Repositories {
    /// Whether an installed package satisfies `dependency` (by name or a provide,
    /// with its version constraint).
    fn installed_satisfies(&self, dependency: &Dependency) -> bool;

    /// The name of the sync repository package that would satisfy `dependency`,
    /// as pacman would pick it: by name first, then by a provide.
    fn sync_satisfier(&self, dependency: &Dependency) -> Option<String>;
}

/// One package a [`KnownPackages`] table knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPackage {
    pub name: String,
    pub version: String,
    pub provides: Vec<Dependency>,
}

impl KnownPackage {
    fn satisfies(&self, dependency: &Dependency) -> bool {
        dependency.satisfied_by(&self.name, &self.version, &self.provides)
    }
}

/// [`Repositories`] from plain tables: the installed packages and the sync
/// repositories' packages (in repository order, the first one wins as in pacman).
#[derive(Debug, Clone, Default)]
pub struct KnownPackages {
    pub installed: Vec<KnownPackage>,
    pub sync: Vec<KnownPackage>,
}

impl Repositories for KnownPackages {
    fn installed_satisfies(&self, dependency: &Dependency) -> bool {
        self.installed
            .iter()
            .any(|package| package.satisfies(dependency))
    }

    fn sync_satisfier(&self, dependency: &Dependency) -> Option<String> {
        // libalpm's find_satisfier: a package of that name first, a provider after.
        self.sync
            .iter()
            .find(|package| package.name == dependency.name && package.satisfies(dependency))
            .or_else(|| {
                self.sync
                    .iter()
                    .find(|package| package.satisfies(dependency))
            })
            .map(|package| package.name.clone())
    }
}

/// What the resolution depends on besides the packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    /// The machine's architecture, which picks `depends_<arch>` and the like.
    pub arch: String,
    /// Whether `checkdepends` are needed (makepkg runs `check()`); false for
    /// makepkg `--nocheck`.
    pub check_depends: bool,
}

/// Why a package is in the plan, which sets its install reason and what happens
/// to it after the builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Asked for by name: installed as explicit.
    Explicit,
    /// Needed at run time by something asked for: installed as a dependency.
    Dependency,
    /// Needed only to build (makedepends, checkdepends and what they need):
    /// removed after the builds unless kept.
    Make,
}

/// A repository package to install before the builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoInstall {
    pub name: String,
    /// [`Reason::Dependency`] or [`Reason::Make`].
    pub reason: Reason,
}

/// One package of a base to install once it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AurInstall {
    pub name: String,
    pub reason: Reason,
}

/// One AUR package base to build, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AurBuild {
    pub base: String,
    /// `[epoch:]pkgver-pkgrel` from its `.SRCINFO`.
    pub version: String,
    /// The packages of the base to install, in the order they were needed; a split
    /// package's others are built but not installed.
    pub packages: Vec<AurInstall>,
    /// The `.SRCINFO` the plan was made from, to check the clone against later.
    pub srcinfo: Srcinfo,
}

/// What an AUR install does, in order: install `repo`, then build and install each
/// of `aur` in turn, then remove [`Plan::make_only`] unless kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub repo: Vec<RepoInstall>,
    /// Dependencies before the packages that need them.
    pub aur: Vec<AurBuild>,
}

impl Plan {
    /// The packages needed only to build, repository ones first.
    #[must_use]
    pub fn make_only(&self) -> Vec<&str> {
        let repo = self
            .repo
            .iter()
            .map(|package| (&package.name, package.reason));
        let aur = self
            .aur
            .iter()
            .flat_map(|build| &build.packages)
            .map(|package| (&package.name, package.reason));
        repo.chain(aur)
            .filter(|(_, reason)| *reason == Reason::Make)
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("invalid package {target:?}")]
    InvalidTarget {
        target: String,
        #[source]
        source: DependencyError,
    },
    #[error("{target}: not found in the AUR")]
    NotInAur { target: String },
    #[error(
        "unsatisfiable dependency {}: {}",
        chain.join(" -> "),
        offered.as_ref().map_or_else(
            || "no installed, repository or AUR package provides it".to_owned(),
            |offered| format!("the AUR has {offered}"),
        )
    )]
    Unsatisfiable {
        /// From the requested package to the dependency that fails, each as written.
        chain: Vec<String>,
        /// `name version` of the AUR package of that name whose version does not fit.
        offered: Option<String>,
    },
    #[error("dependency cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// Package names, the first repeated at the end.
        cycle: Vec<String>,
    },
}

/// Resolves the graph for `targets` (AUR package names, optionally with a version
/// constraint; the caller sends repository targets to pacman itself). `aur` gives
/// the parsed `.SRCINFO` of the base that builds a package name or provides it,
/// or `None` when the AUR has neither; it is asked at most once per name.
pub fn resolve(
    targets: &[String],
    repositories: &dyn Repositories,
    aur: &mut dyn FnMut(&str) -> Option<Srcinfo>,
    options: &ResolveOptions,
) -> Result<Plan, GraphError> {
    let mut resolver = Resolver {
        repositories,
        aur,
        options,
        lookups: HashMap::new(),
        bases: Vec::new(),
        chosen: Vec::new(),
        repo: Vec::new(),
        edges: Vec::new(),
        links: Vec::new(),
        queue: VecDeque::new(),
    };
    let mut explicit = Vec::new();
    for target in targets {
        let dependency = Dependency::parse(target).map_err(|source| GraphError::InvalidTarget {
            target: target.clone(),
            source,
        })?;
        let link = resolver.link(target.clone(), None);
        match resolver.choose_aur(&dependency, link)? {
            Some(name) => explicit.push(name),
            None => {
                return Err(GraphError::NotInAur {
                    target: target.clone(),
                })
            }
        }
    }
    while let Some((package, link)) = resolver.queue.pop_front() {
        resolver.expand(&package, link)?;
    }
    let order = resolver.build_order()?;
    let runtime = resolver.needed_at_run_time(&explicit);
    let reason = |node: &Node, name: &str| {
        if explicit.iter().any(|target| target == name) {
            Reason::Explicit
        } else if runtime.contains(node) {
            Reason::Dependency
        } else {
            Reason::Make
        }
    };
    let repo = resolver
        .repo
        .iter()
        .map(|name| RepoInstall {
            reason: reason(&Node::Repo(name.clone()), name),
            name: name.clone(),
        })
        .collect();
    let mut bases: Vec<Option<BaseNode>> = resolver.bases.into_iter().map(Some).collect();
    let aur = order
        .into_iter()
        .filter_map(|index| bases.get_mut(index).and_then(Option::take))
        .map(|base| AurBuild {
            base: base.srcinfo.base.name.clone(),
            version: base.version,
            packages: base
                .packages
                .iter()
                .map(|name| AurInstall {
                    reason: reason(&Node::Aur(name.clone()), name),
                    name: name.clone(),
                })
                .collect(),
            srcinfo: base.srcinfo,
        })
        .collect();
    Ok(Plan { repo, aur })
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
    Repo(String),
    Aur(String),
}

struct BaseNode {
    srcinfo: Srcinfo,
    /// `srcinfo.version()`, computed once: it is compared for every dependency.
    version: String,
    /// The packages of the base the plan installs.
    packages: Vec<String>,
}

struct Edge {
    from: String,
    to: Node,
    make: bool,
}

struct Resolver<'a> {
    repositories: &'a dyn Repositories,
    aur: &'a mut dyn FnMut(&str) -> Option<Srcinfo>,
    options: &'a ResolveOptions,
    /// Every AUR answer by the name asked, so a name is looked up once.
    lookups: HashMap<String, Option<Srcinfo>>,
    bases: Vec<BaseNode>,
    /// AUR packages in the plan with their base's index, in the order chosen.
    chosen: Vec<(String, usize)>,
    repo: Vec<String>,
    edges: Vec<Edge>,
    /// Each dependency as written and the link it came from: the chain an error
    /// names, kept as parent links so a deep graph costs no copying.
    links: Vec<(String, Option<usize>)>,
    /// AUR packages whose dependencies are still to be resolved. A queue, not
    /// recursion: a hostile AUR could chain packages deeper than the stack.
    queue: VecDeque<(String, usize)>,
}

impl Resolver<'_> {
    fn link(&mut self, label: String, parent: Option<usize>) -> usize {
        self.links.push((label, parent));
        self.links.len() - 1
    }

    fn chain(&self, link: usize) -> Vec<String> {
        let mut chain = Vec::new();
        let mut next = Some(link);
        while let Some(at) = next {
            let Some((label, parent)) = self.links.get(at) else {
                break;
            };
            chain.push(label.clone());
            next = *parent;
        }
        chain.reverse();
        chain
    }

    fn package(&self, name: &str, base: usize) -> Option<&Package> {
        self.bases.get(base)?.srcinfo.package(name)
    }

    fn satisfies(&self, package: &Package, version: &str, dependency: &Dependency) -> bool {
        dependency.satisfied_by(
            &package.name,
            version,
            package.provides.for_arch(&self.options.arch),
        )
    }

    /// An AUR package already in the plan that satisfies `dependency`.
    fn chosen_satisfier(&self, dependency: &Dependency) -> Option<String> {
        self.chosen.iter().find_map(|(name, base)| {
            let package = self.package(name, *base)?;
            let version = &self.bases.get(*base)?.version;
            self.satisfies(package, version, dependency)
                .then(|| name.clone())
        })
    }

    /// The AUR package satisfying `dependency`, put in the plan (its dependencies
    /// queued) if it is not there yet; `None` when the AUR has nothing by that name.
    fn choose_aur(
        &mut self,
        dependency: &Dependency,
        link: usize,
    ) -> Result<Option<String>, GraphError> {
        if let Some(name) = self.chosen_satisfier(dependency) {
            return Ok(Some(name));
        }
        // A base already in the plan that builds a package of that name answers
        // without asking the AUR again (the other half of a split package).
        let in_plan = self
            .bases
            .iter()
            .position(|node| node.srcinfo.package(&dependency.name).is_some());
        let base = match in_plan {
            Some(base) => base,
            None => {
                if !self.lookups.contains_key(&dependency.name) {
                    let answer = (self.aur)(&dependency.name);
                    self.lookups.insert(dependency.name.clone(), answer);
                }
                let Some(Some(srcinfo)) = self.lookups.get(&dependency.name) else {
                    return Ok(None);
                };
                // A base already in the plan keeps the .SRCINFO it came with, so
                // every package of one build comes from the same text.
                match self
                    .bases
                    .iter()
                    .position(|node| node.srcinfo.base.name == srcinfo.base.name)
                {
                    Some(base) => base,
                    None => {
                        self.bases.push(BaseNode {
                            version: srcinfo.version(),
                            srcinfo: srcinfo.clone(),
                            packages: Vec::new(),
                        });
                        self.bases.len() - 1
                    }
                }
            }
        };
        let Some(node) = self.bases.get(base) else {
            return Ok(None);
        };
        let version = node.version.as_str();
        let packages = &node.srcinfo.packages;
        // The package of that name first, as pacman prefers it over providers.
        let found = packages
            .iter()
            .find(|package| package.name == dependency.name && dependency.version_matches(version))
            .or_else(|| {
                packages
                    .iter()
                    .find(|package| self.satisfies(package, version, dependency))
            })
            .map(|package| package.name.clone());
        let Some(name) = found else {
            let offered = packages
                .iter()
                .find(|package| package.name == dependency.name)
                .or_else(|| packages.first())
                .map(|package| format!("{} {version}", package.name));
            if node.packages.is_empty() {
                // Nothing of the base is wanted: it stays out of the plan.
                self.bases.pop();
            }
            return Err(GraphError::Unsatisfiable {
                chain: self.chain(link),
                offered,
            });
        };
        if let Some(node) = self.bases.get_mut(base) {
            node.packages.push(name.clone());
        }
        self.chosen.push((name.clone(), base));
        self.queue.push_back((name.clone(), link));
        Ok(Some(name))
    }

    /// Resolves the dependencies of the AUR package `name` (and, for the first
    /// package of its base, the base's make and check dependencies).
    fn expand(&mut self, name: &str, link: usize) -> Result<(), GraphError> {
        let Some(&(_, base)) = self.chosen.iter().find(|(chosen, _)| chosen == name) else {
            return Ok(());
        };
        let Some(package) = self.package(name, base) else {
            return Ok(());
        };
        let arch = self.options.arch.as_str();
        let mut wanted: Vec<(Dependency, bool)> = package
            .depends
            .for_arch(arch)
            .map(|dependency| (dependency.clone(), false))
            .collect();
        let first_of_base = self
            .bases
            .get(base)
            .and_then(|node| node.packages.first())
            .is_some_and(|first| first == name);
        if first_of_base {
            if let Some(node) = self.bases.get(base) {
                let srcinfo = &node.srcinfo.base;
                wanted.extend(
                    srcinfo
                        .makedepends
                        .for_arch(arch)
                        .map(|dependency| (dependency.clone(), true)),
                );
                if self.options.check_depends {
                    wanted.extend(
                        srcinfo
                            .checkdepends
                            .for_arch(arch)
                            .map(|dependency| (dependency.clone(), true)),
                    );
                }
            }
        }
        for (dependency, make) in wanted {
            let link = self.link(dependency.to_string(), Some(link));
            let to = if let Some(chosen) = self.chosen_satisfier(&dependency) {
                Node::Aur(chosen)
            } else if self.repositories.installed_satisfies(&dependency) {
                continue;
            } else if let Some(repo) = self.repositories.sync_satisfier(&dependency) {
                if !self.repo.contains(&repo) {
                    self.repo.push(repo.clone());
                }
                Node::Repo(repo)
            } else if let Some(chosen) = self.choose_aur(&dependency, link)? {
                Node::Aur(chosen)
            } else {
                return Err(GraphError::Unsatisfiable {
                    chain: self.chain(link),
                    offered: None,
                });
            };
            self.edges.push(Edge {
                from: name.to_owned(),
                to,
                make,
            });
        }
        Ok(())
    }

    fn base_of(&self, name: &str) -> Option<usize> {
        self.chosen
            .iter()
            .find(|(chosen, _)| chosen == name)
            .map(|&(_, base)| base)
    }

    /// The bases in build order, dependencies first, by depth-first search from
    /// the bases in the order they entered the plan; a cycle is an error, since
    /// makepkg needs every dependency installed before it builds.
    fn build_order(&self) -> Result<Vec<usize>, GraphError> {
        // For each base, the bases it needs, with the package names that link them.
        let mut needs: Vec<Vec<(usize, String, String)>> = vec![Vec::new(); self.bases.len()];
        for edge in &self.edges {
            let Node::Aur(to) = &edge.to else {
                continue;
            };
            if let (Some(from_base), Some(to_base)) = (self.base_of(&edge.from), self.base_of(to)) {
                // A split package needing a sibling is built in the same run.
                if from_base != to_base {
                    if let Some(list) = needs.get_mut(from_base) {
                        list.push((to_base, edge.from.clone(), to.clone()));
                    }
                }
            }
        }
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            OnPath,
            Done,
        }
        let mut state = vec![State::New; self.bases.len()];
        let mut order = Vec::new();
        for start in 0..self.bases.len() {
            if state[start] != State::New {
                continue;
            }
            // The path being explored: each base with the next of its needs to visit.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = State::OnPath;
            while let Some(&mut (base, ref mut next)) = path.last_mut() {
                let Some((needed, from, to)) = needs[base].get(*next) else {
                    state[base] = State::Done;
                    order.push(base);
                    path.pop();
                    continue;
                };
                *next += 1;
                match state[*needed] {
                    State::Done => {}
                    State::New => {
                        state[*needed] = State::OnPath;
                        path.push((*needed, 0));
                    }
                    State::OnPath => {
                        return Err(GraphError::Cycle {
                            cycle: self.cycle(&path, &needs, *needed, from, to),
                        });
                    }
                }
            }
        }
        Ok(order)
    }

    /// The packages around a cycle found on `path`, closed by `from -> to` back
    /// into `needed`: each step named by the package that needs the next.
    fn cycle(
        &self,
        path: &[(usize, usize)],
        needs: &[Vec<(usize, String, String)>],
        needed: usize,
        from: &str,
        to: &str,
    ) -> Vec<String> {
        let start = path
            .iter()
            .position(|&(base, _)| base == needed)
            .unwrap_or(0);
        let mut cycle = Vec::new();
        // Each base on the path was left through the need just before `next`.
        for &(base, next) in &path[start..path.len().saturating_sub(1)] {
            if let Some((_, from, _)) = needs[base].get(next.saturating_sub(1)) {
                cycle.push(from.clone());
            }
        }
        cycle.push(from.to_owned());
        cycle.push(to.to_owned());
        // `to` and the first name can be different packages of one split base;
        // close the loop on the first name either way so it reads as a cycle.
        if cycle.first().map(String::as_str) != Some(to) {
            if let Some(first) = cycle.first().cloned() {
                cycle.push(first);
            }
        }
        cycle
    }

    /// Everything reachable from the requested packages through run-time
    /// dependencies: the rest is needed only to build.
    fn needed_at_run_time(&self, explicit: &[String]) -> HashSet<Node> {
        let mut seen: HashSet<Node> = HashSet::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for name in explicit {
            if seen.insert(Node::Aur(name.clone())) {
                queue.push_back(name.clone());
            }
        }
        while let Some(name) = queue.pop_front() {
            for edge in self
                .edges
                .iter()
                .filter(|edge| edge.from == name && !edge.make)
            {
                if seen.insert(edge.to.clone()) {
                    if let Node::Aur(next) = &edge.to {
                        queue.push_back(next.clone());
                    }
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str, version: &str, provides: &[&str]) -> KnownPackage {
        KnownPackage {
            name: name.to_owned(),
            version: version.to_owned(),
            provides: provides
                .iter()
                .map(|provide| Dependency::parse(provide).unwrap())
                .collect(),
        }
    }

    fn options() -> ResolveOptions {
        ResolveOptions {
            arch: "x86_64".to_owned(),
            check_depends: true,
        }
    }

    /// A one-package .SRCINFO: `lines` go into the base section.
    fn single(name: &str, version: &str, lines: &[&str]) -> String {
        split(name, version, lines, &[name])
    }

    fn split(base: &str, version: &str, lines: &[&str], packages: &[&str]) -> String {
        let (version, pkgrel) = version.rsplit_once('-').unwrap();
        let mut text = format!("pkgbase = {base}\n\tpkgrel = {pkgrel}\n");
        match version.split_once(':') {
            Some((epoch, pkgver)) => {
                text.push_str(&format!("\tepoch = {epoch}\n\tpkgver = {pkgver}\n"));
            }
            None => text.push_str(&format!("\tpkgver = {version}\n")),
        }
        text.push_str("\tarch = x86_64\n");
        for line in lines {
            text.push_str(&format!("\t{line}\n"));
        }
        for package in packages {
            text.push_str(&format!("\npkgname = {package}\n"));
        }
        text
    }

    /// An AUR from .SRCINFO texts, answering by package name or provide, and
    /// counting how often each name is asked.
    struct Aur {
        srcinfos: Vec<Srcinfo>,
        asked: Vec<String>,
    }

    impl Aur {
        fn new(texts: &[String]) -> Self {
            Self {
                srcinfos: texts
                    .iter()
                    .map(|text| Srcinfo::parse(text).unwrap())
                    .collect(),
                asked: Vec::new(),
            }
        }

        fn lookup(&mut self, name: &str) -> Option<Srcinfo> {
            self.asked.push(name.to_owned());
            self.srcinfos
                .iter()
                .find(|srcinfo| srcinfo.package(name).is_some())
                .or_else(|| {
                    self.srcinfos.iter().find(|srcinfo| {
                        srcinfo.packages.iter().any(|package| {
                            package.provides.for_arch("x86_64").any(|p| p.name == name)
                        })
                    })
                })
                .cloned()
        }
    }

    fn run(
        targets: &[&str],
        repositories: &KnownPackages,
        aur: &mut Aur,
    ) -> Result<Plan, GraphError> {
        let targets: Vec<String> = targets.iter().map(|&t| t.to_owned()).collect();
        resolve(
            &targets,
            repositories,
            &mut |name| aur.lookup(name),
            &options(),
        )
    }

    fn builds(plan: &Plan) -> Vec<(&str, Vec<(&str, Reason)>)> {
        plan.aur
            .iter()
            .map(|build| {
                (
                    build.base.as_str(),
                    build
                        .packages
                        .iter()
                        .map(|package| (package.name.as_str(), package.reason))
                        .collect(),
                )
            })
            .collect()
    }

    fn repo(plan: &Plan) -> Vec<(&str, Reason)> {
        plan.repo
            .iter()
            .map(|package| (package.name.as_str(), package.reason))
            .collect()
    }

    fn core() -> KnownPackages {
        KnownPackages {
            installed: vec![known("glibc", "2.40-1", &[])],
            sync: vec![
                known("glibc", "2.40-1", &[]),
                known("zlib", "1:1.3.1-2", &["libz.so=1-64"]),
                known("go", "2:1.23.2-1", &[]),
                known("cmake", "3.30.5-1", &[]),
            ],
        }
    }

    #[test]
    fn aur_to_aur_to_repo_chain_builds_dependencies_first() {
        let mut aur = Aur::new(&[
            single("a", "1.0-1", &["depends = b"]),
            single("b", "2.0-1", &["depends = zlib", "depends = glibc"]),
        ]);
        let plan = run(&["a"], &core(), &mut aur).unwrap();
        assert_eq!(repo(&plan), [("zlib", Reason::Dependency)]);
        assert_eq!(
            builds(&plan),
            [
                ("b", vec![("b", Reason::Dependency)]),
                ("a", vec![("a", Reason::Explicit)]),
            ]
        );
        assert_eq!(plan.aur[1].version, "1.0-1");
        assert!(plan.make_only().is_empty());
    }

    #[test]
    fn split_packages_sharing_a_base_are_built_once() {
        let mut aur = Aur::new(&[split(
            "foo",
            "1.2-1",
            &["makedepends = cmake"],
            &["foo", "foo-docs", "foo-extra"],
        )]);
        let plan = run(&["foo-docs", "foo"], &core(), &mut aur).unwrap();
        assert_eq!(
            builds(&plan),
            [(
                "foo",
                vec![("foo-docs", Reason::Explicit), ("foo", Reason::Explicit)]
            )]
        );
        // The second name comes from the base already in the plan.
        assert_eq!(aur.asked, ["foo-docs"]);
        assert_eq!(plan.make_only(), ["cmake"]);
    }

    #[test]
    fn provides_satisfy_dependencies_in_the_repositories_and_the_aur() {
        let mut aur = Aur::new(&[
            single(
                "app",
                "1-1",
                &["depends = libz.so>=1", "depends = java-runtime>=17"],
            ),
            single("jdk-bin", "21.0.1-1", &["provides = java-runtime=21"]),
        ]);
        let plan = run(&["app"], &core(), &mut aur).unwrap();
        assert_eq!(repo(&plan), [("zlib", Reason::Dependency)]);
        assert_eq!(
            builds(&plan),
            [
                ("jdk-bin", vec![("jdk-bin", Reason::Dependency)]),
                ("app", vec![("app", Reason::Explicit)]),
            ]
        );
    }

    #[test]
    fn a_versioned_dependency_the_aur_version_fails_names_the_chain() {
        let mut aur = Aur::new(&[
            single("a", "1-1", &["depends = b"]),
            single("b", "1-1", &["depends = c>=2"]),
            single("c", "1:1.5-1", &[]),
            single("d", "1-1", &["depends = c>=1:2"]),
        ]);
        // 1:1.5 is newer than 2 (the epoch wins): satisfied.
        assert!(run(&["a"], &core(), &mut aur).is_ok());
        let error = run(&["d"], &core(), &mut aur).unwrap_err();
        assert_eq!(
            error,
            GraphError::Unsatisfiable {
                chain: vec!["d".into(), "c>=1:2".into()],
                offered: Some("c 1:1.5-1".into()),
            }
        );
        assert_eq!(
            error.to_string(),
            "unsatisfiable dependency d -> c>=1:2: the AUR has c 1:1.5-1"
        );
        let mut aur = Aur::new(&[
            single("a", "1-1", &["depends = b"]),
            single("b", "1-1", &["depends = nowhere>=2"]),
        ]);
        assert_eq!(
            run(&["a"], &core(), &mut aur).unwrap_err().to_string(),
            "unsatisfiable dependency a -> b -> nowhere>=2: no installed, repository or AUR \
             package provides it"
        );
        assert_eq!(
            run(&["missing"], &core(), &mut aur).unwrap_err(),
            GraphError::NotInAur {
                target: "missing".into()
            }
        );
        assert!(matches!(
            run(&["../x"], &core(), &mut aur).unwrap_err(),
            GraphError::InvalidTarget { .. }
        ));
    }

    #[test]
    fn make_and_check_dependencies_are_make_only_with_what_they_need() {
        let mut aur = Aur::new(&[
            single(
                "tool",
                "1-1",
                &[
                    "depends = lib",
                    "makedepends = go",
                    "makedepends = gen",
                    "checkdepends = tester",
                    "makedepends_x86_64 = cmake",
                    "makedepends_aarch64 = never-asked",
                ],
            ),
            single("gen", "1-1", &["depends = zlib", "depends = lib"]),
            single("tester", "1-1", &[]),
            single("lib", "1-1", &[]),
        ]);
        let plan = run(&["tool"], &core(), &mut aur).unwrap();
        assert_eq!(
            repo(&plan),
            [
                ("go", Reason::Make),
                ("cmake", Reason::Make),
                ("zlib", Reason::Make),
            ]
        );
        assert_eq!(
            builds(&plan),
            [
                ("lib", vec![("lib", Reason::Dependency)]),
                ("gen", vec![("gen", Reason::Make)]),
                ("tester", vec![("tester", Reason::Make)]),
                ("tool", vec![("tool", Reason::Explicit)]),
            ]
        );
        // `lib` is needed by a make dependency too, but the target needs it to run.
        assert_eq!(plan.make_only(), ["go", "cmake", "zlib", "gen", "tester"]);
        assert!(!aur.asked.contains(&"never-asked".to_owned()));

        let mut aur = Aur::new(&[single("tool", "1-1", &["checkdepends = tester"])]);
        let targets = ["tool".to_owned()];
        let plan = resolve(
            &targets,
            &core(),
            &mut |name| aur.lookup(name),
            &ResolveOptions {
                check_depends: false,
                ..options()
            },
        )
        .unwrap();
        assert_eq!(builds(&plan), [("tool", vec![("tool", Reason::Explicit)])]);
    }

    #[test]
    fn installed_dependencies_are_skipped_unless_too_old() {
        let mut repositories = core();
        repositories.installed.push(known("b", "1-1", &[]));
        repositories
            .installed
            .push(known("c", "1-1", &["libc-thing=5"]));
        let mut aur = Aur::new(&[
            single(
                "a",
                "1-1",
                &["depends = b", "depends = libc-thing>=5", "depends = zlib"],
            ),
            single("b", "2-1", &[]),
        ]);
        repositories.installed.push(known("zlib", "1:1.3.1-2", &[]));
        let plan = run(&["a"], &repositories, &mut aur).unwrap();
        assert!(plan.repo.is_empty());
        assert_eq!(builds(&plan), [("a", vec![("a", Reason::Explicit)])]);
        assert_eq!(aur.asked, ["a"]);

        let mut aur = Aur::new(&[
            single("a", "1-1", &["depends = b>=2"]),
            single("b", "2-1", &[]),
        ]);
        let plan = run(&["a"], &repositories, &mut aur).unwrap();
        assert_eq!(
            builds(&plan),
            [
                ("b", vec![("b", Reason::Dependency)]),
                ("a", vec![("a", Reason::Explicit)]),
            ]
        );
    }

    #[test]
    fn a_dependency_cycle_is_named() {
        let mut aur = Aur::new(&[
            single("a", "1-1", &["depends = b"]),
            single("b", "1-1", &["makedepends = c"]),
            single("c", "1-1", &["depends = a"]),
        ]);
        let error = run(&["a"], &core(), &mut aur).unwrap_err();
        assert_eq!(
            error,
            GraphError::Cycle {
                cycle: ["a", "b", "c", "a"].map(String::from).to_vec()
            }
        );
        assert_eq!(error.to_string(), "dependency cycle: a -> b -> c -> a");
    }

    #[test]
    fn split_siblings_may_need_each_other_and_a_target_may_need_another() {
        let mut aur = Aur::new(&[
            split(
                "suite",
                "3-1",
                &["depends = suite-common"],
                &["suite", "suite-common"],
            ),
            single("plugin", "1-1", &["depends = suite>=3"]),
        ]);
        let plan = run(&["plugin", "suite"], &core(), &mut aur).unwrap();
        assert_eq!(
            builds(&plan),
            [
                (
                    "suite",
                    vec![
                        ("suite", Reason::Explicit),
                        ("suite-common", Reason::Dependency)
                    ]
                ),
                ("plugin", vec![("plugin", Reason::Explicit)]),
            ]
        );
    }

    #[test]
    fn architecture_specific_provides_and_depends_follow_the_machine() {
        let mut aur = Aur::new(&[
            single(
                "app",
                "1-1",
                &["depends_x86_64 = libgpu", "depends_aarch64 = absent"],
            ),
            single("gpu-x86", "1-1", &["provides_x86_64 = libgpu=2"]),
        ]);
        let plan = run(&["app"], &core(), &mut aur).unwrap();
        assert_eq!(
            builds(&plan),
            [
                ("gpu-x86", vec![("gpu-x86", Reason::Dependency)]),
                ("app", vec![("app", Reason::Explicit)]),
            ]
        );
    }

    #[test]
    fn an_answer_that_does_not_build_the_name_is_not_used() {
        // A lookup that answers every name with the same unrelated base.
        let other = Srcinfo::parse(&single("other", "1-1", &[])).unwrap();
        let targets = ["foo".to_owned()];
        let error =
            resolve(&targets, &core(), &mut |_| Some(other.clone()), &options()).unwrap_err();
        assert_eq!(
            error,
            GraphError::Unsatisfiable {
                chain: vec!["foo".into()],
                offered: Some("other 1-1".into()),
            }
        );
    }

    #[test]
    fn deep_chains_do_not_exhaust_the_stack() {
        let texts: Vec<String> = (0..2000)
            .map(|n| {
                let depends = format!("depends = p{}", n + 1);
                let lines: &[&str] = if n < 1999 { &[depends.as_str()] } else { &[] };
                single(&format!("p{n}"), "1-1", lines)
            })
            .collect();
        let mut aur = Aur::new(&texts);
        let plan = run(&["p0"], &core(), &mut aur).unwrap();
        assert_eq!(plan.aur.len(), 2000);
        assert_eq!(plan.aur[0].base, "p1999");
    }
}
