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
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another process".to_owned()
                } else {
                    format!("pid {holder}")
                };
                bail!(
                    "omgd is already running: {who} holds {}",
                    lock_path.display()
                );
            }
            Err(TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("cannot lock {}", lock_path.display()))
            }
        }
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

    /// Removes the socket, then the lock file while still holding it.
    pub(crate) fn release(self) {
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_file(&self.lock_path);
        drop(self.lock);
    }
}
