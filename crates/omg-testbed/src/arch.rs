//! The hermetic Arch repository and roots.
//!
//! The repository is built once per recipe set and cached under
//! `target/omg-testbed/arch-<hash of the recipes>`; a file lock makes parallel test
//! processes wait for one build, and the build is renamed into place whole, so a
//! reader sees a complete repository or none.

use crate::exec::{is_root, run};
use crate::signed::{signed_repo, stop_agent};
use crate::HttpServer;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The unprivileged user makepkg runs as when the tests run as root.
const BUILD_USER: &str = "omgbuild";
/// Recipes built but kept out of the initial repository: published as upgrades.
pub const UPGRADE_RECIPES: &[&str] = &["omg-hello-1.1"];
/// Recipes built but never published: installed from the file, as a package that
/// left the repositories (`omg-renamed` replaces it).
pub const LOCAL_RECIPES: &[&str] = &["omg-oldname"];
pub(crate) const REPO_NAME: &str = "omgtest";

/// The cached, built repository.
#[derive(Debug)]
pub struct ArchRepo {
    /// Directory with `omgtest.db` and the initial packages.
    pub repo_dir: PathBuf,
    /// Package files published by [`ArchRoot::publish_upgrade`].
    pub upgrade_packages: Vec<PathBuf>,
    /// Package files installed by [`ArchRoot::install_local`].
    pub local_packages: Vec<PathBuf>,
}

fn recipes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("recipes")
}

pub(crate) fn cache_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/omg-testbed")
}

/// FNV-1a over every recipe's path and contents: stable across toolchains.
pub(crate) fn recipes_hash() -> String {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in fs::read_dir(recipes_dir()).expect("read recipes") {
        let dir = entry.expect("recipe entry").path();
        for file in fs::read_dir(&dir).expect("read recipe dir") {
            files.push(file.expect("recipe file").path());
        }
    }
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let relative = file
            .strip_prefix(recipes_dir())
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        for byte in relative
            .bytes()
            .chain(fs::read(&file).expect("read recipe"))
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The repository, built on first use.
pub fn arch_repo() -> &'static ArchRepo {
    static REPO: OnceLock<ArchRepo> = OnceLock::new();
    REPO.get_or_init(build_or_reuse)
}

fn build_or_reuse() -> ArchRepo {
    let cache = cache_root();
    fs::create_dir_all(&cache).expect("create testbed cache");
    let target = cache.join(format!("arch-{}", recipes_hash()));
    if !target.join("done").exists() {
        let lock = fs::File::create(cache.join("arch.lock")).expect("create lock");
        lock.lock().expect("lock testbed cache");
        if !target.join("done").exists() {
            build(&cache, &target);
        }
        lock.unlock().expect("unlock testbed cache");
    }
    let files = |dir: &str| {
        let mut files: Vec<PathBuf> = fs::read_dir(target.join(dir))
            .expect("read built packages")
            .map(|entry| entry.expect("package entry").path())
            .collect();
        files.sort();
        files
    };
    ArchRepo {
        repo_dir: target.join("repo"),
        upgrade_packages: files("upgrades"),
        local_packages: files("local"),
    }
}

fn build(cache: &Path, target: &Path) {
    let staging = tempfile::Builder::new()
        .prefix("arch-build-")
        .tempdir_in(cache)
        .expect("staging dir");
    let work = staging.path();
    let repo = work.join("repo");
    let upgrades = work.join("upgrades");
    let local = work.join("local");
    fs::create_dir_all(&repo).expect("mkdir repo");
    fs::create_dir_all(&upgrades).expect("mkdir upgrades");
    fs::create_dir_all(&local).expect("mkdir local");
    let as_root = is_root();
    if as_root {
        ensure_build_user();
    }
    let mut recipes: Vec<PathBuf> = fs::read_dir(recipes_dir())
        .expect("read recipes")
        .map(|entry| entry.expect("recipe").path())
        .collect();
    recipes.sort();
    for recipe in recipes {
        let name = recipe
            .file_name()
            .and_then(|n| n.to_str())
            .expect("recipe name")
            .to_owned();
        let build_dir = work.join("build").join(&name);
        let out_dir = work.join("out").join(&name);
        fs::create_dir_all(&build_dir).expect("mkdir build");
        fs::create_dir_all(&out_dir).expect("mkdir out");
        fs::copy(recipe.join("PKGBUILD"), build_dir.join("PKGBUILD")).expect("copy PKGBUILD");
        let mut makepkg = if as_root {
            run(Command::new("chown")
                .args(["-R", BUILD_USER])
                .arg(work.join("build"))
                .arg(work.join("out")));
            // The staging dir is private to root by default; makepkg must reach its files.
            run(Command::new("chmod")
                .args(["755"])
                .arg(work)
                .arg(work.join("build"))
                .arg(work.join("out")));
            let mut command = Command::new("runuser");
            command.args(["-u", BUILD_USER, "--", "makepkg"]);
            command
        } else {
            Command::new("makepkg")
        };
        makepkg
            .args(["-f", "--nodeps", "--noconfirm", "--noprogressbar"])
            .current_dir(&build_dir)
            .env("PKGDEST", &out_dir)
            .env("PKGEXT", ".pkg.tar.zst")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env("PACKAGER", "omg testbed <omg@example.invalid>")
            .env("LC_ALL", "C");
        run(&mut makepkg);
        let destination = if UPGRADE_RECIPES.contains(&name.as_str()) {
            &upgrades
        } else if LOCAL_RECIPES.contains(&name.as_str()) {
            &local
        } else {
            &repo
        };
        for package in fs::read_dir(&out_dir).expect("read out") {
            let package = package.expect("package").path();
            fs::copy(
                &package,
                destination.join(package.file_name().expect("file name")),
            )
            .expect("copy package");
        }
    }
    let mut packages: Vec<String> = fs::read_dir(&repo)
        .expect("read repo")
        .map(|entry| {
            entry
                .expect("package")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    packages.sort();
    run(Command::new("repo-add")
        .arg("-q")
        .arg(format!("{REPO_NAME}.db.tar.gz"))
        .args(&packages)
        .current_dir(&repo));
    fs::remove_dir_all(work.join("build")).expect("clean build");
    fs::remove_dir_all(work.join("out")).expect("clean out");
    fs::write(work.join("done"), b"").expect("mark done");
    let kept = staging.keep();
    if target.exists() {
        fs::remove_dir_all(target).expect("remove stale build");
    }
    fs::rename(&kept, target).expect("publish build");
}

/// The unprivileged user makepkg runs as when the tests run as root, created on
/// first use.
pub fn build_user() -> &'static str {
    ensure_build_user();
    BUILD_USER
}

fn ensure_build_user() {
    let exists = || {
        Command::new("id")
            .arg(BUILD_USER)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if exists() {
        return;
    }
    // Test processes run side by side: another may create it first.
    let output = Command::new("useradd")
        .args([
            "--system",
            "--create-home",
            "--shell",
            "/bin/sh",
            BUILD_USER,
        ])
        .output()
        .expect("run useradd");
    assert!(
        exists(),
        "useradd {BUILD_USER} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// How [`ArchRoot::with`] sets a root up; the default is [`ArchRoot::new`]'s.
#[derive(Debug, Clone, Copy, Default)]
pub struct RootOptions {
    /// Use the signed repository, served over local HTTP, with `SigLevel = Required
    /// DatabaseRequired` and a pacman keyring that trusts (locally signs) the
    /// packager's key.
    pub signed: bool,
    /// Put the root on a tmpfs of this many KiB (mounting needs root: `None` from
    /// [`ArchRoot::with`] otherwise) and turn `CheckSpace` on.
    pub tmpfs_kib: Option<u64>,
}

/// A throwaway pacman root using its own copy of the repository.
#[derive(Debug)]
pub struct ArchRoot {
    // Declared first so it is dropped first: the mount goes before the directory.
    extras: Extras,
    dir: tempfile::TempDir,
}

/// What a root holds besides its directory, undone when it is dropped.
#[derive(Default)]
struct Extras {
    server: Option<HttpServer>,
    /// The pacman keyring, whose gpg-agent is stopped.
    keyring: Option<PathBuf>,
    /// A tmpfs mounted here.
    mount: Option<PathBuf>,
}

impl std::fmt::Debug for Extras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extras")
            .field("server", &self.server.as_ref().map(HttpServer::url))
            .field("keyring", &self.keyring)
            .field("mount", &self.mount)
            .finish()
    }
}

impl Drop for Extras {
    fn drop(&mut self) {
        if let Some(keyring) = &self.keyring {
            stop_agent(keyring);
        }
        if let Some(mount) = &self.mount {
            let _ = Command::new("umount").arg(mount).output();
        }
    }
}

impl ArchRoot {
    /// Creates the root, writes its pacman.conf and syncs the database.
    #[must_use]
    pub fn new() -> Self {
        Self::with(RootOptions::default()).expect("a plain root needs no privileges")
    }

    /// A root with a signed repository (see [`RootOptions::signed`]).
    #[must_use]
    pub fn signed() -> Self {
        Self::with(RootOptions {
            signed: true,
            ..RootOptions::default()
        })
        .expect("a signed root needs no privileges")
    }

    /// Creates a root as `options` say; `None` when that needs root and this
    /// process is not.
    #[must_use]
    pub fn with(options: RootOptions) -> Option<Self> {
        if options.tmpfs_kib.is_some() && !is_root() {
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("omg-arch-")
            .tempdir()
            .expect("temp root");
        let mut root = Self {
            extras: Extras::default(),
            dir,
        };
        fs::create_dir_all(root.root()).expect("mkdir root");
        if let Some(kib) = options.tmpfs_kib {
            run(Command::new("mount")
                .args([
                    "-t",
                    "tmpfs",
                    "-o",
                    &format!("size={kib}k,mode=755"),
                    "tmpfs",
                ])
                .arg(root.root()));
            root.extras.mount = Some(root.root());
        }
        let source = if options.signed {
            &signed_repo().repo_dir
        } else {
            &arch_repo().repo_dir
        };
        copy_dir(source, &root.repo_dir());
        for sub in [
            "var/lib/pacman",
            "var/cache/pacman/pkg",
            "var/log",
            "etc/pacman.d/hooks",
            "etc/pacman.d/gnupg",
            "bin",
        ] {
            fs::create_dir_all(root.root().join(sub)).expect("mkdir root");
        }
        install_shell(&root.root());
        let (server, signatures) = if options.signed {
            root.init_keyring();
            let server = HttpServer::serve(&root.repo_dir());
            let url = server.url();
            root.extras.server = Some(server);
            (
                url,
                "SigLevel = Required DatabaseRequired\nLocalFileSigLevel = Optional",
            )
        } else {
            (
                format!("file://{}", root.repo_dir().display()),
                "SigLevel = Never\nLocalFileSigLevel = Never",
            )
        };
        let check_space = if options.tmpfs_kib.is_some() {
            "CheckSpace\n"
        } else {
            ""
        };
        let conf = format!(
            "[options]\nRootDir = {root}\nDBPath = {db}\nCacheDir = {root}/var/cache/pacman/pkg/\nLogFile = {root}/var/log/pacman.log\nGPGDir = {root}/etc/pacman.d/gnupg/\nHookDir = {root}/etc/pacman.d/hooks/\nArchitecture = x86_64\n{signatures}\n{check_space}\n[{REPO_NAME}]\nServer = {server}\n",
            root = root.root().display(),
            db = root.dbpath().display(),
        );
        fs::write(root.config(), conf).expect("write pacman.conf");
        root.pacman_ok(&["-Sy"]);
        Some(root)
    }

    /// pacman-key's own set-up of the root's keyring, trusting the packager's key
    /// only; lookups (which pacman makes for a missing key) stay on this machine.
    fn init_keyring(&mut self) {
        let keys = signed_repo();
        let gnupg = self.root().join("etc/pacman.d/gnupg");
        self.extras.keyring = Some(gnupg.clone());
        let pacman_key = || {
            let mut command = Command::new("pacman-key");
            command.arg("--gpgdir").arg(&gnupg);
            command
        };
        run(pacman_key().arg("--init"));
        run(pacman_key().arg("--add").arg(&keys.packager_key));
        run(pacman_key().args(["--lsign-key", &keys.packager]));
        // No web key directory, and a key server that refuses at once.
        let mut conf = fs::read_to_string(gnupg.join("gpg.conf")).unwrap_or_default();
        conf.push_str("auto-key-locate local\nkeyserver hkp://127.0.0.1:1\n");
        fs::write(gnupg.join("gpg.conf"), conf).expect("write gpg.conf");
        fs::write(gnupg.join("dirmngr.conf"), "keyserver hkp://127.0.0.1:1\n")
            .expect("write dirmngr.conf");
        stop_agent(&gnupg);
    }

    /// Signed roots: the stranger's signature replaces the packager's on
    /// `package` (a file name) and the repository is republished and synced.
    pub fn sign_as_stranger(&self, package: &str) {
        let keys = signed_repo();
        fs::copy(
            keys.stranger_sigs.join(format!("{package}.sig")),
            self.repo_dir().join(format!("{package}.sig")),
        )
        .expect("copy the stranger's signature");
        self.republish(package);
    }

    /// Signed roots: `package` gains bytes after it was signed (a zstd skippable
    /// frame, so it still unpacks and repo-add still reads it); the republished
    /// db carries the new size and checksum, so only the signature is wrong.
    pub fn tamper_after_signing(&self, package: &str) {
        let path = self.repo_dir().join(package);
        let mut bytes = fs::read(&path).expect("read package");
        bytes.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, b'o', b'm', b'g', b'!']);
        fs::write(&path, bytes).expect("write package");
        self.republish(package);
    }

    /// Signed roots: the stranger's key joins the keyring, known but not trusted.
    pub fn add_stranger_key(&self) {
        let gnupg = self.root().join("etc/pacman.d/gnupg");
        run(Command::new("pacman-key")
            .arg("--gpgdir")
            .arg(&gnupg)
            .arg("--add")
            .arg(&signed_repo().stranger_key));
        stop_agent(&gnupg);
    }

    /// Signed roots: `package` is re-added without `--sign`, so the db changes and
    /// its signature no longer matches (a stale `.sig`). Not synced.
    pub fn republish_unsigned(&self, package: &str) {
        run(Command::new("repo-add")
            .arg("-q")
            .arg(format!("{REPO_NAME}.db.tar.gz"))
            .arg(package)
            .current_dir(self.repo_dir()));
    }

    fn republish(&self, package: &str) {
        signed_repo().republish(&self.repo_dir(), package);
        self.pacman_ok(&["-Syy"]);
    }

    /// Tmpfs roots: fills the file system so that only about `kib` KiB stay free.
    pub fn fill_leaving(&self, kib: u64) {
        let output = run(Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(self.root()));
        let available: u64 = String::from_utf8_lossy(&output.stdout)
            .lines()
            .nth(1)
            .and_then(|line| line.trim().parse().ok())
            .expect("df's available bytes");
        let fill = available.saturating_sub(kib * 1024);
        run(Command::new("fallocate")
            .args(["-l", &fill.to_string()])
            .arg(self.root().join("filler")));
    }

    /// Keeps the root on disk after this value is dropped (for benchmarks and
    /// debugging); returns its directory. What [`RootOptions`] added is undone
    /// all the same: the HTTP server stops and a tmpfs is unmounted.
    #[must_use]
    pub fn keep(self) -> PathBuf {
        self.dir.keep()
    }

    /// The installation root.
    #[must_use]
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The database directory.
    #[must_use]
    pub fn dbpath(&self) -> PathBuf {
        self.root().join("var/lib/pacman")
    }

    /// The pacman.conf.
    #[must_use]
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("pacman.conf")
    }

    /// This root's copy of the repository.
    #[must_use]
    pub fn repo_dir(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// `--config X --root Y --dbpath Z`, for running another program on this root.
    #[must_use]
    pub fn pacman_args(&self) -> Vec<String> {
        vec![
            "--config".to_owned(),
            self.config().display().to_string(),
            "--root".to_owned(),
            self.root().display().to_string(),
            "--dbpath".to_owned(),
            self.dbpath().display().to_string(),
        ]
    }

    /// Runs pacman on this root; the caller checks the outcome.
    #[must_use]
    pub fn pacman(&self, args: &[&str]) -> std::process::Output {
        Command::new("pacman")
            .args(self.pacman_args())
            .args(["--noconfirm", "--color", "never"])
            .args(args)
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            .output()
            .expect("run pacman")
    }

    /// Runs pacman, which must succeed; returns stdout.
    pub fn pacman_ok(&self, args: &[&str]) -> String {
        let output = self.pacman(args);
        assert!(
            output.status.success(),
            "pacman {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Installs packages with `pacman -S`.
    pub fn install(&self, names: &[&str]) {
        let mut args = vec!["-S"];
        args.extend(names);
        self.pacman_ok(&args);
    }

    /// Installs a package that is in no repository (`pacman -U`), by name.
    pub fn install_local(&self, name: &str) {
        let file = arch_repo()
            .local_packages
            .iter()
            .find(|file| {
                file.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{name}-")))
            })
            .unwrap_or_else(|| panic!("no local package {name}"));
        self.pacman_ok(&["-U", &file.display().to_string()]);
    }

    /// Adds the upgrade packages to this root's repository and syncs.
    pub fn publish_upgrade(&self) {
        let repo_dir = self.repo_dir();
        for package in &arch_repo().upgrade_packages {
            let name = package.file_name().expect("file name");
            fs::copy(package, repo_dir.join(name)).expect("copy upgrade");
            run(Command::new("repo-add")
                .arg("-q")
                .arg(format!("{REPO_NAME}.db.tar.gz"))
                .arg(name)
                .current_dir(&repo_dir));
        }
        // -Syy: over file:// a db rewritten within the same second as the last sync
        // looks unchanged to curl's time condition.
        self.pacman_ok(&["-Syy"]);
    }
}

impl Default for ArchRoot {
    fn default() -> Self {
        Self::new()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir copy");
    for entry in fs::read_dir(from).expect("read dir to copy") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        // repo-add's `omgtest.db` is a symlink to the tarball; copy it as a link.
        if let Ok(link) = fs::read_link(&path) {
            std::os::unix::fs::symlink(link, target).expect("copy symlink");
        } else {
            fs::copy(&path, target).expect("copy file");
        }
    }
}

/// Scriptlets run chrooted in the root and need /bin/sh there: copy dash and its
/// libraries (found with ldd).
fn install_shell(root: &Path) {
    fs::copy("/bin/dash", root.join("bin/sh")).expect("copy dash");
    let ldd = run(Command::new("ldd").arg("/bin/dash"));
    for library in String::from_utf8_lossy(&ldd.stdout)
        .split_whitespace()
        .filter(|word| word.starts_with('/'))
    {
        let destination = root.join(library.trim_start_matches('/'));
        fs::create_dir_all(destination.parent().expect("parent")).expect("mkdir lib");
        fs::copy(library, destination).expect("copy library");
    }
}
