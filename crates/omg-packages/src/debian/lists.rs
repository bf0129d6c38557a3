//! The APT lists directory: which files it holds and how each is compressed.

use crate::{Error, Result};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The compression suffixes APT may store a list with.
const SUFFIXES: [&str; 7] = ["", ".lz4", ".gz", ".xz", ".zst", ".bz2", ".lzma"];

/// The files of the lists directory, by their name without a compression suffix.
pub(crate) fn list_names(dir: &Path) -> Result<HashMap<String, String>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::io(dir, source))?;
    let mut names = HashMap::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::io(dir, source))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let base = SUFFIXES[1..]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name)
            .to_owned();
        // Two copies of one index would be a half-finished update; either is APT's.
        names.entry(base).or_insert(name);
    }
    Ok(names)
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
        "zst" => {
            let mut out = Vec::with_capacity(raw.len() * 5);
            ruzstd::decoding::StreamingDecoder::new(raw.as_slice())
                .map_err(|e| corrupt(format!("bad zstd data: {e}")))?
                .read_to_end(&mut out)
                .map_err(|e| corrupt(format!("bad zstd data: {e}")))?;
            Ok(out)
        }
        "bz2" => {
            let mut out = Vec::with_capacity(raw.len() * 5);
            bzip2_rs::DecoderReader::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| corrupt(format!("bad bzip2 data: {e}")))?;
            Ok(out)
        }
        "lzma" => {
            let mut out = Vec::with_capacity(raw.len() * 5);
            lzma_rs::lzma_decompress(&mut raw.as_slice(), &mut out)
                .map_err(|e| corrupt(format!("bad lzma data: {e}")))?;
            Ok(out)
        }
        _ => Ok(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_strip_compression_suffixes() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a_Packages.lz4",
            "b_Packages",
            "b_InRelease",
            "c_Packages.zst",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let names = list_names(dir.path()).unwrap();
        assert_eq!(names["a_Packages"], "a_Packages.lz4");
        assert_eq!(names["b_Packages"], "b_Packages");
        assert_eq!(names["c_Packages"], "c_Packages.zst");
        assert!(names.contains_key("b_InRelease"));
    }

    #[test]
    fn read_list_reports_corrupt_lz4() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a_Packages.lz4");
        std::fs::write(&path, b"not lz4 at all").unwrap();
        let error = read_list(&path).unwrap_err().to_string();
        assert!(error.contains("bad lz4 data"), "{error}");
    }

    #[test]
    fn read_list_decodes_zstd_and_bzip2() {
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let plain = std::fs::read(testdata.join("Packages")).unwrap();
        for extension in ["zst", "bz2"] {
            let decoded = read_list(&testdata.join(format!("Packages.{extension}"))).unwrap();
            assert_eq!(decoded, plain, "{extension}");
        }
    }
}
