//! Python: python-build-standalone (PBS) `install_only` builds, found through a
//! metadata file in the shape uv maintains (`download-metadata.json`: one entry per
//! build, with its URL and SHA-256). A mirror replaces the PBS download prefix, as
//! `UV_PYTHON_INSTALL_MIRROR` does.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// uv's list of PBS builds.
pub const DEFAULT_METADATA: &str =
    "https://raw.githubusercontent.com/astral-sh/uv/main/crates/uv-python/download-metadata.json";
/// Where PBS releases are downloaded from; a mirror replaces this prefix.
pub const UPSTREAM_PREFIX: &str =
    "https://github.com/astral-sh/python-build-standalone/releases/download";

/// One build in the metadata.
#[derive(Debug, Clone, Deserialize)]
pub struct PythonBuild {
    /// `cpython`, `pypy`, `graalpy`.
    pub name: String,
    /// CPU family and micro-architecture variant.
    pub arch: Arch,
    /// `linux`, `darwin`, `windows`.
    pub os: String,
    /// `gnu`, `musl`, `none`.
    pub libc: String,
    /// Version parts.
    pub major: u32,
    /// Version parts.
    pub minor: u32,
    /// Version parts.
    pub patch: u32,
    /// `""` or `rc1`.
    #[serde(default)]
    pub prerelease: String,
    /// Where the archive is.
    pub url: String,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// `null`, `debug`, `freethreaded`.
    pub variant: Option<String>,
}

/// The `arch` object.
#[derive(Debug, Clone, Deserialize)]
pub struct Arch {
    /// `x86_64`, `aarch64`.
    pub family: String,
    /// `null`, `v2`, `v3`, `v4`.
    pub variant: Option<String>,
}

impl PythonBuild {
    /// `3.12.8` or `3.13.0rc1`.
    #[must_use]
    pub fn version(&self) -> String {
        format!(
            "{}.{}.{}{}",
            self.major, self.minor, self.patch, self.prerelease
        )
    }

    fn runs_here(&self) -> bool {
        self.name == "cpython"
            && self.os == std::env::consts::OS
            && self.arch.family == std::env::consts::ARCH
            && self.arch.variant.is_none()
            && self.libc == "gnu"
            && self.variant.is_none()
            && self.url.ends_with(".tar.gz")
    }
}

/// The build `request` means among `builds` (newest first): `latest`, `3`, `3.12`
/// (newest final release of that line) or an exact `3.12.8` / `3.13.0rc1`.
#[must_use]
pub fn resolve<'a>(builds: &'a [PythonBuild], request: &str) -> Option<&'a PythonBuild> {
    let request = request.strip_prefix("python").unwrap_or(request);
    builds
        .iter()
        .find(|build| build.version() == request)
        .or_else(|| {
            builds.iter().find(|build| {
                build.prerelease.is_empty()
                    && (request == "latest"
                        || build
                            .version()
                            .strip_prefix(request)
                            .is_some_and(|rest| rest.starts_with('.')))
            })
        })
}

/// Python builds from a metadata file and a (mirrored) PBS download prefix.
#[derive(Debug)]
pub struct PythonMirror {
    metadata: String,
    prefix: String,
    builds: OnceLock<Vec<PythonBuild>>,
}

impl PythonMirror {
    /// `metadata`: the build list's URL; `prefix`: replaces PBS's download prefix
    /// in the listed URLs.
    #[must_use]
    pub fn new(metadata: &str, prefix: &str) -> Self {
        Self {
            metadata: metadata.to_owned(),
            prefix: prefix.trim_end_matches('/').to_owned(),
            builds: OnceLock::new(),
        }
    }

    /// Builds for this machine, newest first (fetched once).
    pub fn builds(&self) -> crate::Result<&[PythonBuild]> {
        if let Some(builds) = self.builds.get() {
            return Ok(builds);
        }
        let text = crate::download::fetch_text(&self.metadata)?;
        let all: BTreeMap<String, PythonBuild> =
            serde_json::from_str(&text).map_err(|error| crate::Error::Index {
                url: self.metadata.clone(),
                message: error.to_string(),
            })?;
        let mut builds: Vec<PythonBuild> =
            all.into_values().filter(PythonBuild::runs_here).collect();
        builds.sort_by(|a, b| {
            (
                b.major,
                b.minor,
                b.patch,
                b.prerelease.is_empty(),
                &b.prerelease,
            )
                .cmp(&(
                    a.major,
                    a.minor,
                    a.patch,
                    a.prerelease.is_empty(),
                    &a.prerelease,
                ))
        });
        Ok(self.builds.get_or_init(|| builds))
    }

    fn build(&self, request: &str) -> crate::Result<&PythonBuild> {
        resolve(self.builds()?, request).ok_or_else(|| crate::Error::NoMatch {
            runtime: crate::Runtime::Python,
            request: request.to_owned(),
            platform: format!("{}-{}-gnu", std::env::consts::OS, std::env::consts::ARCH),
        })
    }

    fn url(&self, build: &PythonBuild) -> String {
        match build.url.strip_prefix(UPSTREAM_PREFIX) {
            Some(rest) => format!("{}{rest}", self.prefix),
            None => build.url.clone(),
        }
    }
}

impl crate::RuntimeManager for PythonMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Python
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        Ok(self
            .builds()?
            .iter()
            .map(|build| crate::Offer {
                version: build.version(),
                label: None,
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        Ok(self.build(request)?.version())
    }

    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &std::path::Path,
        progress: crate::Progress<'_>,
    ) -> crate::Result<std::path::PathBuf> {
        let build = self.build(version)?;
        let url = self.url(build);
        let sha256 = build
            .sha256
            .clone()
            .ok_or_else(|| crate::Error::NotListed {
                sums: self.metadata.clone(),
                file: url.clone(),
            })?;
        crate::manager::install_archive(
            layout,
            &crate::Runtime::Python,
            version,
            &url,
            &sha256,
            crate::manager::Unpack::TarGz(1),
            downloads,
            progress,
            |staged| {
                // `python` as well as `python3`, as uv and pyenv provide.
                let python = staged.join("bin/python");
                if staged.join("bin/python3").exists() && !python.exists() {
                    std::os::unix::fs::symlink("python3", &python)
                        .map_err(crate::Error::io(python))?;
                }
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(version: (u32, u32, u32), prerelease: &str, variant: Option<&str>) -> PythonBuild {
        PythonBuild {
            name: "cpython".into(),
            arch: Arch {
                family: std::env::consts::ARCH.into(),
                variant: None,
            },
            os: std::env::consts::OS.into(),
            libc: "gnu".into(),
            major: version.0,
            minor: version.1,
            patch: version.2,
            prerelease: prerelease.into(),
            url: "https://x/y.tar.gz".into(),
            sha256: None,
            variant: variant.map(str::to_owned),
        }
    }

    #[test]
    fn requests_resolve_like_uv() {
        let builds = vec![
            build((3, 14, 0), "rc1", None),
            build((3, 13, 1), "", None),
            build((3, 12, 8), "", None),
            build((3, 12, 7), "", None),
            build((3, 11, 11), "", None),
        ];
        let table = [
            ("latest", Some("3.13.1")),
            ("3", Some("3.13.1")),
            ("3.12", Some("3.12.8")),
            ("python3.12", Some("3.12.8")),
            ("3.12.7", Some("3.12.7")),
            ("3.14.0rc1", Some("3.14.0rc1")),
            ("3.14", None),
            ("3.1", None),
            ("2", None),
        ];
        for (request, expected) in table {
            assert_eq!(
                resolve(&builds, request)
                    .map(PythonBuild::version)
                    .as_deref(),
                expected,
                "request {request}"
            );
        }
        assert!(!build((3, 13, 1), "", Some("freethreaded")).runs_here());
    }
}
