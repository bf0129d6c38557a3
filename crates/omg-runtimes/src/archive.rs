//! Safe extraction of downloaded runtimes. Every entry is checked before anything is
//! written: no absolute paths, no `..`, no writing through a symlink, no link that
//! points outside the target, no devices or fifos, no setuid bits. The caller
//! extracts into a fresh temporary directory and renames it into place, so a
//! refused archive leaves nothing behind.

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
        /// The entry's path as the archive names it.
        entry: String,
        /// Why.
        reason: &'static str,
    },
}

/// Unpacks a `.tar.gz` into `target` (an empty directory), dropping the first
/// `strip` path components of every entry (1 for `node-v20.11.1-linux-x64/…`).
pub fn extract_tar_gz(archive: &Path, target: &Path, strip: usize) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    };
    let file = std::fs::File::open(archive).map_err(io)?;
    extract_tar(archive, flate2::read::GzDecoder::new(file), target, strip)
}

/// Unpacks a tar stream; see [`extract_tar_gz`].
pub fn extract_tar(
    archive: &Path,
    reader: impl Read,
    target: &Path,
    strip: usize,
) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    };
    let hostile = |entry: &Path, reason| ArchiveError::Hostile {
        archive: archive.to_owned(),
        entry: entry.display().to_string(),
        reason,
    };
    let mut tar = tar::Archive::new(reader);
    for entry in tar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let raw = entry.path().map_err(io)?.into_owned();
        let Some(relative) =
            checked_relative(&raw, strip).map_err(|reason| hostile(&raw, reason))?
        else {
            continue; // The stripped top-level directory itself.
        };
        let destination = target.join(&relative);
        ensure_no_symlink_between(target, &relative).map_err(|reason| hostile(&raw, reason))?;
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&destination).map_err(io)?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(parent) = destination.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let mode = entry.header().mode().map_err(io)? & 0o777;
                let mut file = std::fs::File::create(&destination).map_err(io)?;
                std::io::copy(&mut entry, &mut file).map_err(io)?;
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(mode))
                    .map_err(io)?;
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(io)?
                    .ok_or_else(|| hostile(&raw, "a symlink without a target"))?
                    .into_owned();
                symlink_stays_inside(&relative, &link).map_err(|reason| hostile(&raw, reason))?;
                if let Some(parent) = destination.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                std::os::unix::fs::symlink(&link, &destination).map_err(io)?;
            }
            tar::EntryType::Link => {
                let link = entry
                    .link_name()
                    .map_err(io)?
                    .ok_or_else(|| hostile(&raw, "a hard link without a target"))?
                    .into_owned();
                let source = checked_relative(&link, strip)
                    .map_err(|reason| hostile(&raw, reason))?
                    .ok_or_else(|| hostile(&raw, "a hard link to the top directory"))?;
                ensure_no_symlink_between(target, &source)
                    .map_err(|reason| hostile(&raw, reason))?;
                if let Some(parent) = destination.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                std::fs::hard_link(target.join(source), &destination).map_err(io)?;
            }
            // Metadata entries carry nothing to install.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                return Err(hostile(&raw, "device files and fifos are never installed"));
            }
            _ => return Err(hostile(&raw, "an entry type omg does not install")),
        }
    }
    Ok(())
}

/// Unpacks a `.zip` into `target` with the same checks as [`extract_tar`] (Bun
/// ships zips): every entry is checked before it is written.
pub fn extract_zip(archive: &Path, target: &Path, strip: usize) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        archive: archive.to_owned(),
        source,
    };
    let zip_error = |error: zip::result::ZipError| ArchiveError::Io {
        archive: archive.to_owned(),
        source: std::io::Error::other(error.to_string()),
    };
    let hostile = |entry: &str, reason| ArchiveError::Hostile {
        archive: archive.to_owned(),
        entry: entry.to_owned(),
        reason,
    };
    let file = std::fs::File::open(archive).map_err(io)?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_error)?;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(zip_error)?;
        let name = entry.name().map_err(zip_error)?.into_owned();
        let Some(relative) =
            checked_relative(Path::new(&name), strip).map_err(|reason| hostile(&name, reason))?
        else {
            continue;
        };
        ensure_no_symlink_between(target, &relative).map_err(|reason| hostile(&name, reason))?;
        let destination = target.join(&relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        if entry.is_dir() {
            std::fs::create_dir_all(&destination).map_err(io)?;
        } else if entry.is_symlink() {
            let mut link = String::new();
            entry.read_to_string(&mut link).map_err(io)?;
            symlink_stays_inside(&relative, Path::new(&link))
                .map_err(|reason| hostile(&name, reason))?;
            std::os::unix::fs::symlink(&link, &destination).map_err(io)?;
        } else {
            let mode = entry.unix_mode().unwrap_or(0o644) & 0o777;
            let mut file = std::fs::File::create(&destination).map_err(io)?;
            std::io::copy(&mut entry, &mut file).map_err(io)?;
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(io)?;
        }
    }
    Ok(())
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

/// Refuses an entry whose parent directories include a symlink already unpacked:
/// writing through it could land anywhere.
fn ensure_no_symlink_between(target: &Path, relative: &Path) -> Result<(), &'static str> {
    let mut current = target.to_path_buf();
    let parents: Vec<_> = relative.components().collect();
    for component in &parents[..parents.len().saturating_sub(1)] {
        current.push(component);
        if std::fs::symlink_metadata(&current).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err("a path through a symlink");
        }
    }
    Ok(())
}

/// A symlink's target, taken from the link's directory, must stay inside the tree.
fn symlink_stays_inside(relative: &Path, link: &Path) -> Result<(), &'static str> {
    if link.is_absolute() {
        return Err("a symlink to an absolute path");
    }
    let mut depth = relative.components().count().saturating_sub(1);
    for component in link.components() {
        match component {
            Component::ParentDir if depth == 0 => {
                return Err("a symlink pointing outside the archive")
            }
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err("a symlink to an absolute path")
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
