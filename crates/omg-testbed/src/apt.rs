//! A private APT tree for comparing omg with the machine's own apt: repositories
//! published under the tree, fetched by `apt-get update` into the tree's own lists
//! and cache, read through an `APT_CONFIG` that names the tree's `Dir::Etc`. The
//! dpkg status is a copy of the machine's (tests may add stanzas to it), so the
//! installed apt decides the behaviours that differ between apt releases. Nothing
//! outside the tree changes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A command's stdout; panics with its stderr when it fails.
pub fn output(command: &mut Command) -> String {
    String::from_utf8(crate::exec::run(command).stdout).expect("utf-8 output")
}

/// Writes `files` (paths under `dists/<suite>/`, with their text) and a Release
/// listing them after `fields`, as a mirror lays a suite out.
pub fn write_suite(repo: &Path, suite: &str, fields: &str, files: &[(String, String)]) {
    let dists = repo.join("dists").join(suite);
    let mut sums = String::new();
    for (relative, text) in files {
        let path = dists.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let sum = output(Command::new("sha256sum").arg(&path));
        sums.push_str(&format!(
            " {} {} {relative}\n",
            sum.split_whitespace().next().unwrap(),
            text.len()
        ));
    }
    let architecture = architecture();
    std::fs::write(
        dists.join("Release"),
        format!(
            "{fields}Suite: {suite}\nDate: {}\nComponents: main\nArchitectures: {architecture}\nSHA256:\n{sums}",
            output(Command::new("date").arg("-Ru")).trim()
        ),
    )
    .unwrap();
}

/// dpkg's native architecture.
pub fn architecture() -> String {
    output(Command::new("dpkg").arg("--print-architecture"))
        .trim()
        .to_owned()
}

/// The tree; [`AptTree::apt`] runs an apt program on it.
pub struct AptTree {
    _dir: tempfile::TempDir,
    /// Serves the repository when the sources name it by `{http}`.
    _server: Option<crate::HttpServer>,
    /// Its directory: `etc/`, `lists/`, `cache/`, `status`, `repo/`.
    pub root: PathBuf,
}

impl AptTree {
    /// A tree whose `sources.list` is `sources` (`{repo}` stands for the
    /// repository directory, `{http}` for its URL on a local HTTP server) and
    /// whose `apt.conf` is `apt_conf`, after `publish` has written the
    /// repository; `apt-get update` has run.
    pub fn new(sources: &str, apt_conf: &str, publish: impl FnOnce(&Path, &str)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        // apt's unprivileged downloader reads the file: repository.
        std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let repo = root.join("repo");
        publish(&repo, &architecture());
        for sub in [
            "etc/apt.conf.d",
            "etc/sources.list.d",
            "etc/preferences.d",
            "lists/partial",
            "cache/archives/partial",
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let server = sources
            .contains("{http}")
            .then(|| crate::HttpServer::serve(&repo));
        let mut sources = sources.replace("{repo}", &repo.display().to_string());
        if let Some(server) = &server {
            sources = sources.replace("{http}", &server.url());
        }
        std::fs::write(root.join("etc/sources.list"), sources).unwrap();
        // The cache stays in the tree for libapt opened on `Dir::Etc` alone too.
        std::fs::write(
            root.join("etc/apt.conf"),
            format!("Dir::Cache \"{}/cache\";\n{apt_conf}", root.display()),
        )
        .unwrap();
        std::fs::copy("/var/lib/dpkg/status", root.join("status")).unwrap();
        std::fs::write(
            root.join("apt-config"),
            format!(
                "Dir::Etc \"{0}/etc\";\nDir::Etc::Parts \"apt.conf.d\";\nDir::Etc::Main \"apt.conf\";\nDir::State::Lists \"{0}/lists\";\nDir::State::status \"{0}/status\";\nDir::State::extended_states \"{0}/extended_states\";\nDir::Cache \"{0}/cache\";\nAPT::Get::List-Cleanup \"false\";\n",
                root.display()
            ),
        )
        .unwrap();
        let tree = Self {
            _dir: dir,
            _server: server,
            root,
        };
        tree.apt("apt-get", &["update", "-q"]);
        tree
    }

    /// An apt program's stdout on the tree, in a UTF-8 C locale.
    pub fn apt(&self, program: &str, args: &[&str]) -> String {
        output(
            Command::new(program)
                .args(args)
                .env("APT_CONFIG", self.apt_config())
                .env("LC_ALL", "C.UTF-8"),
        )
    }

    /// The APT lists directory.
    #[must_use]
    pub fn lists_dir(&self) -> PathBuf {
        self.root.join("lists")
    }

    /// The dpkg status file (a copy of the machine's).
    #[must_use]
    pub fn status_file(&self) -> PathBuf {
        self.root.join("status")
    }

    /// APT's auto-installed marks.
    #[must_use]
    pub fn extended_states(&self) -> PathBuf {
        self.root.join("extended_states")
    }

    /// APT's configuration directory (`Dir::Etc`).
    #[must_use]
    pub fn etc_dir(&self) -> PathBuf {
        self.root.join("etc")
    }

    /// The file `APT_CONFIG` names for apt programs on the tree.
    #[must_use]
    pub fn apt_config(&self) -> PathBuf {
        self.root.join("apt-config")
    }
}
