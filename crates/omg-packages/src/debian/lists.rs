//! The APT lists directory: which files are package indexes, how they are
//! compressed, and which repository each one stands for.

use crate::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One `Packages` index in the lists directory.
#[derive(Debug, Clone)]
pub(crate) struct ListFile {
    pub(crate) path: PathBuf,
    /// `bookworm/main`, `bookworm-security/main`, or the file stem for flat repos.
    pub(crate) repository: String,
}

/// The `Packages` indexes in `dir`, sorted by file name so results are stable.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<ListFile>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::io(dir, source))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::io(dir, source))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = packages_stem(name) else {
            continue;
        };
        files.push(ListFile {
            path: entry.path(),
            repository: repository_label(stem),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The part of a list file name before `_Packages`, when it is a package index.
fn packages_stem(name: &str) -> Option<&str> {
    let (stem, suffix) = name.rsplit_once("_Packages")?;
    matches!(
        suffix,
        "" | ".lz4" | ".gz" | ".xz" | ".zst" | ".bz2" | ".lzma"
    )
    .then_some(stem)
}

/// `deb.debian.org_debian_dists_bookworm-security_main_binary-amd64` → `bookworm-security/main`.
fn repository_label(stem: &str) -> String {
    if let Some((_, after)) = stem.split_once("_dists_") {
        let suite_and_component = after.split("_binary-").next().unwrap_or(after);
        if let Some((suite, component)) = suite_and_component.split_once('_') {
            return format!("{suite}/{component}");
        }
        return suite_and_component.to_owned();
    }
    // A flat repository (`deb file:/srv/repo ./`): its URI is the best name.
    stem.trim_end_matches("_.").trim_end_matches('_').to_owned()
}

/// Reads a list file, decompressing by its extension.
pub(crate) fn read_list(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|source| Error::io(path, source))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let corrupt = |message: String| Error::Corrupt {
        path: path.to_owned(),
        message,
    };
    match extension {
        "lz4" => {
            let mut out = Vec::with_capacity(raw.len() * 3);
            lz4_flex::frame::FrameDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| corrupt(format!("bad lz4 data: {e}")))?;
            Ok(out)
        }
        "gz" => {
            let mut out = Vec::with_capacity(raw.len() * 4);
            flate2::read::MultiGzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| corrupt(format!("bad gzip data: {e}")))?;
            Ok(out)
        }
        "xz" => {
            let mut out = Vec::with_capacity(raw.len() * 5);
            lzma_rs::xz_decompress(&mut raw.as_slice(), &mut out)
                .map_err(|e| corrupt(format!("bad xz data: {e}")))?;
            Ok(out)
        }
        "zst" | "bz2" | "lzma" => Err(Error::UnsupportedCompression {
            path: path.to_owned(),
        }),
        _ => Ok(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_label_of_dists_list() {
        assert_eq!(
            repository_label("deb.debian.org_debian_dists_bookworm-security_main_binary-amd64"),
            "bookworm-security/main"
        );
    }

    #[test]
    fn repository_label_of_flat_repo() {
        assert_eq!(repository_label("_srv_repo_."), "_srv_repo");
    }

    #[test]
    fn packages_stem_only_accepts_package_indexes() {
        assert!(packages_stem("x_dists_y_main_binary-amd64_Packages.lz4").is_some());
        assert!(packages_stem("x_dists_y_InRelease").is_none());
        assert!(packages_stem("x_Packages.diff_Index").is_none());
    }

    #[test]
    fn read_list_reports_corrupt_lz4() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a_Packages.lz4");
        std::fs::write(&path, b"not lz4 at all").unwrap();
        let error = read_list(&path).unwrap_err().to_string();
        assert!(error.contains("bad lz4 data"), "{error}");
    }
}
