//! The record of system changes: one [`HistoryEntry`] per transaction that reached
//! its commit, whether it succeeded or failed, as JSON Lines in
//! `<root>/var/log/omg/history.jsonl` (what pacman.log is to pacman, in a form a
//! program can read back).
//!
//! Root writes the file (the one-shot `omgd --transact`), and the directory it
//! writes into may belong to a user (a hermetic root under `--root`), so
//! [`append`] never follows a symlink in what it creates or opens below the root:
//! each component is opened with `O_NOFOLLOW | O_DIRECTORY`, the file with
//! `O_NOFOLLOW`, and it must be a regular file with one link. Readers
//! ([`parse`]) skip lines they cannot read instead of failing: the file may be
//! truncated by a full disk or written by someone else.

use crate::plan::{ChangeRequest, PackageAction, Plan};
use crate::BackendKind;
use rustix::fs::{FileType, FlockOperation, Mode, OFlags};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// Where the history lives, relative to the system's root.
pub const RELATIVE_PATH: &str = "var/log/omg/history.jsonl";

/// The history file of the system rooted at `root` (`/`, or an Arch `RootDir`).
#[must_use]
pub fn path(root: &Path) -> PathBuf {
    root.join(RELATIVE_PATH)
}

/// One transaction that reached its commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When it finished, in unix seconds.
    pub time: i64,
    /// Who asked: the sudo user when run through sudo, else the user's name (or
    /// uid when it has none).
    pub user: String,
    /// The command as words, without `omg` (`install omg-hello`, `update`).
    pub command: Vec<String>,
    /// The backend that made the change.
    pub backend: BackendKind,
    /// What happened to each package, in the order the plan listed them.
    pub changes: Vec<HistoryChange>,
    /// How it ended.
    pub result: HistoryResult,
    /// The error line, when it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Package cache files deleted (`omg clean`).
    #[serde(default)]
    pub cache_files: usize,
    /// Bytes those files took.
    #[serde(default)]
    pub cache_size: u64,
}

/// One package in a [`HistoryEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryChange {
    /// Package name.
    pub name: String,
    /// What the transaction did (or was doing) to it.
    pub action: PackageAction,
    /// Version before, when it was installed.
    pub old_version: Option<String>,
    /// Version after, unless it was removed.
    pub new_version: Option<String>,
}

/// Whether a recorded transaction committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryResult {
    /// Every step was applied.
    Done,
    /// The commit stopped with an error; see [`HistoryEntry::error`].
    Failed,
}

impl HistoryEntry {
    /// The entry for `request`, planned as `plan`, ending with `error` (`None`: done).
    #[must_use]
    pub fn new(
        time: i64,
        user: String,
        backend: BackendKind,
        request: &ChangeRequest,
        plan: &Plan,
        error: Option<String>,
    ) -> Self {
        Self {
            time,
            user,
            command: command_words(request),
            backend,
            changes: plan
                .packages
                .iter()
                .map(|package| HistoryChange {
                    name: package.name.clone(),
                    action: package.action,
                    old_version: package.old_version.clone(),
                    new_version: package.new_version.clone(),
                })
                .collect(),
            result: if error.is_some() {
                HistoryResult::Failed
            } else {
                HistoryResult::Done
            },
            // One line: the reader prints it after the command.
            error: error.map(|text| text.lines().next().unwrap_or_default().to_owned()),
            cache_files: plan.cache_files.len(),
            cache_size: plan.cache_size(),
        }
    }
}

/// The `omg` command that asks for `request`, as words.
#[must_use]
pub fn command_words(request: &ChangeRequest) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let flag = |words: &mut Vec<String>, on: bool, name: &str| {
        if on {
            words.push(name.to_owned());
        }
    };
    match request {
        ChangeRequest::Install {
            names,
            reinstall,
            downgrade,
        } => {
            words.push("install".to_owned());
            flag(&mut words, *reinstall, "--reinstall");
            flag(&mut words, *downgrade, "--downgrade");
            words.extend(names.iter().cloned());
        }
        ChangeRequest::Remove {
            names,
            recursive,
            purge,
        } => {
            words.push("remove".to_owned());
            flag(&mut words, *recursive, "--recursive");
            flag(&mut words, *purge, "--purge");
            words.extend(names.iter().cloned());
        }
        ChangeRequest::Sync => words.push("sync".to_owned()),
        ChangeRequest::Upgrade => words.push("update".to_owned()),
        ChangeRequest::Clean { keep, orphans } => {
            words.extend(["clean".to_owned(), "--keep".to_owned(), keep.to_string()]);
            flag(&mut words, *orphans, "--orphans");
        }
        ChangeRequest::InstallWithReasons { names, files, .. } => {
            words.push("install".to_owned());
            words.extend(names.iter().cloned());
            words.extend(files.iter().map(|file| {
                file.file_name().map_or_else(
                    || file.display().to_string(),
                    |name| name.to_string_lossy().into_owned(),
                )
            }));
        }
    }
    words
}

/// Why the history could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot record the transaction in {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot record the transaction: {path} is not a plain directory or file of its own (a symlink, a hard link or something else); nothing was written")]
    NotPlain { path: PathBuf },
}

/// Appends `entry` as one line to the history of the system rooted at `root`,
/// creating `var/log/omg` (0755) and the file (0644) when missing. The root itself
/// is the one the user named and is opened as it is; nothing below it is followed
/// through a symlink.
pub fn append(root: &Path, entry: &HistoryEntry) -> Result<(), HistoryError> {
    let mut line = serde_json::to_vec(entry).map_err(|error| HistoryError::Io {
        path: path(root),
        source: error.into(),
    })?;
    line.push(b'\n');
    let file = open_for_append(root)?;
    let file_path = path(root);
    let io = |source: std::io::Error| HistoryError::Io {
        path: file_path.clone(),
        source,
    };
    lock_briefly(&file);
    let mut file = std::fs::File::from(file);
    file.write_all(&line).map_err(io)?;
    file.flush().map_err(io)
}

/// How long [`append`] waits for the file's lock before writing without it.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Takes the file's exclusive lock, so a tool that locks while reading never sees
/// half a line. Anyone who can read the file can also hold a lock on it, so the
/// wait is bounded: past it the line is written anyway, as one `O_APPEND` write
/// that lands whole after whatever is there.
fn lock_briefly(file: &OwnedFd) {
    let started = std::time::Instant::now();
    loop {
        match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
            Err(rustix::io::Errno::WOULDBLOCK) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => return,
        }
    }
}

fn open_for_append(root: &Path) -> Result<OwnedFd, HistoryError> {
    let directory = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let io = |at: PathBuf| {
        move |source: rustix::io::Errno| HistoryError::Io {
            path: at,
            source: source.into(),
        }
    };
    let mut current = rustix::fs::open(root, directory, Mode::empty()).map_err(io(root.into()))?;
    let mut at = root.to_path_buf();
    let components = ["var", "log", "omg"];
    for name in components {
        at.push(name);
        // var and log exist on any real system; a fresh hermetic root may lack them.
        match rustix::fs::mkdirat(&current, name, Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(error) => return Err(io(at.clone())(error)),
        }
        current =
            match rustix::fs::openat(&current, name, directory | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(fd) => fd,
                // ELOOP: the component is a symlink; ENOTDIR: it is something else.
                Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                    return Err(HistoryError::NotPlain { path: at })
                }
                Err(error) => return Err(io(at.clone())(error)),
            };
    }
    at.push("history.jsonl");
    // NONBLOCK: a FIFO planted under the name must not hang the transaction.
    let file = match rustix::fs::openat(
        &current,
        "history.jsonl",
        OFlags::WRONLY
            | OFlags::APPEND
            | OFlags::CREATE
            | OFlags::NOFOLLOW
            | OFlags::NONBLOCK
            | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    ) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::LOOP | rustix::io::Errno::NXIO) => {
            return Err(HistoryError::NotPlain { path: at })
        }
        Err(error) => return Err(io(at.clone())(error)),
    };
    let stat = rustix::fs::fstat(&file).map_err(io(at.clone()))?;
    // A hard link would make root append to a file the link's maker chose.
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile || stat.st_nlink != 1 {
        return Err(HistoryError::NotPlain { path: at });
    }
    Ok(file)
}

/// The entries of a history file's contents, oldest first, and how many lines
/// could not be read (a truncated last line, bytes that are not an entry).
#[must_use]
pub fn parse(contents: &[u8]) -> (Vec<HistoryEntry>, usize) {
    let mut entries = Vec::new();
    let mut skipped = 0;
    for line in contents.split(|&byte| byte == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<HistoryEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) => skipped += 1,
        }
    }
    (entries, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{InstallReason, PlannedPackage};

    fn plan() -> Plan {
        Plan {
            packages: vec![PlannedPackage {
                name: "omg-hello".to_owned(),
                action: PackageAction::Upgrade,
                old_version: Some("1.0-1".to_owned()),
                new_version: Some("1.1-1".to_owned()),
                repository: Some("omgtest".to_owned()),
                reason: InstallReason::Explicit,
                download_size: 1,
                size_change: 2,
            }],
            ..Plan::default()
        }
    }

    fn entry(error: Option<String>) -> HistoryEntry {
        HistoryEntry::new(
            1_700_000_000,
            "alice".to_owned(),
            BackendKind::Arch,
            &ChangeRequest::Upgrade,
            &plan(),
            error,
        )
    }

    #[test]
    fn command_words_render_the_request_with_its_flags() {
        let words = |request| command_words(&request).join(" ");
        assert_eq!(
            words(ChangeRequest::Install {
                names: vec!["a".into(), "b".into()],
                reinstall: true,
                downgrade: false,
            }),
            "install --reinstall a b"
        );
        assert_eq!(
            words(ChangeRequest::Remove {
                names: vec!["x".into()],
                recursive: true,
                purge: true,
            }),
            "remove --recursive --purge x"
        );
        assert_eq!(words(ChangeRequest::Upgrade), "update");
        assert_eq!(words(ChangeRequest::Sync), "sync");
        assert_eq!(
            words(ChangeRequest::Clean {
                keep: 1,
                orphans: true
            }),
            "clean --keep 1 --orphans"
        );
    }

    #[test]
    fn entries_round_trip_and_keep_one_error_line() {
        let failed = entry(Some("cannot commit\nsecond line".to_owned()));
        assert_eq!(failed.result, HistoryResult::Failed);
        assert_eq!(failed.error.as_deref(), Some("cannot commit"));
        let mut text = serde_json::to_vec(&entry(None)).unwrap();
        text.push(b'\n');
        text.extend(serde_json::to_vec(&failed).unwrap());
        let (entries, skipped) = parse(&text);
        assert_eq!(skipped, 0);
        assert_eq!(entries, vec![entry(None), failed]);
    }

    #[test]
    fn parse_skips_garbage_and_truncated_lines() {
        let good = serde_json::to_string(&entry(None)).unwrap();
        let text = format!(
            "{good}\n\u{0}\u{ff}garbage\n{{\"time\":1}}\n\n{}",
            &good[..20]
        );
        let (entries, skipped) = parse(text.as_bytes());
        assert_eq!(entries.len(), 1);
        assert_eq!(skipped, 3);
    }

    #[test]
    fn append_creates_the_directory_and_adds_lines() {
        let root = tempfile::tempdir().unwrap();
        append(root.path(), &entry(None)).unwrap();
        append(root.path(), &entry(Some("boom".to_owned()))).unwrap();
        let contents = std::fs::read(path(root.path())).unwrap();
        let (entries, skipped) = parse(&contents);
        assert_eq!((entries.len(), skipped), (2, 0));
        assert_eq!(contents.iter().filter(|&&b| b == b'\n').count(), 2);
    }

    #[test]
    fn append_writes_past_a_lock_held_by_someone_else() {
        let root = tempfile::tempdir().unwrap();
        append(root.path(), &entry(None)).unwrap();
        let holder = std::fs::File::open(path(root.path())).unwrap();
        rustix::fs::flock(&holder, FlockOperation::LockShared).unwrap();
        let started = std::time::Instant::now();
        append(root.path(), &entry(None)).unwrap();
        assert!(started.elapsed() >= LOCK_WAIT);
        let (entries, skipped) = parse(&std::fs::read(path(root.path())).unwrap());
        assert_eq!((entries.len(), skipped), (2, 0));
    }

    #[test]
    fn append_refuses_symlinks_below_the_root() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("var/log")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("var/log/omg")).unwrap();
        let error = append(root.path(), &entry(None)).unwrap_err();
        assert!(matches!(error, HistoryError::NotPlain { .. }), "{error}");
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("var/log/omg")).unwrap();
        let target = elsewhere.path().join("target");
        std::fs::write(&target, b"").unwrap();
        std::os::unix::fs::symlink(&target, path(root.path())).unwrap();
        assert!(matches!(
            append(root.path(), &entry(None)),
            Err(HistoryError::NotPlain { .. })
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"");

        // A hard link to a file elsewhere is refused as well.
        let root = tempfile::tempdir_in(elsewhere.path()).unwrap();
        std::fs::create_dir_all(root.path().join("var/log/omg")).unwrap();
        std::fs::hard_link(&target, path(root.path())).unwrap();
        assert!(matches!(
            append(root.path(), &entry(None)),
            Err(HistoryError::NotPlain { .. })
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"");
    }
}
