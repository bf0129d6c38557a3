//! Safe extraction of downloaded runtimes. A checksum proves the bytes are the
//! mirror's, not that they are safe, so every entry is treated as hostile:
//!
//! - names are refused when absolute or holding `..`;
//! - every write goes through [`beneath::Beneath`], which walks from the target's
//!   descriptor without following any link, so no symlink, however it was made,
//!   redirects a write; a file never replaces a link of the same name;
//! - hard links may only point at regular files already unpacked;
//! - devices and fifos are refused, setuid and setgid bits dropped;
//! - the unpacked size and entry count are capped ([`Limits`]), so a bomb fails
//!   cleanly;
//! - when everything is written, every symlink in the tree is resolved through
//!   the others and must stay inside ([`links`]).
//!
//! The caller extracts into a fresh staging directory and renames it into place
//! only on success, so a refused archive leaves nothing installed.

pub(crate) mod beneath;
mod links;

use beneath::{Beneath, Refusal};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why an archive was refused or could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading the archive or writing the tree failed.
    #[error("{archive}: {source}")]
    Io {
        /// The archive.
        archive: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// An entry would escape the target or is of a kind never installed.
    #[error("{archive}: refused entry `{entry}`: {reason}")]
    Hostile {
        /// The archive.
        archive: PathBuf,
        /// The entry's path as the archive names it (control characters escaped).
        entry: String,
        /// Why.
        reason: &'static str,
    },
    /// The archive unpacks to more than the configured limit.
    #[error("{archive}: unpacks to more than {limit} {unit}; refused (raise the limit in the config if this is expected)")]
    TooLarge {
        /// The archive.
        archive: PathBuf,
        /// The limit passed.
        limit: u64,
        /// What the limit counts (`bytes`, `entries`).
        unit: &'static str,
    },
}

/// How much one archive may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes written, all files together.
    pub max_bytes: u64,
    /// Entries of any kind.
    pub max_entries: u64,
}

/// The default byte cap: generous beside the largest runtime (a JDK or a Rust
/// toolchain unpacks to well under 2 GiB).
pub const DEFAULT_MAX_BYTES: u64 = 16 << 30;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_entries: 1_000_000,
        }
    }
}

/// Counts what an archive has written against its [`Limits`].
struct Budget<'a> {
    archive: &'a Path,
    limits: Limits,
    bytes: u64,
    entries: u64,
}

impl<'a> Budget<'a> {
    fn new(archive: &'a Path, limits: Limits) -> Self {
        Self {
            archive,
            limits,
            bytes: 0,
            entries: 0,
        }
    }

    fn entry(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ArchiveError::TooLarge {
                archive: self.archive.to_owned(),
                limit: self.limits.max_entries,
                unit: "entries",
            });
        }
        Ok(())
    }

    /// Copies `reader` into `file`, never more than the bytes left.
    fn copy(
        &mut self,
        reader: &mut impl Read,
        file: &mut std::fs::File,
    ) -> Result<(), ArchiveError> {
        let left = self.limits.max_bytes.saturating_sub(self.bytes);
        let copied =
            std::io::copy(&mut reader.take(left.saturating_add(1)), file).map_err(|source| {
                ArchiveError::Io {
                    archive: self.archive.to_owned(),
                    source,
                }
            })?;
        self.bytes += copied;
        if copied > left {
            return Err(ArchiveError::TooLarge {
                archive: self.archive.to_owned(),
                limit: self.limits.max_bytes,
                unit: "bytes",
            });
        }
        Ok(())
    }
}

/// Turns a refusal from the writer into this archive's error for `entry`.
fn refusal<'a>(archive: &'a Path, entry: &str) -> impl Fn(Refusal) -> ArchiveError + 'a {
    let entry = crate::name::printable(entry).into_owned();
    move |refusal| match refusal {
        Refusal::Hostile(reason) => ArchiveError::Hostile {
            archive: archive.to_owned(),
            entry: entry.clone(),
            reason,
        },
        Refusal::Io(source) => ArchiveError::Io {
            archive: archive.to_owned(),
            source,
        },
    }
}

/// Unpacks a `.tar.gz` into `target` (an empty directory), dropping the first
/// `strip` path components of every entry (1 for `node-v20.11.1-linux-x64/…`).
pub fn extract_tar_gz(
    archive: &Path,
    target: &Path,
    strip: usize,
    limits: Limits,
) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    };
    let file = std::fs::File::open(archive).map_err(io)?;
    extract_tar(
        archive,
        flate2::read::GzDecoder::new(file),
        target,
        strip,
        limits,
    )
}

/// Unpacks a tar stream; see [`extract_tar_gz`]. `archive` only names it in errors.
pub fn extract_tar(
    archive: &Path,
    reader: impl Read,
    target: &Path,
    strip: usize,
    limits: Limits,
) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    };
    let tree = Beneath::open(target).map_err(io)?;
    let mut budget = Budget::new(archive, limits);
    let mut tar = tar::Archive::new(reader);
    for entry in tar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        budget.entry()?;
        let raw = entry.path().map_err(io)?.into_owned();
        let name = raw.to_string_lossy().into_owned();
        let refused = refusal(archive, &name);
        let hostile = |reason| refused(Refusal::Hostile(reason));
        let Some(relative) = checked_relative(&raw, strip).map_err(hostile)? else {
            continue; // The stripped top-level directory itself.
        };
        match entry.header().entry_type() {
            tar::EntryType::Directory => tree.create_dir(&relative).map_err(&refused)?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mode = entry.header().mode().map_err(io)?;
                let mut file = tree.create_file(&relative, mode).map_err(&refused)?;
                budget.copy(&mut entry, &mut file)?;
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(io)?
                    .ok_or_else(|| hostile("a symlink without a target"))?
                    .into_owned();
                if link.is_absolute() {
                    return Err(hostile("a symlink to an absolute path"));
                }
                tree.symlink(&relative, &link).map_err(&refused)?;
            }
            tar::EntryType::Link => {
                let link = entry
                    .link_name()
                    .map_err(io)?
                    .ok_or_else(|| hostile("a hard link without a target"))?
                    .into_owned();
                let source = checked_relative(&link, strip)
                    .map_err(hostile)?
                    .ok_or_else(|| hostile("a hard link to the top directory"))?;
                tree.hard_link(&relative, &source).map_err(&refused)?;
            }
            // Metadata entries carry nothing to install.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                return Err(hostile("device files and fifos are never installed"));
            }
            _ => return Err(hostile("an entry type omg does not install")),
        }
    }
    check_links(archive, target)
}

/// Unpacks a `.zip` into `target` with the same rules as [`extract_tar`] (Bun
/// ships zips).
pub fn extract_zip(
    archive: &Path,
    target: &Path,
    strip: usize,
    limits: Limits,
) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    };
    let zip_error = |error: zip::result::ZipError| ArchiveError::Io {
        archive: archive.to_owned(),
        source: std::io::Error::other(error.to_string()),
    };
    let tree = Beneath::open(target).map_err(io)?;
    let mut budget = Budget::new(archive, limits);
    let file = std::fs::File::open(archive).map_err(io)?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_error)?;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(zip_error)?;
        budget.entry()?;
        let name = entry.name().map_err(zip_error)?.into_owned();
        let refused = refusal(archive, &name);
        let hostile = |reason| refused(Refusal::Hostile(reason));
        let Some(relative) = checked_relative(Path::new(&name), strip).map_err(hostile)? else {
            continue;
        };
        if entry.is_dir() {
            tree.create_dir(&relative).map_err(&refused)?;
        } else if entry.is_symlink() {
            let mut link = String::new();
            (&mut entry)
                .take(4096)
                .read_to_string(&mut link)
                .map_err(io)?;
            if Path::new(&link).is_absolute() {
                return Err(hostile("a symlink to an absolute path"));
            }
            tree.symlink(&relative, Path::new(&link))
                .map_err(&refused)?;
        } else {
            let mode = entry.unix_mode().unwrap_or(0o644);
            if mode & 0o170_000 != 0 && mode & 0o170_000 != 0o100_000 {
                return Err(hostile("device files and fifos are never installed"));
            }
            let mut file = tree.create_file(&relative, mode).map_err(&refused)?;
            budget.copy(&mut entry, &mut file)?;
        }
    }
    check_links(archive, target)
}

/// Refuses the unpacked tree when any symlink in it, resolved through the
/// others, leaves `target`.
fn check_links(archive: &Path, target: &Path) -> Result<(), ArchiveError> {
    match links::first_escaping_link(target) {
        Ok(None) => Ok(()),
        Ok(Some((entry, _))) => Err(ArchiveError::Hostile {
            archive: archive.to_owned(),
            entry: crate::name::printable(&entry.to_string_lossy()).into_owned(),
            reason: "a symlink that resolves outside the archive",
        }),
        Err(source) => Err(ArchiveError::Io {
            archive: archive.to_owned(),
            source,
        }),
    }
}

/// The first symlink under `root` that resolves outside it, through the other
/// links there (for trees omg did not unpack itself, such as mise's installs).
pub fn escaping_link(root: &Path) -> std::io::Result<Option<PathBuf>> {
    Ok(links::first_escaping_link(root)?.map(|(entry, _)| entry))
}

/// The entry path with `strip` leading components removed, or `None` when nothing
/// is left; refused when absolute or when any component is `..`.
fn checked_relative(path: &Path, strip: usize) -> Result<Option<PathBuf>, &'static str> {
    let mut normal = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => normal.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("a `..` path component"),
            Component::RootDir | Component::Prefix(_) => return Err("an absolute path"),
        }
    }
    Ok((normal.len() > strip).then(|| normal[strip..].iter().collect()))
}

#[cfg(test)]
mod tests;
