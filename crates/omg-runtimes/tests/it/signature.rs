//! Signed checksum lists, served by a local mirror: Node's `SHASUMS256.txt.sig`
//! and Bun's clearsigned `SHASUMS256.txt.asc` (OpenPGP, made here with gpg and a
//! throwaway key, checked by gpgv against a test keyring) and mise's
//! `SHASUMS256.txt.minisig` (a throwaway minisign key).
//! Each case shows a good signature installing, a bad one refused with nothing
//! installed, and a missing one installing as unsigned or refused as configured.
//! The archives are small stand-ins: what is under test is who vouches for them.

use omg_runtimes::bun::BunMirror;
use omg_runtimes::mise::{MiseManager, MiseSource, MISE_VERSION};
use omg_runtimes::node::NodeMirror;
use omg_runtimes::signature::{self, Keyring, Requirement};
use omg_runtimes::{Layout, Runtime, RuntimeManager};
use omg_testbed::HttpServer;
use std::path::{Path, PathBuf};
use std::process::Command;

const NODE: &str = "22.99.0";

fn run(command: &mut Command) -> std::process::Output {
    let output = command.output().expect("spawn");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `dir/<top>/bin/<name>` (a script) packed as `archive`, top directory kept.
fn tarball(archive: &Path, top: &str, name: &str) {
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join(top).join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join(name), "#!/bin/sh\necho stand-in\n").unwrap();
    run(Command::new("tar")
        .arg("-czf")
        .arg(archive)
        .arg("-C")
        .arg(work.path())
        .arg(top));
}

fn sha256(path: &Path) -> String {
    omg_runtimes::checksum::sha256_file(path).unwrap()
}

/// A throwaway OpenPGP signing key in its own gpg home; its agent is stopped on drop.
struct GpgKey {
    home: tempfile::TempDir,
}

impl GpgKey {
    fn generate(name: &str) -> Self {
        let home = tempfile::Builder::new()
            .prefix("omg-gpg-")
            .tempdir()
            .unwrap();
        run(Command::new("gpg").arg("--homedir").arg(home.path()).args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-gen-key",
            &format!("{name} <{name}@omg.invalid>"),
            "ed25519",
            "sign",
            "never",
        ]));
        Self { home }
    }

    fn gpg(&self) -> Command {
        let mut command = Command::new("gpg");
        command
            .arg("--homedir")
            .arg(self.home.path())
            .arg("--batch");
        command
    }

    fn fingerprint(&self) -> String {
        let output = run(self.gpg().args(["--with-colons", "--list-keys"]));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').nth(8))
            .unwrap()
            .to_owned()
    }

    /// The public key as a keyring file gpgv reads.
    fn export(&self, to: &Path) {
        let output = run(self.gpg().arg("--export"));
        std::fs::write(to, output.stdout).unwrap();
    }

    /// Writes `<file>.sig`, a detached binary signature.
    fn sign(&self, file: &Path) {
        let mut signature = file.as_os_str().to_owned();
        signature.push(".sig");
        run(self
            .gpg()
            .args(["--pinentry-mode", "loopback", "--passphrase", ""])
            .arg("--output")
            .arg(signature)
            .arg("--detach-sign")
            .arg(file));
    }
}

impl GpgKey {
    /// Writes `<file>.asc`, the file clearsigned.
    fn clearsign(&self, file: &Path) {
        let mut signed = file.as_os_str().to_owned();
        signed.push(".asc");
        run(self
            .gpg()
            .args(["--pinentry-mode", "loopback", "--passphrase", ""])
            .arg("--output")
            .arg(signed)
            .arg("--clearsign")
            .arg(file));
    }
}

impl Drop for GpgKey {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// A nodejs.org-shaped mirror with one release, `NODE`, and a data directory.
struct NodeSetup {
    root: tempfile::TempDir,
    data: tempfile::TempDir,
    key: GpgKey,
    keyring: PathBuf,
}

impl NodeSetup {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let platform = omg_runtimes::node::platform();
        let release = root.path().join(format!("v{NODE}"));
        std::fs::create_dir_all(&release).unwrap();
        let name = format!("node-v{NODE}-{platform}.tar.gz");
        tarball(
            &release.join(&name),
            &format!("node-v{NODE}-{platform}"),
            "node",
        );
        std::fs::write(
            release.join("SHASUMS256.txt"),
            format!(
                "{}  {name}\n{}  node-v{NODE}-win-x64.zip\n",
                sha256(&release.join(&name)),
                "7".repeat(64)
            ),
        )
        .unwrap();
        std::fs::write(
            root.path().join("index.json"),
            format!(r#"[{{"version":"v{NODE}","date":"2025-01-01","files":["{platform}"],"lts":false}}]"#),
        )
        .unwrap();
        let key = GpgKey::generate("releaser");
        let data = tempfile::tempdir().unwrap();
        let keyring = data.path().join("trusted.gpg");
        key.export(&keyring);
        Self {
            root,
            data,
            key,
            keyring,
        }
    }

    fn sums(&self) -> PathBuf {
        self.root.path().join(format!("v{NODE}/SHASUMS256.txt"))
    }

    fn layout(&self) -> Layout {
        Layout::new(&self.data.path().join("omg"))
    }

    fn install(&self, mirror: &NodeMirror) -> omg_runtimes::Result<PathBuf> {
        mirror.install(
            &self.layout(),
            NODE,
            &self.data.path().join("downloads"),
            &mut |_, _| {},
        )
    }

    fn assert_nothing_installed(&self) {
        assert!(self.layout().installed(&Runtime::Node).unwrap().is_empty());
        assert!(!self.layout().is_installed(&Runtime::Node, NODE));
    }
}

#[test]
fn node_sums_signed_by_a_trusted_key_install_and_record_the_signer() {
    let setup = NodeSetup::new();
    setup.key.sign(&setup.sums());
    let server = HttpServer::serve(setup.root.path());
    let mirror = NodeMirror::new(&server.url()).with_keyring(Keyring::File(setup.keyring.clone()));
    let dir = setup.install(&mirror).unwrap();
    assert!(dir.join("bin/node").is_file());
    assert_eq!(
        signature::recorded(&dir),
        Some(format!("signed {}", setup.key.fingerprint()))
    );
    assert!(server
        .requests()
        .contains(&format!("GET /v{NODE}/SHASUMS256.txt.sig")));
}

#[test]
fn node_sums_changed_after_signing_are_refused_and_nothing_is_installed() {
    let setup = NodeSetup::new();
    setup.key.sign(&setup.sums());
    // The mirror swaps in its own checksum (for its own tarball) after signing.
    let sums = std::fs::read_to_string(setup.sums()).unwrap();
    std::fs::write(setup.sums(), sums.replacen(&sums[..64], &"0".repeat(64), 1)).unwrap();
    let server = HttpServer::serve(setup.root.path());
    let mirror = NodeMirror::new(&server.url()).with_keyring(Keyring::File(setup.keyring.clone()));
    let error = setup.install(&mirror).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{url}/v{NODE}/SHASUMS256.txt.sig: bad signature over {url}/v{NODE}/SHASUMS256.txt: \
             signature by key {id} does not match the data; refusing to install",
            url = server.url(),
            id = &setup.key.fingerprint()[24..],
        )
    );
    setup.assert_nothing_installed();
    // Refused before the tarball was fetched.
    assert!(!server
        .requests()
        .iter()
        .any(|line| line.ends_with(".tar.gz")));
}

#[test]
fn node_sums_signed_by_an_untrusted_key_are_refused() {
    let setup = NodeSetup::new();
    let stranger = GpgKey::generate("stranger");
    stranger.sign(&setup.sums());
    let server = HttpServer::serve(setup.root.path());
    let mirror = NodeMirror::new(&server.url()).with_keyring(Keyring::File(setup.keyring.clone()));
    let error = setup.install(&mirror).unwrap_err().to_string();
    assert!(
        error.ends_with(&format!(
            "made by key {}, which is not in the trusted keyring; refusing to install",
            &stranger.fingerprint()[24..]
        )),
        "{error}"
    );
    setup.assert_nothing_installed();
    // Node's own release keys are the default keyring: they refuse it too.
    let error = setup
        .install(&NodeMirror::new(&server.url()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not in the trusted keyring"), "{error}");
    setup.assert_nothing_installed();
}

#[test]
fn node_sums_without_a_signature_install_as_unsigned_unless_required() {
    let setup = NodeSetup::new();
    let server = HttpServer::serve(setup.root.path());
    let required = NodeMirror::new(&server.url())
        .with_keyring(Keyring::File(setup.keyring.clone()))
        .with_requirement(Requirement::Required);
    let error = setup.install(&required).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{}/v{NODE}/SHASUMS256.txt.sig: no signature on the mirror (HTTP 404), and upstream \
             always signs; refusing unsigned checksums",
            server.url()
        )
    );
    setup.assert_nothing_installed();
    let mirror = NodeMirror::new(&server.url()).with_keyring(Keyring::File(setup.keyring.clone()));
    let dir = setup.install(&mirror).unwrap();
    assert_eq!(
        signature::recorded(&dir).as_deref(),
        Some("unsigned: the mirror has no SHASUMS256.txt.sig")
    );
}

fn mise_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{}-{arch}", std::env::consts::OS)
}

/// A mise-release-shaped mirror holding a stand-in `mise` for this platform.
struct MiseSetup {
    root: tempfile::TempDir,
    home: tempfile::TempDir,
    key: minisign::KeyPair,
}

impl MiseSetup {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let release = root.path().join(format!("v{MISE_VERSION}"));
        std::fs::create_dir_all(&release).unwrap();
        let name = format!("mise-v{MISE_VERSION}-{}.tar.gz", mise_platform());
        tarball(&release.join(&name), "mise", "mise");
        std::fs::write(
            release.join("SHASUMS256.txt"),
            format!(
                "{}  ./mise-v{MISE_VERSION}-macos-arm64.tar.gz\n{}  ./{name}\n",
                "6".repeat(64),
                sha256(&release.join(&name))
            ),
        )
        .unwrap();
        Self {
            root,
            home: tempfile::tempdir().unwrap(),
            key: minisign::KeyPair::generate_unencrypted_keypair().unwrap(),
        }
    }

    fn sums(&self) -> PathBuf {
        self.root
            .path()
            .join(format!("v{MISE_VERSION}/SHASUMS256.txt"))
    }

    /// Writes `SHASUMS256.txt.minisig` as `minisign -S` does.
    fn sign_with(&self, key: &minisign::KeyPair) {
        let sums = std::fs::read(self.sums()).unwrap();
        let signature = minisign::sign(
            Some(&key.pk),
            &key.sk,
            std::io::Cursor::new(sums),
            Some("timestamp:1785776133\tfile:SHASUMS256.txt\thashed"),
            None,
        )
        .unwrap();
        let mut path = self.sums().into_os_string();
        path.push(".minisig");
        std::fs::write(path, signature.to_string()).unwrap();
    }

    fn manager(&self, server: &HttpServer) -> MiseManager {
        MiseManager::new(
            &omg_runtimes::name::ToolName::parse("deno").unwrap(),
            MiseSource::Mirror(server.url()),
            &self.home.path().join("mise"),
        )
        .with_release_key(&self.key.pk.to_base64())
    }

    fn key_id(&self) -> String {
        let bytes = self.key.pk.keynum();
        bytes
            .iter()
            .rev()
            .map(|byte| format!("{byte:02X}"))
            .collect()
    }

    fn assert_no_binary(&self) {
        assert!(!self.home.path().join("mise/mise").exists());
    }
}

#[test]
fn mise_sums_signed_by_the_release_key_give_a_binary_and_record_the_signer() {
    let setup = MiseSetup::new();
    setup.sign_with(&setup.key);
    let server = HttpServer::serve(setup.root.path());
    let binary = setup.manager(&server).binary().unwrap();
    assert_eq!(binary, setup.home.path().join("mise/mise"));
    assert_eq!(
        signature::recorded(&setup.home.path().join("mise")),
        Some(format!("signed {}", setup.key_id()))
    );
}

#[test]
fn mise_sums_with_a_bad_signature_are_refused_and_no_binary_is_kept() {
    let setup = MiseSetup::new();
    let server = HttpServer::serve(setup.root.path());
    // Signed by another key.
    setup.sign_with(&minisign::KeyPair::generate_unencrypted_keypair().unwrap());
    let error = setup.manager(&server).binary().unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{url}/v{MISE_VERSION}/SHASUMS256.txt.minisig: bad signature over \
             {url}/v{MISE_VERSION}/SHASUMS256.txt: The signature was created with a different \
             key than the one provided; refusing to install",
            url = server.url()
        )
    );
    setup.assert_no_binary();
    // Signed by the right key, then changed.
    setup.sign_with(&setup.key);
    let sums = std::fs::read_to_string(setup.sums()).unwrap();
    std::fs::write(setup.sums(), sums.replace('6', "5")).unwrap();
    let error = setup.manager(&server).binary().unwrap_err().to_string();
    assert!(
        error.ends_with("SHASUMS256.txt: The signature verification failed; refusing to install"),
        "{error}"
    );
    setup.assert_no_binary();
    assert!(!server
        .requests()
        .iter()
        .any(|line| line.ends_with(".tar.gz")));
}

#[test]
fn mise_sums_without_a_signature_are_refused_when_required_else_recorded_unsigned() {
    let setup = MiseSetup::new();
    let server = HttpServer::serve(setup.root.path());
    // What mise's own release server gets: it always signs.
    let error = setup
        .manager(&server)
        .with_requirement(Requirement::Required)
        .binary()
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!(
            "{}/v{MISE_VERSION}/SHASUMS256.txt.minisig: no signature on the mirror (HTTP 404), \
             and upstream always signs; refusing unsigned checksums",
            server.url()
        )
    );
    setup.assert_no_binary();
    // Any other mirror: the checksum alone, and the install says so.
    setup.manager(&server).binary().unwrap();
    assert_eq!(
        signature::recorded(&setup.home.path().join("mise")).as_deref(),
        Some("unsigned: the mirror has no SHASUMS256.txt.minisig")
    );
}

const BUN: &str = "1.99.0";

/// A Bun-release-shaped mirror (a stand-in zip, its `SHASUMS256.txt`) and the
/// keyring of a key that can sign it.
struct BunSetup {
    root: tempfile::TempDir,
    data: tempfile::TempDir,
    key: GpgKey,
    keyring: PathBuf,
}

impl BunSetup {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let release = root.path().join(format!("bun-v{BUN}"));
        std::fs::create_dir_all(&release).unwrap();
        let asset = format!("bun-{}", omg_runtimes::bun::platform());
        let zip = release.join(format!("{asset}.zip"));
        run(Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, zipfile\n\
                 with zipfile.ZipFile(sys.argv[1], 'w') as z:\n\
                 \x20   z.writestr(sys.argv[2] + '/bun', '#!/bin/sh\\necho stand-in\\n')\n",
            )
            .arg(&zip)
            .arg(&asset));
        std::fs::write(
            release.join("SHASUMS256.txt"),
            format!(
                "{}  bun-darwin-aarch64.zip\n{}  {asset}.zip",
                "4".repeat(64),
                sha256(&zip)
            ),
        )
        .unwrap();
        let key = GpgKey::generate("robobun");
        let data = tempfile::tempdir().unwrap();
        let keyring = data.path().join("trusted.gpg");
        key.export(&keyring);
        Self {
            root,
            data,
            key,
            keyring,
        }
    }

    fn sums(&self) -> PathBuf {
        self.root.path().join(format!("bun-v{BUN}/SHASUMS256.txt"))
    }

    fn layout(&self) -> Layout {
        Layout::new(&self.data.path().join("omg"))
    }

    fn mirror(&self, server: &HttpServer) -> BunMirror {
        BunMirror::new(&server.url(), &server.url())
            .with_keyring(Keyring::File(self.keyring.clone()))
    }

    fn install(&self, mirror: &BunMirror) -> omg_runtimes::Result<PathBuf> {
        mirror.install(
            &self.layout(),
            BUN,
            &self.data.path().join("downloads"),
            &mut |_, _| {},
        )
    }

    fn assert_nothing_installed(&self) {
        assert!(self.layout().installed(&Runtime::Bun).unwrap().is_empty());
    }
}

#[test]
fn bun_checksums_come_from_the_clearsigned_list_when_it_verifies() {
    let setup = BunSetup::new();
    setup.key.clearsign(&setup.sums());
    // The plain list lies; the signed one is what counts.
    std::fs::write(setup.sums(), "0".repeat(64) + "  unrelated\n").unwrap();
    let server = HttpServer::serve(setup.root.path());
    let dir = setup.install(&setup.mirror(&server)).unwrap();
    assert!(dir.join("bin/bun").is_file());
    assert_eq!(
        signature::recorded(&dir),
        Some(format!("signed {}", setup.key.fingerprint()))
    );
    assert!(!server
        .requests()
        .contains(&format!("GET /bun-v{BUN}/SHASUMS256.txt")));
}

#[test]
fn bun_clearsigned_lists_changed_or_signed_by_others_are_refused() {
    let setup = BunSetup::new();
    setup.key.clearsign(&setup.sums());
    let mut signed = setup.sums().into_os_string();
    signed.push(".asc");
    let text = std::fs::read_to_string(&signed).unwrap();
    // The mirror swaps in its own checksum inside the signed text.
    let changed = text.replacen(&"4".repeat(64), &"5".repeat(64), 1);
    assert_ne!(changed, text);
    std::fs::write(&signed, changed).unwrap();
    let server = HttpServer::serve(setup.root.path());
    let error = setup
        .install(&setup.mirror(&server))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!(
            "{}/bun-v{BUN}/SHASUMS256.txt.asc: bad signature over ",
            server.url()
        )) && error.contains("does not match the data"),
        "{error}"
    );
    setup.assert_nothing_installed();
    // Signed by a key that is not Bun's: the default keyring refuses it.
    std::fs::write(&signed, text).unwrap();
    let error = setup
        .install(&BunMirror::new(&server.url(), &server.url()))
        .unwrap_err()
        .to_string();
    assert!(error.contains("not in the trusted keyring"), "{error}");
    setup.assert_nothing_installed();
}

#[test]
fn bun_without_a_clearsigned_list_installs_from_the_plain_one_as_unsigned() {
    let setup = BunSetup::new();
    let server = HttpServer::serve(setup.root.path());
    let dir = setup.install(&setup.mirror(&server)).unwrap();
    assert_eq!(
        signature::recorded(&dir).as_deref(),
        Some("unsigned: the mirror has no SHASUMS256.txt.asc")
    );
}
