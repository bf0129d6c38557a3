//! One omgd per socket: an flock on `omgd.lock` beside the socket. Whoever holds the
//! lock owns the socket path, so a socket of ours found by the lock holder is stale.
//! Anything else at that path (a file, a directory, a link, another user's socket)
//! is not omgd's to delete: omgd refuses to start instead.
//!
//! A socket passed by socket activation is systemd's: omgd still takes the lock
//! (a second omgd started by hand must not serve beside it) but never removes
//! that socket, at start or at exit. A socket someone still listens on is not
//! stale either, even with the lock free: that is systemd's omgd.socket waiting
//! for its first connection, and removing it would cut omg off from it.

use anyhow::{bail, Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub(crate) struct Instance {
    lock: File,
    lock_path: PathBuf,
    /// The socket to remove at exit: `None` when it is systemd's.
    bound_socket: Option<PathBuf>,
}

/// Who made the socket, and so who removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SocketOwner {
    /// omgd binds it after taking the lock, and removes it at exit.
    Omgd,
    /// systemd bound it and passed it (socket activation); it stays.
    Systemd,
}

impl Instance {
    pub(crate) fn acquire(
        socket: &Path,
        socket_overridden: bool,
        owner: SocketOwner,
    ) -> Result<Self> {
        let dir = socket
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        if socket_overridden {
            std::fs::DirBuilder::new()
                .recursive(true)
                .create(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        } else {
            omg_ipc::ensure_private_dir(dir)?;
        }
        let lock_path = dir.join(format!(
            "{}.lock",
            socket
                .file_stem()
                .map_or("omgd".into(), |stem| stem.to_string_lossy())
        ));
        let mut lock = loop {
            let lock = open_lock(&lock_path)?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => bail!(
                    "omgd is already running: {} holds {}",
                    holder(lock),
                    lock_path.display()
                ),
                Err(TryLockError::Error(error)) => {
                    return Err(error)
                        .with_context(|| format!("cannot lock {}", lock_path.display()))
                }
            }
            // A stopping omgd unlinks the lock file while holding it: a lock taken on
            // that unlinked file guards nothing. Retry until the locked file is the
            // one at the path.
            if same_file(&lock, &lock_path) {
                break lock;
            }
        };
        lock.set_len(0)?;
        lock.rewind()?;
        writeln!(lock, "{}", std::process::id())?;
        let bound_socket = match owner {
            SocketOwner::Omgd => {
                remove_stale_socket(socket)?;
                Some(socket.to_owned())
            }
            SocketOwner::Systemd => None,
        };
        Ok(Self {
            lock,
            lock_path,
            bound_socket,
        })
    }

    /// Removes the socket omgd bound (one systemd passed stays), then the lock
    /// file while still holding it (a starting omgd that opened the old file
    /// notices, see [`Instance::acquire`]).
    pub(crate) fn release(self) {
        if let Some(socket) = &self.bound_socket {
            let _ = std::fs::remove_file(socket);
        }
        let _ = std::fs::remove_file(&self.lock_path);
        drop(self.lock);
    }
}

/// Removes a socket this user left behind (omgd was killed). The lock holder
/// alone may create the socket, and nobody else can swap an entry in our private
/// directory (nor, in a sticky shared one, replace ours), so what `lstat` saw is
/// what gets removed.
fn remove_stale_socket(socket: &Path) -> Result<()> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let metadata = match std::fs::symlink_metadata(socket) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot inspect {}", socket.display()))
        }
    };
    let kind = metadata.file_type();
    let what = if kind.is_symlink() {
        "a symbolic link".to_owned()
    } else if kind.is_dir() {
        "a directory".to_owned()
    } else if kind.is_file() {
        "a regular file".to_owned()
    } else if !kind.is_socket() {
        "a special file".to_owned()
    } else if metadata.uid() != omg_ipc::current_uid() {
        format!("a socket of uid {}", metadata.uid())
    } else if std::os::unix::net::UnixStream::connect(socket).is_ok() {
        bail!(
            "{} is listened on by another process, likely systemd's omgd.socket, which starts omgd itself: let it, or `systemctl --user stop omgd.socket` first",
            socket.display()
        )
    } else {
        std::fs::remove_file(socket)
            .with_context(|| format!("cannot remove stale socket {}", socket.display()))?;
        crate::log::info(&format!("removed stale socket {}", socket.display()));
        return Ok(());
    };
    bail!(
        "{} is {what}, not a socket omgd left behind: move it away or set OMG_SOCKET to another path",
        socket.display()
    )
}

fn open_lock(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        // The directory may be shared (OMG_SOCKET): never follow a planted link.
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

fn holder(mut lock: File) -> String {
    let mut pid = String::new();
    let _ = lock.read_to_string(&mut pid);
    match pid.trim() {
        "" => "another process".to_owned(),
        pid => format!("pid {pid}"),
    }
}

fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}
