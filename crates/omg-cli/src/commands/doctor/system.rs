//! The package-system half of `omg doctor`: where the databases are, how old
//! they are, and whether a lock on them is held or left behind. Arch is read
//! through pacman.conf alone (no libalpm: `omg` does not link it), Debian through
//! the same paths the backend reads.

use super::Check;
use anyhow::Result;
use omg_core::BackendSelection;
use std::path::{Path, PathBuf};

pub(super) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// pacman's database directory, as pacman resolves it (flags, then pacman.conf).
pub(super) fn pacman_dbpath(selection: &BackendSelection) -> Result<PathBuf> {
    Ok(pacman_setup(selection)?.dbpath)
}

pub(super) fn arch_synced_at(selection: &BackendSelection) -> Result<Option<i64>> {
    Ok(pacman_setup(selection)?.database_synced_at())
}

fn pacman_setup(selection: &BackendSelection) -> Result<omg_packages::pacman::PacmanSetup> {
    use omg_packages::pacman::{ArchOptions, PacmanSetup};
    Ok(PacmanSetup::new(&ArchOptions::of(selection))?)
}

#[cfg(feature = "debian")]
pub(super) fn debian_synced_at(selection: &BackendSelection) -> Result<Option<i64>> {
    use omg_packages::debian::{DebianBackend, DebianPaths};
    use omg_packages::PackageBackend;
    Ok(DebianBackend::new(DebianPaths::of(selection)).database_synced_at()?)
}

/// The repository URIs APT's sources name (`None` without Debian support).
#[cfg(feature = "debian")]
pub(super) fn apt_source_uris(selection: &BackendSelection) -> Option<Vec<String>> {
    use omg_packages::debian::{DebianBackend, DebianPaths};
    Some(DebianBackend::new(DebianPaths::of(selection)).source_uris())
}

#[cfg(not(feature = "debian"))]
pub(super) fn apt_source_uris(_: &BackendSelection) -> Option<Vec<String>> {
    None
}

#[cfg(not(feature = "debian"))]
pub(super) fn debian_synced_at(_: &BackendSelection) -> Result<Option<i64>> {
    anyhow::bail!("this omg is built without Debian support")
}

/// pacman's `db.lck`: present while a pacman (or omg's transaction) works on
/// the database, and left behind when one was killed, after which every pacman
/// refuses to run until someone removes it.
pub(super) fn pacman_lock(id: &'static str, dbpath: &Path) -> Check {
    let lock = dbpath.join("db.lck");
    if std::fs::symlink_metadata(&lock).is_err() {
        return Check::ok(id, format!("no pacman lock ({})", lock.display()));
    }
    let holders = Processes::scan(&lock);
    if let Some((pid, name)) = holders.holding.first() {
        return Check::warning(
            id,
            format!("{} is held by {name} (pid {pid})", lock.display()),
            "wait for it to finish",
        );
    }
    if let Some((pid, name)) = holders.unreadable_pacman.first() {
        return Check::warning(
            id,
            format!(
                "{} exists and {name} (pid {pid}) runs, as another user",
                lock.display()
            ),
            format!(
                "if that pacman works on another root, the lock is stale: sudo rm {}",
                lock.display()
            ),
        );
    }
    Check::problem(
        id,
        format!(
            "{} is stale: no running process holds it, and pacman refuses to start while it exists",
            lock.display()
        ),
        format!("sudo rm {}", lock.display()),
    )
}

/// dpkg's locks (`lock-frontend`, taken by apt, and `lock`): fcntl locks on files
/// that stay when nobody holds them, so what matters is the lock, not the file.
/// An interrupted dpkg is told by its journal (`updates/`) instead.
pub(super) fn dpkg_locks(id: &'static str, selection: &BackendSelection) -> Check {
    let status = selection
        .debian_status_file
        .clone()
        .unwrap_or_else(|| PathBuf::from("/var/lib/dpkg/status"));
    let admin = status
        .parent()
        .map_or_else(|| PathBuf::from("/var/lib/dpkg"), Path::to_path_buf);
    let journal = admin.join("updates");
    let interrupted = std::fs::read_dir(&journal)
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.bytes().all(|byte| byte.is_ascii_digit()))
        });
    let mut held = Vec::new();
    let mut unreadable = Vec::new();
    for name in ["lock-frontend", "lock"] {
        let lock = admin.join(name);
        match lock_holder(&lock) {
            Ok(Some(pid)) => held.push(format!(
                "{} is held by {} (pid {pid})",
                lock.display(),
                process_name(pid).unwrap_or_else(|| "a process".to_owned())
            )),
            Ok(None) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => unreadable.push(lock.display().to_string()),
        }
    }
    if interrupted && held.is_empty() {
        return Check::problem(
            id,
            format!(
                "dpkg was interrupted: {} holds unfinished work",
                journal.display()
            ),
            "sudo dpkg --configure -a",
        );
    }
    if !held.is_empty() {
        return Check::warning(id, held.join("; "), "wait for apt or dpkg to finish");
    }
    if !unreadable.is_empty() {
        return Check::ok(
            id,
            format!(
                "no interrupted dpkg; {} not readable by this user",
                unreadable.join(", ")
            ),
        );
    }
    Check::ok(id, format!("dpkg's locks in {} are free", admin.display()))
}

/// The pid holding a write lock on `path` (fcntl F_GETLK: what dpkg and apt
/// take), or `None` when it is free.
#[expect(unsafe_code, reason = "std has no way to ask who holds an fcntl lock")]
fn lock_holder(path: &Path) -> std::io::Result<Option<u32>> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    // SAFETY: an all-zero flock is a valid value of this plain C struct.
    let mut query: libc::flock = unsafe { std::mem::zeroed() };
    query.l_type = libc::F_WRLCK as libc::c_short;
    query.l_whence = libc::SEEK_SET as libc::c_short;
    // SAFETY: F_GETLK reads and writes one `flock`, which we own, on an open fd.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &raw mut query) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if query.l_type == libc::F_UNLCK as libc::c_short {
        return Ok(None);
    }
    // An open file description lock (F_OFD_SETLK) reports pid -1.
    Ok(u32::try_from(query.l_pid).ok().filter(|pid| *pid > 0))
}

fn process_name(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|name| name.trim().to_owned())
}

/// Processes that have a file open, from /proc.
struct Processes {
    /// (pid, name) of each process with the file open.
    holding: Vec<(u32, String)>,
    /// pacmans whose descriptors this user cannot read.
    unreadable_pacman: Vec<(u32, String)>,
}

impl Processes {
    fn scan(file: &Path) -> Self {
        let mut found = Self {
            holding: Vec::new(),
            unreadable_pacman: Vec::new(),
        };
        let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
            else {
                continue;
            };
            let name = process_name(pid).unwrap_or_default();
            match std::fs::read_dir(entry.path().join("fd")) {
                Ok(descriptors) => {
                    let holds = descriptors
                        .flatten()
                        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|open| open == file));
                    if holds {
                        found.holding.push((pid, name));
                    }
                }
                Err(_) if name == "pacman" => found.unreadable_pacman.push((pid, name)),
                Err(_) => {}
            }
        }
        found
    }
}
