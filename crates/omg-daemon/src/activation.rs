//! Socket activation (sd_listen_fds(3)): systemd, or `systemd-socket-activate`,
//! binds omgd's socket itself and passes it as fd 3 with `LISTEN_FDS=1` and
//! `LISTEN_PID=<omgd's pid>`. The protocol is three environment variables and a
//! file descriptor, so omgd reads it here instead of linking libsystemd.
//!
//! Only a listening `AF_UNIX` stream socket is taken: anything else at fd 3 is a
//! misconfigured unit, and serving it would fail later in ways nobody could
//! trace back. The variables are removed whether or not they were meant for us,
//! so no child of omgd mistakes them for its own.

use anyhow::{bail, Context, Result};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

/// sd_listen_fds(3): passed descriptors start here.
const FIRST_FD: RawFd = 3;
const LISTEN_PID: &str = "LISTEN_PID";
const LISTEN_FDS: &str = "LISTEN_FDS";
const LISTEN_FDNAMES: &str = "LISTEN_FDNAMES";

/// A socket systemd bound and listens on; omgd serves it and leaves it in place.
pub(crate) struct Activated {
    pub(crate) listener: UnixListener,
    /// Where it is bound (`None` for an abstract or unnamed socket).
    pub(crate) path: Option<PathBuf>,
}

/// The socket passed by socket activation, if this process was given one.
///
/// Must run before any thread starts: it edits the process's environment.
pub(crate) fn take() -> Result<Option<Activated>> {
    let pid = std::env::var(LISTEN_PID).ok();
    let count = std::env::var(LISTEN_FDS).ok();
    for name in [LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES] {
        std::env::remove_var(name);
    }
    let (Some(pid), Some(count)) = (pid, count) else {
        return Ok(None);
    };
    // Variables inherited from a socket-activated parent name that parent.
    if pid.trim().parse::<u32>().ok() != Some(std::process::id()) {
        return Ok(None);
    }
    match count.trim().parse::<u32>() {
        Ok(0) => return Ok(None),
        Ok(1) => {}
        Ok(count) => bail!(
            "socket activation passed {count} sockets; omgd serves one (ListenStream= once in omgd.socket)"
        ),
        Err(_) => bail!("socket activation: LISTEN_FDS={count:?} is not a number"),
    }
    check_listening_unix_stream(FIRST_FD)?;
    set_close_on_exec(FIRST_FD)?;
    // SAFETY: sd_listen_fds(3) hands fd 3 to this process (LISTEN_PID is ours),
    // nothing else in omgd has opened or claimed it, and it was just checked to be
    // a listening Unix stream socket; the listener becomes its only owner.
    #[expect(unsafe_code, reason = "adopting the descriptor systemd passed")]
    let listener = unsafe { UnixListener::from_raw_fd(FIRST_FD) };
    // tokio takes over the listener and requires it non-blocking.
    listener.set_nonblocking(true)?;
    let path = listener
        .local_addr()
        .ok()
        .and_then(|address| address.as_pathname().map(PathBuf::from));
    Ok(Some(Activated { listener, path }))
}

fn check_listening_unix_stream(fd: RawFd) -> Result<()> {
    let not_it = |what: &str| {
        anyhow::anyhow!(
            "socket activation: fd {fd} is {what}, not a listening Unix stream socket (check omgd.socket: ListenStream= a path, Accept=no)"
        )
    };
    let kind = fstat_kind(fd).with_context(|| format!("socket activation: fd {fd}"))?;
    if kind != libc::S_IFSOCK {
        return Err(not_it("not a socket"));
    }
    if socket_option(fd, libc::SO_DOMAIN)? != libc::AF_UNIX {
        return Err(not_it("not a Unix socket"));
    }
    if socket_option(fd, libc::SO_TYPE)? != libc::SOCK_STREAM {
        return Err(not_it("not a stream socket"));
    }
    if socket_option(fd, libc::SO_ACCEPTCONN)? == 0 {
        return Err(not_it("a socket that does not listen"));
    }
    Ok(())
}

#[expect(unsafe_code, reason = "std cannot fstat a descriptor it does not own")]
fn fstat_kind(fd: RawFd) -> std::io::Result<libc::mode_t> {
    // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
    let mut status: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes at most one `stat` into the struct we own; an fd that is
    // not open makes it fail with EBADF, touching nothing.
    if unsafe { libc::fstat(fd, &raw mut status) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(status.st_mode & libc::S_IFMT)
}

#[expect(unsafe_code, reason = "std has no getsockopt")]
fn socket_option(fd: RawFd, option: libc::c_int) -> Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut length = libc::socklen_t::try_from(std::mem::size_of::<libc::c_int>())?;
    // SAFETY: the kernel writes at most `length` bytes, the size of `value`.
    let result = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            option,
            std::ptr::from_mut(&mut value).cast(),
            &raw mut length,
        )
    };
    if result != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("socket activation: cannot inspect fd {fd}"));
    }
    Ok(value)
}

/// systemd passes the descriptor inheritable; the processes omgd starts must not
/// keep omgd's socket open (systemd would see a listener that is not omgd).
#[expect(unsafe_code, reason = "std has no fcntl")]
fn set_close_on_exec(fd: RawFd) -> Result<()> {
    // SAFETY: F_GETFD/F_SETFD read and write the flags of an open descriptor and
    // touch no memory.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) } < 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("socket activation: fd {fd}"));
    }
    Ok(())
}
