//! pacman.conf, read the way pacman reads it (src/pacman/conf.c and
//! src/common/ini.c): INI sections, `#` comments on lines of their own,
//! `Include` of files or globs, `$repo`/`$arch` substitution in `Server`. libalpm
//! does not read this file; its users do.
//!
//! Details checked against pacman 6.0's `pacman-conf`: a `#` later in a line is
//! part of the value, as pacman.conf(5) says (`Server = …#x` keeps it); a line is a
//! section header only when it is exactly `[…]`, so `[core] # main` and `[core` are
//! directives, which pacman warns about and omg ignores; an `Include` that names no
//! file, a missing path or a glob that matches nothing, is an error (pacman globs
//! with `GLOB_NOCHECK`, gets the pattern back and cannot read it). Not copied:
//! pacman's refusal of unknown `SigLevel` words, and its keeping a repository
//! named twice as two (omg merges them).

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The parts of pacman.conf omg uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacmanConf {
    /// `RootDir`.
    pub root_dir: Option<PathBuf>,
    /// `DBPath`.
    pub db_path: Option<PathBuf>,
    /// `CacheDir` entries.
    pub cache_dirs: Vec<PathBuf>,
    /// `LogFile`.
    pub log_file: Option<PathBuf>,
    /// `GPGDir`.
    pub gpg_dir: Option<PathBuf>,
    /// `HookDir` entries.
    pub hook_dirs: Vec<PathBuf>,
    /// `Architecture` values, with `auto` resolved.
    pub architectures: Vec<String>,
    /// `[options]` `SigLevel` words.
    pub sig_level: Vec<String>,
    /// `LocalFileSigLevel` words, applied over `SigLevel` for package files.
    pub local_file_sig_level: Vec<String>,
    /// `IgnorePkg`: packages an upgrade leaves alone.
    pub ignore_packages: Vec<String>,
    /// `IgnoreGroup`: groups whose packages an upgrade leaves alone.
    pub ignore_groups: Vec<String>,
    /// `NoUpgrade`: files an upgrade never overwrites (a .pacnew is written).
    pub no_upgrade: Vec<String>,
    /// `NoExtract`: files never extracted.
    pub no_extract: Vec<String>,
    /// `CheckSpace`: check free disk space before committing.
    pub check_space: bool,
    /// `ParallelDownloads`.
    pub parallel_downloads: Option<u32>,
    /// `DownloadUser`: libalpm downloads as this user, in its sandbox (pacman 7).
    pub download_user: Option<String>,
    /// `DisableSandboxFilesystem` (or `DisableSandbox`): no Landlock rules on the
    /// downloading process.
    pub disable_sandbox_filesystem: bool,
    /// `DisableSandboxSyscalls` (or `DisableSandbox`): no seccomp filter on it.
    pub disable_sandbox_syscalls: bool,
    /// Repositories in file order (the order pacman searches them).
    pub repos: Vec<Repo>,
}

/// One `[repo]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repo {
    /// Section name.
    pub name: String,
    /// `Server` URLs with `$repo` and `$arch` substituted.
    pub servers: Vec<String>,
    /// The repo's own `SigLevel` words.
    pub sig_level: Vec<String>,
}

/// The directives omg reads that take a value.
const VALUED: &[&str] = &[
    "Server",
    "SigLevel",
    "LocalFileSigLevel",
    "RootDir",
    "DBPath",
    "CacheDir",
    "LogFile",
    "GPGDir",
    "HookDir",
    "Architecture",
    "DownloadUser",
    "ParallelDownloads",
];

/// Include depth beyond which a file including itself is assumed.
const MAX_INCLUDE_DEPTH: usize = 10;

impl PacmanConf {
    /// Reads and parses a pacman.conf.
    pub fn load(path: &Path) -> Result<Self> {
        let mut conf = Self::default();
        let mut section = None;
        let mut raw_servers: Vec<Vec<String>> = Vec::new();
        conf.read_file(path, &mut section, &mut raw_servers, 0)?;
        if conf.architectures.is_empty() || conf.architectures.iter().any(|a| a == "auto") {
            conf.architectures = vec![std::env::consts::ARCH.to_owned()];
        }
        let arch = conf.architectures[0].clone();
        for (repo, servers) in conf.repos.iter_mut().zip(raw_servers) {
            repo.servers = servers
                .iter()
                .map(|server| server.replace("$repo", &repo.name).replace("$arch", &arch))
                .collect();
        }
        Ok(conf)
    }

    fn read_file(
        &mut self,
        path: &Path,
        section: &mut Option<String>,
        raw_servers: &mut Vec<Vec<String>>,
        depth: usize,
    ) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::io(path, source))?;
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let error = |message: String| Error::PacmanConf {
                path: path.to_owned(),
                line: line_number,
                message,
            };
            let whole = trim_space(line);
            if whole.is_empty() || whole.starts_with('#') {
                continue;
            }
            if let Some(name) = whole
                .strip_prefix('[')
                .and_then(|name| name.strip_suffix(']'))
            {
                if name.is_empty() {
                    return Err(error(format!("bad section header `{whole}`")));
                }
                if name != "options" && !self.repos.iter().any(|repo| repo.name == name) {
                    self.repos.push(Repo {
                        name: name.to_owned(),
                        ..Repo::default()
                    });
                    raw_servers.push(Vec::new());
                }
                *section = Some(name.to_owned());
                continue;
            }
            let (key, value) = match whole.split_once('=') {
                Some((key, value)) => (trim_space(key), trim_space(value)),
                None => (whole, ""),
            };
            // pacman refuses a valued directive written without `=`; the flags
            // (`Color`, `CheckSpace`…) and unknown keys are the only bare words.
            if !whole.contains('=') && VALUED.contains(&key) {
                return Err(error(format!("`{key}` needs a value")));
            }
            let Some(current) = section.clone() else {
                return Err(error(format!("`{key}` appears before any section")));
            };
            if key == "Include" {
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(error(format!("Include nested too deep at `{value}`")));
                }
                for included in expand_include(value).map_err(error)? {
                    self.read_file(&included, section, raw_servers, depth + 1)?;
                }
                *section = Some(current);
                continue;
            }
            if current == "options" {
                self.set_option(key, value).map_err(error)?;
            } else if let Some(position) = self.repos.iter().position(|repo| repo.name == current) {
                match key {
                    "Server" => raw_servers[position].push(value.to_owned()),
                    "SigLevel" => self.repos[position].sig_level = words(value),
                    // Usage and CacheServer do not change what a read sees.
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// One `[options]` directive; a value pacman would refuse is refused with its
    /// reason.
    fn set_option(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        match key {
            "RootDir" => self.root_dir = Some(value.into()),
            "DBPath" => self.db_path = Some(value.into()),
            "CacheDir" => self
                .cache_dirs
                .extend(value.split_whitespace().map(PathBuf::from)),
            "LogFile" => self.log_file = Some(value.into()),
            "GPGDir" => self.gpg_dir = Some(value.into()),
            "HookDir" => self
                .hook_dirs
                .extend(value.split_whitespace().map(PathBuf::from)),
            "Architecture" => self.architectures.extend(words(value)),
            "SigLevel" => self.sig_level = words(value),
            "LocalFileSigLevel" => self.local_file_sig_level = words(value),
            "IgnorePkg" => self.ignore_packages.extend(words(value)),
            "IgnoreGroup" => self.ignore_groups.extend(words(value)),
            "NoUpgrade" => self.no_upgrade.extend(words(value)),
            "NoExtract" => self.no_extract.extend(words(value)),
            "CheckSpace" => self.check_space = true,
            "ParallelDownloads" => match value.parse::<u32>() {
                Ok(count) if count > 0 => self.parallel_downloads = Some(count),
                _ => {
                    return Err(format!(
                        "ParallelDownloads must be a positive integer, not `{value}`"
                    ))
                }
            },
            // pacman keeps the first one.
            "DownloadUser" if self.download_user.is_none() => {
                self.download_user = Some(value.to_owned());
            }
            "DisableSandbox" => {
                self.disable_sandbox_filesystem = true;
                self.disable_sandbox_syscalls = true;
            }
            "DisableSandboxFilesystem" => self.disable_sandbox_filesystem = true,
            "DisableSandboxSyscalls" => self.disable_sandbox_syscalls = true,
            _ => {}
        }
        Ok(())
    }
}

/// What pacman's `strtrim` removes: C `isspace`, ASCII only.
fn trim_space(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
}

fn words(value: &str) -> Vec<String> {
    value.split_whitespace().map(str::to_owned).collect()
}

/// The files an `Include` value names: a plain path must exist, a glob must match.
fn expand_include(pattern: &str) -> std::result::Result<Vec<PathBuf>, String> {
    if pattern.is_empty() {
        return Err("Include needs a path".to_owned());
    }
    let path = Path::new(pattern);
    let is_glob = pattern.contains(['*', '?', '[']);
    if !is_glob {
        return if path.is_file() {
            Ok(vec![path.to_owned()])
        } else {
            Err(format!("Include file {pattern} does not exist"))
        };
    }
    // Globs are supported in the file name only, which is how pacman.conf uses them.
    let directory = path.parent().unwrap_or(Path::new("/"));
    let file_pattern = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let no_match = || format!("Include glob {pattern} matches no file");
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Err(no_match());
    };
    let mut matches: Vec<PathBuf> = entries
        .filter_map(std::result::Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(|name| glob_match(file_pattern.as_bytes(), name.as_bytes()))
        })
        .map(|entry| entry.path())
        .collect();
    matches.sort();
    if matches.is_empty() {
        return Err(no_match());
    }
    Ok(matches)
}

/// `*` and `?` wildcards (no brackets, no path separators); as in glob(3), a
/// leading `.` must be matched by a `.` in the pattern. Greedy with one backtrack
/// point, so time stays proportional to pattern × name however many stars there
/// are (the recursive form took exponential time on `****…x`).
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    let (mut p, mut n) = (0, 0);
    // Where to resume after the last `*`: the pattern after it, and the name
    // position it has swallowed up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                star = Some((p, n));
            }
            Some(&c) if c == b'?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((after, swallowed)) => {
                    p = after;
                    n = swallowed + 1;
                    star = Some((after, n));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn load_reads_options_repos_and_includes() {
        let dir = tempfile::tempdir().unwrap();
        let mirrorlist = write(
            dir.path(),
            "mirrorlist",
            "# mirrors\nServer = https://m.example/$repo/os/$arch\n",
        );
        let conf = write(
            dir.path(),
            "pacman.conf",
            &format!(
                "[options]\nRootDir = /r\n  # an indented comment\nArchitecture = x86_64\nSigLevel = Never\nCheckSpace\nIgnorePkg = a b\nIgnorePkg = c\nNoUpgrade = etc/x\n\n[core]\nInclude = {}\n[extra]\nServer = file:///srv/$repo#not-a-comment\n",
                mirrorlist.display()
            ),
        );
        let conf = PacmanConf::load(&conf).unwrap();
        assert_eq!(conf.root_dir, Some(PathBuf::from("/r")));
        assert_eq!(conf.sig_level, ["Never"]);
        assert_eq!(conf.ignore_packages, ["a", "b", "c"]);
        assert_eq!(conf.no_upgrade, ["etc/x"]);
        assert!(conf.check_space);
        let names: Vec<&str> = conf.repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["core", "extra"]);
        assert_eq!(conf.repos[0].servers, ["https://m.example/core/os/x86_64"]);
        assert_eq!(conf.repos[1].servers, ["file:///srv/extra#not-a-comment"]);
    }

    #[test]
    fn load_reads_pacman_7_download_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "pacman.conf",
            "[options]\nDownloadUser = alpm\nParallelDownloads = 5\nDisableSandboxSyscalls\n[core]\n",
        );
        let conf = PacmanConf::load(&path).unwrap();
        assert_eq!(conf.download_user.as_deref(), Some("alpm"));
        assert_eq!(conf.parallel_downloads, Some(5));
        assert!(conf.disable_sandbox_syscalls);
        assert!(!conf.disable_sandbox_filesystem);

        write(dir.path(), "pacman.conf", "[options]\nDisableSandbox\n");
        let conf = PacmanConf::load(&path).unwrap();
        assert!(conf.disable_sandbox_syscalls && conf.disable_sandbox_filesystem);

        for bad in [
            "ParallelDownloads = 0",
            "ParallelDownloads = many",
            "DownloadUser",
        ] {
            write(dir.path(), "pacman.conf", &format!("[options]\n{bad}\n"));
            let error = PacmanConf::load(&path).unwrap_err().to_string();
            assert!(error.contains("pacman.conf:2"), "{bad}: {error}");
        }
    }

    #[test]
    fn load_missing_include_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let conf = write(
            dir.path(),
            "pacman.conf",
            "[options]\n[core]\nInclude = /nonexistent/mirrorlist\n",
        );
        let error = PacmanConf::load(&conf).unwrap_err().to_string();
        assert!(error.contains("pacman.conf:3"), "{error}");
        assert!(error.contains("/nonexistent/mirrorlist"), "{error}");
    }

    #[test]
    fn load_glob_include_matching_nothing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let conf = write(
            dir.path(),
            "pacman.conf",
            &format!(
                "[options]\nInclude = {}/conf.d/*.conf\n[core]\n",
                dir.path().display()
            ),
        );
        let error = PacmanConf::load(&conf).unwrap_err().to_string();
        assert!(error.contains("pacman.conf:2"), "{error}");
        assert!(error.contains("matches no file"), "{error}");
    }

    /// Found by replaying the `pacman_conf` fuzz corpus through `pacman-conf`: only
    /// an exact `[…]` line opens a section, and `#` starts a comment only at the
    /// start of a line.
    #[test]
    fn load_reads_bracket_lines_as_pacman_does() {
        let dir = tempfile::tempdir().unwrap();
        let conf = write(
            dir.path(),
            "pacman.conf",
            "[options]\n[core] # not a section for pacman\n[unclosed = x\n[extra]\x0c\nServer = a # b\n",
        );
        let conf = PacmanConf::load(&conf).unwrap();
        let names: Vec<&str> = conf.repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["extra"]);
        assert_eq!(conf.repos[0].servers, ["a # b"]);
        let before_any = write(dir.path(), "before.conf", "[core]# x\n");
        let error = PacmanConf::load(&before_any).unwrap_err().to_string();
        assert!(error.contains("before any section"), "{error}");
        let bare = write(
            dir.path(),
            "bare.conf",
            "[options]\nColor\n[core]\nServer\n",
        );
        let error = PacmanConf::load(&bare).unwrap_err().to_string();
        assert!(
            error.contains("bare.conf:4: `Server` needs a value"),
            "{error}"
        );
    }

    #[test]
    fn load_rejects_key_outside_section() {
        let dir = tempfile::tempdir().unwrap();
        let conf = write(dir.path(), "pacman.conf", "RootDir = /\n");
        let error = PacmanConf::load(&conf).unwrap_err().to_string();
        assert!(error.contains("before any section"), "{error}");
    }

    #[test]
    fn glob_match_handles_stars_and_questions() {
        assert!(glob_match(b"*.conf", b"a.conf"));
        assert!(glob_match(b"mirror?ist", b"mirrorlist"));
        assert!(!glob_match(b"*.conf", b"a.conf.bak"));
        assert!(glob_match(b"a*b*c", b"aXbYbZc"));
        assert!(glob_match(b"**", b""));
        assert!(!glob_match(b"?", b""));
        assert!(!glob_match(b"*.conf", b".hidden.conf"));
        assert!(glob_match(b".*.conf", b".hidden.conf"));
    }

    /// Found by the `pacman_conf` fuzz target: an `Include` glob of many stars took
    /// exponential time (the fuzzer's 10-second timeout).
    #[test]
    fn glob_match_with_many_stars_is_fast() {
        let pattern = [vec![b'*'; 200], b"x".to_vec()].concat();
        let started = std::time::Instant::now();
        assert!(!glob_match(&pattern, &[b'a'; 64]));
        assert!(glob_match(&pattern, b"aaax"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
