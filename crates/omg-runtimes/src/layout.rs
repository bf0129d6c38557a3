//! Installed runtimes on disk: `versions/<runtime>/<version>/`, the global default
//! as the symlink `versions/<runtime>/current` (swapped atomically: a new link, then
//! a rename over the old one), and staging directories that never look installed.
//!
//! This is the one place that turns a runtime and a version into a path. Runtimes
//! are checked when they are made ([`Runtime::parse`]); every version is checked
//! here against [`crate::name::check_version`], so a version file, a command line
//! or a mirror index naming `../../x` is refused before any path exists.

use crate::name::check_version;
use crate::{Error, Result, Runtime};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Staging directories start with this; listings skip them.
const STAGING_PREFIX: &str = ".staging-";
/// The default link's name, which no version may take.
pub(crate) const CURRENT: &str = "current";

/// The versions tree (`$XDG_DATA_HOME/omg/versions`).
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
    unpack: crate::archive::Limits,
}

impl Layout {
    /// The tree under omg's data directory.
    #[must_use]
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("versions"),
            unpack: crate::archive::Limits::default(),
        }
    }

    /// The same tree, with what one downloaded archive may unpack to.
    #[must_use]
    pub fn with_unpack_limits(mut self, limits: crate::archive::Limits) -> Self {
        self.unpack = limits;
        self
    }

    /// What one archive installed into this tree may unpack to.
    #[must_use]
    pub fn unpack_limits(&self) -> crate::archive::Limits {
        self.unpack
    }

    /// Runtimes with anything installed, sorted.
    #[must_use]
    pub fn runtimes(&self) -> Vec<Runtime> {
        let mut runtimes: Vec<Runtime> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| Runtime::from_dir_name(entry.file_name().to_str()?))
            .collect();
        runtimes.sort();
        runtimes
    }

    /// `versions/<runtime>`.
    #[must_use]
    pub fn runtime_dir(&self, runtime: &Runtime) -> PathBuf {
        self.root.join(runtime.dir_name())
    }

    /// `versions/<runtime>/<version>`, or an error when `version` is not of the
    /// version grammar.
    pub fn version_dir(&self, runtime: &Runtime, version: &str) -> Result<PathBuf> {
        check_version(version)?;
        Ok(self.runtime_dir(runtime).join(version))
    }

    /// Whether `version` is installed; a name outside the grammar never is.
    #[must_use]
    pub fn is_installed(&self, runtime: &Runtime, version: &str) -> bool {
        self.version_dir(runtime, version)
            .is_ok_and(|dir| dir.is_dir())
    }

    /// Installed versions, oldest first (numeric parts compared as numbers).
    pub fn installed(&self, runtime: &Runtime) -> std::io::Result<Vec<String>> {
        let mut versions: Vec<String> = match std::fs::read_dir(self.runtime_dir(runtime)) {
            Ok(entries) => entries
                .filter_map(|entry| {
                    let entry = entry.ok()?;
                    let name = entry.file_name().into_string().ok()?;
                    // A link to a directory counts: mise's installs are linked in.
                    // Names outside the grammar (staging, `current`, anything
                    // planted) are never versions.
                    (check_version(&name).is_ok() && entry.path().is_dir()).then_some(name)
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
        // omg writes the bare version; any other target was not written by omg.
        let version = target.to_str()?.to_owned();
        self.is_installed(runtime, &version).then_some(version)
    }

    /// Makes `version` the global default: a new link beside the old, renamed over it.
    pub fn set_current(&self, runtime: &Runtime, version: &str) -> Result<()> {
        check_version(version)?;
        let dir = self.runtime_dir(runtime);
        let staged = dir.join(format!("{STAGING_PREFIX}current-{}", std::process::id()));
        let _ = std::fs::remove_file(&staged);
        std::os::unix::fs::symlink(version, &staged).map_err(Error::io(&staged))?;
        let link = dir.join(CURRENT);
        std::fs::rename(&staged, &link).map_err(Error::io(link))
    }

    /// Holds off other installs of the same version until the returned guard is
    /// dropped (an flock on `versions/<runtime>/.lock-<version>`), so two installs
    /// never share a download or a staging rename. The guard removes the file while
    /// still holding the lock, so a waiter may end up holding a lock on a removed
    /// file: it checks, after locking, that the name still leads to the file it
    /// locked, and starts over when it does not.
    pub fn lock_install(&self, runtime: &Runtime, version: &str) -> Result<InstallLock> {
        use std::os::unix::fs::MetadataExt;
        check_version(version)?;
        let dir = self.runtime_dir(runtime);
        std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        let path = dir.join(format!(".lock-{version}"));
        loop {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed())
                .open(&path)
                .map_err(Error::io(&path))?;
            rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
                .map_err(|errno| Error::io(&path)(errno.into()))?;
            let locked = file.metadata().map_err(Error::io(&path))?;
            let named = std::fs::symlink_metadata(&path);
            if named.is_ok_and(|named| named.dev() == locked.dev() && named.ino() == locked.ino()) {
                return Ok(InstallLock { path, _file: file });
            }
        }
    }

    /// A fresh staging directory for installing `version`; rename it into place
    /// with [`Layout::commit`], or drop it on failure. Staging left by an install
    /// that was killed (no drop ran) is removed first.
    pub fn stage(&self, runtime: &Runtime, version: &str) -> Result<tempfile::TempDir> {
        check_version(version)?;
        let dir = self.runtime_dir(runtime);
        std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        let stale = format!("{STAGING_PREFIX}{version}-");
        for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))?.flatten() {
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
            .tempdir_in(&dir)
            .map_err(Error::io(dir))
    }

    /// Moves a finished staging directory to `versions/<runtime>/<version>`.
    pub fn commit(
        &self,
        runtime: &Runtime,
        version: &str,
        staged: tempfile::TempDir,
    ) -> Result<PathBuf> {
        let destination = self.version_dir(runtime, version)?;
        std::fs::rename(staged.keep(), &destination).map_err(Error::io(&destination))?;
        Ok(destination)
    }
}

/// An install's hold on its version, from [`Layout::lock_install`]; released
/// (and its file removed) when dropped.
#[derive(Debug)]
pub struct InstallLock {
    path: PathBuf,
    _file: std::fs::File,
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        // Removed while the lock is still held; see `Layout::lock_install`.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where a download of `url` is kept under `downloads`: the URL's last segment,
/// which mirror data decides, so it must be a plain file name
/// (`[A-Za-z0-9._+%-]`, starting with a letter or digit) or the install is refused.
pub(crate) fn download_path(downloads: &Path, url: &str) -> Result<PathBuf> {
    let file = url.rsplit('/').next().unwrap_or_default();
    let valid = file.len() <= 255
        && file.starts_with(|c: char| c.is_ascii_alphanumeric())
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+%-".contains(c));
    if valid {
        Ok(downloads.join(file))
    } else {
        Err(crate::name::InvalidName {
            what: "download file name",
            value: file.to_owned(),
            reason: "a mirror's file name must be letters, digits, `.`, `_`, `+`, `%`, `-`",
        }
        .into())
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
            std::fs::read_to_string(self.version_dir(runtime, version).ok()?.join(LTS_NOTE))
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
            std::fs::create_dir_all(layout.version_dir(&Runtime::Node, version).unwrap()).unwrap();
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
            let dir = layout.version_dir(&Runtime::Node, version).unwrap();
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

    #[test]
    fn versions_outside_the_grammar_never_become_paths() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        let victim = data.path().join("victim");
        std::fs::create_dir_all(&victim).unwrap();
        for hostile in [
            "../../victim",
            "..",
            ".",
            "a/b",
            "/tmp",
            "current",
            ".staging-x",
        ] {
            assert!(
                layout.version_dir(&Runtime::Node, hostile).is_err(),
                "{hostile}"
            );
            assert!(!layout.is_installed(&Runtime::Node, hostile), "{hostile}");
            assert!(layout.stage(&Runtime::Node, hostile).is_err(), "{hostile}");
            assert!(
                layout.set_current(&Runtime::Node, hostile).is_err(),
                "{hostile}"
            );
        }
        assert!(victim.is_dir());
        assert!(!layout.runtime_dir(&Runtime::Node).join("current").exists());
    }

    #[test]
    fn planted_names_in_the_tree_are_not_versions_or_runtimes() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        let node = layout.runtime_dir(&Runtime::Node);
        std::fs::create_dir_all(node.join("20.0.0")).unwrap();
        std::fs::create_dir_all(node.join("bad name")).unwrap();
        std::fs::create_dir_all(data.path().join("versions/Evil..")).unwrap();
        // A default link omg did not write (pointing elsewhere) is no default.
        std::os::unix::fs::symlink("../../..", node.join("current")).unwrap();
        assert_eq!(layout.installed(&Runtime::Node).unwrap(), ["20.0.0"]);
        assert_eq!(layout.current(&Runtime::Node), None);
        assert_eq!(layout.runtimes(), [Runtime::Node]);
    }

    #[test]
    fn mise_names_are_stored_as_one_component() {
        let data = tempfile::tempdir().unwrap();
        let layout = Layout::new(data.path());
        let tool = Runtime::parse("ubi:BurntSushi/ripgrep").unwrap();
        let dir = layout.version_dir(&tool, "14.1.0").unwrap();
        assert_eq!(
            dir.parent().unwrap(),
            data.path().join("versions/ubi+BurntSushi+ripgrep")
        );
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(layout.runtimes(), [tool]);
    }
}
