//! Package cache directories, looked at and pruned without following links: the
//! cache belongs to root and is pruned by root, but it may hold anything a
//! download or a user left there, so only plain names of regular files are ever
//! considered or deleted, each relative to the directory's descriptor; no name with
//! a `/` is built, so nothing outside the directory can be reached.

use crate::{Error, Result};
use omg_core::plan::CacheFile;
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

fn open_directory(dir: &Path) -> std::io::Result<OwnedFd> {
    // The directory itself is the configured one; what is inside is not followed.
    Ok(rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// The directory's descriptor and the UTF-8 names in it (a name that is not UTF-8
/// is no package a package manager wrote); `None` when it does not exist.
pub fn list(dir: &Path) -> Result<Option<(OwnedFd, Vec<String>)>> {
    let fd = match open_directory(dir) {
        Ok(fd) => fd,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Error::io(dir, error)),
    };
    let entries = rustix::fs::Dir::read_from(&fd).map_err(|e| Error::io(dir, e.into()))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e.into()))?;
        if let Ok(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    Ok(Some((fd, names)))
}

/// The size of `name` in `dir` when it is a regular file (not a link to one).
pub fn regular_file_size(dir: &OwnedFd, name: &str) -> Option<u64> {
    let stat = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
    (FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
        .then(|| u64::try_from(stat.st_size).unwrap_or(0))
}

/// Deletes the planned files, each by its plain name under its directory's
/// descriptor; one that is gone or no longer a regular file is left alone.
pub fn delete(files: &[CacheFile]) -> Result<()> {
    let mut directories: HashMap<PathBuf, OwnedFd> = HashMap::new();
    for file in files {
        let (Some(dir), Some(name)) = (
            file.path.parent(),
            file.path.file_name().and_then(|n| n.to_str()),
        ) else {
            continue;
        };
        if !directories.contains_key(dir) {
            let fd = open_directory(dir).map_err(|error| Error::io(dir, error))?;
            directories.insert(dir.to_path_buf(), fd);
        }
        let fd = &directories[dir];
        if regular_file_size(fd, name).is_none() {
            continue;
        }
        // unlinkat removes the name itself: were it swapped for a link since the
        // check, the link goes, never what it points to.
        match rustix::fs::unlinkat(fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => {}
            Err(error) => return Err(Error::io(&file.path, error.into())),
        }
    }
    Ok(())
}
