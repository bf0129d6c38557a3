//! `.SRCINFO`, the static summary makepkg writes beside a PKGBUILD: a `pkgbase`
//! section, then one `pkgname` section per package the PKGBUILD builds. omg reads
//! the dependency graph from it rather than from the RPC, because the clone is what
//! gets built.
//!
//! The text comes from a git repository anyone can push to, so it is hostile: it is
//! size-capped, every malformed line is one [`SrcinfoError`] naming the line, names
//! follow pacman's rule, and nothing in it can make the parser panic. Keys omg does
//! not use are skipped, so a newer makepkg's additions do not break installs.

use super::dependency::{Dependency, DependencyError, OptionalDependency};
use super::valid_package_name;
use std::fmt;

/// Far above any real `.SRCINFO` (the largest in the AUR are tens of kilobytes,
/// from long source arrays), low enough that a hostile one cannot exhaust memory.
pub const MAX_SRCINFO_BYTES: usize = 1 << 20;

/// Why a `.SRCINFO` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrcinfoError {
    #[error(".SRCINFO is {size} bytes, more than the {limit} bytes allowed")]
    TooLarge { size: usize, limit: usize },
    #[error(".SRCINFO line {line}: {problem}")]
    Line { line: usize, problem: LineProblem },
    #[error(".SRCINFO has no {0}")]
    Missing(&'static str),
}

/// What is wrong with one line of a `.SRCINFO`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    #[error("not valid UTF-8")]
    NotUtf8,
    #[error("expected `key = value`")]
    NotKeyValue,
    #[error("`{0}` comes before the pkgbase line")]
    BeforePkgbase(String),
    #[error("a second pkgbase")]
    SecondPkgbase,
    #[error("{0:?} is not a valid package name")]
    InvalidName(String),
    #[error("pkgname {0} appears twice")]
    DuplicatePackage(String),
    #[error("`{0}` belongs in the pkgbase section, not a pkgname section")]
    BaseOnly(String),
    #[error("`{0}` is empty in the pkgbase section")]
    EmptyInBase(String),
    #[error("`{0}` is given twice")]
    Repeated(String),
    #[error("`{0}` has no architecture after the `_`")]
    InvalidArchitecture(String),
    #[error("{key} {value:?} is not a valid value")]
    InvalidValue { key: String, value: String },
    #[error(transparent)]
    Dependency(#[from] DependencyError),
}

/// A list whose entries may depend on the architecture (`depends`,
/// `depends_x86_64`): one group of entries for every architecture, and one per
/// architecture-specific key, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchList<T> {
    groups: Vec<(Option<String>, Vec<T>)>,
}

impl<T> Default for ArchList<T> {
    fn default() -> Self {
        Self { groups: Vec::new() }
    }
}

impl<T> ArchList<T> {
    /// The entries for every architecture.
    #[must_use]
    pub fn common(&self) -> &[T] {
        self.group(None).unwrap_or_default()
    }

    /// The entries that apply on `arch`: the common ones, then that architecture's.
    pub fn for_arch<'a>(&'a self, arch: &str) -> impl Iterator<Item = &'a T> + 'a {
        let specific = self.group(Some(arch)).unwrap_or_default();
        self.common().iter().chain(specific)
    }

    /// Every group: `None` is every architecture, `Some(arch)` one of them.
    pub fn groups(&self) -> impl Iterator<Item = (Option<&str>, &[T])> {
        self.groups
            .iter()
            .map(|(arch, entries)| (arch.as_deref(), entries.as_slice()))
    }

    fn group(&self, arch: Option<&str>) -> Option<&[T]> {
        self.groups
            .iter()
            .find(|(key, _)| key.as_deref() == arch)
            .map(|(_, entries)| entries.as_slice())
    }

    fn has(&self, arch: Option<&str>) -> bool {
        self.group(arch).is_some()
    }

    /// The group for `arch`, created empty: an empty group is still "set", which is
    /// how `depends =` in a package section clears what the base gave.
    fn group_mut(&mut self, arch: Option<&str>) -> &mut Vec<T> {
        let at = match self
            .groups
            .iter()
            .position(|(key, _)| key.as_deref() == arch)
        {
            Some(at) => at,
            None => {
                self.groups.push((arch.map(str::to_owned), Vec::new()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[at].1
    }
}

impl<T: Clone> ArchList<T> {
    /// This package's list: its own groups, plus each base group whose
    /// architecture it does not set itself (srcinfo.rs and makepkg inherit per
    /// key and architecture, so overriding `depends` keeps `depends_x86_64`).
    fn inherit(&self, base: &Self) -> Self {
        let mut merged = self.clone();
        for (arch, entries) in &base.groups {
            if !self.has(arch.as_deref()) {
                merged.groups.push((arch.clone(), entries.clone()));
            }
        }
        merged
    }
}

/// The `pkgbase` section: what is built once for every package in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageBase {
    pub name: String,
    pub pkgver: String,
    pub pkgrel: String,
    pub epoch: Option<String>,
    pub makedepends: ArchList<Dependency>,
    pub checkdepends: ArchList<Dependency>,
    /// The version-control sources (`git+https://…#branch=main`, on any
    /// architecture), without their `name::` prefix: what `--devel` watches.
    pub vcs_sources: Vec<String>,
}

impl PackageBase {
    /// The full version, `[epoch:]pkgver-pkgrel`, as pacman compares it.
    #[must_use]
    pub fn version(&self) -> String {
        match &self.epoch {
            Some(epoch) => format!("{epoch}:{}-{}", self.pkgver, self.pkgrel),
            None => format!("{}-{}", self.pkgver, self.pkgrel),
        }
    }
}

/// One package the base builds, with the base's values already inherited where
/// the package does not override them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub description: Option<String>,
    pub arch: Vec<String>,
    pub depends: ArchList<Dependency>,
    pub optdepends: ArchList<OptionalDependency>,
    pub provides: ArchList<Dependency>,
    pub conflicts: ArchList<Dependency>,
    pub replaces: ArchList<Dependency>,
}

/// A parsed `.SRCINFO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srcinfo {
    pub base: PackageBase,
    /// In file order; never empty.
    pub packages: Vec<Package>,
}

impl Srcinfo {
    /// Parses a `.SRCINFO` read as bytes (from a clone or an HTTP answer).
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, SrcinfoError> {
        check_size(bytes.len())?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(text),
            Err(error) => {
                let before = &bytes[..error.valid_up_to()];
                let line = 1 + before.iter().filter(|&&byte| byte == b'\n').count();
                Err(SrcinfoError::Line {
                    line,
                    problem: LineProblem::NotUtf8,
                })
            }
        }
    }

    /// Parses a `.SRCINFO`.
    pub fn parse(text: &str) -> Result<Self, SrcinfoError> {
        check_size(text.len())?;
        let mut parser = Parser::default();
        for (index, line) in text.lines().enumerate() {
            parser.line(line).map_err(|problem| SrcinfoError::Line {
                line: index + 1,
                problem,
            })?;
        }
        parser.finish()
    }

    /// The package called `name`, if the base builds one.
    #[must_use]
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|package| package.name == name)
    }

    /// The full version every package of the base gets.
    #[must_use]
    pub fn version(&self) -> String {
        self.base.version()
    }
}

fn check_size(size: usize) -> Result<(), SrcinfoError> {
    if size > MAX_SRCINFO_BYTES {
        return Err(SrcinfoError::TooLarge {
            size,
            limit: MAX_SRCINFO_BYTES,
        });
    }
    Ok(())
}

/// The fields a section may set, before packages inherit from the base.
#[derive(Debug, Default)]
struct Section {
    name: String,
    description: Option<Option<String>>,
    arch: Option<Vec<String>>,
    depends: ArchList<Dependency>,
    optdepends: ArchList<OptionalDependency>,
    provides: ArchList<Dependency>,
    conflicts: ArchList<Dependency>,
    replaces: ArchList<Dependency>,
}

#[derive(Debug, Default)]
struct Parser {
    base: Option<Section>,
    pkgver: Option<String>,
    pkgrel: Option<String>,
    epoch: Option<String>,
    makedepends: ArchList<Dependency>,
    checkdepends: ArchList<Dependency>,
    vcs_sources: Vec<String>,
    packages: Vec<Section>,
}

/// makepkg's version-control source prefixes (`git+https://…`).
const VCS_PROTOCOLS: &[&str] = &["git", "svn", "hg", "bzr", "fossil"];

/// The keys omg reads. Everything else (source, checksums, options, backup …) is
/// makepkg's business and skipped, except that the base-only ones are refused in
/// a package section, where makepkg itself would refuse them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Pkgbase,
    Pkgname,
    Pkgver,
    Pkgrel,
    Epoch,
    Pkgdesc,
    Arch,
    Depends,
    Makedepends,
    Checkdepends,
    Optdepends,
    Provides,
    Conflicts,
    Replaces,
    Source,
    OtherBaseOnly,
    Other,
}

impl Key {
    fn of(name: &str) -> Self {
        match name {
            "pkgbase" => Self::Pkgbase,
            "pkgname" => Self::Pkgname,
            "pkgver" => Self::Pkgver,
            "pkgrel" => Self::Pkgrel,
            "epoch" => Self::Epoch,
            "pkgdesc" => Self::Pkgdesc,
            "arch" => Self::Arch,
            "depends" => Self::Depends,
            "makedepends" => Self::Makedepends,
            "checkdepends" => Self::Checkdepends,
            "optdepends" => Self::Optdepends,
            "provides" => Self::Provides,
            "conflicts" => Self::Conflicts,
            "replaces" => Self::Replaces,
            "source" => Self::Source,
            "validpgpkeys" | "noextract" | "md5sums" | "sha1sums" | "sha224sums" | "sha256sums"
            | "sha384sums" | "sha512sums" | "b2sums" | "cksums" => Self::OtherBaseOnly,
            _ => Self::Other,
        }
    }

    /// Keys that may carry `_<arch>`.
    fn arch_specific(self) -> bool {
        matches!(
            self,
            Self::Depends
                | Self::Makedepends
                | Self::Checkdepends
                | Self::Optdepends
                | Self::Provides
                | Self::Conflicts
                | Self::Replaces
                | Self::Source
                | Self::OtherBaseOnly
        )
    }
}

impl Parser {
    fn line(&mut self, line: &str) -> Result<(), LineProblem> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(LineProblem::NotKeyValue);
        };
        let (full_key, value) = (key.trim(), value.trim());
        if full_key.is_empty() {
            return Err(LineProblem::NotKeyValue);
        }
        // Split at the first `_`: `depends_x86_64` is `depends` on `x86_64`.
        let (key, arch) = match full_key.split_once('_') {
            Some((key, arch)) if Key::of(key).arch_specific() => {
                if arch.is_empty()
                    || !arch
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
                {
                    return Err(LineProblem::InvalidArchitecture(full_key.to_owned()));
                }
                (Key::of(key), Some(arch))
            }
            _ => (Key::of(full_key), None),
        };
        if key == Key::Pkgbase {
            if self.base.is_some() {
                return Err(LineProblem::SecondPkgbase);
            }
            self.base = Some(Section {
                name: package_name(value)?,
                ..Section::default()
            });
            return Ok(());
        }
        if self.base.is_none() {
            return Err(LineProblem::BeforePkgbase(full_key.to_owned()));
        }
        if key == Key::Pkgname {
            let name = package_name(value)?;
            if self.packages.iter().any(|package| package.name == name) {
                return Err(LineProblem::DuplicatePackage(name));
            }
            self.packages.push(Section {
                name,
                ..Section::default()
            });
            return Ok(());
        }
        let in_base = self.packages.is_empty();
        let base_only = matches!(
            key,
            Key::Pkgver
                | Key::Pkgrel
                | Key::Epoch
                | Key::Makedepends
                | Key::Checkdepends
                | Key::Source
                | Key::OtherBaseOnly
        );
        if base_only && !in_base {
            return Err(LineProblem::BaseOnly(full_key.to_owned()));
        }
        if key == Key::Source {
            let url = value.split_once("::").map_or(value, |(_, url)| url);
            if VCS_PROTOCOLS
                .iter()
                .any(|protocol| url.starts_with(&format!("{protocol}+")))
            {
                self.vcs_sources.push(url.to_owned());
            }
            return Ok(());
        }
        if key == Key::Other || key == Key::OtherBaseOnly {
            return Ok(());
        }
        // An empty value clears an inherited one in a package section; in the base
        // there is nothing to clear, and makepkg never writes one.
        if value.is_empty() && in_base {
            return Err(LineProblem::EmptyInBase(full_key.to_owned()));
        }
        match key {
            Key::Pkgver => set_once(&mut self.pkgver, full_key, version_part(key, value)?),
            Key::Pkgrel => set_once(&mut self.pkgrel, full_key, version_part(key, value)?),
            Key::Epoch => set_once(&mut self.epoch, full_key, version_part(key, value)?),
            Key::Makedepends => push_dependency(&mut self.makedepends, arch, value),
            Key::Checkdepends => push_dependency(&mut self.checkdepends, arch, value),
            _ => {
                let section = if in_base {
                    self.base.as_mut()
                } else {
                    self.packages.last_mut()
                };
                // Both exist here: the base was checked above, and `in_base` is
                // false only once a package section has been pushed.
                let Some(section) = section else {
                    return Ok(());
                };
                section.set(key, arch, value)
            }
        }
    }

    fn finish(self) -> Result<Srcinfo, SrcinfoError> {
        let base = self.base.ok_or(SrcinfoError::Missing("pkgbase"))?;
        let pkgver = self.pkgver.ok_or(SrcinfoError::Missing("pkgver"))?;
        let pkgrel = self.pkgrel.ok_or(SrcinfoError::Missing("pkgrel"))?;
        if self.packages.is_empty() {
            return Err(SrcinfoError::Missing("pkgname"));
        }
        let packages = self
            .packages
            .into_iter()
            .map(|package| Package {
                description: package
                    .description
                    .clone()
                    .unwrap_or_else(|| base.description.clone().flatten())
                    .filter(|description| !description.is_empty()),
                arch: package
                    .arch
                    .clone()
                    .or_else(|| base.arch.clone())
                    .unwrap_or_default(),
                depends: package.depends.inherit(&base.depends),
                optdepends: package.optdepends.inherit(&base.optdepends),
                provides: package.provides.inherit(&base.provides),
                conflicts: package.conflicts.inherit(&base.conflicts),
                replaces: package.replaces.inherit(&base.replaces),
                name: package.name,
            })
            .collect();
        Ok(Srcinfo {
            base: PackageBase {
                name: base.name,
                pkgver,
                pkgrel,
                epoch: self.epoch,
                makedepends: self.makedepends,
                checkdepends: self.checkdepends,
                vcs_sources: self.vcs_sources,
            },
            packages,
        })
    }
}

impl Section {
    fn set(&mut self, key: Key, arch: Option<&str>, value: &str) -> Result<(), LineProblem> {
        match key {
            Key::Pkgdesc => {
                self.description = Some(Some(value.to_owned()).filter(|value| !value.is_empty()));
            }
            Key::Arch => {
                let arches = self.arch.get_or_insert_with(Vec::new);
                if !value.is_empty() {
                    if !value
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
                    {
                        return Err(LineProblem::InvalidValue {
                            key: "arch".to_owned(),
                            value: value.to_owned(),
                        });
                    }
                    arches.push(value.to_owned());
                }
            }
            Key::Depends => push_dependency(&mut self.depends, arch, value)?,
            Key::Provides => push_dependency(&mut self.provides, arch, value)?,
            Key::Conflicts => push_dependency(&mut self.conflicts, arch, value)?,
            Key::Replaces => push_dependency(&mut self.replaces, arch, value)?,
            Key::Optdepends => {
                let group = self.optdepends.group_mut(arch);
                if !value.is_empty() {
                    group.push(OptionalDependency::parse(value)?);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn package_name(value: &str) -> Result<String, LineProblem> {
    if valid_package_name(value) {
        Ok(value.to_owned())
    } else {
        Err(LineProblem::InvalidName(value.to_owned()))
    }
}

/// makepkg's rules for the parts of a version: pkgver is printable ASCII without
/// `:`, `/`, `-` or `<>=` (which would change how pacman splits it), pkgrel is
/// digits with at most one inner dot, and epoch is digits.
fn version_part(key: Key, value: &str) -> Result<String, LineProblem> {
    let valid = match key {
        Key::Pkgver => value
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && !b":/-<>=".contains(&byte)),
        Key::Pkgrel => {
            let mut parts = value.split('.');
            let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            parts.next().is_some_and(digits)
                && parts.next().is_none_or(digits)
                && parts.next().is_none()
        }
        _ => value.bytes().all(|byte| byte.is_ascii_digit()),
    };
    if valid {
        Ok(value.to_owned())
    } else {
        Err(LineProblem::InvalidValue {
            key: key.to_string(),
            value: value.to_owned(),
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Pkgver => "pkgver",
            Self::Pkgrel => "pkgrel",
            Self::Epoch => "epoch",
            _ => "value",
        })
    }
}

fn set_once(slot: &mut Option<String>, key: &str, value: String) -> Result<(), LineProblem> {
    if slot.is_some() {
        return Err(LineProblem::Repeated(key.to_owned()));
    }
    *slot = Some(value);
    Ok(())
}

fn push_dependency(
    list: &mut ArchList<Dependency>,
    arch: Option<&str>,
    value: &str,
) -> Result<(), LineProblem> {
    let group = list.group_mut(arch);
    if !value.is_empty() {
        group.push(Dependency::parse(value)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names<'a>(dependencies: impl IntoIterator<Item = &'a Dependency>) -> Vec<String> {
        dependencies.into_iter().map(ToString::to_string).collect()
    }

    const SPLIT: &str = "\
# Generated by makepkg 6.1.0
# Mon Nov 30 10:00:00 UTC 2026
pkgbase = foo
\tpkgdesc = Example tool
\tpkgver = 1.2.3
\tpkgrel = 2
\tepoch = 1
\turl = https://example.org
\tarch = x86_64
\tarch = aarch64
\tlicense = MIT
\tcheckdepends = python-pytest
\tmakedepends = cmake>=3.20
\tmakedepends_x86_64 = nasm
\tdepends = glibc
\tdepends_x86_64 = lib32-glibc
\toptdepends = python: for the scripts
\tprovides = libfoo.so=3-64
\tsource = foo-1.2.3.tar.gz::https://example.org/foo-1.2.3.tar.gz
\tsha256sums = 0123456789abcdef
\tsource_aarch64 = patch-arm.diff
\tsha256sums_aarch64 = SKIP
\tfuture_key = whatever a newer makepkg writes

pkgname = foo
\tdepends = glibc
\tdepends = bar>=2

pkgname = foo-docs
\tpkgdesc = Docs for foo
\tarch = any
\tdepends =
\toptdepends =
\tprovides =
";

    #[test]
    fn split_package_inherits_and_overrides_per_key_and_arch() {
        let srcinfo = Srcinfo::parse(SPLIT).unwrap();
        assert_eq!(srcinfo.base.name, "foo");
        assert_eq!(srcinfo.version(), "1:1.2.3-2");
        assert_eq!(
            names(srcinfo.base.makedepends.for_arch("x86_64")),
            ["cmake>=3.20", "nasm"]
        );
        assert_eq!(
            names(srcinfo.base.makedepends.for_arch("aarch64")),
            ["cmake>=3.20"]
        );
        assert_eq!(names(srcinfo.base.checkdepends.common()), ["python-pytest"]);

        let foo = srcinfo.package("foo").unwrap();
        assert_eq!(foo.description.as_deref(), Some("Example tool"));
        assert_eq!(foo.arch, ["x86_64", "aarch64"]);
        // Its own `depends` replaces the base's; `depends_x86_64` is still inherited.
        assert_eq!(
            names(foo.depends.for_arch("x86_64")),
            ["glibc", "bar>=2", "lib32-glibc"]
        );
        assert_eq!(names(foo.depends.for_arch("aarch64")), ["glibc", "bar>=2"]);
        assert_eq!(names(foo.provides.common()), ["libfoo.so=3-64"]);
        assert_eq!(foo.optdepends.common()[0].dependency.name, "python");

        let docs = srcinfo.package("foo-docs").unwrap();
        assert_eq!(docs.description.as_deref(), Some("Docs for foo"));
        assert_eq!(docs.arch, ["any"]);
        // `depends =` clears the common list but not the x86_64 one it never set.
        assert_eq!(
            names(docs.depends.for_arch("aarch64")),
            Vec::<String>::new()
        );
        assert_eq!(names(docs.depends.for_arch("x86_64")), ["lib32-glibc"]);
        assert!(docs.optdepends.common().is_empty());
        assert!(docs.provides.common().is_empty());
        assert!(srcinfo.package("bar").is_none());
    }

    #[test]
    fn single_package_without_epoch_and_without_indentation() {
        let text = "pkgbase=yay\npkgver = 12.4.2\npkgrel=1\narch=x86_64\n\
                    depends = pacman>6.1\r\nmakedepends = go>=1.21\n\npkgname=yay\n";
        let srcinfo = Srcinfo::parse(text).unwrap();
        assert_eq!(srcinfo.version(), "12.4.2-1");
        let yay = srcinfo.package("yay").unwrap();
        assert_eq!(names(yay.depends.common()), ["pacman>6.1"]);
        assert_eq!(names(srcinfo.base.makedepends.common()), ["go>=1.21"]);
        assert!(yay.description.is_none());
    }

    fn problem(text: &str) -> SrcinfoError {
        Srcinfo::parse(text).unwrap_err()
    }

    fn line(line: usize, problem: LineProblem) -> SrcinfoError {
        SrcinfoError::Line { line, problem }
    }

    #[test]
    fn malformed_lines_are_one_error_with_their_line_number() {
        let head = "pkgbase = a\npkgver = 1\npkgrel = 1\n";
        assert_eq!(
            problem(&format!("{head}pkgname = a\nthis is not a key\n")),
            line(5, LineProblem::NotKeyValue)
        );
        assert_eq!(
            problem("pkgver = 1\n"),
            line(1, LineProblem::BeforePkgbase("pkgver".into()))
        );
        assert_eq!(
            problem(&format!("{head}pkgname = a\npkgver = 2\n")),
            line(5, LineProblem::BaseOnly("pkgver".into()))
        );
        assert_eq!(
            problem(&format!("{head}pkgname = a\nmakedepends_x86_64 = b\n")),
            line(5, LineProblem::BaseOnly("makedepends_x86_64".into()))
        );
        assert_eq!(
            problem(&format!("{head}pkgname = a\nsha256sums = SKIP\n")),
            line(5, LineProblem::BaseOnly("sha256sums".into()))
        );
        assert_eq!(
            problem(&format!("{head}depends =\n")),
            line(4, LineProblem::EmptyInBase("depends".into()))
        );
        assert_eq!(
            problem("pkgbase = ../etc\n"),
            line(1, LineProblem::InvalidName("../etc".into()))
        );
        assert_eq!(
            problem(&format!("{head}pkgname = a\npkgname = a\n")),
            line(5, LineProblem::DuplicatePackage("a".into()))
        );
        assert_eq!(
            problem(&format!("{head}pkgbase = b\n")),
            line(4, LineProblem::SecondPkgbase)
        );
        assert_eq!(
            problem(&format!("{head}pkgver = 2\n")),
            line(4, LineProblem::Repeated("pkgver".into()))
        );
        assert!(matches!(
            problem("pkgbase = a\npkgver = 1-2\n"),
            SrcinfoError::Line {
                line: 2,
                problem: LineProblem::InvalidValue { .. }
            }
        ));
        assert!(matches!(
            problem("pkgbase = a\nepoch = x\n"),
            SrcinfoError::Line {
                line: 2,
                problem: LineProblem::InvalidValue { .. }
            }
        ));
        assert!(matches!(
            problem(&format!("{head}pkgname = a\ndepends = Bad>=1\n")),
            SrcinfoError::Line {
                line: 5,
                problem: LineProblem::Dependency(_)
            }
        ));
        assert_eq!(
            problem(&format!("{head}depends_ = x\n")),
            line(4, LineProblem::InvalidArchitecture("depends_".into()))
        );
        assert_eq!(problem(head), SrcinfoError::Missing("pkgname"));
        assert_eq!(
            problem("pkgbase = a\npkgrel = 1\npkgname = a\n"),
            SrcinfoError::Missing("pkgver")
        );
        assert_eq!(
            problem("# only a comment\n"),
            SrcinfoError::Missing("pkgbase")
        );
    }

    #[test]
    fn unknown_keys_are_ignored_even_with_underscores() {
        let text = "pkgbase = a\npkgver = 1\npkgrel = 1.1\nnew_key = x\nweird key = y\n\
                    pkgname = a\noptions = !strip\nbackup = etc/a.conf\n";
        let srcinfo = Srcinfo::parse(text).unwrap();
        assert_eq!(srcinfo.version(), "1-1.1");
    }

    #[test]
    fn oversized_and_non_utf8_inputs_are_refused() {
        let big = vec![b'#'; MAX_SRCINFO_BYTES + 1];
        assert_eq!(
            Srcinfo::parse_bytes(&big).unwrap_err(),
            SrcinfoError::TooLarge {
                size: MAX_SRCINFO_BYTES + 1,
                limit: MAX_SRCINFO_BYTES
            }
        );
        assert_eq!(
            Srcinfo::parse_bytes(b"pkgbase = a\npkgdesc = \xff\n").unwrap_err(),
            line(2, LineProblem::NotUtf8)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Srcinfo::parse_bytes(&bytes);
        }

        /// Lines built from .SRCINFO's own vocabulary reach far deeper than random
        /// bytes: whatever the combination, the answer is a value or an error.
        #[test]
        fn arbitrary_srcinfo_lines_never_panic(lines in proptest::collection::vec(
            (
                prop::sample::select(vec![
                    "pkgbase", "pkgname", "pkgver", "pkgrel", "epoch", "pkgdesc", "arch",
                    "depends", "depends_x86_64", "makedepends", "checkdepends_", "optdepends",
                    "provides", "conflicts", "replaces", "source_any", "sha256sums", "x_y", "",
                ]),
                prop::sample::select(vec![" = ", "=", " ", ""]),
                "[a-z0-9<>=:._ -]{0,12}",
            ),
            0..24,
        )) {
            let text: String = lines
                .iter()
                .map(|(key, separator, value)| format!("{key}{separator}{value}\n"))
                .collect();
            if let Ok(srcinfo) = Srcinfo::parse(&text) {
                prop_assert!(!srcinfo.packages.is_empty());
                prop_assert!(valid_package_name(&srcinfo.base.name));
            }
        }
    }
}
