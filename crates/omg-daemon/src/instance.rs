//! One omgd per socket: an flock on `omgd.lock` beside the socket. Whoever holds the
//! lock owns the socket path, so a socket file found by the lock holder is stale.

use anyhow::{bail, Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub(crate) struct Instance {
    lock: File,
    lock_path: PathBuf,
    socket: PathBuf,
}

impl Instance {
    pub(crate) fn acquire(socket: &Path, socket_overridden: bool) -> Result<Self> {
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
        match std::fs::remove_file(socket) {
            Ok(()) => crate::log::info(&format!("removed stale socket {}", socket.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot remove stale socket {}", socket.display()))
            }
        }
        Ok(Self {
            lock,
            lock_path,
            socket: socket.to_owned(),
        })
    }

    /// Removes the socket, then the lock file while still holding it (a starting
    /// omgd that opened the old file notices, see [`Instance::acquire`]).
    pub(crate) fn release(self) {
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_file(&self.lock_path);
        drop(self.lock);
    }
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
