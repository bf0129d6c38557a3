//! Go: the go.dev/dl JSON (`?mode=json&include=all`), whose entries carry each
//! archive's SHA-256, and tarballs with a top-level `go/` directory.

use serde::Deserialize;
use std::sync::OnceLock;

/// go.dev's download page; any mirror laid out the same way can replace it.
pub const DEFAULT_MIRROR: &str = "https://go.dev/dl";

/// One release as the JSON lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GoRelease {
    /// With the `go` prefix: `go1.23.4`, `go1.24rc1`.
    pub version: String,
    /// False for betas and release candidates.
    pub stable: bool,
    /// Archives, installers and the source.
    #[serde(default)]
    pub files: Vec<GoFile>,
}

/// One downloadable file of a release.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GoFile {
    /// `go1.23.4.linux-amd64.tar.gz`.
    pub filename: String,
    /// `linux`, `darwin`, … (empty for the source).
    #[serde(default)]
    pub os: String,
    /// `amd64`, `arm64`, …
    #[serde(default)]
    pub arch: String,
    /// Hex SHA-256.
    pub sha256: String,
    /// `archive`, `installer` or `source`.
    #[serde(default)]
    pub kind: String,
}

impl GoRelease {
    /// The version without its `go` prefix.
    #[must_use]
    pub fn number(&self) -> &str {
        self.version.strip_prefix("go").unwrap_or(&self.version)
    }

    /// This platform's archive, if the release has one.
    #[must_use]
    pub fn archive(&self) -> Option<&GoFile> {
        let (os, arch) = platform();
        self.files.iter().find(|file| {
            file.kind == "archive"
                && file.os == os
                && file.arch == arch
                && file.filename.ends_with(".tar.gz")
        })
    }
}

/// Go's names for this machine (`linux`, `amd64`).
#[must_use]
pub fn platform() -> (&'static str, &'static str) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    (std::env::consts::OS, arch)
}

/// The release `request` means: `latest` (newest stable), `1.23` (newest stable
/// 1.23.x, or the old-style `1.20` itself), `1.23.4` or `1.24rc1` exactly. Only
/// releases with an archive for this platform count.
#[must_use]
pub fn resolve<'a>(releases: &'a [GoRelease], request: &str) -> Option<&'a GoRelease> {
    let request = request.strip_prefix("go").unwrap_or(request);
    let mut usable = releases
        .iter()
        .filter(|release| release.archive().is_some());
    if request == "latest" {
        return usable.find(|release| release.stable);
    }
    let candidates: Vec<&GoRelease> = usable.collect();
    candidates
        .iter()
        .find(|release| release.number() == request)
        .or_else(|| {
            candidates.iter().find(|release| {
                release.stable
                    && release
                        .number()
                        .strip_prefix(request)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
        .copied()
}

/// Where Go releases come from: a base URL laid out like go.dev/dl
/// (`$BASE/?mode=json&include=all`, `$BASE/<filename>`).
#[derive(Debug)]
pub struct GoMirror {
    base: String,
    releases: OnceLock<Vec<GoRelease>>,
}

impl GoMirror {
    /// A mirror at `base` (a trailing slash is fine).
    #[must_use]
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            releases: OnceLock::new(),
        }
    }

    /// Every release, newest first as the mirror lists them (fetched once).
    pub fn releases(&self) -> crate::Result<&[GoRelease]> {
        if let Some(releases) = self.releases.get() {
            return Ok(releases);
        }
        let url = format!("{}/?mode=json&include=all", self.base);
        let json = crate::download::fetch_text(&url)?;
        let releases: Vec<GoRelease> =
            serde_json::from_str(&json).map_err(|error| crate::Error::Index {
                url,
                message: error.to_string(),
            })?;
        Ok(self.releases.get_or_init(|| releases))
    }

    fn release(&self, request: &str) -> crate::Result<&GoRelease> {
        resolve(self.releases()?, request).ok_or_else(|| {
            let (os, arch) = platform();
            crate::Error::NoMatch {
                runtime: crate::Runtime::Go,
                request: request.to_owned(),
                platform: format!("{os}-{arch}"),
            }
        })
    }
}

impl crate::RuntimeManager for GoMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Go
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        Ok(self
            .releases()?
            .iter()
            .filter(|release| release.archive().is_some())
            .map(|release| crate::Offer {
                version: release.number().to_owned(),
                label: (!release.stable).then(|| "unstable".to_owned()),
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        Ok(self.release(request)?.number().to_owned())
    }

    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &std::path::Path,
        progress: crate::Progress<'_>,
    ) -> crate::Result<std::path::PathBuf> {
        let release = self.release(version)?;
        let archive = release.archive().ok_or_else(|| crate::Error::NoMatch {
            runtime: crate::Runtime::Go,
            request: version.to_owned(),
            platform: format!("{}-{}", platform().0, platform().1),
        })?;
        crate::manager::install_archive(
            layout,
            &crate::Runtime::Go,
            version,
            &format!("{}/{}", self.base, archive.filename),
            &archive.sha256,
            crate::manager::Unpack::TarGz(1),
            downloads,
            progress,
            |_| Ok(()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(version: &str, stable: bool, arch: &str) -> GoRelease {
        GoRelease {
            version: format!("go{version}"),
            stable,
            files: vec![
                GoFile {
                    filename: format!("go{version}.linux-{arch}.tar.gz"),
                    os: "linux".into(),
                    arch: arch.into(),
                    sha256: "0".repeat(64),
                    kind: "archive".into(),
                },
                GoFile {
                    filename: format!("go{version}.src.tar.gz"),
                    os: String::new(),
                    arch: String::new(),
                    sha256: "1".repeat(64),
                    kind: "source".into(),
                },
            ],
        }
    }

    #[test]
    fn requests_resolve_like_go_toolchain_names() {
        let arch = platform().1;
        let releases = vec![
            release("1.24rc1", false, arch),
            release("1.23.4", true, arch),
            release("1.23.3", true, arch),
            release("1.22.10", true, "riscv64"),
            release("1.22.9", true, arch),
            release("1.21.0", true, arch),
            release("1.20", true, arch),
            release("1.2.2", true, arch),
        ];
        let table = [
            ("latest", Some("1.23.4")),
            ("1.23", Some("1.23.4")),
            ("go1.23", Some("1.23.4")),
            ("1.23.3", Some("1.23.3")),
            ("1.24rc1", Some("1.24rc1")),
            ("1.24", None),
            // 1.22.10 has no build for this platform.
            ("1.22", Some("1.22.9")),
            ("1.21", Some("1.21.0")),
            ("1.20", Some("1.20")),
            ("1.2", Some("1.2.2")),
            ("1", Some("1.23.4")),
            ("2", None),
        ];
        for (request, expected) in table {
            assert_eq!(
                resolve(&releases, request).map(GoRelease::number),
                expected,
                "request {request}"
            );
        }
    }

    #[test]
    fn the_json_shape_parses() {
        let json = r#"[
 {
  "version": "go1.23.4",
  "stable": true,
  "files": [
   {"filename": "go1.23.4.linux-amd64.tar.gz", "os": "linux", "arch": "amd64",
    "version": "go1.23.4", "sha256": "6924ef", "size": 73645934, "kind": "archive"}
  ]
 }
]"#;
        let releases: Vec<GoRelease> = serde_json::from_str(json).unwrap();
        assert_eq!(releases[0].number(), "1.23.4");
        assert_eq!(releases[0].files[0].sha256, "6924ef");
    }
}
