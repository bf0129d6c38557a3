//! The index snapshot: the search index as [`omg_index::Index::as_bytes`] lays it
//! out, plus each package's details, kept in `$XDG_CACHE_HOME/omg/` the way APT
//! keeps `pkgcache.bin`. A direct command (and omgd at start) reads it instead of
//! the package lists: one read, one checksum, one bounds check, no parse.
//!
//! It is a cache and never trusted: it is used only when its header carries this
//! format, the key of the databases as they are now (every database file's inode,
//! size, modification and change times, with the backend selection and omg's
//! version), and a checksum that matches. Anything else (stale, truncated, written by
//! another version, damaged, a link) is a miss, and the caller rebuilds and rewrites
//! it. Details are read one package at a time from the open file, each checked
//! against its own checksum, so a daemon does not hold them in memory.
//!
//! Layout, little-endian: an 80-byte header (magic, format, key, the index's length
//! and checksum, the long text's length and checksum, the number of details and
//! their section's length, the header's own checksum), the index, the long text
//! (long descriptions, which a search reads from the file a chunk at a time and
//! never holds whole: see [`omg_index::LongSource`]), then the details: a table
//! of (offset, length, checksum) per package in index order, then the details'
//! bytes.

use omg_core::BackendSelection;
use omg_index::{Index, LongSource};
use std::fs::File;
use std::hash::Hasher;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use twox_hash::XxHash3_64;

const MAGIC: &[u8; 8] = b"OMGINDEX";
/// Bumped whenever the header, the index layout or a backend's details change.
const FORMAT: u32 = 3;
const HEADER_BYTES: u64 = 80;
const TABLE_ENTRY_BYTES: u64 = 16;

/// One database file or directory entry as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The file.
    pub path: PathBuf,
    /// Its inode: a list replaced by rename gets a new one.
    pub inode: u64,
    /// Its size.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub modified_ns: i64,
    /// Status change time, nanoseconds: unlike the modification time, no tool can
    /// set it back, so an edit that restores the old mtime still shows.
    pub changed_ns: i64,
}

/// Stamps of `paths` and, for directories, of their entries (sorted): a list
/// added, removed or rewritten inside the lists directory changes them.
#[must_use]
pub fn database_stamps(paths: &[PathBuf]) -> Vec<Stamp> {
    let stamp = |path: &Path| {
        std::fs::metadata(path).ok().map(|metadata| Stamp {
            path: path.to_owned(),
            inode: metadata.ino(),
            size: metadata.len(),
            modified_ns: metadata.mtime() * 1_000_000_000 + metadata.mtime_nsec(),
            changed_ns: metadata.ctime() * 1_000_000_000 + metadata.ctime_nsec(),
        })
    };
    let mut stamps = Vec::new();
    for path in paths {
        stamps.extend(stamp(path));
        if let Ok(entries) = std::fs::read_dir(path) {
            let mut children: Vec<Stamp> = entries
                .filter_map(|entry| stamp(&entry.ok()?.path()))
                .collect();
            children.sort_by(|a, b| a.path.cmp(&b.path));
            stamps.extend(children);
        }
    }
    stamps
}

fn hash_selection(hasher: &mut XxHash3_64, selection: &BackendSelection) {
    hasher.write(format!("{selection:?}").as_bytes());
}

/// What a snapshot must have been built from to be used now: the backend
/// selection, its other settings and the databases' stamps.
#[must_use]
pub fn key(selection: &BackendSelection, settings: &str, stamps: &[Stamp]) -> u64 {
    let mut hasher = XxHash3_64::with_seed(0);
    hasher.write_u32(FORMAT);
    hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
    hash_selection(&mut hasher, selection);
    hasher.write(settings.as_bytes());
    hasher.write_u8(0);
    for stamp in stamps {
        hasher.write(stamp.path.as_os_str().as_encoded_bytes());
        hasher.write_u8(0);
        hasher.write_u64(stamp.inode);
        hasher.write_u64(stamp.size);
        hasher.write_i64(stamp.modified_ns);
        hasher.write_i64(stamp.changed_ns);
    }
    hasher.finish()
}

/// The snapshot file for `selection` in `dir`: one per system served, replaced in
/// place when stale.
#[must_use]
pub fn path_in(dir: &Path, selection: &BackendSelection) -> PathBuf {
    let mut hasher = XxHash3_64::with_seed(0);
    hash_selection(&mut hasher, selection);
    dir.join(format!(
        "index-{}-{:016x}.bin",
        selection.kind,
        hasher.finish()
    ))
}

fn checksum(bytes: &[u8]) -> u64 {
    XxHash3_64::oneshot(bytes)
}

/// Why a snapshot was not used.
#[derive(Debug)]
pub enum Miss {
    /// There is none yet.
    Absent,
    /// Built from databases that have changed since.
    Stale,
    /// Not a snapshot this version can use: damaged, truncated, another format, a link.
    Unusable(String),
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("no snapshot yet"),
            Self::Stale => f.write_str("the databases changed since the snapshot"),
            Self::Unusable(why) => write!(f, "the snapshot is unusable ({why})"),
        }
    }
}

struct Header {
    key: u64,
    index_len: u64,
    index_checksum: u64,
    long_len: u64,
    long_checksum: u64,
    details_count: u64,
    details_len: u64,
}

impl Header {
    fn encode(&self) -> [u8; HEADER_BYTES as usize] {
        let mut bytes = [0; HEADER_BYTES as usize];
        bytes[..8].copy_from_slice(MAGIC);
        bytes[8..12].copy_from_slice(&FORMAT.to_le_bytes());
        for (at, value) in [
            (16, self.key),
            (24, self.index_len),
            (32, self.index_checksum),
            (40, self.long_len),
            (48, self.long_checksum),
            (56, self.details_count),
            (64, self.details_len),
        ] {
            bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
        }
        let own = checksum(&bytes[..72]);
        bytes[72..].copy_from_slice(&own.to_le_bytes());
        bytes
    }

    fn decode(bytes: &[u8; HEADER_BYTES as usize]) -> Result<Self, Miss> {
        let number = |at: usize| {
            let mut word = [0; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        if &bytes[..8] != MAGIC {
            return Err(Miss::Unusable("not an index snapshot".to_owned()));
        }
        let mut format = [0; 4];
        format.copy_from_slice(&bytes[8..12]);
        if u32::from_le_bytes(format) != FORMAT {
            return Err(Miss::Unusable("written by another version".to_owned()));
        }
        if checksum(&bytes[..72]) != number(72) {
            return Err(Miss::Unusable("damaged header".to_owned()));
        }
        Ok(Self {
            key: number(16),
            index_len: number(24),
            index_checksum: number(32),
            long_len: number(40),
            long_checksum: number(48),
            details_count: number(56),
            details_len: number(64),
        })
    }
}

/// A snapshot's index, with its details when it has them.
pub struct Found {
    /// The index, ready to search.
    pub index: Index,
    /// Each package's details, read on demand.
    pub details: Option<Details>,
}

/// Per-package details, read from the open snapshot one package at a time.
#[derive(Debug)]
pub struct Details {
    /// Held open: a newer snapshot renamed over the path leaves this one intact.
    file: File,
    table_at: u64,
    data_at: u64,
    data_len: u64,
    count: u64,
}

impl Details {
    /// The details of the package at `position` in the index, or `None` when it has
    /// none or they fail their checksum.
    #[must_use]
    pub fn get(&self, position: usize) -> Option<Vec<u8>> {
        let position = u64::try_from(position).ok().filter(|&p| p < self.count)?;
        let mut entry = [0; TABLE_ENTRY_BYTES as usize];
        self.file
            .read_exact_at(&mut entry, self.table_at + position * TABLE_ENTRY_BYTES)
            .ok()?;
        let mut offset = [0; 8];
        offset.copy_from_slice(&entry[..8]);
        let offset = u64::from_le_bytes(offset);
        let mut word = [0; 4];
        word.copy_from_slice(&entry[8..12]);
        let len = u32::from_le_bytes(word);
        word.copy_from_slice(&entry[12..]);
        let expected = u32::from_le_bytes(word);
        if len == 0 || offset.checked_add(u64::from(len))? > self.data_len {
            return None;
        }
        let mut bytes = vec![0; len as usize];
        self.file
            .read_exact_at(&mut bytes, self.data_at + offset)
            .ok()?;
        // The low half of the hash is plenty to catch damage in a few hundred bytes.
        #[allow(clippy::cast_possible_truncation)]
        let found = checksum(&bytes) as u32;
        (found == expected).then_some(bytes)
    }
}

/// Opens the snapshot at `path` and checks its header, its key and its size.
fn open(path: &Path, key: u64) -> Result<(File, Header), Miss> {
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(no_follow())
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(Miss::Absent),
        Err(error) => return Err(Miss::Unusable(error.to_string())),
    };
    let metadata = file.metadata().map_err(|e| unusable(&e.to_string()))?;
    if !metadata.is_file() {
        return Err(unusable("not a regular file"));
    }
    let mut header = [0; HEADER_BYTES as usize];
    file.read_exact_at(&mut header, 0)
        .map_err(|_| unusable("truncated header"))?;
    let header = Header::decode(&header)?;
    if header.key != key {
        return Err(Miss::Stale);
    }
    // Lengths are checked against the file before anything is allocated for them.
    let expected_size = HEADER_BYTES
        .checked_add(header.index_len)
        .and_then(|size| size.checked_add(header.long_len))
        .and_then(|size| size.checked_add(header.details_len));
    if expected_size != Some(metadata.len()) {
        return Err(unusable("truncated or extended"));
    }
    Ok((file, header))
}

fn unusable(what: &str) -> Miss {
    Miss::Unusable(what.to_owned())
}

fn no_follow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits().cast_signed()
}

fn details_of(file: File, header: &Header, packages: u64) -> Result<Option<Details>, Miss> {
    if header.details_count == 0 {
        return Ok(None);
    }
    let table_len = header
        .details_count
        .checked_mul(TABLE_ENTRY_BYTES)
        .filter(|&len| len <= header.details_len && header.details_count == packages)
        .ok_or_else(|| unusable("details table"))?;
    let table_at = HEADER_BYTES + header.index_len + header.long_len;
    Ok(Some(Details {
        file,
        table_at,
        data_at: table_at + table_len,
        data_len: header.details_len - table_len,
        count: header.details_count,
    }))
}

/// Whether the snapshot at `path` was built with `key` (its header and size; the
/// checksums are checked when it is read).
#[must_use]
pub fn is_current(path: &Path, key: u64) -> bool {
    open(path, key).is_ok()
}

/// Reads the snapshot at `path` if it was built with `key`.
pub fn read(path: &Path, key: u64) -> Result<Found, Miss> {
    let (file, header) = open(path, key)?;
    let index_len = usize::try_from(header.index_len).map_err(|_| unusable("index length"))?;
    let mut bytes = vec![0; index_len];
    file.read_exact_at(&mut bytes, HEADER_BYTES)
        .map_err(|_| unusable("truncated index"))?;
    if checksum(&bytes) != header.index_checksum {
        return Err(unusable("index checksum mismatch"));
    }
    let long = SnapshotLong {
        file: file
            .try_clone()
            .map_err(|error| unusable(&error.to_string()))?,
        at: HEADER_BYTES + header.index_len,
        len: header.long_len,
        checksum: header.long_checksum,
    };
    // Checked now, a chunk at a time, rather than on the first search: damaged
    // text is a miss like any other damage, and the caller rebuilds.
    if !long.verify() {
        return Err(unusable("long descriptions checksum mismatch"));
    }
    let index =
        Index::from_bytes(bytes, Box::new(long)).map_err(|error| unusable(&error.to_string()))?;
    let details = details_of(file, &header, index.len() as u64)?;
    Ok(Found { index, details })
}

/// A snapshot's long text, read from the open file as a search needs it; [`read`]
/// checks it against its checksum before the index uses it.
#[derive(Debug)]
struct SnapshotLong {
    /// Held open: a newer snapshot renamed over the path leaves this one intact.
    file: File,
    at: u64,
    len: u64,
    checksum: u64,
}

impl SnapshotLong {
    fn verify(&self) -> bool {
        let mut hasher = XxHash3_64::with_seed(0);
        let mut buffer = vec![0; 1 << 20];
        let mut done = 0;
        while done < self.len {
            let take = (self.len - done).min(buffer.len() as u64);
            // The chunk is at most the buffer's length, which is a usize.
            #[allow(clippy::cast_possible_truncation)]
            let chunk = &mut buffer[..take as usize];
            if self.file.read_exact_at(chunk, self.at + done).is_err() {
                return false;
            }
            hasher.write(chunk);
            done += take;
        }
        hasher.finish() == self.checksum
    }
}

impl LongSource for SnapshotLong {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        let end = offset
            .checked_add(buffer.len() as u64)
            .filter(|&end| end <= self.len);
        if end.is_none() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the index snapshot's long descriptions",
            ));
        }
        self.file.read_exact_at(buffer, self.at + offset)
    }
}

/// Writes a snapshot of `index` and `details` (one per package in index order, or
/// none) built with `key`, atomically: a private temporary file renamed over
/// `path`, so that a reader sees the old snapshot or the new one, and two writers
/// racing leave one whole snapshot.
pub fn write(path: &Path, key: u64, index: &Index, details: &[Vec<u8>]) -> std::io::Result<()> {
    let details = if details.len() == index.len() {
        details
    } else {
        &[]
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let temporary = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written =
        write_to(&temporary, key, index, details).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    } else {
        prune(dir, path);
    }
    written
}

/// How many snapshots a cache directory keeps: one per system served (`--root`,
/// `--config`), the most recently written first. Each is tens of megabytes.
const KEPT: usize = 4;

/// A crashed writer's temporary file is removed once it is this old.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes all but the [`KEPT`] most recent snapshots in `dir` (never `just_written`)
/// and temporary files abandoned by writers that died. Only regular files named
/// as this module names them are touched: anything else there (a link, a
/// directory) was not written here and is left alone.
fn prune(dir: &Path, just_written: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut snapshots = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Not followed: a link's own type is what is checked.
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if !metadata.is_file() {
            continue;
        }
        let modified = metadata.modified().unwrap_or(std::time::UNIX_EPOCH);
        if name.starts_with(".index-") && name.ends_with(".tmp") {
            let abandoned = now
                .duration_since(modified)
                .is_ok_and(|age| age > ABANDONED_AFTER);
            if abandoned {
                let _ = std::fs::remove_file(entry.path());
            }
        } else if name.starts_with("index-")
            && name.ends_with(".bin")
            && entry.path() != just_written
        {
            snapshots.push((modified, entry.path()));
        }
    }
    snapshots.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, stale) in snapshots.into_iter().skip(KEPT - 1) {
        let _ = std::fs::remove_file(stale);
    }
}

fn write_to(temporary: &Path, key: u64, index: &Index, details: &[Vec<u8>]) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(no_follow())
        .open(temporary)?;
    let bytes = index.as_bytes();
    let long = index
        .long_text()
        .ok_or_else(|| std::io::Error::other("the index's long text is not in memory"))?;
    let table_len = details.len() as u64 * TABLE_ENTRY_BYTES;
    let data_len: u64 = details.iter().map(|blob| blob.len() as u64).sum();
    let header = Header {
        key,
        index_len: bytes.len() as u64,
        index_checksum: checksum(bytes),
        long_len: long.len() as u64,
        long_checksum: checksum(long),
        details_count: details.len() as u64,
        details_len: if details.is_empty() {
            0
        } else {
            table_len + data_len
        },
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(&header.encode())?;
    out.write_all(bytes)?;
    out.write_all(long)?;
    let mut offset = 0u64;
    for blob in details {
        let len = u32::try_from(blob.len())
            .map_err(|_| std::io::Error::other("package details over 4 GiB"))?;
        out.write_all(&offset.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        #[allow(clippy::cast_possible_truncation)]
        out.write_all(&(checksum(blob) as u32).to_le_bytes())?;
        offset += u64::from(len);
    }
    for blob in details {
        out.write_all(blob)?;
    }
    out.into_inner().map_err(|error| error.into_error())?;
    Ok(())
}

#[cfg(test)]
mod tests;
