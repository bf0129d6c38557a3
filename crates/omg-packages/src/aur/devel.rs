//! `omg update --devel`: VCS packages (`-git` and the like) keep their version
//! until rebuilt, so their upstream is watched instead, as paru does. After a
//! build, each git source's upstream commit is recorded (`ls-remote` of the branch
//! the source follows); an update asks again and rebuilds the bases whose
//! upstream moved. Sources pinned to a tag or commit never move, and other VCSs
//! are not watched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Upstream commits by package base, then by source URL.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DevelRecords {
    bases: BTreeMap<String, BTreeMap<String, String>>,
}

/// A git source's remote and the ref it follows, from makepkg's
/// `git+URL[#branch=NAME]` (`None` for a source pinned to a tag or commit).
#[must_use]
pub fn watched_ref(source: &str) -> Option<(String, String)> {
    let url = source.strip_prefix("git+")?;
    let (url, fragment) = match url.split_once('#') {
        Some((url, fragment)) => (url, Some(fragment)),
        None => (url, None),
    };
    // `?signed` asks makepkg to verify the tag or commit; it is not the URL's.
    let url = url.split_once('?').map_or(url, |(url, _)| url);
    let reference = match fragment {
        None => "HEAD".to_owned(),
        Some(fragment) => match fragment.split_once('=') {
            Some(("branch", branch)) if !branch.is_empty() => format!("refs/heads/{branch}"),
            _ => return None,
        },
    };
    // An option-looking or empty remote is never passed to git.
    if url.is_empty() || url.starts_with('-') {
        return None;
    }
    Some((url.to_owned(), reference))
}

/// The commit `reference` of `url` is at now.
pub fn upstream_commit(url: &str, reference: &str) -> Result<String, String> {
    let output = super::git::command(Path::new("/"))
        .args(["ls-remote", "--", url, reference])
        // A remote that stops answering is given up on, not waited for.
        .env("GIT_HTTP_LOW_SPEED_LIMIT", "100")
        .env("GIT_HTTP_LOW_SPEED_TIME", "30")
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rfind(|line| !line.trim().is_empty());
        return Err(omg_core::text::printable(last.unwrap_or("git ls-remote failed")).into_owned());
    }
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .filter(|commit| commit.len() >= 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .ok_or_else(|| format!("{url} has no {reference}"))
}

impl DevelRecords {
    /// The records kept at `path`; none when the file is missing or unreadable
    /// (a lost record means one missed rebuild, never a wrong one).
    #[must_use]
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes the records to `path` (beside it, then renamed over it).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let partial = path.with_extension("partial");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&partial, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&partial, path)
    }

    /// Records where the watched sources of `base` are now; a base without any
    /// is forgotten. Sources that cannot be asked are left out.
    pub fn record(&mut self, base: &str, sources: &[String]) {
        let commits: BTreeMap<String, String> = sources
            .iter()
            .filter_map(|source| {
                let (url, reference) = watched_ref(source)?;
                let commit = upstream_commit(&url, &reference).ok()?;
                Some((source.clone(), commit))
            })
            .collect();
        if commits.is_empty() {
            self.bases.remove(base);
        } else {
            self.bases.insert(base.to_owned(), commits);
        }
    }

    /// Bases among `bases` whose upstream moved since their build, with the
    /// sources that could not be asked (as warnings).
    #[must_use]
    pub fn moved<'a>(
        &self,
        bases: impl IntoIterator<Item = &'a str>,
    ) -> (Vec<String>, Vec<String>) {
        let mut moved = Vec::new();
        let mut problems = Vec::new();
        for base in bases {
            let Some(sources) = self.bases.get(base) else {
                continue;
            };
            let changed = sources.iter().any(|(source, built)| {
                let Some((url, reference)) = watched_ref(source) else {
                    return false;
                };
                match upstream_commit(&url, &reference) {
                    Ok(now) => now != *built,
                    Err(problem) => {
                        problems.push(format!("{base}: {problem}"));
                        false
                    }
                }
            });
            if changed {
                moved.push(base.to_owned());
            }
        }
        (moved, problems)
    }
}

/// Where the records live: `$XDG_CACHE_HOME/omg/aur-devel.json`.
#[must_use]
pub fn records_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("aur-devel.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_sources_are_watched_on_their_branch_and_pinned_ones_never() {
        assert_eq!(
            watched_ref("git+https://example.org/a.git"),
            Some(("https://example.org/a.git".to_owned(), "HEAD".to_owned()))
        );
        assert_eq!(
            watched_ref("git+https://example.org/a.git#branch=dev"),
            Some((
                "https://example.org/a.git".to_owned(),
                "refs/heads/dev".to_owned()
            ))
        );
        assert_eq!(
            watched_ref("git+https://example.org/a.git?signed#branch=main").map(|(url, _)| url),
            Some("https://example.org/a.git".to_owned())
        );
        assert_eq!(watched_ref("git+https://example.org/a.git#tag=v1"), None);
        assert_eq!(
            watched_ref("git+https://example.org/a.git#commit=abc"),
            None
        );
        assert_eq!(watched_ref("svn+https://example.org/a"), None);
        assert_eq!(watched_ref("git+--upload-pack=evil"), None);
    }

    #[test]
    fn records_survive_a_round_trip_and_a_broken_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = records_path(dir.path());
        let mut records = DevelRecords::default();
        records.bases.insert(
            "a-git".to_owned(),
            BTreeMap::from([("git+https://x/a.git".to_owned(), "0".repeat(40))]),
        );
        records.save(&path).unwrap();
        assert_eq!(DevelRecords::load(&path), records);
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(DevelRecords::load(&path), DevelRecords::default());
    }
}
