//! Node.js: the nodejs.org/dist `index.json` and how a request picks a release
//! (nvm's and fnm's rules: `20` is the newest 20.x, `lts` the newest LTS line's
//! newest release, `lts/iron` that line's, `lts/-1` the line before the newest).

use serde::Deserialize;

/// One release from `index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRelease {
    /// `[major, minor, patch]`.
    pub version: [u64; 3],
    /// The LTS codename, lowercased (`iron`), for LTS releases.
    pub lts: Option<String>,
    /// Platform tags (`linux-x64`, `osx-arm64-tar`, …).
    pub files: Vec<String>,
}

impl NodeRelease {
    /// `20.11.1`.
    #[must_use]
    pub fn version_string(&self) -> String {
        let [major, minor, patch] = self.version;
        format!("{major}.{minor}.{patch}")
    }
}

#[derive(Deserialize)]
struct IndexEntry {
    version: String,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    lts: serde_json::Value,
}

/// Why `index.json` cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("Node index: {0}")]
pub struct IndexError(String);

/// Parses `index.json`; releases come back newest first whatever the file's order.
pub fn parse_index(json: &str) -> Result<Vec<NodeRelease>, IndexError> {
    let entries: Vec<IndexEntry> =
        serde_json::from_str(json).map_err(|error| IndexError(error.to_string()))?;
    let mut releases = entries
        .into_iter()
        .map(|entry| {
            let version = parse_triple(entry.version.trim_start_matches('v'))
                .ok_or_else(|| IndexError(format!("bad version `{}`", entry.version)))?;
            let lts = entry.lts.as_str().map(str::to_ascii_lowercase);
            Ok(NodeRelease {
                version,
                lts,
                files: entry.files,
            })
        })
        .collect::<Result<Vec<_>, IndexError>>()?;
    releases.sort_by_key(|release| std::cmp::Reverse(release.version));
    Ok(releases)
}

fn parse_triple(text: &str) -> Option<[u64; 3]> {
    let mut parts = text.split('.').map(str::parse::<u64>);
    let triple = [
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    ];
    parts.next().is_none().then_some(triple)
}

/// The release `request` means among `releases` (newest first) that have a build for
/// `platform` (`linux-x64`). `None` when nothing matches.
#[must_use]
pub fn resolve<'a>(
    releases: &'a [NodeRelease],
    request: &str,
    platform: &str,
) -> Option<&'a NodeRelease> {
    let mut candidates = releases
        .iter()
        .filter(|release| release.files.iter().any(|file| file == platform));
    match request {
        "latest" => candidates.next(),
        "lts" => candidates.find(|release| release.lts.is_some()),
        _ => {
            if let Some(line) = request.strip_prefix("lts/") {
                let codename = lts_codename(releases, line)?;
                return candidates.find(|release| release.lts.as_deref() == Some(codename));
            }
            let wanted: Vec<u64> = request
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()
                .filter(|parts: &Vec<u64>| (1..=3).contains(&parts.len()))?;
            candidates.find(|release| release.version[..wanted.len()] == wanted[..])
        }
    }
}

/// `iron` stays `iron` when some release has it; `-1` is the LTS line before the
/// newest one, `-2` the one before that.
fn lts_codename<'a>(releases: &'a [NodeRelease], line: &str) -> Option<&'a str> {
    let mut lines: Vec<&str> = Vec::new();
    for codename in releases.iter().filter_map(|release| release.lts.as_deref()) {
        if !lines.contains(&codename) {
            lines.push(codename);
        }
    }
    match line.strip_prefix('-').map(str::parse::<usize>) {
        Some(Ok(back)) => lines.get(back).copied(),
        Some(Err(_)) => None,
        None => lines.into_iter().find(|codename| *codename == line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"[
      {"version":"v23.4.0","date":"2024-12-10","files":["linux-x64","src"],"lts":false,"security":false},
      {"version":"v22.12.0","date":"2024-12-03","files":["linux-x64","src"],"lts":"Jod","security":false},
      {"version":"v22.11.0","date":"2024-10-29","files":["linux-x64"],"lts":"Jod","security":false},
      {"version":"v20.18.1","date":"2024-11-20","files":["linux-x64"],"lts":"Iron","security":true},
      {"version":"v20.9.0","date":"2023-10-24","files":["linux-x64"],"lts":"Iron","security":false},
      {"version":"v20.8.1","date":"2023-10-13","files":["linux-x64"],"lts":false,"security":true},
      {"version":"v18.20.5","date":"2024-11-12","files":["linux-x64"],"lts":"Hydrogen","security":false},
      {"version":"v19.0.0","date":"2022-10-18","files":["osx-arm64-tar"],"lts":false,"security":false},
      {"version":"v0.12.18","date":"2017-02-22","files":["linux-x64"],"npm":"2.15.11","lts":false}
    ]"#;

    #[test]
    fn requests_resolve_like_nvm_and_fnm() {
        let releases = parse_index(INDEX).unwrap();
        let table = [
            ("latest", Some("23.4.0")),
            ("lts", Some("22.12.0")),
            ("lts/jod", Some("22.12.0")),
            ("lts/iron", Some("20.18.1")),
            ("lts/-1", Some("20.18.1")),
            ("lts/-2", Some("18.20.5")),
            ("lts/-3", None),
            ("lts/argon", None),
            ("22", Some("22.12.0")),
            ("22.11", Some("22.11.0")),
            ("20.8", Some("20.8.1")),
            ("20.9.0", Some("20.9.0")),
            ("0", Some("0.12.18")),
            // Built only for macOS: nothing for linux-x64.
            ("19", None),
            ("21", None),
            ("20.x", None),
            ("1.2.3.4", None),
        ];
        for (request, expected) in table {
            assert_eq!(
                resolve(&releases, request, "linux-x64").map(NodeRelease::version_string),
                expected.map(str::to_owned),
                "request {request}"
            );
        }
    }

    #[test]
    fn index_order_does_not_matter_and_bad_entries_are_errors() {
        let mut reversed: Vec<serde_json::Value> = serde_json::from_str(INDEX).unwrap();
        reversed.reverse();
        let releases = parse_index(&serde_json::to_string(&reversed).unwrap()).unwrap();
        assert_eq!(releases[0].version, [23, 4, 0]);
        assert!(parse_index(r#"[{"version":"v20.x","files":[]}]"#)
            .unwrap_err()
            .to_string()
            .contains("bad version `v20.x`"));
        assert!(parse_index("{").is_err());
    }
}

/// nodejs.org's release tree; any mirror laid out the same way can replace it.
pub const DEFAULT_MIRROR: &str = "https://nodejs.org/dist";

/// Where Node releases come from: a base URL laid out like nodejs.org/dist
/// (`$BASE/index.json`, `$BASE/vX.Y.Z/SHASUMS256.txt`, tarballs beside it).
#[derive(Debug)]
pub struct NodeMirror {
    base: String,
    releases: std::sync::OnceLock<Vec<NodeRelease>>,
    trust: crate::signature::Trust,
}

impl NodeMirror {
    /// A mirror at `base` (a trailing slash is fine). `SHASUMS256.txt.sig` is
    /// checked against Node's release keys when the mirror has it; without it the
    /// checksum alone vouches (old releases and many mirrors have none), and the
    /// install records that it is unsigned.
    #[must_use]
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            releases: std::sync::OnceLock::new(),
            trust: crate::signature::Trust {
                scheme: crate::signature::Scheme::OpenPgp(crate::signature::Keyring::NodeRelease),
                requirement: crate::signature::Requirement::IfPublished,
            },
        }
    }

    /// Trusts the keys in `keyring` instead of Node's release keys (a mirror
    /// that re-signs, or a test's own key).
    #[must_use]
    pub fn with_keyring(mut self, keyring: crate::signature::Keyring) -> Self {
        self.trust.scheme = crate::signature::Scheme::OpenPgp(keyring);
        self
    }

    /// Whether a missing `SHASUMS256.txt.sig` is refused.
    #[must_use]
    pub fn with_requirement(mut self, requirement: crate::signature::Requirement) -> Self {
        self.trust.requirement = requirement;
        self
    }

    /// Every release the mirror lists, newest first (fetched once).
    pub fn releases(&self) -> crate::Result<&[NodeRelease]> {
        if let Some(releases) = self.releases.get() {
            return Ok(releases);
        }
        let index = crate::download::fetch_text(&format!("{}/index.json", self.base))?;
        let releases = parse_index(&index)?;
        Ok(self.releases.get_or_init(|| releases))
    }

    fn release(&self, request: &str) -> crate::Result<&NodeRelease> {
        let platform = platform();
        resolve(self.releases()?, request, &platform).ok_or_else(|| crate::Error::NoMatch {
            runtime: crate::Runtime::Node,
            request: request.to_owned(),
            platform,
        })
    }
}

impl crate::RuntimeManager for NodeMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Node
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        let platform = platform();
        Ok(self
            .releases()?
            .iter()
            .filter(|release| release.files.contains(&platform))
            .map(|release| crate::Offer {
                version: release.version_string(),
                label: release
                    .lts
                    .as_ref()
                    .map(|codename| format!("lts/{codename}")),
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        Ok(self.release(request)?.version_string())
    }

    /// The tarball is checked against the release's SHASUMS256.txt (itself
    /// checked against its signature) before it is unpacked; the LTS codename and
    /// what vouched for the checksum are noted in the install.
    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &std::path::Path,
        progress: crate::manager::Progress<'_>,
    ) -> crate::Result<std::path::PathBuf> {
        let release = self.release(version)?;
        let file = format!("node-v{version}-{}.tar.gz", platform());
        let published = crate::checksum::published(
            &format!("{}/v{version}/SHASUMS256.txt", self.base),
            &file,
            &self.trust,
        )?;
        crate::manager::install_archive(
            layout,
            &crate::Runtime::Node,
            version,
            &format!("{}/v{version}/{file}", self.base),
            &published.sha256,
            crate::manager::Unpack::TarGz(1),
            downloads,
            progress,
            |staged| {
                if let Some(codename) = &release.lts {
                    let note = staged.join(crate::layout::LTS_NOTE);
                    std::fs::write(&note, codename).map_err(crate::Error::io(note))?;
                }
                published.verdict.record(staged)
            },
        )
    }
}

/// nodejs.org's name for this machine's platform (`linux-x64`, `linux-arm64`).
#[must_use]
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("{}-{arch}", std::env::consts::OS)
}
