//! Helpers the fuzz targets share: splitting one input into several, and a scratch
//! directory per process.
//!
//! Inputs are split on NUL so the seed files stay readable text, and so every part
//! of a text target is a valid C string (libalpm's vercmp takes those).

use std::path::{Path, PathBuf};

/// The first `count - 1` NUL-separated parts of `data`, then everything after them
/// (which may itself hold NULs: compressed data in the last part stays intact).
/// Missing parts are empty.
#[must_use]
pub fn split(data: &[u8], count: usize) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = data.splitn(count, |&byte| byte == 0).collect();
    parts.resize(count, &[]);
    parts
}

/// A directory private to this fuzzer process, emptied before every input so one
/// input never sees another's files.
pub struct Scratch {
    root: tempfile::TempDir,
}

impl Scratch {
    /// A new scratch directory under `$TMPDIR`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            root: tempfile::Builder::new()
                .prefix("omg-fuzz-")
                .tempdir()
                .expect("scratch directory"),
        }
    }

    /// The directory, emptied.
    #[must_use]
    pub fn fresh(&self) -> &Path {
        let root = self.root.path();
        for entry in std::fs::read_dir(root).expect("list scratch") {
            let path = entry.expect("scratch entry").path();
            make_writable(&path);
            let removed = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.unwrap_or_else(|error| panic!("cannot clean {}: {error}", path.display()));
        }
        root
    }

    /// A path inside the scratch directory.
    #[must_use]
    pub fn join(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

/// Extracted trees may hold read-only directories (mode bits come from the archive);
/// restore write permission so the next input starts clean.
fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                make_writable(&entry.path());
            }
        }
    }
}
