//! The AUR's git side for tests: one bare repository per package base of
//! `aur-recipes/` (a PKGBUILD, its hand-written `.SRCINFO`, any install script),
//! prepared for git's dumb HTTP protocol (`git update-server-info`) so that
//! [`crate::AurServer`] serves `{url}/{pkgbase}.git` as static files, and the
//! RPC entries that describe them.

use crate::aur::AurFixture;
use crate::exec::run;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Bare repositories `<dir>/<pkgbase>.git`, one per recipe.
#[derive(Debug)]
pub struct AurGitRepos {
    dir: PathBuf,
}

fn recipes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("aur-recipes")
}

fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args([
            "-c",
            "user.name=omg testbed",
            "-c",
            "user.email=omg@example.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=master",
            "-c",
            "commit.gpgsign=false",
        ])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir);
    command
}

impl AurGitRepos {
    /// A repository for every recipe, under `dir` (which must exist).
    #[must_use]
    pub fn create(dir: &Path) -> Self {
        let repos = Self {
            dir: dir.to_owned(),
        };
        let mut recipes: Vec<PathBuf> = fs::read_dir(recipes_dir())
            .expect("read aur-recipes")
            .map(|entry| entry.expect("recipe").path())
            .collect();
        recipes.sort();
        for recipe in recipes {
            let base = recipe
                .file_name()
                .and_then(|name| name.to_str())
                .expect("recipe name")
                .to_owned();
            let files: Vec<(String, Vec<u8>)> = fs::read_dir(&recipe)
                .expect("read recipe")
                .map(|entry| {
                    let path = entry.expect("recipe file").path();
                    let name = path
                        .file_name()
                        .expect("name")
                        .to_string_lossy()
                        .into_owned();
                    (name, fs::read(&path).expect("read recipe file"))
                })
                .collect();
            run(git(dir)
                .args(["init", "--quiet", "--bare"])
                .arg(format!("{base}.git")));
            repos.commit(&base, &files, "Initial import");
        }
        repos
    }

    /// The directory [`crate::AurServer::with_git`] serves.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new repository `<name>.git` holding `files` (an AUR base, or an upstream
    /// project a VCS package follows).
    pub fn add(&self, name: &str, files: &[(String, Vec<u8>)]) {
        run(git(&self.dir)
            .args(["init", "--quiet", "--bare"])
            .arg(format!("{name}.git")));
        self.commit(name, files, "Initial import");
    }

    /// Commits `files` (name, contents) to `base`, replacing what they name and
    /// keeping the rest, as a maintainer's push would.
    pub fn commit(&self, base: &str, files: &[(String, Vec<u8>)], message: &str) {
        let bare = self.dir.join(format!("{base}.git"));
        let work = self.dir.join(format!(".work-{base}"));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).expect("mkdir work tree");
        let has_commits = git(&bare)
            .args(["rev-parse", "--verify", "--quiet", "master"])
            .output()
            .is_ok_and(|output| output.status.success());
        if has_commits {
            run(git(&self.dir)
                .args(["clone", "--quiet"])
                .arg(&bare)
                .arg(&work));
        } else {
            run(git(&work).args(["init", "--quiet"]));
        }
        for (name, contents) in files {
            fs::write(work.join(name), contents).expect("write recipe file");
        }
        run(git(&work).args(["add", "--all"]));
        run(git(&work).args(["commit", "--quiet", "-m", message]));
        run(git(&work)
            .args(["push", "--quiet"])
            .arg(&bare)
            .arg("HEAD:refs/heads/master"));
        run(git(&bare).args(["update-server-info"]));
        fs::remove_dir_all(&work).expect("remove work tree");
    }

    /// The file `name` of `base` at the tip of its default branch.
    #[must_use]
    pub fn file(&self, base: &str, name: &str) -> String {
        let bare = self.dir.join(format!("{base}.git"));
        let output = git(&bare)
            .args(["show", &format!("master:{name}")])
            .output()
            .expect("git show");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// The RPC's view of the recipes: the bases and versions aurweb would list.
/// `omg-aur-drift`'s entry lags behind its repository (0.9-1 with a dependency
/// nothing provides, where the `.SRCINFO` says 1.5-1 needing `omg-lib`): a
/// client must trust the clone.
#[must_use]
pub fn aur_build_fixtures() -> Vec<AurFixture> {
    let entry = |name: &'static str, base: &'static str, version: &'static str| AurFixture {
        name,
        package_base: base,
        version,
        description: Some("a package of the AUR build tests"),
        maintainer: Some("omgtester"),
        submitter: "omgtester",
        first_submitted: 1_700_000_000,
        last_modified: 1_700_000_000,
        ..AurFixture::default()
    };
    vec![
        entry("omg-aur-lib", "omg-aur-lib", "1.0-1"),
        entry("omg-aur-maker", "omg-aur-maker", "1.0-1"),
        entry("omg-aur-app", "omg-aur-app", "2.0-1"),
        entry("omg-aur-split-core", "omg-aur-split", "3.1-2"),
        entry("omg-aur-split-extra", "omg-aur-split", "3.1-2"),
        entry("omg-aur-broken", "omg-aur-broken", "1.0-1"),
        AurFixture {
            depends: &["omg-not-anywhere"],
            ..entry("omg-aur-drift", "omg-aur-drift", "0.9-1")
        },
    ]
}

/// The bytes of `<root>/<path>` when `path` names a file inside a `*.git`
/// directory there, without `..` or links.
pub(crate) fn git_file(root: &Path, path: &str) -> Option<Vec<u8>> {
    let path = path.split('?').next()?.trim_start_matches('/');
    let (repo, _) = path.split_once(".git/")?;
    if repo.is_empty() || repo.contains('/') {
        return None;
    }
    let mut full = root.to_owned();
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return None;
        }
        full.push(part);
    }
    let meta = fs::symlink_metadata(&full).ok()?;
    meta.is_file().then(|| fs::read(&full).ok()).flatten()
}
