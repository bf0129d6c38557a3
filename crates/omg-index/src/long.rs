//! Long descriptions: searched, never shown, and most of a Debian index's text
//! (about 30 MB on sid, against 6 MB of names, synopses and provides). They are
//! kept apart from the store so that an index read from a snapshot can leave them
//! in the file and read them a chunk at a time while searching: one copy in the
//! page cache for every process instead of one in each.

use std::fmt;
use std::io;

/// Where an index reads its long text from.
pub trait LongSource: Send + Sync + fmt::Debug {
    /// The text's length in bytes.
    fn len(&self) -> u64;

    /// Whether there is no text.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buffer` with the bytes at `offset`.
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<()>;

    /// The whole text when it is in memory: searched without copying.
    fn in_memory(&self) -> Option<&[u8]> {
        None
    }
}

/// Long text held in memory: a freshly built index's.
#[derive(Debug, Default)]
pub struct InMemory(pub Vec<u8>);

impl LongSource for InMemory {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| out_of_range())?;
        let end = start.checked_add(buffer.len()).ok_or_else(out_of_range)?;
        buffer.copy_from_slice(self.0.get(start..end).ok_or_else(out_of_range)?);
        Ok(())
    }

    fn in_memory(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

fn out_of_range() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "long text read out of range")
}

/// How much long text a search reads at a time.
pub(crate) const CHUNK: u64 = 1 << 20;
