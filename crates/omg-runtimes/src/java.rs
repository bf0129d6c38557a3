//! Java: Temurin JDKs through the Adoptium API v3 (`api.adoptium.net`). A request
//! names a feature release (`21`), `lts`, `latest`, or the exact current build of
//! a feature (`21.0.5+11`); the API's answer carries the archive's link and
//! SHA-256.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Adoptium's API; any server answering the same paths can replace it.
pub const DEFAULT_MIRROR: &str = "https://api.adoptium.net";

/// `/v3/info/available_releases`.
#[derive(Debug, Clone, Deserialize)]
pub struct AvailableReleases {
    /// Feature releases with GA builds.
    pub available_releases: Vec<u32>,
    /// The LTS ones among them.
    pub available_lts_releases: Vec<u32>,
    /// The newest LTS.
    pub most_recent_lts: u32,
    /// The newest feature release with GA builds.
    pub most_recent_feature_release: u32,
}

/// One entry of `/v3/assets/latest/{feature}/hotspot`.
#[derive(Debug, Clone, Deserialize)]
pub struct LatestAsset {
    /// The binary and its package.
    pub binary: Binary,
    /// `jdk-21.0.5+11`.
    pub release_name: String,
}

/// A binary build.
#[derive(Debug, Clone, Deserialize)]
pub struct Binary {
    /// `linux`, `mac`, …
    pub os: String,
    /// `x64`, `aarch64`, …
    pub architecture: String,
    /// `jdk`, `jre`, …
    pub image_type: String,
    /// The archive.
    pub package: Package,
}

/// A downloadable archive.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    /// File name.
    pub name: String,
    /// Where to fetch it.
    pub link: String,
    /// Hex SHA-256.
    pub checksum: Option<String>,
}

impl LatestAsset {
    /// `21.0.5+11`: the release name without `jdk-`, the install's directory name.
    #[must_use]
    pub fn version(&self) -> &str {
        self.release_name
            .strip_prefix("jdk-")
            .unwrap_or(&self.release_name)
    }
}

/// Adoptium's names for this machine (`linux`, `x64`).
#[must_use]
pub fn platform() -> (&'static str, &'static str) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "aarch64",
        other => other,
    };
    (std::env::consts::OS, arch)
}

/// Temurin JDKs from an Adoptium-compatible API.
#[derive(Debug)]
pub struct JavaMirror {
    base: String,
    releases: OnceLock<AvailableReleases>,
    latest: Mutex<HashMap<u32, LatestAsset>>,
}

impl JavaMirror {
    /// An API at `base` (a trailing slash is fine).
    #[must_use]
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            releases: OnceLock::new(),
            latest: Mutex::new(HashMap::new()),
        }
    }

    fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> crate::Result<T> {
        let url = format!("{}{path}", self.base);
        let text = crate::download::fetch_text(&url)?;
        serde_json::from_str(&text).map_err(|error| crate::Error::Index {
            url,
            message: error.to_string(),
        })
    }

    /// The feature releases the API offers.
    pub fn releases(&self) -> crate::Result<&AvailableReleases> {
        if let Some(releases) = self.releases.get() {
            return Ok(releases);
        }
        let releases = self.get("/v3/info/available_releases")?;
        Ok(self.releases.get_or_init(|| releases))
    }

    /// The newest GA JDK of `feature` for this platform.
    pub fn latest(&self, feature: u32) -> crate::Result<LatestAsset> {
        if let Some(asset) = self
            .latest
            .lock()
            .ok()
            .and_then(|cache| cache.get(&feature).cloned())
        {
            return Ok(asset);
        }
        let (os, arch) = platform();
        let assets: Vec<LatestAsset> = self.get(&format!(
            "/v3/assets/latest/{feature}/hotspot?os={os}&architecture={arch}&image_type=jdk&vendor=eclipse"
        ))?;
        let asset = assets
            .into_iter()
            .find(|asset| {
                asset.binary.os == os
                    && asset.binary.architecture == arch
                    && asset.binary.image_type == "jdk"
                    && asset.binary.package.name.ends_with(".tar.gz")
            })
            .ok_or_else(|| self.no_match(&feature.to_string()))?;
        if let Ok(mut cache) = self.latest.lock() {
            cache.insert(feature, asset.clone());
        }
        Ok(asset)
    }

    fn no_match(&self, request: &str) -> crate::Error {
        let (os, arch) = platform();
        crate::Error::NoMatch {
            runtime: crate::Runtime::Java,
            request: request.to_owned(),
            platform: format!("{os}-{arch}"),
        }
    }

    /// The feature release a request names.
    fn feature_of(&self, request: &str) -> crate::Result<u32> {
        let releases = self.releases()?;
        let feature = match request {
            "latest" => releases.most_recent_feature_release,
            "lts" => releases.most_recent_lts,
            _ => request
                .split(['.', '+'])
                .next()
                .and_then(|major| major.parse().ok())
                .ok_or_else(|| self.no_match(request))?,
        };
        if releases.available_releases.contains(&feature) {
            Ok(feature)
        } else {
            Err(self.no_match(request))
        }
    }
}

impl crate::RuntimeManager for JavaMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Java
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        let releases = self.releases()?;
        let mut features = releases.available_releases.clone();
        features.sort_unstable_by(|a, b| b.cmp(a));
        Ok(features
            .into_iter()
            .map(|feature| crate::Offer {
                version: feature.to_string(),
                label: releases
                    .available_lts_releases
                    .contains(&feature)
                    .then(|| "lts".to_owned()),
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        let asset = self.latest(self.feature_of(request)?)?;
        let version = asset.version();
        // Only a feature's current build can be named exactly: older ones need the
        // paginated release list, which this manager does not read yet.
        let exact = request.contains('.') || request.contains('+');
        if exact && version != request && !version.starts_with(&format!("{request}+")) {
            return Err(self.no_match(request));
        }
        Ok(version.to_owned())
    }

    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &std::path::Path,
        progress: crate::Progress<'_>,
    ) -> crate::Result<std::path::PathBuf> {
        let asset = self.latest(self.feature_of(version)?)?;
        if asset.version() != version {
            return Err(self.no_match(version));
        }
        let package = &asset.binary.package;
        let checksum = package
            .checksum
            .clone()
            .ok_or_else(|| crate::Error::NotListed {
                sums: format!("{}/v3/assets/latest/…", self.base),
                file: package.name.clone(),
            })?;
        crate::manager::install_archive(
            layout,
            &crate::Runtime::Java,
            version,
            &package.link,
            &checksum,
            crate::manager::Unpack::TarGz(1),
            downloads,
            progress,
            |_| Ok(()),
        )
    }
}
