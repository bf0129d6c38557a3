//! Debian and Ubuntu: packages read straight from APT's lists, the dpkg status file and
//! APT's `extended_states`, with dpkg's version order.
//!
//! libapt-pkg is deliberately not used for reads: on images that disable
//! `pkgcache.bin` (Debian's container images, this project's CI among them) every
//! libapt cache open rebuilds the whole cache in memory, about 1.7 s, while reading
//! the lists directly takes a fraction of that. The answers follow libapt's rules
//! instead: only the lists of configured sources ([`sources`]), the candidate by
//! APT's policy ([`policy`]: pins, Default-Release, NotAutomatic), packages of the
//! native architecture or `all`, installed-only packages, and the description of the
//! candidate; the tests compare them with apt-cache on the same machine.

mod control;
mod files;
mod lists;
mod orphans;
mod policy;
mod release;
mod setup;
mod sources;
mod translations;

use crate::{newest_mtime, Error, PackageBackend, Result};
use control::{lossy, relation_items, relation_names, stanzas, synopsis, Stanza};
use lists::read_list;
use omg_core::version::dpkg;
use omg_core::{BackendKind, InstalledPackage, PackageDetails, PackageRecord, Upgrade};
use policy::VersionFiles;
pub use setup::Architectures;
use setup::Setup;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use translations::Translations;

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
    /// APT's configuration directory (`Dir::Etc`): sources, preferences, apt.conf.
    pub etc_dir: PathBuf,
}

impl Default for DebianPaths {
    fn default() -> Self {
        Self {
            lists_dir: PathBuf::from("/var/lib/apt/lists"),
            status_file: PathBuf::from("/var/lib/dpkg/status"),
            extended_states: PathBuf::from("/var/lib/apt/extended_states"),
            etc_dir: PathBuf::from("/etc/apt"),
        }
    }
}

impl DebianPaths {
    /// The paths `selection` names, the defaults for the rest.
    #[must_use]
    pub fn of(selection: &omg_core::BackendSelection) -> Self {
        let defaults = Self::default();
        let or = |chosen: &Option<PathBuf>, default: PathBuf| chosen.clone().unwrap_or(default);
        Self {
            lists_dir: or(&selection.debian_lists_dir, defaults.lists_dir),
            status_file: or(&selection.debian_status_file, defaults.status_file),
            extended_states: or(&selection.debian_extended_states, defaults.extended_states),
            etc_dir: or(&selection.debian_etc_dir, defaults.etc_dir),
        }
    }
}

/// The Debian backend.
#[derive(Debug)]
pub struct DebianBackend {
    paths: DebianPaths,
    /// Asked of the system on first use unless given.
    architectures: OnceLock<Architectures>,
    /// Lines about skipped files, kept until someone takes them.
    warnings: Mutex<Vec<String>>,
}

/// One version of a package in one list (or the status file).
#[derive(Clone, Copy)]
struct ListEntry<'a> {
    stanza: Stanza<'a>,
    version: &'a str,
    architecture: &'a str,
    /// The policy's package file.
    file: usize,
}

/// The candidate of one package, with where it comes from.
struct Chosen<'a> {
    stanza: Stanza<'a>,
    version: &'a str,
    repository: &'a str,
    /// Known from the dpkg status only: apt then searches its long description.
    status_only: bool,
}

type Lists = Vec<(usize, Vec<u8>)>;

impl DebianBackend {
    /// A backend reading the given state files, with the system's architectures.
    #[must_use]
    pub fn new(paths: DebianPaths) -> Self {
        Self {
            paths,
            architectures: OnceLock::new(),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// A backend with the architectures given rather than asked of dpkg.
    #[must_use]
    pub fn with_architectures(paths: DebianPaths, architectures: Architectures) -> Self {
        Self {
            paths,
            architectures: OnceLock::from(architectures),
            warnings: Mutex::new(Vec::new()),
        }
    }

    fn architectures(&self) -> &Architectures {
        self.architectures
            .get_or_init(|| Architectures::of_system(&self.paths))
    }

    fn wants_architecture(native: &str, architecture: Option<&[u8]>) -> bool {
        architecture.is_none_or(|arch| arch == b"all" || arch == native.as_bytes())
    }

    fn read_status(&self) -> Result<Vec<u8>> {
        let path = &self.paths.status_file;
        std::fs::read(path).map_err(|source| Error::io(path, source))
    }

    fn setup(&self) -> Result<Setup> {
        let mut setup = Setup::load(&self.paths, self.architectures())?;
        self.warn(std::mem::take(&mut setup.warnings));
        Ok(setup)
    }

    fn warn(&self, lines: Vec<String>) {
        if lines.is_empty() {
            return;
        }
        let mut warnings = self
            .warnings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for line in lines {
            if !warnings.contains(&line) {
                warnings.push(line);
            }
        }
    }

    /// Installed packages of the native architecture (or `all`), by name.
    fn installed_stanzas<'a>(
        &self,
        setup: &Setup,
        status: &'a [u8],
    ) -> FastMap<&'a [u8], Stanza<'a>> {
        stanzas(status)
            .filter(|stanza| {
                is_installed(stanza)
                    && Self::wants_architecture(
                        &setup.native_architecture,
                        stanza.field("Architecture"),
                    )
            })
            .filter_map(|stanza| Some((stanza.field("Package")?, stanza)))
            .collect()
    }

    /// The configured lists, decompressed; one that cannot be read is left out with
    /// a warning, as apt-get update leaves out an index it cannot fetch.
    fn read_lists(&self, setup: &Setup) -> Lists {
        self.read_files(&setup.lists, "a package list")
    }

    /// The Translation files of the configured languages, decompressed.
    fn read_translations(&self, setup: &Setup) -> Lists {
        self.read_files(&setup.translations, "a translation list")
    }

    /// The package lists and the Translation files, read side by side.
    fn read_lists_and_translations(&self, setup: &Setup) -> (Lists, Lists) {
        std::thread::scope(|scope| {
            let translations = scope.spawn(|| self.read_translations(setup));
            let lists = self.read_lists(setup);
            let translations = translations
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (lists, translations)
        })
    }

    fn read_files(&self, files: &[(PathBuf, usize)], what: &str) -> Lists {
        // Decompressing is the bulk of the work and the files are independent.
        let results: Vec<(usize, Result<Vec<u8>>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .iter()
                .map(|(path, tag)| scope.spawn(move || (*tag, read_list(path))))
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut read = Vec::with_capacity(results.len());
        let mut warnings = Vec::new();
        for (tag, result) in results {
            match result {
                Ok(text) => read.push((tag, text)),
                Err(error) => warnings.push(format!("skipping {what}: {error}")),
            }
        }
        self.warn(warnings);
        read
    }

    /// Every list version of every package, by name.
    fn list_entries<'a>(setup: &Setup, lists: &'a Lists) -> FastMap<&'a [u8], Vec<ListEntry<'a>>> {
        let mut all: FastMap<&'a [u8], Vec<ListEntry<'a>>> =
            FastMap::with_capacity_and_hasher(70_000, std::hash::BuildHasherDefault::default());
        let mut foreign: FastMap<&'a [u8], Vec<ListEntry<'a>>> = FastMap::default();
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
                let (Some(name), Some(Ok(version))) = (name, version.map(std::str::from_utf8))
                else {
                    continue;
                };
                let entry = ListEntry {
                    stanza,
                    version,
                    architecture: architecture
                        .and_then(|arch| std::str::from_utf8(arch).ok())
                        .unwrap_or_default(),
                    file: *file,
                };
                if Self::wants_architecture(&setup.native_architecture, architecture) {
                    all.entry(name).or_default().push(entry);
                } else if setup
                    .foreign_architectures
                    .iter()
                    .any(|arch| arch == entry.architecture)
                {
                    foreign.entry(name).or_default().push(entry);
                }
            }
        }
        for (name, entries) in foreign {
            if !all.contains_key(name) {
                all.insert(name, first_foreign_architecture(setup, entries));
            }
        }
        all
    }

    /// Every list stanza for `name`.
    fn list_entries_of<'a>(setup: &Setup, lists: &'a Lists, name: &str) -> Vec<ListEntry<'a>> {
        let needle = format!("Package: {name}\n");
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut found = Vec::new();
        for (file, text) in lists {
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
                let architecture = stanza.field("Architecture");
                let Some(Ok(version)) = stanza.field("Version").map(std::str::from_utf8) else {
                    continue;
                };
                found.push(ListEntry {
                    stanza,
                    version,
                    architecture: architecture
                        .and_then(|arch| std::str::from_utf8(arch).ok())
                        .unwrap_or_default(),
                    file: *file,
                });
            }
        }
        let (native, foreign): (Vec<ListEntry<'a>>, Vec<ListEntry<'a>>) =
            found.into_iter().partition(|entry| {
                Self::wants_architecture(
                    &setup.native_architecture,
                    Some(entry.architecture.as_bytes()).filter(|arch| !arch.is_empty()),
                )
            });
        if native.is_empty() {
            first_foreign_architecture(setup, foreign)
        } else {
            native
        }
    }

    fn auto_installed(&self, native: &str) -> Result<HashSet<String>> {
        let path = &self.paths.extended_states;
        let text = match std::fs::read(path) {
            Ok(text) => text,
            // No marks file means nothing was marked automatic: all manual, as apt says.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
            Err(source) => return Err(Error::io(path, source)),
        };
        Ok(stanzas(&text)
            .filter(|stanza| stanza.field("Auto-Installed") == Some(b"1"))
            .filter(|stanza| Self::wants_architecture(native, stanza.field("Architecture")))
            .filter_map(|stanza| stanza.text_field("Package"))
            .collect())
    }
}

/// The entries of the first configured foreign architecture that has any: the
/// package apt's search shows for a name the native architecture lacks.
fn first_foreign_architecture<'a>(
    setup: &Setup,
    entries: Vec<ListEntry<'a>>,
) -> Vec<ListEntry<'a>> {
    let Some(architecture) = setup.foreign_architectures.iter().find(|arch| {
        entries
            .iter()
            .any(|entry| entry.architecture == arch.as_str())
    }) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter(|entry| entry.architecture == architecture.as_str())
        .collect()
}

/// APT's candidate among a package's list entries and its installed stanza.
fn choose<'a>(
    setup: &'a Setup,
    name: &[u8],
    entries: &[ListEntry<'a>],
    installed: Option<Stanza<'a>>,
) -> Option<Chosen<'a>> {
    let name = std::str::from_utf8(name).ok()?;
    // Most packages are in one list and not installed: no grouping to do.
    if let ([entry], None) = (entries, installed) {
        let architecture = Some(entry.architecture)
            .filter(|arch| !arch.is_empty())
            .unwrap_or(&setup.native_architecture);
        let priority =
            setup
                .policy
                .priority(name, architecture, entry.version, &[entry.file], false);
        return (priority > 0).then(|| Chosen {
            stanza: entry.stanza,
            version: entry.version,
            repository: &setup.policy.files()[entry.file].label,
            status_only: false,
        });
    }
    // One version per version string, with every file it is in; the first stanza
    // (in list order) stands for it.
    let mut stands_for: Vec<ListEntry<'a>> = Vec::with_capacity(entries.len() + 1);
    let mut versions: Vec<VersionFiles<'a>> = Vec::with_capacity(entries.len() + 1);
    for entry in entries {
        match versions
            .iter()
            .position(|known| known.version == entry.version)
        {
            Some(known) => versions[known].files.push(entry.file),
            None => {
                stands_for.push(*entry);
                versions.push(VersionFiles {
                    version: entry.version,
                    files: vec![entry.file],
                    installed: false,
                });
            }
        }
    }
    if let Some(stanza) = installed {
        let version = stanza
            .field("Version")
            .and_then(|version| std::str::from_utf8(version).ok())?;
        match versions.iter().position(|known| known.version == version) {
            Some(known) => {
                versions[known].files.push(setup.status_file);
                versions[known].installed = true;
            }
            None => {
                stands_for.push(ListEntry {
                    stanza,
                    version,
                    architecture: stanza
                        .field("Architecture")
                        .and_then(|arch| std::str::from_utf8(arch).ok())
                        .unwrap_or_default(),
                    file: setup.status_file,
                });
                versions.push(VersionFiles {
                    version,
                    files: vec![setup.status_file],
                    installed: true,
                });
            }
        }
    }
    let architecture = stands_for
        .first()
        .map(|entry| entry.architecture)
        .filter(|arch| !arch.is_empty())
        .unwrap_or(&setup.native_architecture);
    let chosen = setup.policy.candidate(name, architecture, &versions)?;
    let entry = stands_for[chosen];
    let files = setup.policy.files();
    // Shown as the repository apt would download it from: its best file.
    let best_file = versions[chosen]
        .files
        .iter()
        .copied()
        .filter(|&file| file != setup.status_file)
        .max_by_key(|&file| (files[file].priority, std::cmp::Reverse(file)));
    Some(Chosen {
        stanza: entry.stanza,
        version: entry.version,
        repository: &files[best_file.unwrap_or(setup.status_file)].label,
        status_only: best_file.is_none(),
    })
}

fn is_installed(stanza: &Stanza<'_>) -> bool {
    // `want flag status`: anything but not-installed and config-files has files on disk,
    // which is what apt counts as installed (a current version).
    stanza.field("Status").is_some_and(|status| {
        let state = status.rsplit(|&c| c == b' ').next().unwrap_or_default();
        state != b"not-installed" && state != b"config-files"
    })
}

impl DebianBackend {
    /// The repository URIs APT's sources name, once each, in order.
    #[must_use]
    pub fn source_uris(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let sources = sources::Sources::read(&self.paths.etc_dir, &[], &mut warnings);
        let mut uris: Vec<String> = Vec::new();
        for repository in sources.repositories {
            if !uris.contains(&repository.uri) {
                uris.push(repository.uri);
            }
        }
        uris
    }

    /// Every package's record and, when asked, the fields `info` shows, sorted by
    /// name.
    fn collect_records(&self, with_details: bool) -> Result<(Vec<PackageRecord>, Vec<Vec<u8>>)> {
        let setup = self.setup()?;
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&setup, &status);
        let kernel_provides = searches_kernel_provides(&installed);
        let (lists, translation_files) = self.read_lists_and_translations(&setup);
        let translations = Translations::index(&translation_files, None);
        let entries = Self::list_entries(&setup, &lists);
        let mut found = Vec::with_capacity(entries.len() + installed.len());
        let mut add = |name: &[u8], entries: &[ListEntry<'_>]| {
            let local = installed.get(name).copied();
            let installed_version = local.and_then(|stanza| stanza.text_field("Version"));
            if let Some(chosen) = choose(&setup, name, entries, local) {
                let described = descriptions(&setup, &translations, &chosen);
                let kept = if with_details {
                    kept_details(chosen.stanza, described.first().copied())
                } else {
                    Vec::new()
                };
                let record = record_of(&chosen, installed_version, &described, kernel_provides);
                found.push((record, kept));
            }
        };
        for (name, entries) in &entries {
            add(name, entries);
        }
        for name in installed.keys() {
            if !entries.contains_key(name) {
                add(name, &[]);
            }
        }
        found.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let (records, details) = found.into_iter().unzip();
        Ok((records, if with_details { details } else { Vec::new() }))
    }

    /// Lines about configuration and lists that were skipped since the last call.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .warnings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
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
        Ok(self.collect_records(false)?.0)
    }

    fn records_with_details(&self) -> Result<(Vec<PackageRecord>, Vec<Vec<u8>>)> {
        self.collect_records(true)
    }

    fn details_from(&self, record: &PackageRecord, kept: &[u8]) -> Result<Option<PackageDetails>> {
        let Some(stanza) = stanzas(kept).next() else {
            return Ok(None);
        };
        if stanza.field("Package") != Some(record.name.as_bytes()) {
            return Ok(None);
        }
        let explicit = match &record.installed_version {
            Some(_) => Some(
                !self
                    .auto_installed(&self.architectures().native)?
                    .contains(&record.name),
            ),
            None => None,
        };
        let chosen = Chosen {
            stanza,
            version: &record.version,
            repository: &record.repository,
            status_only: false,
        };
        let mut details = details_of(
            &chosen,
            stanza.field("Description"),
            record.installed_version.clone(),
            explicit,
        );
        details.description.clone_from(&record.description);
        Ok(Some(details))
    }

    fn details(&self, name: &str) -> Result<Option<PackageDetails>> {
        let setup = self.setup()?;
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&setup, &status);
        let local = installed.get(name.as_bytes()).copied();
        let installed_version = local.and_then(|stanza| stanza.text_field("Version"));
        let (lists, translation_files) = self.read_lists_and_translations(&setup);
        let entries = Self::list_entries_of(&setup, &lists, name);
        let Some(chosen) = choose(&setup, name.as_bytes(), &entries, local) else {
            return Ok(None);
        };
        let translations = Translations::index(&translation_files, Some(name));
        let described = descriptions(&setup, &translations, &chosen);
        let explicit = match &installed_version {
            Some(_) => Some(
                !self
                    .auto_installed(&setup.native_architecture)?
                    .contains(name),
            ),
            None => None,
        };
        Ok(Some(details_of(
            &chosen,
            described.first().copied(),
            installed_version,
            explicit,
        )))
    }

    fn installed(&self) -> Result<Vec<InstalledPackage>> {
        let native = &self.architectures().native;
        let status = self.read_status()?;
        let auto = self.auto_installed(native)?;
        let mut packages: Vec<InstalledPackage> = stanzas(&status)
            .filter(|stanza| {
                is_installed(stanza)
                    && Self::wants_architecture(native, stanza.field("Architecture"))
            })
            .filter_map(|stanza| {
                let name = stanza.text_field("Package")?;
                let version = stanza.text_field("Version").unwrap_or_default();
                Some(InstalledPackage {
                    explicit: !auto.contains(&name),
                    architecture: stanza.text_field("Architecture"),
                    licenses: Vec::new(),
                    source: stanza
                        .text_field("Source")
                        .map(|field| source_of(&field, &version)),
                    version,
                    name,
                })
            })
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        packages.dedup_by(|a, b| a.name == b.name);
        Ok(packages)
    }

    fn satisfiers(&self, _dependencies: &[String]) -> Result<Vec<omg_core::Satisfier>> {
        Err(Error::Apt {
            message: "the AUR is for Arch only".to_owned(),
        })
    }

    fn foreign(&self) -> Result<Vec<InstalledPackage>> {
        Err(Error::Apt {
            message: "the AUR is for Arch only".to_owned(),
        })
    }

    fn upgradable(&self) -> Result<Vec<Upgrade>> {
        let setup = self.setup()?;
        let status = self.read_status()?;
        let installed = self.installed_stanzas(&setup, &status);
        let lists = self.read_lists(&setup);
        let entries = Self::list_entries(&setup, &lists);
        let mut upgrades: Vec<Upgrade> = installed
            .iter()
            .filter_map(|(name, stanza)| {
                let installed_version = stanza.text_field("Version")?;
                let found = entries.get(name).map_or(&[][..], Vec::as_slice);
                let chosen = choose(&setup, name, found, Some(*stanza))?;
                dpkg::compare(chosen.version, &installed_version)
                    .is_gt()
                    .then(|| Upgrade {
                        name: lossy(name),
                        installed_version,
                        new_version: chosen.version.to_owned(),
                    })
            })
            .collect();
        upgrades.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(upgrades)
    }

    fn orphans(&self) -> Result<Vec<String>> {
        let native = &self.architectures().native;
        let status = self.read_status()?;
        let installed: FastMap<&[u8], Stanza<'_>> = stanzas(&status)
            .filter(|stanza| {
                is_installed(stanza)
                    && Self::wants_architecture(native, stanza.field("Architecture"))
            })
            .filter_map(|stanza| Some((stanza.field("Package")?, stanza)))
            .collect();
        let auto = self.auto_installed(native)?;
        Ok(orphans::unreachable_auto_packages(&installed, &auto))
    }

    fn database_synced_at(&self) -> Result<Option<i64>> {
        let setup = self.setup()?;
        Ok(newest_mtime(
            setup.lists.iter().map(|(path, _)| path.as_path()),
        ))
    }

    fn database_paths(&self) -> Vec<PathBuf> {
        let etc = &self.paths.etc_dir;
        let mut paths = vec![
            self.paths.lists_dir.clone(),
            self.paths.status_file.clone(),
            self.paths.extended_states.clone(),
        ];
        // dpkg's foreign architectures, beside its status file.
        if let Some(dpkg_dir) = self.paths.status_file.parent() {
            paths.push(dpkg_dir.join("arch"));
        }
        for name in [
            "sources.list",
            "sources.list.d",
            "preferences",
            "preferences.d",
            "apt.conf",
            "apt.conf.d",
        ] {
            paths.push(etc.join(name));
        }
        paths
    }

    fn index_settings(&self) -> String {
        let conf = files::AptConf::read(&self.paths.etc_dir);
        format!("languages={}", translations::languages(&conf).join(","))
    }

    fn warnings(&self) -> Vec<String> {
        self.take_warnings()
    }
}

/// dpkg's `Source: name` or `Source: name (version)`: the source package and its
/// version, which is the binary's own when not given (a binNMU's differs).
fn source_of(field: &str, binary_version: &str) -> (String, String) {
    match field.split_once('(') {
        Some((name, rest)) => (
            name.trim().to_owned(),
            rest.trim_end().trim_end_matches(')').trim().to_owned(),
        ),
        None => (field.trim().to_owned(), binary_version.to_owned()),
    }
}

/// The descriptions apt searches for a candidate, in the order of its languages
/// (apt's `TranslatedDescriptionsList`): the first is the one it shows. For each
/// language, the stanza's own `Description-<lang>`, else the Translation matching
/// its `Description-md5`; English falls back to the stanza's `Description`, and so
/// does a package with none in any language.
fn descriptions<'a>(
    setup: &Setup,
    translations: &Translations<'a>,
    chosen: &Chosen<'a>,
) -> Vec<&'a [u8]> {
    let (mut own, mut md5, mut embedded) = (None, None, Vec::new());
    let mut name: &[u8] = &[];
    for (key, value) in chosen.stanza.fields() {
        if key == b"Package" {
            name = value;
        } else if key == b"Description" {
            own = Some(value);
        } else if key.eq_ignore_ascii_case(b"Description-md5") {
            md5 = Some(value);
        } else if key.len() > 12 && key[..12].eq_ignore_ascii_case(b"Description-") {
            embedded.push((&key[12..], value));
        }
    }
    // apt takes an installed-only package's text from the status file and never
    // matches it to a Translation: dpkg records no Description-md5.
    if chosen.status_only {
        return own.into_iter().collect();
    }
    let mut found: Vec<&'a [u8]> = Vec::with_capacity(1);
    for (position, code) in setup.languages.iter().enumerate() {
        let description = embedded
            .iter()
            .find(|(language, _)| *language == code.as_bytes())
            .map(|&(_, text)| text)
            .or_else(|| md5.and_then(|md5| translations.get(name, md5, position)))
            .or_else(|| own.filter(|_| code == "en"));
        if let Some(text) = description {
            if !found.iter().any(|known| std::ptr::eq(*known, text)) {
                found.push(text);
            }
        }
    }
    if found.is_empty() {
        found.extend(own);
    }
    found
}

/// Whether the apt installed finds kernel images by their implicit `$kernel`
/// provide when searching: it has given them that provide since 2.1.16, but its
/// search reached a provide of no architecture only from 2.7.8 on.
fn searches_kernel_provides(installed: &FastMap<&[u8], Stanza<'_>>) -> bool {
    installed
        .get(b"apt".as_slice())
        .and_then(|stanza| stanza.text_field("Version"))
        .is_none_or(|version| dpkg::compare(&version, "2.7.8~").is_ge())
}

/// Whether apt gives `name` the implicit `$kernel` provide: a kernel image named
/// by its release (`linux-image-6.12.1-amd64`), not its debug symbols.
fn is_kernel_image(name: &str) -> bool {
    if name.ends_with("-dbgsym") || name.ends_with("-dbg") {
        return false;
    }
    ["linux-image-", "kfreebsd-image-", "gnumach-image-"]
        .iter()
        .filter_map(|prefix| name.strip_prefix(prefix))
        .any(|release| {
            let digits = release.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && release.as_bytes().get(digits) == Some(&b'.')
        })
}

/// What a search matches beyond the name, the synopsis and the provides: the rest
/// of the first description, then every other language's whole description.
fn searched_text(descriptions: &[&[u8]]) -> Option<String> {
    let (first, others) = descriptions.split_first()?;
    let mut parts: Vec<String> = control::extended_description(first).into_iter().collect();
    for description in others {
        parts.push(lossy(synopsis(description)));
        parts.extend(control::extended_description(description));
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn record_of(
    chosen: &Chosen<'_>,
    installed_version: Option<String>,
    descriptions: &[&[u8]],
    kernel_provides: bool,
) -> PackageRecord {
    let stanza = chosen.stanza;
    let name = stanza.text_field("Package").unwrap_or_default();
    let mut provides = stanza
        .field("Provides")
        .map(relation_names)
        .unwrap_or_default();
    if kernel_provides && is_kernel_image(&name) {
        provides.push("$kernel".to_owned());
    }
    PackageRecord {
        description: lossy(synopsis(descriptions.first().copied().unwrap_or_default())),
        long_description: searched_text(descriptions),
        name,
        version: chosen.version.to_owned(),
        repository: chosen.repository.to_owned(),
        installed_version,
        provides,
    }
}

/// The fields of a candidate's stanza that `info` shows beyond its record, as a
/// stanza of their own: what the index snapshot keeps per package, with the
/// description `info` shows.
fn kept_details(stanza: Stanza<'_>, description: Option<&[u8]>) -> Vec<u8> {
    const SHOWN: [&[u8]; 14] = [
        b"Package",
        b"Architecture",
        b"Pre-Depends",
        b"Depends",
        b"Recommends",
        b"Provides",
        b"Conflicts",
        b"Breaks",
        b"Replaces",
        b"Size",
        b"Installed-Size",
        b"Maintainer",
        b"Homepage",
        b"Section",
    ];
    let mut kept = Vec::with_capacity(256);
    for (key, value) in stanza.fields() {
        if SHOWN.iter().any(|shown| shown.eq_ignore_ascii_case(key)) {
            kept.extend_from_slice(key);
            kept.extend_from_slice(b": ");
            kept.extend_from_slice(value);
            kept.push(b'\n');
        }
    }
    if let Some(description) = description {
        kept.extend_from_slice(b"Description: ");
        kept.extend_from_slice(description);
        kept.push(b'\n');
    }
    kept
}

fn details_of(
    chosen: &Chosen<'_>,
    description: Option<&[u8]>,
    installed_version: Option<String>,
    explicit: Option<bool>,
) -> PackageDetails {
    let stanza = chosen.stanza;
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
        version: Some(chosen.version.to_owned()),
        installed_version,
        repository: chosen.repository.to_owned(),
        description: description
            .map(|text| lossy(synopsis(text)))
            .unwrap_or_default(),
        long_description: description.and_then(control::extended_description),
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
mod snapshot_tests;
#[cfg(test)]
mod tests;
