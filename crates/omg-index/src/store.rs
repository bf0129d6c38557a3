//! The index as one byte buffer. What a build lays out in memory is exactly what a
//! snapshot file holds, so loading a snapshot is one read and a bounds check, never
//! a parse: [`Store::from_bytes`] takes the file's bytes as they are.
//!
//! Every number is a little-endian `u32` read where it lies (the buffer has no
//! alignment to rely on). Strings are addressed by spans into one strings section,
//! repositories interned. The sections, in order after a header of their lengths:
//!
//! - strings: every name, version, description, installed version, provided name
//!   and repository, back to back;
//! - entries: per record, eleven numbers: the name, version, description and
//!   installed version spans (start, length; an absent installed version starts at
//!   `u32::MAX`), where its provides spans start and how many, its repository id;
//! - provides: spans;
//! - repositories: spans;
//! - text: the lowercased searchable text of each record (name, synopsis, provided
//!   names), each followed by the record separator;
//! - starts: where each record's text starts, plus one entry for the end;
//! - long starts: where each record's long description starts in the long text,
//!   plus one entry for the end. The long text itself (lowercased, each record's
//!   followed by the separator, nothing for a record without one) is not in the
//!   buffer: see [`crate::long`].

use omg_core::PackageRecord;
use std::collections::HashMap;
use std::ops::Range;

/// Separates records in the search text; cannot occur in lowercased package text
/// that a term could span, so no match crosses two records.
pub(crate) const RECORD_SEPARATOR: u8 = 0;

const SECTIONS: usize = 7;
const STRINGS: usize = 0;
const ENTRIES: usize = 1;
const PROVIDES: usize = 2;
const REPOSITORIES: usize = 3;
const TEXT: usize = 4;
const STARTS: usize = 5;
const LONG_STARTS: usize = 6;

const HEADER_BYTES: usize = 4 + SECTIONS * 8;
const ENTRY_FIELDS: usize = 11;
const ENTRY_BYTES: usize = ENTRY_FIELDS * 4;
const SPAN_BYTES: usize = 8;
const ABSENT: u32 = u32::MAX;

/// Why bytes are not an index laid out by this version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLayout(pub &'static str);

impl std::fmt::Display for InvalidLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a valid index layout: {}", self.0)
    }
}

impl std::error::Error for InvalidLayout {}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn range(self) -> Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    name: Span,
    version: Span,
    description: Span,
    installed_version: Span,
    provides_start: u32,
    provides_len: u32,
    repository: u32,
}

impl Entry {
    fn fields(&self) -> [u32; ENTRY_FIELDS] {
        [
            self.name.start,
            self.name.len,
            self.version.start,
            self.version.len,
            self.description.start,
            self.description.len,
            self.installed_version.start,
            self.installed_version.len,
            self.provides_start,
            self.provides_len,
            self.repository,
        ]
    }

    fn of(fields: [u32; ENTRY_FIELDS]) -> Self {
        let span = |at: usize| Span {
            start: fields[at],
            len: fields[at + 1],
        };
        Self {
            name: span(0),
            version: span(2),
            description: span(4),
            installed_version: span(6),
            provides_start: fields[8],
            provides_len: fields[9],
            repository: fields[10],
        }
    }
}

/// Records and their search text, sorted by name, in one buffer.
#[derive(Debug)]
pub(crate) struct Store {
    bytes: Vec<u8>,
    sections: [Range<usize>; SECTIONS],
    len: usize,
}

impl Default for Store {
    fn default() -> Self {
        Builder::default().finish().0
    }
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn push_u32(buffer: &mut Vec<u8>, value: u32) {
    buffer.extend_from_slice(&value.to_le_bytes());
}

fn to_u32(value: usize) -> u32 {
    // The index refuses more than 4 GiB of package text rather than wrap.
    u32::try_from(value).expect("package index over 4 GiB")
}

impl Store {
    /// The buffer as a snapshot stores it.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes bytes laid out by [`Builder::finish`] after checking every offset in
    /// them, so that no later read can go out of bounds whatever the bytes are.
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Result<Self, InvalidLayout> {
        if bytes.len() < HEADER_BYTES {
            return Err(InvalidLayout("shorter than its header"));
        }
        if read_u32(&bytes, 0) as usize != SECTIONS {
            return Err(InvalidLayout("wrong number of sections"));
        }
        let mut sections: [Range<usize>; SECTIONS] = Default::default();
        let mut at = HEADER_BYTES;
        for (number, section) in sections.iter_mut().enumerate() {
            let mut length = [0; 8];
            length.copy_from_slice(&bytes[4 + number * 8..12 + number * 8]);
            let length = usize::try_from(u64::from_le_bytes(length))
                .map_err(|_| InvalidLayout("section length"))?;
            let end = at
                .checked_add(length)
                .filter(|&end| end <= bytes.len())
                .ok_or(InvalidLayout("a section runs past the end"))?;
            *section = at..end;
            at = end;
        }
        if at != bytes.len() {
            return Err(InvalidLayout("bytes after the last section"));
        }
        let store = Self {
            len: sections[ENTRIES].len() / ENTRY_BYTES,
            bytes,
            sections,
        };
        store.check()?;
        Ok(store)
    }

    fn check(&self) -> Result<(), InvalidLayout> {
        let sizes_fit = self.sections[ENTRIES].len().is_multiple_of(ENTRY_BYTES)
            && self.sections[PROVIDES].len().is_multiple_of(SPAN_BYTES)
            && self.sections[REPOSITORIES].len().is_multiple_of(SPAN_BYTES)
            && self.sections[STARTS].len() == (self.len + 1) * 4
            && self.sections[LONG_STARTS].len() == (self.len + 1) * 4;
        if !sizes_fit || self.sections[STRINGS].len() > u32::MAX as usize {
            return Err(InvalidLayout("section sizes"));
        }
        let strings = self.sections[STRINGS].len();
        let span_fits = |span: Span| span.start as usize + span.len as usize <= strings;
        let provides = self.sections[PROVIDES].len() / SPAN_BYTES;
        if !(0..provides).all(|number| span_fits(self.provided_span(number))) {
            return Err(InvalidLayout("a provided name out of bounds"));
        }
        let repositories = self.sections[REPOSITORIES].len() / SPAN_BYTES;
        if !(0..repositories).all(|number| span_fits(self.repository_span(number))) {
            return Err(InvalidLayout("a repository out of bounds"));
        }
        let text = self.sections[TEXT].len();
        if self.start(0) != 0 || self.start(self.len) != text {
            return Err(InvalidLayout("search text bounds"));
        }
        if self.long_start(0) != 0 {
            return Err(InvalidLayout("long text bounds"));
        }
        for position in 0..self.len {
            let entry = self.entry(position);
            let spans_fit = span_fits(entry.name)
                && span_fits(entry.version)
                && span_fits(entry.description)
                && (entry.installed_version.start == ABSENT || span_fits(entry.installed_version));
            let provides_fit =
                entry.provides_start as usize + entry.provides_len as usize <= provides;
            let (start, end) = (self.start(position), self.start(position + 1));
            // The record's text holds at least its name and ends with the separator.
            let text_fits = start + (entry.name.len as usize) < end
                && end <= text
                && self.text()[end - 1] == RECORD_SEPARATOR;
            if !(spans_fit
                && provides_fit
                && text_fits
                && (entry.repository as usize) < repositories)
            {
                return Err(InvalidLayout("a record out of bounds"));
            }
            if position > 0 && self.name_bytes(position - 1) >= self.name_bytes(position) {
                return Err(InvalidLayout("names out of order"));
            }
            if self.long_start(position) > self.long_start(position + 1) {
                return Err(InvalidLayout("long text out of order"));
            }
        }
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn section(&self, number: usize) -> &[u8] {
        &self.bytes[self.sections[number].clone()]
    }

    fn entry(&self, position: usize) -> Entry {
        let entries = self.section(ENTRIES);
        let base = position * ENTRY_BYTES;
        let mut fields = [0; ENTRY_FIELDS];
        for (number, field) in fields.iter_mut().enumerate() {
            *field = read_u32(entries, base + number * 4);
        }
        Entry::of(fields)
    }

    fn span_in(&self, section: usize, number: usize) -> Span {
        let bytes = self.section(section);
        Span {
            start: read_u32(bytes, number * SPAN_BYTES),
            len: read_u32(bytes, number * SPAN_BYTES + 4),
        }
    }

    fn provided_span(&self, number: usize) -> Span {
        self.span_in(PROVIDES, number)
    }

    fn repository_span(&self, number: usize) -> Span {
        self.span_in(REPOSITORIES, number)
    }

    fn string_bytes(&self, span: Span) -> &[u8] {
        &self.section(STRINGS)[span.range()]
    }

    /// Strings went in as `&str`; a span that cuts one (only a damaged buffer has
    /// one, and the snapshot's checksum stands before that) reads as empty.
    fn string(&self, span: Span) -> &str {
        std::str::from_utf8(self.string_bytes(span)).unwrap_or_default()
    }

    fn name_bytes(&self, position: usize) -> &[u8] {
        self.string_bytes(self.entry(position).name)
    }

    pub(crate) fn name(&self, position: usize) -> &str {
        self.string(self.entry(position).name)
    }

    pub(crate) fn name_len(&self, position: usize) -> usize {
        self.entry(position).name.len as usize
    }

    pub(crate) fn provides(&self, position: usize) -> impl Iterator<Item = &str> {
        let entry = self.entry(position);
        let start = entry.provides_start as usize;
        (start..start + entry.provides_len as usize)
            .map(move |number| self.string(self.provided_span(number)))
    }

    /// The record at `position`, as callers know it (without its long
    /// description, which only the search text keeps).
    pub(crate) fn get(&self, position: usize) -> PackageRecord {
        let entry = self.entry(position);
        PackageRecord {
            name: self.string(entry.name).to_owned(),
            version: self.string(entry.version).to_owned(),
            description: self.string(entry.description).to_owned(),
            long_description: None,
            repository: self
                .string(self.repository_span(entry.repository as usize))
                .to_owned(),
            installed_version: (entry.installed_version.start != ABSENT)
                .then(|| self.string(entry.installed_version).to_owned()),
            provides: self.provides(position).map(str::to_owned).collect(),
        }
    }

    /// Position of the record named `name` (records are sorted by name).
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.name_bytes(middle).cmp(name.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// The whole search text.
    pub(crate) fn text(&self) -> &[u8] {
        self.section(TEXT)
    }

    /// Where record `position`'s text starts (`position == len`: the end).
    pub(crate) fn start(&self, position: usize) -> usize {
        read_u32(self.section(STARTS), position * 4) as usize
    }

    /// Where record `position`'s long description starts in the long text
    /// (`position == len`: the end, which is the long text's length).
    pub(crate) fn long_start(&self, position: usize) -> u64 {
        u64::from(read_u32(self.section(LONG_STARTS), position * 4))
    }

    /// The record whose text holds byte `at` of the search text.
    pub(crate) fn record_at(&self, at: usize) -> usize {
        // The last record starting at or before `at`.
        let (mut low, mut high) = (0, self.len);
        while low + 1 < high {
            let middle = low + (high - low) / 2;
            if self.start(middle) <= at {
                low = middle;
            } else {
                high = middle;
            }
        }
        low
    }

    /// Record `position`'s searchable text, without its separator.
    pub(crate) fn record_text(&self, position: usize) -> &[u8] {
        &self.text()[self.start(position)..self.start(position + 1) - 1]
    }
}

/// Lays records out, in the order pushed (the caller sorts them by name).
#[derive(Default)]
pub(crate) struct Builder {
    strings: Vec<u8>,
    entries: Vec<u8>,
    provides: Vec<u8>,
    repositories: Vec<u8>,
    repository_ids: HashMap<String, u32>,
    text: Vec<u8>,
    starts: Vec<u8>,
    long: Vec<u8>,
    long_starts: Vec<u8>,
}

impl Builder {
    pub(crate) fn with_capacity(records: usize, text_bytes: usize) -> Self {
        Self {
            strings: Vec::with_capacity(text_bytes + records * 16),
            entries: Vec::with_capacity(records * ENTRY_BYTES),
            text: Vec::with_capacity(text_bytes),
            starts: Vec::with_capacity((records + 1) * 4),
            long_starts: Vec::with_capacity((records + 1) * 4),
            ..Self::default()
        }
    }

    fn span(&mut self, text: &str) -> Span {
        let start = to_u32(self.strings.len());
        self.strings.extend_from_slice(text.as_bytes());
        Span {
            start,
            len: to_u32(text.len()),
        }
    }

    fn push_span(section: &mut Vec<u8>, span: Span) {
        push_u32(section, span.start);
        push_u32(section, span.len);
    }

    pub(crate) fn push(&mut self, record: &PackageRecord) {
        let name = self.span(&record.name);
        let version = self.span(&record.version);
        let description = self.span(&record.description);
        let installed_version = match &record.installed_version {
            Some(installed) => self.span(installed),
            None => Span {
                start: ABSENT,
                len: 0,
            },
        };
        let provides_start = to_u32(self.provides.len() / SPAN_BYTES);
        for provided in &record.provides {
            let span = self.span(provided);
            Self::push_span(&mut self.provides, span);
        }
        let repository = match self.repository_ids.get(&record.repository) {
            Some(&id) => id,
            None => {
                let id = to_u32(self.repository_ids.len());
                let span = self.span(&record.repository);
                Self::push_span(&mut self.repositories, span);
                self.repository_ids.insert(record.repository.clone(), id);
                id
            }
        };
        let entry = Entry {
            name,
            version,
            description,
            installed_version,
            provides_start,
            provides_len: to_u32(record.provides.len()),
            repository,
        };
        for field in entry.fields() {
            push_u32(&mut self.entries, field);
        }
        push_u32(&mut self.starts, to_u32(self.text.len()));
        push_lowercase(&mut self.text, &record.name);
        self.text.push(b'\n');
        push_lowercase(&mut self.text, &record.description);
        push_u32(&mut self.long_starts, to_u32(self.long.len()));
        if let Some(long) = record
            .long_description
            .as_deref()
            .filter(|long| !long.is_empty())
        {
            push_lowercase(&mut self.long, long);
            self.long.push(RECORD_SEPARATOR);
        }
        for provided in &record.provides {
            self.text.push(b'\n');
            push_lowercase(&mut self.text, provided);
        }
        self.text.push(RECORD_SEPARATOR);
    }

    /// The store and the long text.
    pub(crate) fn finish(mut self) -> (Store, Vec<u8>) {
        push_u32(&mut self.starts, to_u32(self.text.len()));
        push_u32(&mut self.long_starts, to_u32(self.long.len()));
        let sections = [
            &self.strings,
            &self.entries,
            &self.provides,
            &self.repositories,
            &self.text,
            &self.starts,
            &self.long_starts,
        ];
        let total = HEADER_BYTES + sections.iter().map(|section| section.len()).sum::<usize>();
        let mut bytes = Vec::with_capacity(total);
        push_u32(&mut bytes, to_u32(SECTIONS));
        for section in sections {
            bytes.extend_from_slice(&(section.len() as u64).to_le_bytes());
        }
        let mut ranges: [Range<usize>; SECTIONS] = Default::default();
        for (range, section) in ranges.iter_mut().zip(sections) {
            *range = bytes.len()..bytes.len() + section.len();
            bytes.extend_from_slice(section);
        }
        let store = Store {
            len: self.entries.len() / ENTRY_BYTES,
            bytes,
            sections: ranges,
        };
        debug_assert_eq!(store.check(), Ok(()));
        (store, self.long)
    }
}

fn push_lowercase(buffer: &mut Vec<u8>, text: &str) {
    // A separator byte inside package text would split a record: it becomes a
    // space, which keeps the name's length in the text equal to the name's.
    buffer.extend(text.bytes().map(|byte| match byte {
        RECORD_SEPARATOR => b' ',
        byte => byte.to_ascii_lowercase(),
    }));
}
