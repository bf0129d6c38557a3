//! The long tail (deno, zig, …) through mise: omg keeps its own mise binary at
//! `$XDG_DATA_HOME/omg/mise/mise` (downloaded from mise's GitHub release layout and
//! checked against the release's SHASUMS256.txt and its minisign signature, or
//! taken from PATH when asked),
//! runs `mise install`, `mise where`, `mise latest` and `mise ls-remote` with
//! mise's output passed through, and links each install into omg's versions tree so
//! `omg current`, the hook and the shims see it like any other runtime.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// mise's GitHub release downloads.
pub const DEFAULT_MIRROR: &str = "https://github.com/jdx/mise/releases/download";
/// The mise release omg installs for itself.
pub const MISE_VERSION: &str = "2026.9.15";

/// Where the mise binary comes from.
#[derive(Debug, Clone)]
pub enum MiseSource {
    /// Downloaded from a base laid out like mise's GitHub releases.
    Mirror(String),
    /// The `mise` found on PATH.
    Path,
}

/// mise for one tool.
#[derive(Debug)]
pub struct MiseManager {
    tool: crate::name::ToolName,
    source: MiseSource,
    /// omg's own mise: the binary and mise's data directory live here.
    home: PathBuf,
    /// Variables set for every mise run, beside omg's own.
    env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    /// What the release's SHASUMS256.txt must prove before the binary is believed.
    trust: crate::signature::Trust,
}

fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{}-{arch}", std::env::consts::OS)
}

impl MiseManager {
    /// mise for `tool`, its files under `home` (`$XDG_DATA_HOME/omg/mise`).
    /// The release's `SHASUMS256.txt.minisig` is checked with mise's pinned key:
    /// from mise's own releases it must be there (mise signs every release);
    /// a mirror without it gets a binary checked by checksum alone, recorded as
    /// unsigned.
    #[must_use]
    pub fn new(tool: &crate::name::ToolName, source: MiseSource, home: &Path) -> Self {
        let requirement = match &source {
            MiseSource::Mirror(base) => {
                crate::signature::Requirement::for_mirror(base, DEFAULT_MIRROR)
            }
            MiseSource::Path => crate::signature::Requirement::IfPublished,
        };
        Self {
            tool: tool.clone(),
            source,
            home: home.to_owned(),
            env: Vec::new(),
            trust: crate::signature::Trust {
                scheme: crate::signature::Scheme::Minisign(
                    crate::signature::MISE_RELEASE_KEY.to_owned(),
                ),
                requirement,
            },
        }
    }

    /// Sets `key` for every mise this manager runs (mise's own settings, such as
    /// a backend's mirror).
    #[must_use]
    pub fn with_env(
        mut self,
        key: impl Into<std::ffi::OsString>,
        value: impl Into<std::ffi::OsString>,
    ) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Trusts the minisign key `public_key` (base64) instead of mise's.
    #[must_use]
    pub fn with_release_key(mut self, public_key: &str) -> Self {
        self.trust.scheme = crate::signature::Scheme::Minisign(public_key.to_owned());
        self
    }

    /// Whether a missing `SHASUMS256.txt.minisig` is refused.
    #[must_use]
    pub fn with_requirement(mut self, requirement: crate::signature::Requirement) -> Self {
        self.trust.requirement = requirement;
        self
    }

    /// The mise binary, downloaded and verified first when omg has none.
    pub fn binary(&self) -> crate::Result<PathBuf> {
        if let MiseSource::Mirror(base) = &self.source {
            let binary = self.home.join("mise");
            if binary.is_file() {
                return Ok(binary);
            }
            self.download(base.trim_end_matches('/'), &binary)?;
            return Ok(binary);
        }
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join("mise"))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| crate::Error::Io {
                path: PathBuf::from("mise"),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not on PATH"),
            })
    }

    fn download(&self, base: &str, binary: &Path) -> crate::Result<()> {
        let file = format!("mise-v{MISE_VERSION}-{}.tar.gz", platform());
        let published = crate::checksum::published(
            &format!("{base}/v{MISE_VERSION}/SHASUMS256.txt"),
            &file,
            &self.trust,
        )?;
        std::fs::create_dir_all(&self.home).map_err(crate::Error::io(&self.home))?;
        let archive = self.home.join(&file);
        crate::download::download(
            &format!("{base}/v{MISE_VERSION}/{file}"),
            &archive,
            &published.sha256,
            &mut |_, _| {},
        )?;
        let unpacked = tempfile::Builder::new()
            .prefix(".mise-")
            .tempdir_in(&self.home)
            .map_err(crate::Error::io(&self.home))?;
        let extracted = crate::archive::extract_tar_gz(
            &archive,
            unpacked.path(),
            1,
            crate::archive::Limits::default(),
        );
        let _ = std::fs::remove_file(&archive);
        extracted?;
        std::fs::rename(unpacked.path().join("bin/mise"), binary)
            .map_err(crate::Error::io(binary))?;
        published.verdict.record(&self.home)
    }

    fn mise(&self) -> crate::Result<Command> {
        let mut command = Command::new(self.binary()?);
        command
            .env("MISE_DATA_DIR", self.home.join("data"))
            .env("MISE_CACHE_DIR", self.home.join("cache"))
            .env("MISE_STATE_DIR", self.home.join("state"))
            .env("MISE_YES", "1")
            .envs(self.env.iter().map(|(key, value)| (key, value)));
        Ok(command)
    }

    /// Where mise installed `spec`, as `mise where` says, accepted only when it
    /// resolves to a directory inside omg's mise data directory and no link in it
    /// leads outside that install: omg links it into the versions tree, and a link
    /// omg makes must never lead where mise's output alone decided.
    fn install_place(&self, spec: &str) -> crate::Result<PathBuf> {
        let said = self.run(&["where", spec])?;
        let said = PathBuf::from(said.trim());
        let refuse = |reason: &str| crate::Error::Delegated {
            command: format!("mise where {spec}"),
            status: format!(
                "answered `{}`, {reason}",
                said.display().to_string().escape_debug()
            ),
        };
        let data = self.home.join("data");
        let (Ok(place), Ok(data)) = (said.canonicalize(), data.canonicalize()) else {
            return Err(refuse("which does not exist"));
        };
        if !place.starts_with(&data) || place == data || !place.is_dir() {
            return Err(refuse("which is not an install in omg's mise directory"));
        }
        match crate::archive::escaping_link(&place) {
            Ok(None) => Ok(place),
            Ok(Some(link)) => Err(refuse(&format!(
                "whose link `{}` leads outside the install",
                link.display()
            ))),
            Err(source) => Err(crate::Error::io(place)(source)),
        }
    }

    /// Runs mise, stderr passed through (its progress), stdout captured.
    fn run(&self, args: &[&str]) -> crate::Result<String> {
        let output = self
            .mise()?
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .map_err(crate::Error::io("mise"))?;
        if !output.status.success() {
            return Err(crate::Error::Delegated {
                command: format!("mise {}", args.join(" ")),
                status: output.status.to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl crate::RuntimeManager for MiseManager {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Other(self.tool.clone())
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        let listed = self.run(&["ls-remote", self.tool.as_str()])?;
        let mut offers: Vec<crate::Offer> = listed
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| crate::Offer {
                version: line.trim().to_owned(),
                label: None,
            })
            .collect();
        offers.reverse();
        Ok(offers)
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        let latest = self.run(&["latest", &format!("{}@{request}", self.tool)])?;
        let version = latest.trim();
        if version.is_empty() {
            return Err(crate::Error::NoMatch {
                runtime: self.runtime(),
                request: request.to_owned(),
                platform: platform(),
            });
        }
        Ok(version.to_owned())
    }

    /// `mise install`, then a link from omg's versions tree to mise's install.
    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        _downloads: &Path,
        _progress: crate::Progress<'_>,
    ) -> crate::Result<PathBuf> {
        let runtime = self.runtime();
        let installed = layout.version_dir(&runtime, version)?;
        let spec = format!("{}@{version}", self.tool);
        self.run(&["install", &spec])?;
        let place = self.install_place(&spec)?;
        let dir = layout.runtime_dir(&runtime);
        std::fs::create_dir_all(&dir).map_err(crate::Error::io(&dir))?;
        let staged = dir.join(format!(".staging-link-{version}"));
        let _ = std::fs::remove_file(&staged);
        std::os::unix::fs::symlink(&place, &staged).map_err(crate::Error::io(&staged))?;
        std::fs::rename(&staged, &installed).map_err(crate::Error::io(&installed))?;
        Ok(installed)
    }
}
