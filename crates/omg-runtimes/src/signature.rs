//! Signatures over checksum lists, checked offline against keys pinned in omg:
//! mise signs each release's `SHASUMS256.txt` with minisign
//! (`SHASUMS256.txt.minisig`), Node with one of its releasers' OpenPGP keys
//! (`SHASUMS256.txt.sig`, a detached signature), Bun with its release key
//! (`SHASUMS256.txt.asc`, the list clearsigned). OpenPGP is checked by `gpgv`.
//!
//! A key is trusted because omg ships it (or the user named the file): nothing
//! here fetches keys, asks a keyserver or walks a web of trust. A signature proves
//! who published the checksums, not that the archive is safe to unpack; that is
//! extraction's job.

use std::path::{Path, PathBuf};
use std::process::Command;

/// mise's release key (`minisign.pub` in mise's repository, key id
/// 64113EDF160FDEC2).
pub const MISE_RELEASE_KEY: &str = "RWTC3g8W3z4RZK3V3qv7fa1QY4JEWyBtqIHW+85QlJpZc5yG+uNYNBSZ";

/// Every key that has signed Node.js releases, active and retired (old releases
/// stay signed by retired keys). See `keys/README.md` for the list and how the
/// file is made.
const NODE_RELEASE_KEYRING: &[u8] = include_bytes!("../keys/nodejs-release-keys.gpg");

/// Bun's release key (Robobun, F3DCC08A8572C0749B3E18888EAB4D40A7B22B59), which
/// clearsigns every release's `SHASUMS256.txt`.
const BUN_RELEASE_KEYRING: &[u8] = include_bytes!("../keys/bun-release-key.gpg");

/// The file in an install (or beside omg's mise) that records what vouched for
/// its checksum: `signed <key>` or `unsigned: <why>`.
pub const NOTE: &str = ".omg-signature";

/// Whether a mirror must publish a signature beside its checksum list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// A missing signature is refused: upstream always publishes one.
    Required,
    /// A missing signature leaves the checksum alone to vouch, recorded as
    /// unsigned: mirrors and old releases often lack one.
    IfPublished,
}

impl Requirement {
    /// [`Requirement::Required`] for upstream's own server (`upstream`), which
    /// always signs; [`Requirement::IfPublished`] for any other mirror, which may
    /// carry the files without the signature.
    #[must_use]
    pub fn for_mirror(base: &str, upstream: &str) -> Self {
        if base.trim_end_matches('/') == upstream.trim_end_matches('/') {
            Self::Required
        } else {
            Self::IfPublished
        }
    }
}

/// OpenPGP keys trusted for a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyring {
    /// The Node.js release keys omg ships.
    NodeRelease,
    /// Bun's release key omg ships.
    BunRelease,
    /// A keyring file (`gpg --export` output) chosen by the user.
    File(PathBuf),
}

/// How a checksum list is vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// Upstream publishes no signature omg can check offline.
    None,
    /// `<list>.minisig`, made by the key with this base64 public key.
    Minisign(String),
    /// `<list>.sig`, a detached OpenPGP signature by a key in the keyring.
    OpenPgp(Keyring),
    /// `<list>.asc`, the list clearsigned by a key in the keyring; the signed
    /// text is the list that counts.
    OpenPgpClearsigned(Keyring),
}

/// What a checksum list must prove before omg believes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    /// Which signature, if any.
    pub scheme: Scheme,
    /// What a missing one means.
    pub requirement: Requirement,
}

impl Trust {
    /// The URL of the signature over `sums_url`, if this scheme has one.
    #[must_use]
    pub fn signature_url(&self, sums_url: &str) -> Option<String> {
        match self.scheme {
            Scheme::None => None,
            Scheme::Minisign(_) => Some(format!("{sums_url}.minisig")),
            Scheme::OpenPgp(_) => Some(format!("{sums_url}.sig")),
            Scheme::OpenPgpClearsigned(_) => Some(format!("{sums_url}.asc")),
        }
    }
}

/// What vouched for a checksum list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A good signature by this key (minisign key id or OpenPGP fingerprint).
    Signed(String),
    /// No signature could be checked, and the [`Requirement`] allowed that.
    Unsigned(String),
    /// Upstream publishes none ([`Scheme::None`]).
    NotPublished,
}

impl Verdict {
    /// The line [`NOTE`] holds, `None` when there is nothing to note.
    #[must_use]
    pub fn note(&self) -> Option<String> {
        match self {
            Self::Signed(key) => Some(format!("signed {key}\n")),
            Self::Unsigned(reason) => Some(format!("unsigned: {reason}\n")),
            Self::NotPublished => None,
        }
    }

    /// Writes [`NOTE`] into `dir` when there is something to note.
    pub fn record(&self, dir: &Path) -> crate::Result<()> {
        if let Some(note) = self.note() {
            let path = dir.join(NOTE);
            std::fs::write(&path, note).map_err(crate::Error::io(path))?;
        }
        Ok(())
    }
}

/// What [`Verdict::record`] wrote in `dir`, if anything.
#[must_use]
pub fn recorded(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(NOTE))
        .ok()
        .map(|note| note.trim_end().to_owned())
}

/// Why a checksum list is not believed.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// Upstream always signs, the mirror served no signature.
    #[error("{url}: no signature on the mirror (HTTP 404), and upstream always signs; refusing unsigned checksums")]
    Missing {
        /// The signature's URL.
        url: String,
    },
    /// The signature does not vouch for the list.
    #[error("{url}: bad signature over {sums}: {reason}; refusing to install")]
    Bad {
        /// The signature's URL.
        url: String,
        /// The checksum list it should cover.
        sums: String,
        /// What the verifier said.
        reason: String,
    },
    /// The verifier could not be run (and the [`Requirement`] needs it).
    #[error("`{command}`: {message}; cannot check {url}")]
    Verifier {
        /// The command line.
        command: String,
        /// What went wrong.
        message: String,
        /// The signature's URL.
        url: String,
    },
}

/// The checksum list at `sums_url` as `trust` vouches for it: its text and the
/// [`Verdict`]. A signature that is published but does not verify is always
/// refused; one that is missing, or cannot be checked for want of `gpgv`, is
/// refused when [`Requirement::Required`], else reported as
/// [`Verdict::Unsigned`]. A clearsigned list is its own checksum list: the signed
/// text counts, and `sums_url` is fetched only when there is no signed one.
pub(crate) fn vouched_list(sums_url: &str, trust: &Trust) -> crate::Result<(String, Verdict)> {
    let Some(url) = trust.signature_url(sums_url) else {
        return Ok((
            crate::download::fetch_text(sums_url)?,
            Verdict::NotPublished,
        ));
    };
    let plain = || crate::download::fetch_text(sums_url);
    let sums = match trust.scheme {
        Scheme::OpenPgpClearsigned(_) => None,
        _ => Some(plain()?),
    };
    let Some(signature) = fetch_signature(&url, trust)? else {
        let sums = match sums {
            Some(sums) => sums,
            None => plain()?,
        };
        return Ok((sums, unsigned(&url, "the mirror has no")));
    };
    let listed = sums.as_deref().unwrap_or_default().as_bytes();
    let checked = match &trust.scheme {
        Scheme::None => return Ok((sums.unwrap_or_default(), Verdict::NotPublished)),
        Scheme::Minisign(key) => verify_minisign(key, listed, &String::from_utf8_lossy(&signature))
            .map(|id| (id, None))
            .map_err(Failure::Bad),
        Scheme::OpenPgp(keyring) => {
            gpgv(keyring, &signature, Some(listed)).map(|(fingerprint, _)| (fingerprint, None))
        }
        Scheme::OpenPgpClearsigned(keyring) => {
            gpgv(keyring, &signature, None).map(|(fingerprint, signed)| {
                (
                    fingerprint,
                    Some(String::from_utf8_lossy(&signed).into_owned()),
                )
            })
        }
    };
    match checked {
        Ok((key, signed)) => Ok((signed.or(sums).unwrap_or_default(), Verdict::Signed(key))),
        Err(Failure::Bad(reason)) => Err(SignatureError::Bad {
            url,
            sums: sums_url.to_owned(),
            reason,
        }
        .into()),
        Err(Failure::Unavailable { command, message }) => match trust.requirement {
            Requirement::Required => Err(SignatureError::Verifier {
                command,
                message,
                url,
            }
            .into()),
            Requirement::IfPublished => {
                let sums = match sums {
                    Some(sums) => sums,
                    None => plain()?,
                };
                Ok((sums, unsigned(&url, &format!("{message}, so not checked:"))))
            }
        },
    }
}

/// The signature at `url`; `None` when the mirror has none and `trust` allows
/// that.
fn fetch_signature(url: &str, trust: &Trust) -> crate::Result<Option<Vec<u8>>> {
    let fetched = match trust.scheme {
        // Detached OpenPGP signatures are binary; the others are text.
        Scheme::OpenPgp(_) => crate::download::fetch_bytes(url),
        _ => crate::download::fetch_text(url).map(String::into_bytes),
    };
    match fetched {
        Ok(signature) => Ok(Some(signature)),
        Err(crate::download::DownloadError::Status { status: 404, .. }) => {
            match trust.requirement {
                Requirement::Required => Err(SignatureError::Missing {
                    url: url.to_owned(),
                }
                .into()),
                Requirement::IfPublished => Ok(None),
            }
        }
        Err(error) => Err(error.into()),
    }
}

/// `<why> SHASUMS256.txt.sig`, naming the signature file.
fn unsigned(url: &str, why: &str) -> Verdict {
    Verdict::Unsigned(format!("{why} {}", url.rsplit('/').next().unwrap_or(url)))
}

/// Verifies a minisign signature (the text of a `.minisig` file) over `data` with
/// `public_key` (base64, the second line of a `minisign.pub`); returns the key id.
/// Only prehashed signatures (minisign's default since 0.8) are accepted.
pub fn verify_minisign(public_key: &str, data: &[u8], signature: &str) -> Result<String, String> {
    let key = minisign_verify::PublicKey::from_base64(public_key.trim())
        .map_err(|error| format!("pinned key unusable: {error}"))?;
    let signature = minisign_verify::Signature::decode(signature)
        .map_err(|error| format!("not a minisign signature: {error}"))?;
    key.verify(data, &signature, false)
        .map_err(|error| error.to_string())?;
    Ok(minisign_key_id(public_key).unwrap_or_else(|| "the pinned minisign key".to_owned()))
}

/// The key id minisign prints (`64113EDF160FDEC2`): bytes 2..10 of the decoded
/// key, little-endian.
fn minisign_key_id(public_key: &str) -> Option<String> {
    let bytes = base64_decode(public_key.trim())?;
    let id = bytes.get(2..10)?;
    Some(
        id.iter()
            .rev()
            .map(|byte| format!("{byte:02X}"))
            .collect::<String>(),
    )
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes().take_while(|&byte| byte != b'=') {
        let value = ALPHABET.iter().position(|&symbol| symbol == byte)?;
        // Only the bits not yet emitted (at most 13) matter.
        buffer = ((buffer << 6) | u32::try_from(value).ok()?) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// Why a signature did not vouch for a list.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The verifier ran and said no.
    Bad(String),
    /// The verifier could not run (not installed, no temp dir).
    Unavailable {
        /// The command line.
        command: String,
        /// What went wrong.
        message: String,
    },
}

/// Checks an OpenPGP signature with `gpgv`, trusting only `keyring` (never the
/// user's own keyrings: gpgv gets a fresh home directory). With `data` the
/// signature is detached over it; without, `signature` is a clearsigned message
/// and its signed text comes back. Returns the signing key's primary fingerprint.
/// gpgv does the cryptography so omg links no OpenPGP implementation.
pub(crate) fn gpgv(
    keyring: &Keyring,
    signature: &[u8],
    data: Option<&[u8]>,
) -> Result<(String, Vec<u8>), Failure> {
    let unavailable = |message: String| Failure::Unavailable {
        command: "gpgv".to_owned(),
        message,
    };
    let home = tempfile::Builder::new()
        .prefix("omg-gpgv-")
        .tempdir()
        .map_err(|error| unavailable(format!("no temporary directory: {error}")))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = home.path().join(name);
        std::fs::write(&path, bytes)
            .map(|()| path)
            .map_err(|error| unavailable(format!("cannot stage {name}: {error}")))
    };
    let keyring = match keyring {
        Keyring::NodeRelease => write("keyring.gpg", NODE_RELEASE_KEYRING)?,
        Keyring::BunRelease => write("keyring.gpg", BUN_RELEASE_KEYRING)?,
        // gpgv looks a name without a slash up in its home directory.
        Keyring::File(path) => std::path::absolute(path)
            .map_err(|error| Failure::Bad(format!("keyring {}: {error}", path.display())))?,
    };
    if !keyring.is_file() {
        return Err(Failure::Bad(format!(
            "keyring {} does not exist",
            keyring.display()
        )));
    }
    let mut command = Command::new("gpgv");
    command
        .arg("--homedir")
        .arg(home.path())
        .args(["--status-fd", "1", "--keyring"])
        .arg(&keyring);
    let signed = home.path().join("signed");
    if data.is_none() {
        command.arg("--output").arg(&signed);
    }
    command.arg(write("signature", signature)?);
    if let Some(data) = data {
        command.arg(write("data", data)?);
    }
    let line = format!("{command:?}");
    let output = command.output().map_err(|error| Failure::Unavailable {
        message: if error.kind() == std::io::ErrorKind::NotFound {
            "gpgv is not installed".to_owned()
        } else {
            error.to_string()
        },
        command: line,
    })?;
    let status = String::from_utf8_lossy(&output.stdout);
    let field = |tag: &str| {
        status.lines().find_map(|line| {
            line.strip_prefix("[GNUPG:] ")
                .and_then(|rest| rest.strip_prefix(tag))
                .and_then(|rest| rest.strip_prefix(' '))
                .map(|rest| rest.split_whitespace().collect::<Vec<_>>())
        })
    };
    if output.status.success() {
        // VALIDSIG <signing key> <date> … <primary key fingerprint> (last field).
        if let Some(valid) = field("VALIDSIG") {
            let primary = valid.last().copied().unwrap_or_default().to_owned();
            let text = if data.is_none() {
                std::fs::read(&signed)
                    .map_err(|error| Failure::Bad(format!("no signed text: {error}")))?
            } else {
                Vec::new()
            };
            return Ok((primary, text));
        }
    }
    if let Some(bad) = field("BADSIG") {
        return Err(Failure::Bad(format!(
            "signature by key {} does not match the data",
            bad.first().copied().unwrap_or("?")
        )));
    }
    if let Some(missing) = field("NO_PUBKEY") {
        return Err(Failure::Bad(format!(
            "made by key {}, which is not in the trusted keyring",
            missing.first().copied().unwrap_or("?")
        )));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said = stderr
        .lines()
        .rfind(|line| !line.trim().is_empty())
        .unwrap_or("no valid signature");
    Err(Failure::Bad(format!(
        "gpgv: {}",
        said.trim_start_matches("gpgv: ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISE_SUMS: &str = include_str!("../testdata/mise-v2026.8.1-SHASUMS256.txt");
    const MISE_SIGNATURE: &str = include_str!("../testdata/mise-v2026.8.1-SHASUMS256.txt.minisig");
    const NODE_SUMS: &[u8] = include_bytes!("../testdata/node-v20.11.0-SHASUMS256.txt");
    const NODE_SIGNATURE: &[u8] = include_bytes!("../testdata/node-v20.11.0-SHASUMS256.txt.sig");

    #[test]
    fn the_pinned_mise_key_verifies_a_real_mise_release() {
        assert_eq!(
            verify_minisign(MISE_RELEASE_KEY, MISE_SUMS.as_bytes(), MISE_SIGNATURE),
            Ok("64113EDF160FDEC2".to_owned())
        );
        let tampered = MISE_SUMS.replacen("522fd15", "022fd15", 1);
        let error =
            verify_minisign(MISE_RELEASE_KEY, tampered.as_bytes(), MISE_SIGNATURE).unwrap_err();
        assert!(error.contains("verification failed"), "{error}");
        let error = verify_minisign(MISE_RELEASE_KEY, MISE_SUMS.as_bytes(), "junk").unwrap_err();
        assert!(error.starts_with("not a minisign signature"), "{error}");
    }

    #[test]
    fn the_pinned_node_keyring_verifies_a_real_node_release() {
        // Signed in 2024 by a subkey that has expired since: still good, as for gpg.
        let (fingerprint, _) =
            gpgv(&Keyring::NodeRelease, NODE_SIGNATURE, Some(NODE_SUMS)).unwrap();
        assert_eq!(fingerprint, "A363A499291CBBC940DD62E41F10027AF002F8B0");
        let mut tampered = NODE_SUMS.to_vec();
        tampered[0] ^= 1;
        match gpgv(&Keyring::NodeRelease, NODE_SIGNATURE, Some(&tampered)) {
            Err(Failure::Bad(reason)) => {
                assert!(reason.contains("does not match the data"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_keyring_without_the_signer_names_the_missing_key() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.gpg");
        std::fs::write(&empty, b"").unwrap();
        match gpgv(&Keyring::File(empty), NODE_SIGNATURE, Some(NODE_SUMS)) {
            Err(Failure::Bad(reason)) => assert_eq!(
                reason,
                "made by key 04CD3F2FDE079578, which is not in the trusted keyring"
            ),
            other => panic!("{other:?}"),
        }
    }

    /// Primary key fingerprints in a binary keyring, as gpg reads it.
    fn primary_fingerprints(keyring: &[u8]) -> Vec<String> {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("keyring.gpg");
        std::fs::write(&path, keyring).unwrap();
        let output = Command::new("gpg")
            .arg("--homedir")
            .arg(home.path())
            .args(["--batch", "--with-colons", "--show-keys"])
            .arg(&path)
            .output()
            .unwrap();
        let colons = String::from_utf8_lossy(&output.stdout);
        let mut primary = Vec::new();
        let mut lines = colons.lines();
        while let Some(line) = lines.next() {
            if line.starts_with("pub:") {
                let fingerprint = lines.next().unwrap().split(':').nth(9).unwrap();
                primary.push(fingerprint.to_owned());
            }
        }
        primary.sort_unstable();
        primary
    }

    #[test]
    fn the_shipped_bun_key_is_bun_s_release_key() {
        assert_eq!(
            primary_fingerprints(BUN_RELEASE_KEYRING),
            ["F3DCC08A8572C0749B3E18888EAB4D40A7B22B59"]
        );
    }

    #[test]
    fn the_shipped_keyring_holds_exactly_the_listed_keys() {
        let readme = include_str!("../keys/README.md");
        let mut listed: Vec<&str> = readme
            .lines()
            .filter_map(|line| line.strip_prefix("- `"))
            .filter_map(|line| line.split('`').next())
            .collect();
        listed.sort_unstable();
        assert_eq!(listed.len(), 29);
        assert_eq!(primary_fingerprints(NODE_RELEASE_KEYRING), listed);
    }

    #[test]
    fn only_upstream_itself_must_sign() {
        let upstream = "https://github.com/jdx/mise/releases/download";
        assert_eq!(
            Requirement::for_mirror(upstream, upstream),
            Requirement::Required
        );
        assert_eq!(
            Requirement::for_mirror(&format!("{upstream}/"), upstream),
            Requirement::Required
        );
        assert_eq!(
            Requirement::for_mirror("https://mirror.example/mise", upstream),
            Requirement::IfPublished
        );
    }

    #[test]
    fn verdicts_note_what_vouched() {
        assert_eq!(
            Verdict::Signed("ABCD".to_owned()).note().as_deref(),
            Some("signed ABCD\n")
        );
        assert_eq!(
            Verdict::Unsigned("the mirror has no SHASUMS256.txt.sig".to_owned())
                .note()
                .as_deref(),
            Some("unsigned: the mirror has no SHASUMS256.txt.sig\n")
        );
        assert_eq!(Verdict::NotPublished.note(), None);
    }
}
