//! Installed runtimes on disk: `versions/<runtime>/<version>/`, the global default
//! as the symlink `versions/<runtime>/current` (swapped atomically: a new link, then
//! a rename over the old one), and staging directories that never look installed.

use crate::Runtime;
use std::path::{Path, PathBuf};

/// Staging directories start with this; listings skip them.
const STAGING_PREFIX: &str = ".staging-";
const CURRENT: &str = "current";

/// The versions tree (`$XDG_DATA_HOME/omg/versions`).
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The tree under omg's data directory.
    #[must_use]
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("versions"),
        }
    }

    /// Runtimes with anything installed, sorted.
    #[must_use]
    pub fn runtimes(&self) -> Vec<Runtime> {
        let mut runtimes: Vec<Runtime> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| Some(Runtime::from_name(entry.file_name().to_str()?)))
            .collect();
        runtimes.sort();
        runtimes
    }

    /// `versions/<runtime>`.
    #[must_use]
    pub fn runtime_dir(&self, runtime: &Runtime) -> PathBuf {
        self.root.join(runtime.name())
    }

    /// `versions/<runtime>/<version>`.
    #[must_use]
    pub fn version_dir(&self, runtime: &Runtime, version: &str) -> PathBuf {
        self.runtime_dir(runtime).join(version)
    }

    /// Installed versions, oldest first (numeric parts compared as numbers).
    pub fn installed(&self, runtime: &Runtime) -> std::io::Result<Vec<String>> {
        let mut versions: Vec<String> = match std::fs::read_dir(self.runtime_dir(runtime)) {
            Ok(entries) => entries
                .filter_map(|entry| {
                    let entry = entry.ok()?;
                    let name = entry.file_name().into_string().ok()?;
                    // A link to a directory counts: mise's installs are linked in.
                    let real_dir = entry.path().is_dir();
                    (real_dir && name != CURRENT && !name.starts_with(STAGING_PREFIX))
                        .then_some(name)
                })
                .collect(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error),
        };
        versions.sort_by(|a, b| version_order(a, b));
        Ok(versions)
    }

    /// The global default, if one is set and still installed.
    #[must_use]
    pub fn current(&self, runtime: &Runtime) -> Option<String> {
        let target = std::fs::read_link(self.runtime_dir(runtime).join(CURRENT)).ok()?;
        let version = target.file_name()?.to_str()?.to_owned();
        self.version_dir(runtime, &version)
            .is_dir()
            .then_some(version)
    }

    /// Makes `version` the global default: a new link beside the old, renamed over it.
    pub fn set_current(&self, runtime: &Runtime, version: &str) -> std::io::Result<()> {
        let dir = self.runtime_dir(runtime);
        let staged = dir.join(format!("{STAGING_PREFIX}current-{}", std::process::id()));
        let _ = std::fs::remove_file(&staged);
        std::os::unix::fs::symlink(version, &staged)?;
        std::fs::rename(&staged, dir.join(CURRENT))
    }

    /// A fresh staging directory for installing `version`; rename it into place
    /// with [`Layout::commit`], or drop it on failure. Staging left by an install
    /// that was killed (no drop ran) is removed first.
    pub fn stage(&self, runtime: &Runtime, version: &str) -> std::io::Result<tempfile::TempDir> {
        let dir = self.runtime_dir(runtime);
        std::fs::create_dir_all(&dir)?;
        let stale = format!("{STAGING_PREFIX}{version}-");
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let old = entry.file_name().to_str().is_some_and(|name| {
                name.starts_with(&stale)
                    && entry
                        .metadata()
                        .and_then(|meta| meta.modified())
                        .ok()
                        .and_then(|modified| modified.elapsed().ok())
                        // A live install of the same version touched it recently.
                        .is_some_and(|age| age > std::time::Duration::from_secs(3600))
            });
            if old {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{version}-"))
            .tempdir_in(dir)
    }

    /// Moves a finished staging directory to `versions/<runtime>/<version>`.
    pub fn commit(
        &self,
        runtime: &Runtime,
        version: &str,
        staged: tempfile::TempDir,
    ) -> std::io::Result<PathBuf> {
        let destination = self.version_dir(runtime, version);
        std::fs::rename(staged.keep(), &destination)?;
        Ok(destination)
    }
}

/// Notes kept beside an installed version (`.omg-lts` holds Node's LTS codename),
/// so requests like `lts/iron` resolve against what is installed without a network.
pub const LTS_NOTE: &str = ".omg-lts";

impl Layout {
    /// The installed version `request` means, without asking any mirror: an exact
    /// version, a numeric prefix (`22`, `22.12`), `latest`, or for Node `lts` and
    /// `lts/<codename>` by the note written at install. Newest match wins.
    #[must_use]
    pub fn find_installed(&self, runtime: &Runtime, request: &str) -> Option<String> {
        let installed = self.installed(runtime).ok()?;
        let lts_of = |version: &str| {
            std::fs::read_to_string(self.version_dir(runtime, version).join(LTS_NOTE))
                .ok()
                .map(|codename| codename.trim().to_owned())
        };
        installed.into_iter().rev().find(|version| match request {
            "latest" => true,
            "lts" => lts_of(version).is_some(),
            _ => {
                if let Some(codename) = request.strip_prefix("lts/") {
                    return lts_of(version).as_deref() == Some(codename);
                }
                version == request
                    || version
                        .strip_prefix(request)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
        })
    }
}

/// Orders `20.9.0` before `20.11.1`: digit runs compare as numbers.
#[must_use]
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |text: &str| -> Vec<(u64, String)> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .map(|part| {
                let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
                (digits.parse().unwrap_or(0), part[digits.len()..].to_owned())
            })
            .collect()
    };
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_lists_versions_in_order_without_staging_or_current() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        for version in ["20.11.1", "20.9.0", "18.20.5"] {
            std::fs::create_dir_all(layout.version_dir(&Runtime::Node, version)).unwrap();
        }
        let _staging = layout.stage(&Runtime::Node, "22.0.0").unwrap();
        layout.set_current(&Runtime::Node, "20.9.0").unwrap();
        assert_eq!(
            layout.installed(&Runtime::Node).unwrap(),
            ["18.20.5", "20.9.0", "20.11.1"]
        );
        assert_eq!(layout.current(&Runtime::Node).as_deref(), Some("20.9.0"));
        layout.set_current(&Runtime::Node, "20.11.1").unwrap();
        assert_eq!(layout.current(&Runtime::Node).as_deref(), Some("20.11.1"));
        assert!(layout.installed(&Runtime::Go).unwrap().is_empty());
    }

    #[test]
    fn find_installed_matches_offline() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        for (version, lts) in [
            ("20.9.0", Some("iron")),
            ("20.11.1", Some("iron")),
            ("22.12.0", Some("jod")),
            ("23.1.0", None),
        ] {
            let dir = layout.version_dir(&Runtime::Node, version);
            std::fs::create_dir_all(&dir).unwrap();
            if let Some(codename) = lts {
                std::fs::write(dir.join(LTS_NOTE), codename).unwrap();
            }
        }
        let find = |request: &str| layout.find_installed(&Runtime::Node, request);
        assert_eq!(find("20").as_deref(), Some("20.11.1"));
        assert_eq!(find("20.9").as_deref(), Some("20.9.0"));
        assert_eq!(find("20.1"), None);
        assert_eq!(find("latest").as_deref(), Some("23.1.0"));
        assert_eq!(find("lts").as_deref(), Some("22.12.0"));
        assert_eq!(find("lts/iron").as_deref(), Some("20.11.1"));
        assert_eq!(find("lts/argon"), None);
        assert_eq!(find("22.12.0").as_deref(), Some("22.12.0"));
    }

    #[test]
    fn staging_left_by_a_killed_install_is_cleared_later() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        let dir = layout.runtime_dir(&Runtime::Node);
        let old = dir.join(".staging-22.0.0-dead");
        let recent = dir.join(".staging-22.0.0-live");
        std::fs::create_dir_all(old.join("bin")).unwrap();
        std::fs::create_dir_all(&recent).unwrap();
        let status = std::process::Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(&old)
            .status()
            .unwrap();
        assert!(status.success());
        let _staged = layout.stage(&Runtime::Node, "22.0.0").unwrap();
        assert!(!old.exists(), "stale staging survived");
        assert!(recent.exists(), "a live install's staging was removed");
        assert!(layout.installed(&Runtime::Node).unwrap().is_empty());
    }

    #[test]
    fn a_dropped_stage_leaves_nothing() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        let staged = layout.stage(&Runtime::Bun, "1.1.0").unwrap();
        std::fs::write(staged.path().join("half"), "x").unwrap();
        drop(staged);
        let left: Vec<_> = std::fs::read_dir(layout.runtime_dir(&Runtime::Bun))
            .unwrap()
            .collect();
        assert!(left.is_empty());
    }
}
