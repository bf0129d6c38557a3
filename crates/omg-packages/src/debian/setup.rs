//! Everything the read path takes from APT's configuration, gathered once per read:
//! the architectures, the configured sources and the list files that stand for
//! them, their Release files, and the policy over the lot.

use super::control::stanzas;
use super::files::AptConf;
use super::lists::list_names;
use super::policy::{PackageFile, Policy};
use super::release::Release;
use super::sources::{uri_to_file_name, Sources};
use super::translations;
use super::DebianPaths;
use crate::Result;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The native and foreign architectures, as dpkg (or apt.conf) names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Architectures {
    /// `dpkg --print-architecture`.
    pub native: String,
    /// `dpkg --print-foreign-architectures`.
    pub foreign: Vec<String>,
}

impl Architectures {
    /// The system's: dpkg's native architecture and the foreign ones dpkg keeps in
    /// `arch` beside its status file.
    pub(crate) fn of_system(paths: &DebianPaths) -> Self {
        let native = native_of_system(&paths.status_file);
        let arch_file = paths
            .status_file
            .parent()
            .map(|dir| dir.join("arch"))
            .unwrap_or_default();
        // dpkg writes the native architecture into the same file; it is not foreign.
        let foreign = std::fs::read_to_string(arch_file)
            .unwrap_or_default()
            .split_whitespace()
            .filter(|arch| *arch != native)
            .map(str::to_owned)
            .collect();
        Self { native, foreign }
    }
}

/// What `dpkg --print-architecture` prints: the architecture dpkg was built for,
/// which its own status entry records. Reading it there saves starting a process
/// (a few ms) on every command; dpkg is asked (once) only when the entry is missing.
fn native_of_system(status_file: &Path) -> String {
    let status = std::fs::read(status_file).unwrap_or_default();
    let recorded = memchr::memmem::find_iter(&status, b"Package: dpkg\n")
        .filter(|&at| at == 0 || status[at - 1] == b'\n')
        .find_map(|at| stanzas(&status[at..]).next()?.text_field("Architecture"));
    if let Some(native) = recorded.filter(|arch| !arch.is_empty() && arch != "all") {
        return native;
    }
    static ASKED: OnceLock<String> = OnceLock::new();
    ASKED
        .get_or_init(|| {
            std::process::Command::new("dpkg")
                .arg("--print-architecture")
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
                .filter(|output| output.status.success())
                .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
                .filter(|arch| !arch.is_empty())
                .unwrap_or_else(|| compiled_architecture().to_owned())
        })
        .clone()
}

/// The architecture this binary was built for, in dpkg's words: used only when dpkg
/// cannot be asked.
fn compiled_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "arm" => "armhf",
        "powerpc64" => "ppc64el",
        other => other,
    }
}

/// APT's view of the repositories.
#[derive(Debug)]
pub(crate) struct Setup {
    pub(crate) policy: Policy,
    /// The present list file of each configured index, with its package file.
    pub(crate) lists: Vec<(PathBuf, usize)>,
    /// apt's description languages, preferred first.
    pub(crate) languages: Vec<String>,
    /// The present Translation files of those languages, with the position of
    /// their language.
    pub(crate) translations: Vec<(PathBuf, usize)>,
    /// The package file standing for the dpkg status.
    pub(crate) status_file: usize,
    /// The architecture packages must have (besides `all`).
    pub(crate) native_architecture: String,
    /// The other architectures configured, in order: their packages count only
    /// under names the native architecture does not have, as in apt's search.
    pub(crate) foreign_architectures: Vec<String>,
    /// What was skipped, one line each.
    pub(crate) warnings: Vec<String>,
}

impl Setup {
    /// Reads the configuration under `paths.etc_dir` against `paths.lists_dir`.
    pub(crate) fn load(paths: &DebianPaths, architectures: &Architectures) -> Result<Self> {
        let mut warnings = Vec::new();
        let conf = AptConf::read(&paths.etc_dir);
        let native = conf
            .architecture
            .clone()
            .unwrap_or_else(|| architectures.native.clone());
        let mut all_architectures = if conf.architectures.is_empty() {
            let mut list = vec![native.clone()];
            list.extend(architectures.foreign.iter().cloned());
            list
        } else {
            conf.architectures.clone()
        };
        all_architectures.dedup();
        let sources = Sources::read(&paths.etc_dir, &all_architectures, &mut warnings);
        let present = list_names(&paths.lists_dir)?;
        let releases: Vec<Option<Release>> = sources
            .repositories
            .iter()
            .map(|repository| Release::read(&paths.lists_dir, &repository.release_names))
            .collect();
        let mut files = Vec::new();
        let mut lists = Vec::new();
        for target in &sources.targets {
            let Some(name) = present.get(&target.list_name) else {
                continue;
            };
            let repository = &sources.repositories[target.repository];
            let release = releases[target.repository].clone().unwrap_or_default();
            let label = label(
                &release,
                &repository.uri,
                &repository.suite,
                &target.component,
            );
            files.push(PackageFile {
                release,
                component: target.component.clone(),
                architecture: target.architecture.clone(),
                site: repository.site.clone(),
                is_status: false,
                priority: 0,
                label,
            });
            lists.push((paths.lists_dir.join(name), files.len() - 1));
        }
        files.push(PackageFile {
            is_status: true,
            label: super::LOCAL_REPOSITORY.to_owned(),
            ..PackageFile::default()
        });
        let status_file = files.len() - 1;
        let languages = translations::languages(&conf);
        let present = &present;
        let translations = sources
            .translation_prefixes
            .iter()
            .flat_map(|prefix| {
                languages
                    .iter()
                    .enumerate()
                    .filter_map(move |(language, code)| {
                        let name = present.get(&uri_to_file_name(&format!("{prefix}{code}")))?;
                        Some((paths.lists_dir.join(name), language))
                    })
            })
            .collect();
        let policy = Policy::new(
            files,
            &paths.etc_dir,
            conf.default_release.as_deref(),
            &native,
            &mut warnings,
        );
        Ok(Self {
            policy,
            lists,
            languages,
            translations,
            status_file,
            foreign_architectures: all_architectures
                .iter()
                .filter(|arch| **arch != native && *arch != "all")
                .cloned()
                .collect(),
            native_architecture: native,
            warnings,
        })
    }
}

/// `Debian/stable-security/main`: origin, suite and component as apt shows them,
/// falling back to the source line where a repository has no Release file.
fn label(release: &Release, uri: &str, suite: &str, component: &str) -> String {
    let origin = if release.origin.is_empty() {
        uri.trim_end_matches('/')
    } else {
        release.origin.as_str()
    };
    let suite = [release.suite.as_str(), release.codename.as_str()]
        .into_iter()
        .find(|value| !value.is_empty())
        .unwrap_or(suite);
    [origin, suite, component]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_architecture_is_the_one_dpkg_was_built_for() {
        let dir = tempfile::tempdir().unwrap();
        let status = dir.path().join("status");
        std::fs::write(
            &status,
            "Package: dpkg-dev\nArchitecture: all\n\nPackage: dpkg\nStatus: install ok installed\nArchitecture: riscv64\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("arch"), "riscv64\ni386\n").unwrap();
        let paths = DebianPaths {
            status_file: status,
            ..DebianPaths::default()
        };
        let architectures = Architectures::of_system(&paths);
        assert_eq!(architectures.native, "riscv64");
        assert_eq!(architectures.foreign, ["i386"]);
    }
}
