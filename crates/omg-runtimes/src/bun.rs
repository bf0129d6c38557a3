//! Bun: versions from the npm registry (the `bun` package's packument lists every
//! release, and registry mirrors are common), archives from the GitHub release
//! layout (`$BASE/bun-vX.Y.Z/bun-linux-x64.zip`), checked against the release's
//! checksum list as Bun's release key clearsigned it (`SHASUMS256.txt.asc`).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Bun's GitHub release downloads.
pub const DEFAULT_MIRROR: &str = "https://github.com/oven-sh/bun/releases/download";
/// The npm registry, where the `bun` package lists every release.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org";

#[derive(Deserialize)]
struct Packument {
    #[serde(rename = "dist-tags", default)]
    dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    versions: BTreeMap<String, serde_json::Value>,
}

/// Bun's name for this machine (`linux-x64`, `linux-aarch64`).
#[must_use]
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        other => other,
    };
    format!("{}-{arch}", std::env::consts::OS)
}

/// The release `request` means among `versions` (newest first): `latest` (the
/// registry's `latest` tag), an exact version, or a prefix (`1.1` → newest 1.1.x).
/// Pre-releases count only when named exactly.
#[must_use]
pub fn resolve<'a>(
    versions: &'a [String],
    latest: Option<&'a str>,
    request: &str,
) -> Option<&'a str> {
    let request = request.strip_prefix('v').unwrap_or(request);
    if request == "latest" {
        return latest.or_else(|| {
            versions
                .iter()
                .find(|v| !v.contains('-'))
                .map(String::as_str)
        });
    }
    versions
        .iter()
        .find(|version| *version == request)
        .or_else(|| {
            versions.iter().find(|version| {
                !version.contains('-')
                    && version
                        .strip_prefix(request)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
        .map(String::as_str)
}

/// Where Bun releases come from.
#[derive(Debug)]
pub struct BunMirror {
    base: String,
    registry: String,
    versions: OnceLock<(Vec<String>, Option<String>)>,
    trust: crate::signature::Trust,
}

impl BunMirror {
    /// Downloads from `base` (laid out like the GitHub releases), versions from the
    /// npm `registry`. The checksums come from `SHASUMS256.txt.asc`, checked
    /// against Bun's release key; a mirror without it falls back to
    /// `SHASUMS256.txt`, and the install records that it is unsigned.
    #[must_use]
    pub fn new(base: &str, registry: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            registry: registry.trim_end_matches('/').to_owned(),
            versions: OnceLock::new(),
            trust: crate::signature::Trust {
                scheme: crate::signature::Scheme::OpenPgpClearsigned(
                    crate::signature::Keyring::BunRelease,
                ),
                requirement: crate::signature::Requirement::IfPublished,
            },
        }
    }

    /// Trusts the keys in `keyring` instead of Bun's release key.
    #[must_use]
    pub fn with_keyring(mut self, keyring: crate::signature::Keyring) -> Self {
        self.trust.scheme = crate::signature::Scheme::OpenPgpClearsigned(keyring);
        self
    }

    /// Every release, newest first, and the `latest` tag.
    fn versions(&self) -> crate::Result<&(Vec<String>, Option<String>)> {
        if let Some(versions) = self.versions.get() {
            return Ok(versions);
        }
        let url = format!("{}/bun", self.registry);
        let text = crate::download::fetch_text(&url)?;
        let packument: Packument =
            serde_json::from_str(&text).map_err(|error| crate::Error::Index {
                url,
                message: error.to_string(),
            })?;
        let mut versions: Vec<String> = packument.versions.into_keys().collect();
        versions.sort_by(|a, b| crate::layout::version_order(b, a));
        let latest = packument.dist_tags.get("latest").cloned();
        Ok(self.versions.get_or_init(|| (versions, latest)))
    }
}

impl crate::RuntimeManager for BunMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Bun
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        let (versions, latest) = self.versions()?;
        Ok(versions
            .iter()
            .map(|version| crate::Offer {
                version: version.clone(),
                label: (latest.as_deref() == Some(version.as_str())).then(|| "latest".to_owned()),
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        let (versions, latest) = self.versions()?;
        resolve(versions, latest.as_deref(), request)
            .map(str::to_owned)
            .ok_or_else(|| crate::Error::NoMatch {
                runtime: crate::Runtime::Bun,
                request: request.to_owned(),
                platform: platform(),
            })
    }

    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &std::path::Path,
        progress: crate::Progress<'_>,
    ) -> crate::Result<std::path::PathBuf> {
        let file = format!("bun-{}.zip", platform());
        let published = crate::checksum::published(
            &format!("{}/bun-v{version}/SHASUMS256.txt", self.base),
            &file,
            &self.trust,
        )?;
        crate::manager::install_archive(
            layout,
            &crate::Runtime::Bun,
            version,
            &format!("{}/bun-v{version}/{file}", self.base),
            &published.sha256,
            crate::manager::Unpack::Zip(1, "bin"),
            downloads,
            progress,
            |staged| {
                // `bunx` is bun itself under another name; the zip leaves it out.
                let bunx = staged.join("bin/bunx");
                std::os::unix::fs::symlink("bun", &bunx).map_err(crate::Error::io(bunx))?;
                published.verdict.record(staged)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_resolve_against_registry_versions() {
        let versions: Vec<String> = [
            "1.4.5",
            "1.4.4",
            "1.3.0",
            "1.2.0-canary.1",
            "1.1.38",
            "1.1.9",
        ]
        .iter()
        .map(|v| (*v).to_owned())
        .collect();
        let table = [
            ("latest", Some("1.4.5")),
            ("1.4", Some("1.4.5")),
            ("v1.1", Some("1.1.38")),
            ("1.1.9", Some("1.1.9")),
            ("1.2", None),
            ("1.2.0-canary.1", Some("1.2.0-canary.1")),
            ("1", Some("1.4.5")),
            ("2", None),
        ];
        for (request, expected) in table {
            assert_eq!(
                resolve(&versions, Some("1.4.5"), request),
                expected,
                "request {request}"
            );
        }
    }
}
