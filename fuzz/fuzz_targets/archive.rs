//! Tar and zip extraction of hostile archives. Each input is extracted into a fresh
//! `jail/target`; afterwards nothing but `target` may exist in the jail, no link
//! inside the tree may resolve outside it (following links as the kernel does, so a
//! chain of individually harmless links counts), no hard link may reach a file
//! outside, and nothing may be a device, a fifo or setuid. Input: a selector byte
//! (bit 0: tar or zip; bit 1: the rest is a raw archive, or a list of entries to
//! build one from; the bits above: components to strip), then the rest.
//!
//! Raw archives mostly exercise the tar and zip readers: mutated bytes rarely stay
//! a valid archive of several links. The entry list reaches the extractor's own
//! checks: each entry is a kind byte (directory, file, symlink, hard link, fifo),
//! then its path, a NUL, its link target, a NUL, a length byte and that many bytes
//! of data.
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
use std::io::Write;
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
    // A small cap: the fuzzer's scratch space is tmpfs, and the cap itself is code
    // under test.
    let limits = Limits {
        max_bytes: 16 << 20,
        max_entries: 10_000,
    };
    let zip = selector & 1 == 1;
    let built;
    let archive = if selector & 2 == 0 {
        archive
    } else {
        let entries = entries(archive);
        built = if zip {
            zip_of(&entries)
        } else {
            tar_of(&entries)
        };
        built.as_slice()
    };
    let strip = usize::from(selector >> 2) % 3;
    let extracted = if zip {
        let path = scratch.join("fuzz.zip");
        std::fs::write(&path, archive).unwrap();
        extract_zip(&path, &target, strip, limits)
    } else {
        extract_tar(Path::new("fuzz.tar"), archive, &target, strip, limits)
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
    // A refused archive's tree is discarded whole by the caller (and never written
    // through: no write follows a link), so only an accepted tree must hold.
    if extracted.is_err() {
        return;
    }
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

#[derive(Clone, Copy)]
enum Kind {
    Directory,
    File,
    Symlink,
    HardLink,
    Fifo,
}

struct Entry<'a> {
    kind: Kind,
    path: &'a [u8],
    link: &'a [u8],
    data: &'a [u8],
}

/// The entry list an input describes (see the module comment).
fn entries(mut input: &[u8]) -> Vec<Entry<'_>> {
    let mut entries = Vec::new();
    while let Some((&kind, rest)) = input.split_first() {
        let kind = match kind % 5 {
            0 => Kind::Directory,
            1 => Kind::File,
            2 => Kind::Symlink,
            3 => Kind::HardLink,
            _ => Kind::Fifo,
        };
        let mut fields = rest.splitn(3, |&byte| byte == 0);
        let path = fields.next().unwrap_or_default();
        let link = fields.next().unwrap_or_default();
        let rest = fields.next().unwrap_or_default();
        let (length, rest) = rest.split_first().map_or((0, rest), |(&n, r)| (n, r));
        let (data, rest) = rest.split_at(usize::from(length).min(rest.len()));
        entries.push(Entry {
            kind,
            path,
            link,
            data,
        });
        input = rest;
    }
    entries
}

/// A tar written header by header, so names may hold anything (tar::Builder
/// refuses `..`); names longer than the header's 100 bytes are cut.
fn tar_of(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(match entry.kind {
            Kind::Directory => tar::EntryType::Directory,
            Kind::File => tar::EntryType::Regular,
            Kind::Symlink => tar::EntryType::Symlink,
            Kind::HardLink => tar::EntryType::Link,
            Kind::Fifo => tar::EntryType::Fifo,
        });
        header.set_mode(0o755);
        header.set_size(entry.data.len() as u64);
        let gnu = header.as_gnu_mut().unwrap();
        let path = &entry.path[..entry.path.len().min(100)];
        gnu.name[..path.len()].copy_from_slice(path);
        let link = &entry.link[..entry.link.len().min(100)];
        gnu.linkname[..link.len()].copy_from_slice(link);
        header.set_cksum();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(entry.data);
        bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    }
    bytes.extend_from_slice(&[0; 1024]);
    bytes
}

/// A zip with the same entries (zip has no hard links or fifos: those become files).
fn zip_of(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    for entry in entries {
        let path = String::from_utf8_lossy(entry.path);
        let written = match entry.kind {
            Kind::Directory => zip.add_directory(path, options),
            Kind::Symlink => zip.add_symlink(path, String::from_utf8_lossy(entry.link), options),
            Kind::File | Kind::HardLink | Kind::Fifo => zip
                .start_file(path, options)
                .and_then(|()| zip.write_all(entry.data).map_err(Into::into)),
        };
        // The writer refuses some names (a duplicate); the archive goes on without them.
        let _ = written;
    }
    zip.finish()
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default()
}

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
