//! Rust without rustup: a channel manifest (`channel-rust-{channel}.toml`,
//! verified against its `.sha256`) names the rustc, cargo and rust-std tarballs for
//! the host; each is verified, unpacked, and its components' `manifest.in` files
//! copied into the install, the way rustup assembles a toolchain.

use crate::archive::beneath::{Beneath, Refusal};
use std::path::{Path, PathBuf};

/// The Rust distribution server; a mirror replaces it, also inside manifests.
pub const DEFAULT_MIRROR: &str = "https://static.rust-lang.org";
/// The components a minimal toolchain needs.
const COMPONENTS: &[&str] = &["rustc", "cargo", "rust-std"];

/// The host triple (`x86_64-unknown-linux-gnu`).
#[must_use]
pub fn host() -> String {
    format!(
        "{}-unknown-{}-gnu",
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

/// Rust toolchains from a distribution server.
#[derive(Debug)]
pub struct RustMirror {
    server: String,
}

struct Manifest {
    /// `1.83.0`, or `nightly-2025-01-01` / `beta-…` for those channels.
    version: String,
    /// (url, sha256) of each of [`COMPONENTS`] for the host.
    tarballs: Vec<(String, String)>,
}

impl RustMirror {
    /// A server at `server` (laid out like static.rust-lang.org).
    #[must_use]
    pub fn new(server: &str) -> Self {
        Self {
            server: server.trim_end_matches('/').to_owned(),
        }
    }

    /// The manifest URL for a channel request.
    fn manifest_url(&self, channel: &str) -> String {
        // `nightly-2025-01-01` lives in the dated directory.
        let dated = ["nightly-", "beta-"].iter().find_map(|prefix| {
            let date = channel.strip_prefix(prefix)?;
            (date.len() == 10).then(|| (prefix.trim_end_matches('-'), date))
        });
        match dated {
            Some((name, date)) => format!("{}/dist/{date}/channel-rust-{name}.toml", self.server),
            None => format!("{}/dist/channel-rust-{channel}.toml", self.server),
        }
    }

    fn manifest(&self, request: &str) -> crate::Result<Manifest> {
        let channel = if request == "latest" {
            "stable"
        } else {
            request
        };
        let url = self.manifest_url(channel);
        let text = crate::download::fetch_text(&url)?;
        let published = crate::download::fetch_text(&format!("{url}.sha256"))?;
        let expected: String = published.trim().chars().take(64).collect();
        let actual = crate::checksum::sha256_bytes(text.as_bytes());
        if !actual.eq_ignore_ascii_case(&expected) {
            return Err(crate::download::DownloadError::Checksum {
                url,
                expected,
                actual,
            }
            .into());
        }
        let bad = |message: String| crate::Error::Index {
            url: url.clone(),
            message,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|error: toml::de::Error| bad(error.to_string()))?;
        let date = table
            .get("date")
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        let packages = table
            .get("pkg")
            .and_then(toml::Value::as_table)
            .ok_or_else(|| bad("no [pkg] table".to_owned()))?;
        let host = host();
        let mut tarballs = Vec::new();
        for component in COMPONENTS {
            let target = packages
                .get(*component)
                .and_then(|package| package.get("target"))
                .and_then(|targets| targets.get(&host))
                .filter(|target| {
                    target.get("available").and_then(toml::Value::as_bool) == Some(true)
                })
                .ok_or_else(|| crate::Error::NoMatch {
                    runtime: crate::Runtime::Rust,
                    request: request.to_owned(),
                    platform: host.clone(),
                })?;
            let field = |name: &str| {
                target
                    .get(name)
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned)
            };
            let (Some(url), Some(hash)) = (field("url"), field("hash")) else {
                return Err(bad(format!("{component} has no .tar.gz for {host}")));
            };
            // Manifests name the upstream server; a mirror serves the same paths.
            let url = match url.strip_prefix(DEFAULT_MIRROR) {
                Some(path) => format!("{}{path}", self.server),
                None => url,
            };
            tarballs.push((url, hash));
        }
        let rustc = packages
            .get("rustc")
            .and_then(|package| package.get("version"))
            .and_then(toml::Value::as_str)
            .and_then(|version| version.split_whitespace().next())
            .ok_or_else(|| bad("rustc has no version".to_owned()))?;
        let version = if channel.starts_with("nightly") || channel.starts_with("beta") {
            format!("{}-{date}", channel.split('-').next().unwrap_or(channel))
        } else {
            rustc.to_owned()
        };
        Ok(Manifest { version, tarballs })
    }
}

impl crate::RuntimeManager for RustMirror {
    fn runtime(&self) -> crate::Runtime {
        crate::Runtime::Rust
    }

    fn available(&self) -> crate::Result<Vec<crate::Offer>> {
        // A distribution server has no index of releases; the channels are the offer.
        Ok(["stable", "beta", "nightly"]
            .iter()
            .filter_map(|channel| {
                let version = self.manifest(channel).ok()?.version;
                Some(crate::Offer {
                    version,
                    label: Some((*channel).to_owned()),
                })
            })
            .collect())
    }

    fn resolve(&self, request: &str) -> crate::Result<String> {
        Ok(self.manifest(request)?.version)
    }

    fn fetch(
        &self,
        layout: &crate::Layout,
        version: &str,
        downloads: &Path,
        progress: crate::Progress<'_>,
    ) -> crate::Result<PathBuf> {
        let runtime = crate::Runtime::Rust;
        let installed = layout.version_dir(&runtime, version)?;
        let manifest = self.manifest(version)?;
        std::fs::create_dir_all(downloads).map_err(crate::Error::io(downloads))?;
        let staged = layout.stage(&runtime, version)?;
        let unpacked = tempfile::Builder::new()
            .prefix(".omg-rust-")
            .tempdir_in(downloads)
            .map_err(crate::Error::io(downloads))?;
        for (url, hash) in &manifest.tarballs {
            let archive = crate::layout::download_path(downloads, url)?;
            let file = archive.file_name().unwrap_or_default();
            crate::download::download(url, &archive, hash, progress)?;
            let tree = unpacked.path().join(file);
            std::fs::create_dir_all(&tree).map_err(crate::Error::io(&tree))?;
            let extracted =
                crate::archive::extract_tar_gz(&archive, &tree, 1, layout.unpack_limits());
            let _ = std::fs::remove_file(&archive);
            extracted?;
            install_components(&tree, staged.path())?;
        }
        debug_assert_eq!(installed, layout.version_dir(&runtime, version)?);
        layout.commit(&runtime, version, staged)
    }
}

/// Copies what each component of an unpacked rust-installer tarball lists in its
/// `manifest.in` (`file:bin/rustc`, `dir:lib/rustlib/…`) into `destination`.
/// The lists come from the archive, so every write goes beneath `destination`
/// without following links, and the finished tree's links must stay inside it.
fn install_components(tree: &Path, destination: &Path) -> crate::Result<()> {
    let read = |path: &Path| std::fs::read_to_string(path).map_err(crate::Error::io(path));
    let format = read(&tree.join("rust-installer-version"))?;
    if format.trim() != "3" {
        return Err(crate::Error::Index {
            url: tree.display().to_string(),
            message: format!("rust-installer format {} (expected 3)", format.trim()),
        });
    }
    let target = Beneath::open(destination).map_err(crate::Error::io(destination))?;
    for component in read(&tree.join("components"))?
        .lines()
        .filter(|line| !line.is_empty())
    {
        let root = tree.join(component);
        let manifest = root.join("manifest.in");
        if !std::path::Path::new(component)
            .components()
            .all(|part| matches!(part, std::path::Component::Normal(_)))
        {
            return Err(crate::Error::Index {
                url: tree.join("components").display().to_string(),
                message: format!(
                    "component `{}` leaves the archive",
                    component.escape_debug()
                ),
            });
        }
        for line in read(&manifest)?.lines() {
            let (kind, relative) = line.split_once(':').unwrap_or(("", line));
            let relative = Path::new(relative);
            if relative
                .components()
                .any(|part| !matches!(part, std::path::Component::Normal(_)))
            {
                return Err(crate::Error::Index {
                    url: manifest.display().to_string(),
                    message: format!("`{}` leaves the install", relative.display()),
                });
            }
            let refused = |refusal| refused(&manifest, relative, refusal);
            let from = root.join(relative);
            match kind {
                "file" => copy_file(&from, &target, relative).map_err(refused)?,
                "dir" => copy_dir(&from, &target, relative).map_err(refused)?,
                _ => {}
            }
        }
    }
    match crate::archive::escaping_link(destination) {
        Ok(None) => Ok(()),
        Ok(Some(entry)) => Err(crate::Error::Index {
            url: destination.display().to_string(),
            message: format!("`{}` links outside the install", entry.display()),
        }),
        Err(source) => Err(crate::Error::io(destination)(source)),
    }
}

fn refused(manifest: &Path, relative: &Path, refusal: Refusal) -> crate::Error {
    match refusal {
        Refusal::Hostile(reason) => crate::Error::Index {
            url: manifest.display().to_string(),
            message: format!("`{}`: {reason}", relative.display()),
        },
        Refusal::Io(source) => crate::Error::io(relative)(source),
    }
}

fn copy_file(from: &Path, target: &Beneath, relative: &Path) -> Result<(), Refusal> {
    use std::os::unix::fs::PermissionsExt;
    let mut input = std::fs::File::open(from).map_err(Refusal::Io)?;
    let mode = input.metadata().map_err(Refusal::Io)?.permissions().mode();
    let mut output = target.create_file(relative, mode)?;
    std::io::copy(&mut input, &mut output).map_err(Refusal::Io)?;
    Ok(())
}

fn copy_dir(from: &Path, target: &Beneath, relative: &Path) -> Result<(), Refusal> {
    target.create_dir(relative)?;
    for entry in std::fs::read_dir(from).map_err(Refusal::Io)? {
        let entry = entry.map_err(Refusal::Io)?;
        let kind = entry.file_type().map_err(Refusal::Io)?;
        let inner = relative.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), target, &inner)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).map_err(Refusal::Io)?;
            target.symlink(&inner, &link)?;
        } else {
            copy_file(&entry.path(), target, &inner)?;
        }
    }
    Ok(())
}
