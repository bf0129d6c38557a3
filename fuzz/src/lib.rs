//! Helpers the fuzz targets share: splitting one input into several, a scratch
//! directory per process, and dpkg's own version code as a reference.
//!
//! Inputs are split on NUL so the seed files stay readable text, and so every part
//! of a text target is a valid C string (libalpm's vercmp takes those).

use std::path::Path;

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

/// dpkg's version parser and comparison from libdpkg, exactly what
/// `dpkg --compare-versions` runs.
pub mod libdpkg {
    use std::cmp::Ordering;
    use std::ffi::{c_char, c_int, c_uint, CString};

    #[repr(C)]
    struct Version {
        epoch: c_uint,
        version: *const c_char,
        revision: *const c_char,
    }

    #[repr(C)]
    struct Error {
        kind: c_int,
        syserrno: c_int,
        message: *mut c_char,
    }

    /// `DPKG_MSG_ERROR`: the version was refused (a warning still parses it).
    const MSG_ERROR: c_int = 2;

    extern "C" {
        fn parseversion(version: *mut Version, string: *const c_char, error: *mut Error) -> c_int;
        fn dpkg_version_compare(a: *const Version, b: *const Version) -> c_int;
        fn dpkg_error_destroy(error: *mut Error);
        fn nffreeall();
    }

    /// What `dpkg --compare-versions a lt b` and friends decide, or `None` when dpkg
    /// refuses either version outright (it only warns about bad characters and a
    /// missing leading digit, and compares anyway). `None` for a string with a NUL.
    #[must_use]
    pub fn compare(a: &str, b: &str) -> Option<Ordering> {
        let a = CString::new(a).ok()?;
        let b = CString::new(b).ok()?;
        // SAFETY: both strings are NUL-terminated and outlive the calls; parseversion
        // fills the zeroed structs (or reports an error, then they are not read);
        // the strings it allocates live in dpkg's node pool, released by nffreeall
        // once nothing points into it; the error is destroyed after each call. The
        // fuzzer calls this from one thread only.
        unsafe {
            let parse = |text: &CString, version: &mut Version| {
                let mut error = Error {
                    kind: 0,
                    syserrno: 0,
                    message: std::ptr::null_mut(),
                };
                let parsed = parseversion(version, text.as_ptr(), &mut error);
                let refused = parsed < 0 && error.kind == MSG_ERROR;
                dpkg_error_destroy(&mut error);
                !refused
            };
            let mut version_a: Version = std::mem::zeroed();
            let mut version_b: Version = std::mem::zeroed();
            let result = (parse(&a, &mut version_a) && parse(&b, &mut version_b))
                .then(|| dpkg_version_compare(&version_a, &version_b).cmp(&0));
            nffreeall();
            result
        }
    }
}
