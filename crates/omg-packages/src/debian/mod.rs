//! Debian and Ubuntu: packages read straight from APT's lists, the dpkg status file and
//! APT's `extended_states`, with dpkg's version order.
//!
//! libapt-pkg is deliberately not used for reads: on images that disable
//! `pkgcache.bin` (Debian's container images, this project's CI among them) every
//! libapt cache open rebuilds the whole cache in memory, about 1.7 s, while reading
//! the lists directly takes a fraction of that. The answers follow libapt's rules
//! (candidate = newest version of the native architecture or `all`; installed-only
//! packages count; the description searched is the candidate's) and the tests compare
//! them with apt-cache on the same machine. Pin priorities are not applied yet.

mod control;
mod lists;
mod orphans;

use crate::{newest_mtime, Error, PackageBackend, Result};
use control::{lossy, relation_items, relation_names, stanzas, synopsis, Stanza};
use lists::{list_files, read_list, ListFile};
use omg_core::version::dpkg;
use omg_core::{BackendKind, InstalledPackage, PackageDetails, PackageRecord, Upgrade};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// FNV-1a: package names are short and trusted, so SipHash's DoS resistance buys
/// nothing here and costs a measurable share of a direct search.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Repository label of a package known only from the dpkg status (apt's `now`).
const LOCAL_REPOSITORY: &str = "local";

/// Where the APT and dpkg state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebianPaths {
    /// APT lists directory.
    pub lists_dir: PathBuf,
    /// dpkg status file.
    pub status_file: PathBuf,
    /// APT's auto-installed marks.
    pub extended_states: PathBuf,
}

impl Default for DebianPaths {
    fn default() -> Self {
        Self {
            lists_dir: PathBuf::from("/var/lib/apt/lists"),
            status_file: PathBuf::from("/var/lib/dpkg/status"),
            extended_states: PathBuf::from("/var/lib/apt/extended_states"),
        }
    }
}

/// The Debian backend.
#[derive(Debug, Clone)]
pub struct DebianBackend {
    paths: DebianPaths,
    native_architecture: String,
}

impl DebianBackend {
    /// A backend reading the given state files.
    #[must_use]
    pub fn new(paths: DebianPaths) -> Self {
        Self {
            paths,
            native_architecture: native_architecture().to_owned(),
        }
    }

    fn wants_architecture(&self, architecture: Option<&[u8]>) -> bool {
        architecture
            .is_none_or(|arch| arch == b"all" || arch == self.native_architecture.as_bytes())
    }

    fn read_status(&self) -> Result<Vec<u8>> {
        let path = &self.paths.status_file;
        std::fs::read(path).map_err(|source| Error::io(path, source))
    }

    /// Installed packages of the native architecture (or `all`), by name.
    fn installed_stanzas<'a>(&self, status: &'a [u8]) -> FastMap<&'a [u8], Stanza<'a>> {
        stanzas(status)
            .filter(|stanza| {
                is_installed(stanza) && self.wants_architecture(stanza.field("Architecture"))
            })
            .filter_map(|stanza| Some((stanza.field("Package")?, stanza)))
            .collect()
    }

    fn read_lists(&self) -> Result<Vec<(ListFile, Vec<u8>)>> {
        let files = list_files(&self.paths.lists_dir)?;
        // Decompressing is the bulk of the work and the lists are independent.
        std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .into_iter()
                .map(|file| scope.spawn(move || read_list(&file.path).map(|text| (file, text))))
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }

    /// The newest version of each package in the lists (the first list wins ties).
    fn list_candidates<'a>(
        &self,
        lists: &'a [(ListFile, Vec<u8>)],
    ) -> FastMap<&'a [u8], ListEntry<'a>> {
        let mut best: FastMap<&'a [u8], ListEntry<'a>> =
            FastMap::with_capacity_and_hasher(70_000, std::hash::BuildHasherDefault::default());
        for (file, text) in lists {
            for stanza in stanzas(text) {
                let mut name = None;
                let mut version = None;
                let mut architecture = None;
                for (key, value) in stanza.fields() {
                    match key {
                        b"Package" => name = Some(value),
                        b"Version" => version = Some(value),
                        b"Architecture" => architecture = Some(value),
                        _ => {}
                    }
                }
                let (Some(name), Some(version)) = (name, version) else {
                    continue;
                };
                if !self.wants_architecture(architecture) {
                    continue;
                }
                let version = lossy(version);
                let entry = ListEntry {
                    stanza,
                    version,
                    repository: &file.repository,
                };
                match best.get(name) {
                    Some(existing) if dpkg::compare(&entry.version, &existing.version).is_le() => {}
                    _ => {
                        best.insert(name, entry);
                    }
                }
            }
        }
        best
    }

    fn auto_installed(&self) -> Result<HashSet<String>> {
        let path = &self.paths.extended_states;
        let text = match std::fs::read(path) {
            Ok(text) => text,
            // No marks file means nothing was marked automatic: all manual, as apt says.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
            Err(source) => return Err(Error::io(path, source)),
        };
        Ok(stanzas(&text)
            .filter(|stanza| stanza.field("Auto-Installed") == Some(b"1"))
            .filter(|stanza| self.wants_architecture(stanza.field("Architecture")))
            .filter_map(|stanza| stanza.text_field("Package"))
            .collect())
    }

    /// Every stanza for `name` in the lists, with its repository.
    fn list_stanzas_of<'a>(
        &self,
        lists: &'a [(ListFile, Vec<u8>)],
        name: &str,
    ) -> Vec<ListEntry<'a>> {
        let needle = format!("Package: {name}\n");
        let mut found = Vec::new();
        for (file, text) in lists {
            let finder = memchr::memmem::Finder::new(needle.as_bytes());
            for at in finder.find_iter(text) {
                if at != 0 && text[at - 1] != b'\n' {
                    continue;
                }
                let Some(stanza) = stanzas(&text[at..]).next() else {
                    continue;
                };
                // The needle only finds candidates: a `Package` field continued on
                // the next line names another package.
                if stanza.field("Package") != Some(name.as_bytes()) {
                    continue;
                }
                if !self.wants_architecture(stanza.field("Architecture")) {
                    continue;
                }
                let Some(version) = stanza.text_field("Version") else {
                    continue;
                };
                found.push(ListEntry {
                    stanza,
                    version,
                    repository: &file.repository,
                });
            }
        }
        found
    }
}

struct ListEntry<'a> {
    stanza: Stanza<'a>,
    version: String,
    repository: &'a str,
}

fn is_installed(stanza: &Stanza<'_>) -> bool {
    // `want flag status`: anything but not-installed and config-files has files on disk,
    // which is what apt counts as installed (a current version).
    stanza.field("Status").is_some_and(|status| {
        let state = status.rsplit(|&c| c == b' ').next().unwrap_or_default();
        state != b"not-installed" && state != b"config-files"
    })
}

/// dpkg's name for the architecture this binary runs on.
fn native_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "arm" => "armhf",
        "powerpc64" => "ppc64el",
        other => other,
    }
}

impl PackageBackend for DebianBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Debian
    }

    fn root(&self) -> PathBuf {
        PathBuf::from("/")
    }

    fn records(&self) -> Result<Vec<PackageRecord>> {
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&status);
        let lists = self.read_lists()?;
        let candidates = self.list_candidates(&lists);
        let mut records = Vec::with_capacity(candidates.len() + installed.len());
        for (name, entry) in &candidates {
            let installed_version = installed
                .get(name)
                .and_then(|stanza| stanza.text_field("Version"));
            // An installed version newer than every list's is the candidate itself,
            // and apt then searches the long description from the status file.
            if let Some(local) = installed_version
                .as_deref()
                .filter(|local| dpkg::compare(local, &entry.version).is_gt())
            {
                let stanza = installed[name];
                records.push(record_of(
                    stanza,
                    local.to_owned(),
                    LOCAL_REPOSITORY,
                    Some(local.to_owned()),
                    true,
                ));
                continue;
            }
            records.push(record_of(
                entry.stanza,
                entry.version.clone(),
                entry.repository,
                installed_version,
                false,
            ));
        }
        for (name, stanza) in &installed {
            if !candidates.contains_key(name) {
                let version = stanza.text_field("Version").unwrap_or_default();
                records.push(record_of(
                    *stanza,
                    version.clone(),
                    LOCAL_REPOSITORY,
                    Some(version),
                    true,
                ));
            }
        }
        records.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(records)
    }

    fn details(&self, name: &str) -> Result<Option<PackageDetails>> {
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&status);
        let installed_stanza = installed.get(name.as_bytes()).copied();
        let installed_version = installed_stanza.and_then(|stanza| stanza.text_field("Version"));
        let lists = self.read_lists()?;
        let mut entries = self.list_stanzas_of(&lists, name);
        // Newest first; a stable sort keeps list order among equal versions.
        entries.sort_by(|a, b| dpkg::compare(&b.version, &a.version));
        let from_lists = entries.first();
        let (stanza, version, repository) = match (from_lists, installed_stanza, &installed_version)
        {
            (Some(entry), Some(local), Some(local_version))
                if dpkg::compare(local_version, &entry.version).is_gt() =>
            {
                (local, local_version.clone(), LOCAL_REPOSITORY)
            }
            (Some(entry), _, _) => (entry.stanza, entry.version.clone(), entry.repository),
            (None, Some(local), Some(local_version)) => {
                (local, local_version.clone(), LOCAL_REPOSITORY)
            }
            _ => return Ok(None),
        };
        let explicit = match &installed_version {
            Some(_) => Some(!self.auto_installed()?.contains(name)),
            None => None,
        };
        Ok(Some(details_of(
            stanza,
            version,
            repository,
            installed_version,
            explicit,
        )))
    }

    fn installed(&self) -> Result<Vec<InstalledPackage>> {
        let status = self.read_status()?;
        let auto = self.auto_installed()?;
        let mut packages: Vec<InstalledPackage> = self
            .installed_stanzas(&status)
            .into_iter()
            .map(|(name, stanza)| {
                let name = lossy(name);
                InstalledPackage {
                    explicit: !auto.contains(&name),
                    version: stanza.text_field("Version").unwrap_or_default(),
                    name,
                }
            })
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(packages)
    }

    fn upgradable(&self) -> Result<Vec<Upgrade>> {
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&status);
        let lists = self.read_lists()?;
        let candidates = self.list_candidates(&lists);
        let mut upgrades: Vec<Upgrade> = installed
            .iter()
            .filter_map(|(name, stanza)| {
                let installed_version = stanza.text_field("Version")?;
                let candidate = candidates.get(name)?;
                dpkg::compare(&candidate.version, &installed_version)
                    .is_gt()
                    .then(|| Upgrade {
                        name: lossy(name),
                        installed_version,
                        new_version: candidate.version.clone(),
                    })
            })
            .collect();
        upgrades.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(upgrades)
    }

    fn orphans(&self) -> Result<Vec<String>> {
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&status);
        let auto = self.auto_installed()?;
        Ok(orphans::unreachable_auto_packages(&installed, &auto))
    }

    fn database_synced_at(&self) -> Result<Option<i64>> {
        let files = list_files(&self.paths.lists_dir)?;
        Ok(newest_mtime(files.iter().map(|file| file.path.as_path())))
    }

    fn database_paths(&self) -> Vec<PathBuf> {
        vec![
            self.paths.lists_dir.clone(),
            self.paths.status_file.clone(),
            self.paths.extended_states.clone(),
        ]
    }
}

fn record_of(
    stanza: Stanza<'_>,
    version: String,
    repository: &str,
    installed_version: Option<String>,
    search_long_description: bool,
) -> PackageRecord {
    let mut description = None;
    let mut provides = Vec::new();
    for (key, value) in stanza.fields() {
        match key {
            b"Description" => description = Some(value),
            b"Provides" => provides = relation_names(value),
            _ => {}
        }
    }
    let description = description.unwrap_or_default();
    PackageRecord {
        name: stanza.text_field("Package").unwrap_or_default(),
        version,
        description: lossy(synopsis(description)),
        long_description: search_long_description
            .then(|| control::extended_description(description))
            .flatten(),
        repository: repository.to_owned(),
        installed_version,
        provides,
    }
}

fn details_of(
    stanza: Stanza<'_>,
    version: String,
    repository: &str,
    installed_version: Option<String>,
    explicit: Option<bool>,
) -> PackageDetails {
    let items = |key: &str| stanza.field(key).map(relation_items).unwrap_or_default();
    let number = |key: &str| {
        stanza
            .text_field(key)
            .and_then(|value| value.parse::<u64>().ok())
    };
    let mut depends = items("Pre-Depends");
    depends.extend(items("Depends"));
    let mut conflicts = items("Conflicts");
    conflicts.extend(items("Breaks"));
    PackageDetails {
        name: stanza.text_field("Package").unwrap_or_default(),
        version: Some(version),
        installed_version,
        repository: repository.to_owned(),
        description: stanza
            .field("Description")
            .map(|d| lossy(synopsis(d)))
            .unwrap_or_default(),
        url: stanza.text_field("Homepage"),
        // Debian declares licenses per file in /usr/share/doc/<pkg>/copyright, not in
        // the package index.
        licenses: Vec::new(),
        architecture: stanza.text_field("Architecture"),
        depends,
        optional_depends: items("Recommends"),
        provides: items("Provides"),
        conflicts,
        replaces: items("Replaces"),
        download_size: number("Size"),
        installed_size: number("Installed-Size").map(|kib| kib * 1024),
        packager: stanza.text_field("Maintainer"),
        build_date: None,
        install_date: None,
        explicit,
        section: stanza.text_field("Section"),
    }
}

#[cfg(test)]
mod tests;
