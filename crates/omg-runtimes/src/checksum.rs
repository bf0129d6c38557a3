//! SHA-256 checks against the values upstreams publish (`SHASUMS256.txt` and the
//! like), done before an archive is unpacked, and the one place a `SHASUMS256.txt`
//! is fetched, its signature checked ([`crate::signature`]) and a file looked up.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Lowercase hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// Lowercase hex SHA-256 of bytes in memory.
#[must_use]
pub fn sha256_bytes(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The checksum listed for `file_name` in a `sha256sum`-style list
/// (`<hex>  <name>` or `<hex> *<name>` per line, the name possibly written
/// `./<name>` as mise's are), lowercased.
#[must_use]
pub fn listed(sums: &str, file_name: &str) -> Option<String> {
    sums.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let hash = fields.next()?;
        let name = fields.next()?.trim_start_matches('*');
        let name = name.strip_prefix("./").unwrap_or(name);
        (name == file_name && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| hash.to_ascii_lowercase())
    })
}

/// What a checksum list publishes for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The file's SHA-256, lowercase hex.
    pub sha256: String,
    /// What vouched for the list.
    pub verdict: crate::signature::Verdict,
}

/// Fetches the `SHASUMS256.txt` at `sums_url`, checks its signature as `trust`
/// asks (over the very text that is then read), and returns the SHA-256 it lists
/// for `file`. A list without `file` is an error: omg installs nothing it cannot
/// check.
pub(crate) fn published(
    sums_url: &str,
    file: &str,
    trust: &crate::signature::Trust,
) -> crate::Result<Published> {
    let (sums, verdict) = crate::signature::vouched_list(sums_url, trust)?;
    let sha256 = listed(&sums, file).ok_or_else(|| crate::Error::NotListed {
        sums: sums_url.to_owned(),
        file: file.to_owned(),
    })?;
    Ok(Published { sha256, verdict })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_equals_sha256sum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![0xab; 300_000]).unwrap();
        let output = std::process::Command::new("sha256sum")
            .arg(&path)
            .output()
            .unwrap();
        let expected = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            expected.split_whitespace().next().unwrap()
        );
    }

    #[test]
    fn listed_reads_every_sha256sum_form() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let c = "c".repeat(64);
        let sums = format!(
            "{a}  node-v20.0.0-linux-x64.tar.gz\n{b} *bun-linux-x64.zip\n{c}  ./mise-linux-x64.tar.gz\nshort  x\n"
        );
        assert_eq!(listed(&sums, "node-v20.0.0-linux-x64.tar.gz"), Some(a));
        assert_eq!(listed(&sums, "mise-linux-x64.tar.gz"), Some(c));
        assert_eq!(listed(&sums, "bun-linux-x64.zip"), Some("b".repeat(64)));
        assert_eq!(listed(&sums, "x"), None);
        assert_eq!(listed(&sums, "node-v20.0.0-linux-x64.tar"), None);
    }
}
