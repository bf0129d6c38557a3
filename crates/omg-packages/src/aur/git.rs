//! The AUR's git repositories, one bare-like clone per package base under
//! `$XDG_CACHE_HOME/omg/aur/<pkgbase>`, fetched from `{url}/{pkgbase}.git` over
//! http(s) (smart or dumb) or `file://`.
//!
//! A clone never gets a working tree: every file is read from a commit (`git
//! show`), and a build gets its own copy (`git archive`), so nothing a build runs
//! can change what the next review shows. The repository is hostile: its hooks
//! are never run (a clone brings none, and `core.hooksPath` points nowhere), only
//! the http(s) and file transports are allowed, and git never prompts.
//!
//! The commit last shown to the user is kept in the clone's git directory
//! (`omg-reviewed`), so a later build shows the diff since then.

use super::valid_package_name;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The most bytes read from one file of a package repository for review.
pub const MAX_REVIEW_BYTES: usize = 1 << 20;

/// Why a package repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("invalid package base {0:?}")]
    InvalidBase(String),
    #[error("{} is not a directory omg created (a link or a file): remove it", .0.display())]
    NotOurs(PathBuf),
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("git {action} for {base} failed: {detail}")]
    Failed {
        action: &'static str,
        base: String,
        detail: String,
    },
    #[error("the AUR has no package base {0} (its repository is empty)")]
    Empty(String),
    #[error("cannot prepare {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The package repositories of one AUR, cloned under one directory.
#[derive(Debug, Clone)]
pub struct AurRepos {
    dir: PathBuf,
    url: String,
}

impl AurRepos {
    /// Clones of `url`'s repositories kept under `dir` (`…/omg/aur`).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, url: &str) -> Self {
        Self {
            dir: dir.into(),
            url: url.trim_end_matches('/').to_owned(),
        }
    }

    /// The clone of `base`.
    pub fn clone_dir(&self, base: &str) -> Result<PathBuf, GitError> {
        if !valid_package_name(base) {
            return Err(GitError::InvalidBase(base.to_owned()));
        }
        Ok(self.dir.join(base))
    }

    /// Brings the clone of `base` up to date with the AUR (cloning it the first
    /// time) and returns the commit the AUR's default branch is at.
    pub fn fetch(&self, base: &str) -> Result<String, GitError> {
        let dir = self.clone_dir(base)?;
        let remote = format!("{}/{base}.git", self.url);
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => {
                run(
                    command(&dir).args(["fetch", "--quiet", "--prune", "origin"]),
                    "fetch",
                    base,
                )?;
            }
            Ok(_) => return Err(GitError::NotOurs(dir)),
            Err(_) => self.clone_new(base, &remote, &dir)?,
        }
        let head = command(&dir)
            .args(["rev-parse", "--verify", "--quiet"])
            .arg("refs/remotes/origin/HEAD^{commit}")
            .output()
            .map_err(GitError::Spawn)?;
        let head = if head.status.success() {
            head
        } else {
            // A dumb-http clone may not learn the remote's HEAD; the AUR's is master.
            command(&dir)
                .args(["rev-parse", "--verify", "--quiet"])
                .arg("refs/remotes/origin/master^{commit}")
                .output()
                .map_err(GitError::Spawn)?
        };
        let commit = String::from_utf8_lossy(&head.stdout).trim().to_owned();
        if !head.status.success() || commit.is_empty() {
            return Err(GitError::Empty(base.to_owned()));
        }
        Ok(commit)
    }

    /// Clones into a fresh directory beside `dir`, renamed into place once
    /// complete, so an interrupted clone never looks like a clone.
    fn clone_new(&self, base: &str, remote: &str, dir: &Path) -> Result<(), GitError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| GitError::Io {
            path: self.dir.clone(),
            source,
        })?;
        let partial = self
            .dir
            .join(format!(".{base}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&partial);
        let cloned = run(
            command(&self.dir)
                .args(["clone", "--quiet", "--no-checkout", "--", remote])
                .arg(&partial),
            "clone",
            base,
        );
        if let Err(error) = cloned {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(error);
        }
        std::fs::rename(&partial, dir).map_err(|source| GitError::Io {
            path: dir.to_owned(),
            source,
        })
    }

    /// The bytes of `path` at `commit`, or `None` when the commit has no such file.
    pub fn file_at(
        &self,
        base: &str,
        commit: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, GitError> {
        let dir = self.clone_dir(base)?;
        let mut child = command(&dir)
            .args(["cat-file", "blob"])
            .arg(format!("{commit}:{path}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(GitError::Spawn)?;
        let mut bytes = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            stdout
                .take(MAX_REVIEW_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(GitError::Spawn)?;
        }
        let _ = child.kill();
        let status = child.wait().map_err(GitError::Spawn)?;
        if bytes.len() > MAX_REVIEW_BYTES {
            return Err(GitError::Failed {
                action: "show",
                base: base.to_owned(),
                detail: format!("{path} is larger than {MAX_REVIEW_BYTES} bytes"),
            });
        }
        Ok(status.success().then_some(bytes))
    }

    /// The files of `commit`, by path.
    pub fn files_at(&self, base: &str, commit: &str) -> Result<Vec<String>, GitError> {
        let dir = self.clone_dir(base)?;
        let output = run(
            command(&dir).args(["ls-tree", "-r", "-z", "--name-only", commit]),
            "ls-tree",
            base,
        )?;
        Ok(output
            .split(|&byte| byte == 0)
            .filter(|name| !name.is_empty())
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect())
    }

    /// What changed from `from` to `to`, as a patch (no colours, no pager).
    pub fn diff(&self, base: &str, from: &str, to: &str) -> Result<String, GitError> {
        let dir = self.clone_dir(base)?;
        let output = run(
            command(&dir).args([
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                from,
                to,
            ]),
            "diff",
            base,
        )?;
        Ok(String::from_utf8_lossy(&output).into_owned())
    }

    /// The commit of `base` the user last reviewed, if any (and if it still exists).
    #[must_use]
    pub fn reviewed(&self, base: &str) -> Option<String> {
        let dir = self.clone_dir(base).ok()?;
        let commit = std::fs::read_to_string(dir.join(".git/omg-reviewed")).ok()?;
        let commit = commit.trim();
        let known = command(&dir)
            .args(["cat-file", "-e"])
            .arg(format!("{commit}^{{commit}}"))
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        (is_commit_id(commit) && known).then(|| commit.to_owned())
    }

    /// Records that the user reviewed `commit` of `base`.
    pub fn mark_reviewed(&self, base: &str, commit: &str) -> Result<(), GitError> {
        let dir = self.clone_dir(base)?.join(".git");
        let path = dir.join("omg-reviewed");
        let partial = dir.join("omg-reviewed.partial");
        std::fs::write(&partial, format!("{commit}\n"))
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|source| GitError::Io { path, source })
    }

    /// The tree of `commit` as a tar stream (`git archive`), for a build's copy.
    pub fn archive(&self, base: &str, commit: &str) -> Result<Vec<u8>, GitError> {
        let dir = self.clone_dir(base)?;
        run(
            command(&dir).args(["archive", "--format=tar", commit]),
            "archive",
            base,
        )
    }
}

fn is_commit_id(text: &str) -> bool {
    (40..=64).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// git in `dir`, unable to run a hook, prompt, or use a transport but http(s) and file.
pub(crate) fn command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "protocol.allow=never",
            "-c",
            "protocol.https.allow=always",
            "-c",
            "protocol.http.allow=always",
            "-c",
            "protocol.file.allow=always",
            "-c",
            "advice.detachedHead=false",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "/bin/false")
        .env("LC_ALL", "C")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null());
    command
}

/// Runs `command`, returning its stdout, or its stderr's last line as the failure.
fn run(command: &mut Command, action: &'static str, base: &str) -> Result<Vec<u8>, GitError> {
    let output = command.output().map_err(GitError::Spawn)?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let detail = stderr
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or("no message")
        .to_owned();
    Err(GitError::Failed {
        action,
        base: base.to_owned(),
        detail: omg_core::text::printable(&detail).into_owned(),
    })
}
