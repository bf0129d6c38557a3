//! Signing for the hermetic Arch repository: two throwaway GnuPG keys (the
//! packager, whom a signed root trusts, and a stranger), a detached signature by
//! each for every package, and the repository re-made with `repo-add --sign`.
//!
//! Built once per recipe set beside the unsigned repository, under the same lock
//! and with the same rename-into-place. gpg starts an agent for every home it
//! signs from; each is stopped with `gpgconf --kill` (never by name), and tests
//! sign from a private copy of the packager's home, so parallel test processes
//! never share an agent.

use crate::arch::{arch_repo, cache_root, recipes_hash, REPO_NAME};
use crate::exec::run;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The signed copy of the repository and the keys that signed it.
#[derive(Debug)]
pub struct SignedRepo {
    /// Packages, their `.sig` by the packager, and the db signed by the packager.
    pub repo_dir: PathBuf,
    /// The packager's GnuPG home (secret key inside; copy it before use).
    pub packager_home: PathBuf,
    /// The packager's fingerprint.
    pub packager: String,
    /// The packager's public key, binary.
    pub packager_key: PathBuf,
    /// The stranger's fingerprint.
    pub stranger: String,
    /// The stranger's public key, binary.
    pub stranger_key: PathBuf,
    /// `<package file>.sig` made by the stranger, one per package.
    pub stranger_sigs: PathBuf,
}

/// The signed repository, built on first use.
pub fn signed_repo() -> &'static SignedRepo {
    static REPO: OnceLock<SignedRepo> = OnceLock::new();
    REPO.get_or_init(build_or_reuse)
}

fn build_or_reuse() -> SignedRepo {
    let unsigned = arch_repo();
    let cache = cache_root();
    let target = cache.join(format!("signed-{}", recipes_hash()));
    if !target.join("done").exists() {
        let lock = fs::File::create(cache.join("signed.lock")).expect("create lock");
        lock.lock().expect("lock testbed cache");
        if !target.join("done").exists() {
            build(&unsigned.repo_dir, &cache, &target);
        }
        lock.unlock().expect("unlock testbed cache");
    }
    let read = |name: &str| {
        fs::read_to_string(target.join(name))
            .expect("read fingerprint")
            .trim()
            .to_owned()
    };
    SignedRepo {
        repo_dir: target.join("repo"),
        packager_home: target.join("packager.gnupg"),
        packager: read("packager.fpr"),
        packager_key: target.join("packager.pub"),
        stranger: read("stranger.fpr"),
        stranger_key: target.join("stranger.pub"),
        stranger_sigs: target.join("stranger-sigs"),
    }
}

fn build(unsigned: &Path, cache: &Path, target: &Path) {
    let staging = tempfile::Builder::new()
        .prefix("signed-build-")
        .tempdir_in(cache)
        .expect("staging dir");
    let work = staging.path();
    // gpg's sockets live in its home unless /run/user/UID exists; a short path keeps
    // them under the socket path limit wherever the cache is.
    let homes = tempfile::Builder::new()
        .prefix("omg-gpg-")
        .tempdir()
        .expect("gpg homes");
    let repo = work.join("repo");
    let stranger_sigs = work.join("stranger-sigs");
    fs::create_dir_all(&repo).expect("mkdir repo");
    fs::create_dir_all(&stranger_sigs).expect("mkdir stranger-sigs");
    let mut fingerprints = Vec::new();
    for (who, uid) in [
        (
            "packager",
            "omg testbed packager <packager@example.invalid>",
        ),
        (
            "stranger",
            "omg testbed stranger <stranger@example.invalid>",
        ),
    ] {
        let home = homes.path().join(who);
        fs::create_dir_all(&home).expect("mkdir gpg home");
        set_private(&home);
        run(gpg(&home).args([
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "never",
        ]));
        let fingerprint = fingerprint(&home);
        let public = run(gpg(&home).args(["--export", &fingerprint]));
        fs::write(work.join(format!("{who}.pub")), &public.stdout).expect("write key");
        fs::write(work.join(format!("{who}.fpr")), &fingerprint).expect("write fingerprint");
        fingerprints.push((home, fingerprint));
    }
    let [(packager_home, packager), (stranger_home, stranger)] =
        <[(PathBuf, String); 2]>::try_from(fingerprints).expect("two keys");
    let mut packages: Vec<String> = Vec::new();
    for entry in fs::read_dir(unsigned).expect("read repo") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if !name.ends_with(".pkg.tar.zst") {
            continue;
        }
        fs::copy(&path, repo.join(&name)).expect("copy package");
        detach_sign(&packager_home, &packager, &repo.join(&name), &repo);
        detach_sign(&stranger_home, &stranger, &repo.join(&name), &stranger_sigs);
        packages.push(name);
    }
    packages.sort();
    run(Command::new("repo-add")
        .args(["-q", "--sign", "--key", &packager])
        .arg(format!("{REPO_NAME}.db.tar.gz"))
        .args(&packages)
        .env("GNUPGHOME", &packager_home)
        .current_dir(&repo));
    stop_agent(&stranger_home);
    stop_agent(&packager_home);
    copy_home(&packager_home, &work.join("packager.gnupg"));
    fs::write(work.join("done"), b"").expect("mark done");
    let kept = staging.keep();
    if target.exists() {
        fs::remove_dir_all(target).expect("remove stale build");
    }
    fs::rename(&kept, target).expect("publish build");
}

fn gpg(home: &Path) -> Command {
    let mut command = Command::new("gpg");
    command.arg("--batch").arg("--homedir").arg(home);
    command
}

fn fingerprint(home: &Path) -> String {
    let listing = run(gpg(home).args(["--with-colons", "--list-secret-keys"]));
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("fpr:"))
        .and_then(|rest| rest.split(':').find(|field| !field.is_empty()))
        .expect("a fingerprint")
        .to_owned()
}

/// `<package>.sig` in `into`, made with `key` from `home`.
fn detach_sign(home: &Path, key: &str, package: &Path, into: &Path) {
    let name = package.file_name().expect("name").to_string_lossy();
    run(gpg(home)
        .args([
            "--yes",
            "--no-armor",
            "--detach-sign",
            "-u",
            key,
            "--output",
        ])
        .arg(into.join(format!("{name}.sig")))
        .arg(package));
}

/// Stops the agent gpg started for `home` (if any).
pub(crate) fn stop_agent(home: &Path) {
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(home)
        .args(["--kill", "gpg-agent"])
        .output();
}

fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).expect("chmod gpg home");
}

/// Copies a GnuPG home: its files and directories, not the agent's sockets.
fn copy_home(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir gpg home copy");
    set_private(to);
    for entry in fs::read_dir(from).expect("read gpg home") {
        let entry = entry.expect("entry");
        let kind = entry.file_type().expect("file type");
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_home(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), target).expect("copy gpg file");
        }
    }
}

impl SignedRepo {
    /// Re-adds `package` (a file name in `repo_dir`, its `.sig` beside it) to the
    /// repository there and signs the db again, as a packager publishing it would.
    pub fn republish(&self, repo_dir: &Path, package: &str) {
        let home = tempfile::Builder::new()
            .prefix("omg-gpg-")
            .tempdir()
            .expect("gpg home");
        let copy = home.path().join("packager");
        copy_home(&self.packager_home, &copy);
        let output = Command::new("repo-add")
            .args(["-q", "--sign", "--key", &self.packager])
            .arg(format!("{REPO_NAME}.db.tar.gz"))
            .arg(package)
            .env("GNUPGHOME", &copy)
            .current_dir(repo_dir)
            .output();
        stop_agent(&copy);
        let output = output.expect("run repo-add");
        assert!(
            output.status.success(),
            "repo-add failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
