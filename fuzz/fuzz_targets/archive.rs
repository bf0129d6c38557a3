//! Tar and zip extraction of hostile archives. Each input is extracted into a fresh
//! `jail/target`; afterwards nothing but `target` may exist in the jail, no link
//! inside the tree may resolve outside it (following links as the kernel does, so a
//! chain of individually harmless links counts), no hard link may reach a file
//! outside, and nothing may be a device, a fifo or setuid. Input: a selector byte
//! (bit 0: tar or zip; the rest: components to strip), then the archive.
//!
//! An extractor bug here writes outside the jail, anywhere the fuzzer may write:
//! the target refuses to run as root unless `OMG_FUZZ_ARCHIVE_AS_ROOT=1`
//! (`bench/fuzz.sh` drops to `nobody` instead).
//!
//! The extraction calls are the only lines that know the extractor's signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_fuzz::Scratch;
use omg_runtimes::archive::{extract_tar, extract_zip, Limits};
use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    let Some((&selector, archive)) = data.split_first() else {
        return;
    };
    let scratch = SCRATCH
        .get_or_init(|| {
            refuse_root();
            Scratch::new()
        })
        .fresh();
    let jail = scratch.join("jail");
    let target = jail.join("target");
    std::fs::create_dir_all(&target).unwrap();
    let strip = usize::from(selector >> 1) % 3;
    // A small cap: the fuzzer's scratch space is tmpfs, and the cap itself is code
    // under test.
    let limits = Limits {
        max_bytes: 16 << 20,
        max_entries: 10_000,
    };
    let _ = if selector & 1 == 0 {
        extract_tar(Path::new("fuzz.tar"), archive, &target, strip, limits)
    } else {
        let path = scratch.join("fuzz.zip");
        std::fs::write(&path, archive).unwrap();
        extract_zip(&path, &target, strip, limits)
    };
    // Checked whether extraction succeeded or not: a refused archive must not have
    // written anything outside before it was refused.
    let beside: Vec<_> = std::fs::read_dir(&jail)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        beside,
        ["target"],
        "something was created beside the target"
    );
    let root = target.canonicalize().unwrap();
    let mut inodes: HashMap<u64, (u64, u64)> = HashMap::new();
    walk(&root, &root, &mut inodes);
    for (inode, (links, seen)) in inodes {
        assert_eq!(
            links, seen,
            "inode {inode} has hard links outside the extracted tree"
        );
    }
});

fn refuse_root() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if root && std::env::var_os("OMG_FUZZ_ARCHIVE_AS_ROOT").is_none() {
        panic!("refusing to fuzz extraction as root: an escape could overwrite any file (run bench/fuzz.sh, which drops to nobody, or set OMG_FUZZ_ARCHIVE_AS_ROOT=1 on a throwaway machine)");
    }
}

fn walk(root: &Path, dir: &Path, inodes: &mut HashMap<u64, (u64, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // A directory extracted without read permission.
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let kind = meta.file_type();
        assert!(
            !(kind.is_block_device()
                || kind.is_char_device()
                || kind.is_fifo()
                || kind.is_socket()),
            "{} is a device, fifo or socket",
            path.display()
        );
        if kind.is_symlink() {
            let resolved = resolve(&path);
            assert!(
                resolved.starts_with(root),
                "{} resolves outside the tree, to {}",
                path.display(),
                resolved.display()
            );
        } else if kind.is_dir() {
            walk(root, &path, inodes);
        } else {
            assert_eq!(
                meta.mode() & 0o7000,
                0,
                "{} keeps setuid/setgid/sticky",
                path.display()
            );
            inodes.entry(meta.ino()).or_insert((meta.nlink(), 0)).1 += 1;
        }
    }
}

/// Where `path` leads, following every symlink on the way as the kernel would, and
/// taking a missing tail literally (a dangling link still points somewhere).
fn resolve(path: &Path) -> PathBuf {
    let mut resolved = PathBuf::from("/");
    let mut hops = 0;
    // Components still to walk, the next one on top.
    let mut stack = Vec::new();
    push_components(&mut stack, path);
    while let Some(part) = stack.pop() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        let next = resolved.join(&part);
        match std::fs::read_link(&next) {
            // The kernel gives up after 40 links (ELOOP); so does this walk.
            Ok(link) if hops < 40 => {
                hops += 1;
                if link.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                push_components(&mut stack, &link);
            }
            _ => resolved = next,
        }
    }
    resolved
}

fn push_components(stack: &mut Vec<std::ffi::OsString>, path: &Path) {
    let parts: Vec<std::ffi::OsString> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_owned()),
            Component::ParentDir => Some("..".into()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    stack.extend(parts.into_iter().rev());
}
