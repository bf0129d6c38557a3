//! A signed repository under `SigLevel = Required DatabaseRequired`, served over
//! local HTTP: real signatures by a throwaway packager key the root's pacman
//! keyring trusts. Each case runs omg on one root and pacman on a twin set up the
//! same way, and both must end in the same state. (A package whose bytes differ
//! from the db's checksum in an unsigned repository is
//! `arch_change::a_corrupt_package_is_one_line_and_installs_nothing`.)

use crate::common::{args, installed, Context};
use omg_testbed::ArchRoot;

const LIB: &str = "omg-lib-2.3-1-any.pkg.tar.zst";

fn cached(root: &ArchRoot, file: &str) -> bool {
    root.root().join("var/cache/pacman/pkg").join(file).exists()
}

/// `omg install -y omg-hello` must fail: one error line, returned.
fn refused_install(context: &Context, root: &ArchRoot) -> String {
    let pacman_args = root.pacman_args();
    let output = context.omg(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_owned()
}

fn pacman_refuses(root: &ArchRoot) -> String {
    let output = root.pacman(&["-S", "omg-hello"]);
    assert!(!output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_good_signature_installs_as_pacman_does() {
    let context = Context::new();
    let ours = ArchRoot::signed();
    let theirs = ArchRoot::signed();
    let pacman_args = ours.pacman_args();
    context.omg_ok(&args(&pacman_args, &["install", "-y", "omg-hello"]));
    theirs.install(&["omg-hello"]);
    assert_eq!(installed(&ours), "omg-hello 1.0-1\nomg-lib 2.3-1\n");
    assert_eq!(installed(&ours), installed(&theirs));
    let validated = ours.pacman_ok(&["-Qi", "omg-hello"]);
    assert!(
        validated
            .lines()
            .any(|l| l.starts_with("Validated By") && l.ends_with("Signature")),
        "{validated}"
    );
}

/// The bytes changed after signing (the db's checksum was updated to match, so
/// only the signature can tell): nothing installed, the file deleted from the
/// cache so the next run downloads it again, one line naming it and the reason.
#[test]
fn a_package_changed_after_signing_is_refused_and_removed() {
    let context = Context::new();
    let ours = ArchRoot::signed();
    let theirs = ArchRoot::signed();
    for root in [&ours, &theirs] {
        root.tamper_after_signing(LIB);
    }
    let error = refused_install(&context, &ours);
    assert!(
        error.contains(&format!(
            "{LIB}: invalid or corrupted package (PGP signature)"
        )),
        "{error}"
    );
    assert!(error.contains("signature from"), "{error}");
    assert!(error.contains("is invalid"), "{error}");
    assert!(error.contains("removed from the cache"), "{error}");
    let stderr = pacman_refuses(&theirs);
    assert!(stderr.contains("is invalid"), "{stderr}");
    assert_eq!(installed(&ours), "");
    assert_eq!(installed(&ours), installed(&theirs));
    assert!(!cached(&ours, LIB));
    assert_eq!(cached(&ours, LIB), cached(&theirs, LIB));
}

/// Signed by a key the keyring holds but does not trust: refused like a bad
/// signature, and the file goes.
#[test]
fn a_package_signed_by_an_untrusted_key_is_refused_and_removed() {
    let context = Context::new();
    let ours = ArchRoot::signed();
    let theirs = ArchRoot::signed();
    for root in [&ours, &theirs] {
        root.add_stranger_key();
        root.sign_as_stranger(LIB);
    }
    let error = refused_install(&context, &ours);
    assert!(error.contains(LIB), "{error}");
    assert!(
        error.contains(
            "signature from \"omg testbed stranger <stranger@example.invalid>\" is unknown trust"
        ),
        "{error}"
    );
    assert!(error.contains("removed from the cache"), "{error}");
    let stderr = pacman_refuses(&theirs);
    assert!(stderr.contains("is unknown trust"), "{stderr}");
    assert_eq!(installed(&ours), "");
    assert_eq!(installed(&ours), installed(&theirs));
    assert!(!cached(&ours, LIB));
    assert_eq!(cached(&ours, LIB), cached(&theirs, LIB));
}

/// Signed by a key the keyring has never seen: libalpm stops before it verifies
/// anything (the key is missing, the file is not known bad), so, as with pacman,
/// nothing is installed and the downloaded file stays for once the key is added.
#[test]
fn a_package_signed_by_an_unknown_key_is_refused_naming_the_key() {
    let context = Context::new();
    let ours = ArchRoot::signed();
    let theirs = ArchRoot::signed();
    for root in [&ours, &theirs] {
        root.sign_as_stranger(LIB);
    }
    // libalpm names a key by its long id, the fingerprint's last 16 digits.
    let stranger = &omg_testbed::signed_repo().stranger;
    let key_id = &stranger[stranger.len() - 16..];
    let error = refused_install(&context, &ours);
    assert!(
        error.contains(&format!("omg-lib (key {key_id})")),
        "{error}"
    );
    assert!(error.contains("missing from the keyring"), "{error}");
    let stderr = pacman_refuses(&theirs);
    assert!(
        stderr.contains("required key missing from keyring"),
        "{stderr}"
    );
    assert_eq!(installed(&ours), "");
    assert_eq!(installed(&ours), installed(&theirs));
    assert_eq!(cached(&ours, LIB), cached(&theirs, LIB));
}

/// The database's signature no longer matches (re-added without `--sign`): the
/// refresh fails naming the repository and the signature, as pacman's does, and
/// leaves the database in the state pacman leaves it.
#[test]
fn a_database_whose_signature_does_not_match_is_refused() {
    let context = Context::new();
    let ours = ArchRoot::signed();
    let theirs = ArchRoot::signed();
    for root in [&ours, &theirs] {
        root.republish_unsigned("omg-zebra-1.0-1-any.pkg.tar.zst");
    }
    let pacman_args = ours.pacman_args();
    let output = context.omg(&args(&pacman_args, &["sync"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("omgtest"), "{stderr}");
    assert!(
        errors[0].contains("invalid or corrupted database (PGP signature)"),
        "{stderr}"
    );
    let pacman = theirs.pacman(&["-Sy"]);
    assert!(!pacman.status.success());
    let pacman_stderr = String::from_utf8_lossy(&pacman.stderr);
    assert!(pacman_stderr.contains("is invalid"), "{pacman_stderr}");
    let synced = |root: &ArchRoot| root.dbpath().join("sync/omgtest.db").exists();
    assert_eq!(synced(&ours), synced(&theirs));
}
