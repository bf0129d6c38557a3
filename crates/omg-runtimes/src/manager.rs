//! The one interface every runtime manager implements, and the install steps
//! they share. Which manager serves which runtime is [`crate::registry`]'s.

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

/// What an install reports as it goes: download bytes always; a build from
/// source also its phases and its output (which the caller may show or not; it
/// is kept in a log either way). A closure over `(done, total)` is a reporter
/// that only cares about bytes.
pub trait Reporter {
    /// `done` bytes have arrived, of `total` when known.
    fn bytes(&mut self, done: u64, total: Option<u64>);
    /// A build step begins (`configure`, `make`, `make install`).
    fn phase(&mut self, _phase: &str) {}
    /// Output of a build step, as it comes.
    fn output(&mut self, _chunk: &[u8]) {}
}

impl<F: FnMut(u64, Option<u64>)> Reporter for F {
    fn bytes(&mut self, done: u64, total: Option<u64>) {
        self(done, total);
    }
}

/// The reporter an install is given.
pub type Progress<'a> = &'a mut dyn Reporter;

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
        let installed = layout.version_dir(&self.runtime(), version)?;
        if installed.is_dir() {
            return Ok(installed);
        }
        let _installing = layout.lock_install(&self.runtime(), version)?;
        // Another omg may have finished it while this one waited.
        if installed.is_dir() {
            return Ok(installed);
        }
        self.fetch(layout, version, downloads, progress)
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
    let installed = layout.version_dir(runtime, version)?;
    let archive = crate::layout::download_path(downloads, url)?;
    std::fs::create_dir_all(downloads).map_err(crate::Error::io(downloads))?;
    crate::download::download(url, &archive, sha256, progress)?;
    let staged = layout.stage(runtime, version)?;
    let unpacked = match unpack {
        Unpack::TarGz(strip) => {
            crate::archive::extract_tar_gz(&archive, staged.path(), strip, layout.unpack_limits())
        }
        Unpack::Zip(strip, into) => {
            let target = staged.path().join(into);
            std::fs::create_dir_all(&target).map_err(crate::Error::io(&target))?;
            crate::archive::extract_zip(&archive, &target, strip, layout.unpack_limits())
        }
    };
    let _ = std::fs::remove_file(&archive);
    unpacked?;
    finish(staged.path())?;
    debug_assert_eq!(installed, layout.version_dir(runtime, version)?);
    layout.commit(runtime, version, staged)
}
