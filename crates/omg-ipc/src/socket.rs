//! Where the socket lives and how its directory is kept private.

use omg_core::paths::Environment;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The socket: `$OMG_SOCKET`, else `$XDG_RUNTIME_DIR/omg/omgd.sock`, else
/// `/tmp/omg-$UID/omgd.sock`.
#[must_use]
pub fn socket_path(environment: &Environment) -> PathBuf {
    if let Some(socket) = &environment.socket {
        return socket.clone();
    }
    // A runtime dir of another user (`sudo -E` keeps the caller's) is not ours to use.
    let uid = current_uid();
    let dir = match environment
        .runtime_dir
        .as_ref()
        .filter(|dir| dir.is_absolute())
        .filter(|dir| std::fs::metadata(dir).is_ok_and(|metadata| metadata.uid() == uid))
    {
        Some(runtime) => runtime.join("omg"),
        None => PathBuf::from(format!("/tmp/omg-{uid}")),
    };
    dir.join("omgd.sock")
}

/// The uid of the process at the other end of a Unix socket (SO_PEERCRED).
#[allow(unsafe_code)]
pub fn peer_uid(socket: &impl std::os::fd::AsRawFd) -> std::io::Result<u32> {
    let mut credentials = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut length = libc::socklen_t::try_from(std::mem::size_of::<libc::ucred>())
        .map_err(std::io::Error::other)?;
    // SAFETY: the fd is a live socket borrowed for the call; the kernel writes at most
    // `length` bytes into `credentials`, which is exactly that large.
    let result = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            std::ptr::from_mut(&mut credentials).cast(),
            &raw mut length,
        )
    };
    if result == 0 {
        Ok(credentials.uid)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The effective uid of this process.
#[must_use]
#[allow(unsafe_code)]
pub fn current_uid() -> u32 {
    // SAFETY: geteuid takes no arguments, cannot fail and touches no memory of ours.
    unsafe { libc::geteuid() }
}

/// Why the socket's directory cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum SocketPathError {
    /// Creating or inspecting it failed.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Someone else owns it (for /tmp/omg-$UID that is an attack, not an accident).
    #[error(
        "{path} belongs to uid {owner}, not to this user (uid {uid}); remove it or set OMG_SOCKET"
    )]
    NotOurs {
        /// The directory.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Our uid.
        uid: u32,
    },
}

/// Makes sure the socket's directory exists, is ours, and (when we created it, or it
/// is a directory we own) is 0700.
pub fn ensure_private_dir(dir: &Path) -> Result<(), SocketPathError> {
    let io = |source| SocketPathError::Io {
        path: dir.to_owned(),
        source,
    };
    match std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(dir)
    {
        Ok(()) => {}
        Err(error) => return Err(io(error)),
    }
    let metadata = std::fs::symlink_metadata(dir).map_err(io)?;
    let uid = current_uid();
    if !metadata.is_dir() || metadata.uid() != uid {
        return Err(SocketPathError::NotOurs {
            path: dir.to_owned(),
            owner: metadata.uid(),
            uid,
        });
    }
    if metadata.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_path_prefers_override_then_own_runtime_dir_then_tmp() {
        let runtime = tempfile::tempdir().unwrap();
        let mut environment = Environment {
            runtime_dir: Some(runtime.path().to_owned()),
            ..Environment::default()
        };
        assert_eq!(
            socket_path(&environment),
            runtime.path().join("omg/omgd.sock")
        );
        // Not ours (or absent): the /tmp fallback.
        environment.runtime_dir = Some("/nonexistent/run".into());
        assert_eq!(
            socket_path(&environment),
            PathBuf::from(format!("/tmp/omg-{}/omgd.sock", current_uid()))
        );
        environment.socket = Some("/x/s.sock".into());
        assert_eq!(socket_path(&environment), PathBuf::from("/x/s.sock"));
        let bare = Environment::default();
        assert_eq!(
            socket_path(&bare),
            PathBuf::from(format!("/tmp/omg-{}/omgd.sock", current_uid()))
        );
    }

    #[test]
    fn private_dir_is_created_0700_and_tightened() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("omg");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    }
}
