//! The one interface every runtime manager implements, and the table that picks
//! a manager for a runtime.

use crate::{Layout, Result, Runtime};
use std::path::{Path, PathBuf};

/// One version a mirror offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The concrete version (`22.12.0`, `1.23.4`).
    pub version: String,
    /// A note shown beside it (`lts/jod`, `unstable`).
    pub label: Option<String>,
}

/// Reports download progress: bytes done, and the total when known.
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// A runtime omg installs itself.
pub trait RuntimeManager {
    /// Which runtime.
    fn runtime(&self) -> Runtime;
    /// Versions the mirror offers for this platform, newest first.
    fn available(&self) -> Result<Vec<Offer>>;
    /// The concrete version `request` (`22`, `lts`, `1.23`, `latest`) means.
    fn resolve(&self, request: &str) -> Result<String>;
    /// Installs `version` (a [`RuntimeManager::resolve`] answer), which is not
    /// installed yet, and returns its directory.
    fn fetch(
        &self,
        layout: &Layout,
        version: &str,
        downloads: &Path,
        progress: Progress<'_>,
    ) -> Result<PathBuf>;

    /// Installs `version` unless it is installed already (then nothing is
    /// fetched, not even an index), and returns its directory.
    fn install(
        &self,
        layout: &Layout,
        version: &str,
        downloads: &Path,
        progress: Progress<'_>,
    ) -> Result<PathBuf> {
        let installed = layout.version_dir(&self.runtime(), version);
        if installed.is_dir() {
            return Ok(installed);
        }
        self.fetch(layout, version, downloads, progress)
    }
}

/// Mirror base URLs, each laid out like its upstream.
#[derive(Debug, Clone)]
pub struct Mirrors {
    /// Like nodejs.org/dist.
    pub node: String,
    /// Like go.dev/dl.
    pub go: String,
    /// Like api.adoptium.net.
    pub java: String,
    /// Like github.com/oven-sh/bun/releases/download.
    pub bun: String,
    /// An npm registry (Bun's version list).
    pub npm: String,
    /// uv-style Python build metadata.
    pub python_metadata: String,
    /// Replaces the python-build-standalone download prefix.
    pub python: String,
    /// Like static.rust-lang.org.
    pub rust: String,
    /// Like cache.ruby-lang.org/pub/ruby.
    pub ruby: String,
    /// Where omg's mise comes from.
    pub mise: crate::mise::MiseSource,
    /// omg's mise home (`$XDG_DATA_HOME/omg/mise`).
    pub mise_home: std::path::PathBuf,
}

impl Default for Mirrors {
    fn default() -> Self {
        Self {
            node: crate::node::DEFAULT_MIRROR.to_owned(),
            go: crate::go::DEFAULT_MIRROR.to_owned(),
            java: crate::java::DEFAULT_MIRROR.to_owned(),
            bun: crate::bun::DEFAULT_MIRROR.to_owned(),
            npm: crate::bun::DEFAULT_REGISTRY.to_owned(),
            python_metadata: crate::python::DEFAULT_METADATA.to_owned(),
            python: crate::python::UPSTREAM_PREFIX.to_owned(),
            rust: crate::rust::DEFAULT_MIRROR.to_owned(),
            ruby: crate::ruby::DEFAULT_MIRROR.to_owned(),
            mise: crate::mise::MiseSource::Mirror(crate::mise::DEFAULT_MIRROR.to_owned()),
            mise_home: std::path::PathBuf::from("mise"),
        }
    }
}

/// The manager for `runtime`, or an error naming the runtimes this omg manages.
pub fn manager(runtime: &Runtime, mirrors: &Mirrors) -> Result<Box<dyn RuntimeManager>> {
    match runtime {
        Runtime::Node => Ok(Box::new(crate::node::NodeMirror::new(&mirrors.node))),
        Runtime::Go => Ok(Box::new(crate::go::GoMirror::new(&mirrors.go))),
        Runtime::Java => Ok(Box::new(crate::java::JavaMirror::new(&mirrors.java))),
        Runtime::Bun => Ok(Box::new(crate::bun::BunMirror::new(
            &mirrors.bun,
            &mirrors.npm,
        ))),
        Runtime::Rust => Ok(Box::new(crate::rust::RustMirror::new(&mirrors.rust))),
        Runtime::Ruby => Ok(Box::new(crate::ruby::RubyMirror::new(&mirrors.ruby))),
        Runtime::Python => Ok(Box::new(crate::python::PythonMirror::new(
            &mirrors.python_metadata,
            &mirrors.python,
        ))),
        Runtime::Other(tool) => Ok(Box::new(crate::mise::MiseManager::new(
            tool,
            mirrors.mise.clone(),
            &mirrors.mise_home,
        ))),
    }
}

/// How a downloaded archive becomes an install.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unpack {
    /// A `.tar.gz`, its first N path components dropped.
    TarGz(usize),
    /// A `.zip`, its first N path components dropped, unpacked into this
    /// subdirectory of the install (Bun's zip holds the bare binary).
    Zip(usize, &'static str),
}

/// Downloads `url` (checked against `sha256`), unpacks it into a staging
/// directory, lets `finish` add to it, and renames it to
/// `versions/<runtime>/<version>`. Nothing is left behind on failure.
#[expect(clippy::too_many_arguments, reason = "one install step, named parts")]
pub(crate) fn install_archive(
    layout: &Layout,
    runtime: &Runtime,
    version: &str,
    url: &str,
    sha256: &str,
    unpack: Unpack,
    downloads: &Path,
    progress: Progress<'_>,
    finish: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    let installed = layout.version_dir(runtime, version);
    std::fs::create_dir_all(downloads).map_err(crate::Error::io(downloads))?;
    let file = url.rsplit('/').next().unwrap_or("download");
    let archive = downloads.join(file);
    crate::download::download(url, &archive, sha256, progress)?;
    let staged = layout
        .stage(runtime, version)
        .map_err(crate::Error::io(layout.runtime_dir(runtime)))?;
    let unpacked = match unpack {
        Unpack::TarGz(strip) => crate::archive::extract_tar_gz(&archive, staged.path(), strip),
        Unpack::Zip(strip, into) => {
            let target = staged.path().join(into);
            std::fs::create_dir_all(&target).map_err(crate::Error::io(&target))?;
            crate::archive::extract_zip(&archive, &target, strip)
        }
    };
    let _ = std::fs::remove_file(&archive);
    unpacked?;
    finish(staged.path())?;
    layout
        .commit(runtime, version, staged)
        .map_err(crate::Error::io(installed))
}
