//! Writing beneath one directory without ever following a link: every path is
//! walked component by component from the root's descriptor with `openat(…,
//! O_NOFOLLOW | O_DIRECTORY)`, so no symlink, wherever an earlier entry planted
//! it and whatever its text says, can redirect a write. The last component is
//! created with `O_CREAT | O_EXCL | O_NOFOLLOW` (or `mkdirat`, `symlinkat`,
//! `linkat` without following), never opened through a name that already exists
//! as a link.
//!
//! It refuses rather than repairs: a walk through a symlink or a file fails.

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::path::{Component, Path};

/// Why a write beneath the root did not happen.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The archive asked for something never done.
    Hostile(&'static str),
    /// The filesystem said no.
    Io(std::io::Error),
}

impl From<Errno> for Refusal {
    fn from(errno: Errno) -> Self {
        Self::Io(errno.into())
    }
}

type Result<T> = std::result::Result<T, Refusal>;

/// A directory every write stays beneath.
pub(crate) struct Beneath {
    root: OwnedFd,
}

const DIRECTORY_MODE: u32 = 0o755;

impl Beneath {
    /// The root itself is trusted: the caller created it (a fresh staging dir).
    pub(crate) fn open(root: &Path) -> std::io::Result<Self> {
        let root = rustix::fs::open(
            root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self { root })
    }

    /// The directory holding `relative`'s last component (created on the way
    /// when `create`), and that component. `relative` has only normal components.
    fn parent(&self, relative: &Path, create: bool) -> Result<(OwnedFd, OsString)> {
        let mut parts: Vec<&OsStr> = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(part) => parts.push(part),
                Component::CurDir => {}
                _ => return Err(Refusal::Hostile("a path leaving the target")),
            }
        }
        let last = parts
            .pop()
            .ok_or(Refusal::Hostile("an entry naming the target itself"))?;
        let mut dir = rustix::io::dup(&self.root)?;
        for part in parts {
            dir = self.step(&dir, part, create)?;
        }
        Ok((dir, last.to_owned()))
    }

    /// One directory down, never through a link.
    fn step(&self, dir: &OwnedFd, part: &OsStr, create: bool) -> Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(dir, part, flags, Mode::empty()) {
            Ok(next) => Ok(next),
            Err(Errno::NOENT) if create => {
                match rustix::fs::mkdirat(dir, part, Mode::from_raw_mode(DIRECTORY_MODE)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(errno) => return Err(errno.into()),
                }
                self.step(dir, part, false)
            }
            // With O_DIRECTORY a link fails as "not a directory" (or as a loop).
            Err(Errno::LOOP | Errno::NOTDIR) => match Self::kind(dir, part)? {
                Some(FileType::Symlink) => Err(Refusal::Hostile("a path through a symlink")),
                _ => Err(Refusal::Hostile("a path through a file")),
            },
            Err(errno) => Err(errno.into()),
        }
    }

    /// The type of `name` in `dir`, not following a link; `None` when absent.
    fn kind(dir: &OwnedFd, name: &OsStr) -> Result<Option<FileType>> {
        match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(FileType::from_raw_mode(stat.st_mode))),
            Err(Errno::NOENT) => Ok(None),
            Err(errno) => Err(errno.into()),
        }
    }

    /// A directory (and its parents).
    pub(crate) fn create_dir(&self, relative: &Path) -> Result<()> {
        let (dir, name) = self.parent(relative, true)?;
        drop(self.step(&dir, &name, true)?);
        Ok(())
    }

    /// A new regular file with `mode` (permission bits only). A file of the same
    /// name is replaced, as tar does; a link or directory there is refused.
    pub(crate) fn create_file(&self, relative: &Path, mode: u32) -> Result<std::fs::File> {
        let (dir, name) = self.parent(relative, true)?;
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW;
        let mode = Mode::from_raw_mode(mode & 0o777);
        match rustix::fs::openat(&dir, &name, flags | OFlags::CLOEXEC, mode) {
            Ok(file) => return Ok(file.into()),
            Err(Errno::EXIST) => {}
            Err(errno) => return Err(errno.into()),
        }
        match Self::kind(&dir, &name)? {
            Some(FileType::Symlink) => {
                return Err(Refusal::Hostile("a file over a symlink of the same name"))
            }
            Some(FileType::RegularFile) => {}
            _ => return Err(Refusal::Hostile("a file over a directory of the same name")),
        }
        rustix::fs::unlinkat(&dir, &name, AtFlags::empty())?;
        Ok(rustix::fs::openat(&dir, &name, flags | OFlags::CLOEXEC, mode)?.into())
    }

    /// A symlink holding `target` (not followed, not checked here: see
    /// [`super::links`]). Nothing may already have the name.
    pub(crate) fn symlink(&self, relative: &Path, target: &Path) -> Result<()> {
        let (dir, name) = self.parent(relative, true)?;
        match rustix::fs::symlinkat(target, &dir, &name) {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) => Err(Refusal::Hostile("a symlink over an existing entry")),
            Err(errno) => Err(errno.into()),
        }
    }

    /// A hard link at `relative` to the regular file already unpacked at `source`.
    /// A link to a symlink (which would carry the symlink elsewhere) or to
    /// anything but a regular file is refused.
    pub(crate) fn hard_link(&self, relative: &Path, source: &Path) -> Result<()> {
        let (source_dir, source_name) =
            self.parent(source, false)
                .map_err(|refusal| match refusal {
                    Refusal::Io(error) if error.kind() == std::io::ErrorKind::NotFound => {
                        Refusal::Hostile("a hard link to an entry not unpacked")
                    }
                    other => other,
                })?;
        match Self::kind(&source_dir, &source_name)? {
            Some(FileType::RegularFile) => {}
            Some(FileType::Symlink) => return Err(Refusal::Hostile("a hard link to a symlink")),
            None => return Err(Refusal::Hostile("a hard link to an entry not unpacked")),
            Some(_) => return Err(Refusal::Hostile("a hard link to something not a file")),
        }
        let (dir, name) = self.parent(relative, true)?;
        match Self::kind(&dir, &name)? {
            None => {}
            Some(FileType::RegularFile) => rustix::fs::unlinkat(&dir, &name, AtFlags::empty())?,
            Some(_) => return Err(Refusal::Hostile("a hard link over a link or directory")),
        }
        rustix::fs::linkat(&source_dir, &source_name, &dir, &name, AtFlags::empty())?;
        Ok(())
    }
}
