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
fn git_file(root: &Path, path: &str) -> Option<Vec<u8>> {
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

/// How [`crate::AurServer`] serves the package repositories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitProtocol {
    /// Static files after `git update-server-info`.
    Dumb,
    /// `git http-backend` as a CGI program, as the real AUR serves them.
    Smart,
}

/// One HTTP request as the server read it.
pub(crate) struct HttpRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
}

impl HttpRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The whole HTTP response for a request under `{base}.git/`, or `None` when the
/// request is not for a repository.
pub(crate) fn respond(
    root: &Path,
    protocol: GitProtocol,
    request: &HttpRequest<'_>,
) -> Option<Vec<u8>> {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target, ""));
    let (repo, _) = path.trim_start_matches('/').split_once(".git/")?;
    if repo.is_empty() || repo.contains('/') || repo.starts_with('.') {
        return None;
    }
    match protocol {
        GitProtocol::Dumb => {
            let bytes = git_file(root, path)?;
            Some(response("200 OK", "application/octet-stream", &bytes))
        }
        GitProtocol::Smart => Some(http_backend(root, path, query, request)),
    }
}

fn response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Runs `git http-backend` for one request and turns its CGI answer into HTTP.
fn http_backend(root: &Path, path: &str, query: &str, request: &HttpRequest<'_>) -> Vec<u8> {
    use std::io::Write;
    let mut command = Command::new("git");
    command
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REQUEST_METHOD", request.method)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (header, variable) in [
        ("Content-Type", "CONTENT_TYPE"),
        ("Content-Encoding", "HTTP_CONTENT_ENCODING"),
        ("Git-Protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(value) = request.header(header) {
            command.env(variable, value);
        }
    }
    let Ok(mut child) = command.spawn() else {
        return response("500 Internal Server Error", "text/plain", b"no git");
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(request.body);
    }
    let Ok(output) = child.wait_with_output() else {
        return response("500 Internal Server Error", "text/plain", b"git failed");
    };
    let cgi = output.stdout;
    let split = cgi
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| {
            cgi.windows(2)
                .position(|w| w == b"\n\n")
                .map(|at| (at, at + 2))
        });
    let Some((head_end, body_start)) = split else {
        return response("500 Internal Server Error", "text/plain", b"bad CGI answer");
    };
    let head = String::from_utf8_lossy(&cgi[..head_end]);
    let mut status = "200 OK".to_owned();
    let mut content_type = "application/octet-stream".to_owned();
    for line in head.lines() {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "status" => status = value.trim().to_owned(),
                "content-type" => content_type = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    response(&status, &content_type, &cgi[body_start..])
}
