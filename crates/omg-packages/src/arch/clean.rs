//! `omg clean` on Arch: the package cache pruned as `paccache -rk N` prunes it, and
//! with `--orphans` the dependencies nothing needs removed in the same change
//! (`pacman -Rns $(pacman -Qdtq)`, planned by libalpm in [`super::transact`]).
//!
//! Files are looked at and deleted only through [`crate::cache_dir`], never
//! through a link.

use super::transact::Transaction;
use super::ArchBackend;
use crate::cache_dir::{delete, regular_file_size};
use crate::{EventSink, PlannedChange, Result};
use omg_core::plan::CacheFile;
use omg_core::version::pacman::vercmp;
use omg_core::Plan;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

impl ArchBackend {
    /// pacman.conf's `CacheDir`s, or `<root>/var/cache/pacman/pkg`.
    pub(super) fn cache_dirs(&self) -> Vec<PathBuf> {
        if self.conf.cache_dirs.is_empty() {
            vec![self.root.join("var/cache/pacman/pkg")]
        } else {
            self.conf.cache_dirs.clone()
        }
    }
}

/// Installed packages that are dependencies nothing requires or optionally
/// requires: `pacman -Qdtq`.
pub(super) fn orphans(alpm: &alpm::Alpm) -> Vec<String> {
    let mut orphans: Vec<String> = alpm
        .localdb()
        .pkgs()
        .iter()
        .filter(|package| package.reason() == alpm::PackageReason::Depend)
        .filter(|package| package.required_by().is_empty() && package.optional_for().is_empty())
        .map(|package| package.name().to_owned())
        .collect();
    orphans.sort();
    orphans
}

/// A clean: the orphan removal libalpm planned (maybe nothing) and the cache files
/// to delete after it.
pub(super) struct CleanChange {
    transaction: Transaction,
    plan: Plan,
}

impl CleanChange {
    /// Adds the cache files `keep` leaves over to `transaction`'s plan.
    pub(super) fn new(backend: &ArchBackend, transaction: Transaction, keep: u32) -> Result<Self> {
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        let mut plan = transaction.plan().clone();
        for dir in backend.cache_dirs() {
            plan.cache_files.extend(stale_files(&dir, keep)?);
        }
        Ok(Self { transaction, plan })
    }
}

impl PlannedChange for CleanChange {
    fn plan(&self) -> &Plan {
        &self.plan
    }

    fn commit(self: Box<Self>, sink: EventSink) -> Result<()> {
        let Self { transaction, plan } = *self;
        if transaction.plan().is_empty() {
            drop(transaction);
        } else {
            transaction.commit(sink)?;
        }
        delete(&plan.cache_files)
    }
}

/// A cached package's file name, `name-pkgver-pkgrel-arch.pkg.tar[.ext]`, split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackageFile<'a> {
    name: &'a str,
    /// `[epoch:]pkgver-pkgrel`.
    version: &'a str,
    arch: &'a str,
}

/// Names contain dashes; the last three dash-separated fields before the
/// extension are pkgver, pkgrel and arch, and none of them may be empty.
/// Anything else (`.sig`, a `.part` download, a stray file) is not a package.
fn parse_package_file(file: &str) -> Option<PackageFile<'_>> {
    let (stem, extension) = file.rsplit_once(".pkg.tar")?;
    let compression_ok = extension.is_empty()
        || extension.strip_prefix('.').is_some_and(|compression| {
            !compression.is_empty() && compression.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if !compression_ok {
        return None;
    }
    let mut fields = stem.rsplitn(4, '-');
    let arch = fields.next()?;
    let release = fields.next()?;
    let version = fields.next()?;
    let name = fields.next()?;
    if [name, version, release, arch].iter().any(|f| f.is_empty()) {
        return None;
    }
    Some(PackageFile {
        name,
        version: &stem[name.len() + 1..stem.len() - arch.len() - 1],
        arch,
    })
}

/// One package file found in the cache.
struct Cached<'a> {
    version: &'a str,
    file: &'a str,
    size: u64,
}

/// What `paccache -rk keep` removes from `dir`: for each package name and
/// architecture, every version but the `keep` newest (libalpm's order), each with
/// its `.sig`. A missing directory has nothing to remove.
pub(crate) fn stale_files(dir: &Path, keep: usize) -> Result<Vec<CacheFile>> {
    let Some((fd, names)) = crate::cache_dir::list(dir)? else {
        return Ok(Vec::new());
    };
    let mut groups: HashMap<(&str, &str), Vec<Cached<'_>>> = HashMap::new();
    for name in &names {
        let Some(package) = parse_package_file(name) else {
            continue;
        };
        let Some(size) = regular_file_size(&fd, name) else {
            continue;
        };
        groups
            .entry((package.name, package.arch))
            .or_default()
            .push(Cached {
                version: package.version,
                file: name,
                size,
            });
    }
    let mut stale: BTreeMap<PathBuf, u64> = BTreeMap::new();
    for files in groups.values_mut() {
        // Newest first; the file name breaks ties so the choice is stable.
        files.sort_by(|a, b| vercmp(b.version, a.version).then_with(|| a.file.cmp(b.file)));
        for cached in files.iter().skip(keep) {
            stale.insert(dir.join(cached.file), cached.size);
            let signature = format!("{}.sig", cached.file);
            if let Some(size) = regular_file_size(&fd, &signature) {
                stale.insert(dir.join(signature), size);
            }
        }
    }
    Ok(stale
        .into_iter()
        .map(|(path, size)| CacheFile { path, size })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_file_names_split_on_the_last_three_dashes() {
        let parsed = |file| parse_package_file(file).map(|p| (p.name, p.version, p.arch));
        assert_eq!(
            parsed("omg-hello-extras-1.0-1-any.pkg.tar.zst"),
            Some(("omg-hello-extras", "1.0-1", "any"))
        );
        assert_eq!(
            parsed("omg-epoch-1:0.9-1-x86_64.pkg.tar.xz"),
            Some(("omg-epoch", "1:0.9-1", "x86_64"))
        );
        assert_eq!(parsed("a-1-1-any.pkg.tar"), Some(("a", "1-1", "any")));
        for not_a_package in [
            "omg-hello-1.0-1-any.pkg.tar.zst.sig",
            "omg-hello-1.0-1-any.pkg.tar.zst.part",
            "hello-1.0-any.pkg.tar.zst",
            "-1.0-1-any.pkg.tar.zst",
            "omg-hello-1.0--any.pkg.tar.zst",
            "omg-hello-1.0-1-any.tar.zst",
            "omg-hello-1.0-1-any.pkg.tar.",
            "download-XXXX",
        ] {
            assert_eq!(parsed(not_a_package), None, "{not_a_package}");
        }
    }

    #[test]
    fn stale_files_keep_the_newest_per_name_and_arch_with_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let touch = |name: &str| std::fs::write(dir.path().join(name), name).unwrap();
        for name in [
            "a-1.0-1-any.pkg.tar.zst",
            "a-1.0-1-any.pkg.tar.zst.sig",
            "a-1.10-1-any.pkg.tar.zst",
            "a-1.9-1-any.pkg.tar.zst",
            "a-1:0.1-1-any.pkg.tar.zst",
            "a-x-2.0-1-any.pkg.tar.zst",
            "a-2.0-1-x86_64.pkg.tar.zst",
            "notes.txt",
        ] {
            touch(name);
        }
        // A link posing as an old version: never listed, never followed.
        let target = outside.path().join("victim");
        std::fs::write(&target, b"keep me").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("a-0.1-1-any.pkg.tar.zst")).unwrap();
        let names = |keep| {
            stale_files(dir.path(), keep)
                .unwrap()
                .into_iter()
                .map(|file| {
                    file.path
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(2),
            [
                "a-1.0-1-any.pkg.tar.zst",
                "a-1.0-1-any.pkg.tar.zst.sig",
                "a-1.9-1-any.pkg.tar.zst"
            ]
        );
        let files = stale_files(dir.path(), 1).unwrap();
        assert_eq!(files.len(), 4);
        assert_eq!(files[0].size, "a-1.0-1-any.pkg.tar.zst".len() as u64);
        delete(&files).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "a-0.1-1-any.pkg.tar.zst",
                "a-1:0.1-1-any.pkg.tar.zst",
                "a-2.0-1-x86_64.pkg.tar.zst",
                "a-x-2.0-1-any.pkg.tar.zst",
                "notes.txt"
            ]
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
        assert!(stale_files(&dir.path().join("missing"), 0)
            .unwrap()
            .is_empty());
    }
}
