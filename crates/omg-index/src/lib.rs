//! The in-memory package index and its ranking search. Pure: records come in, ranked
//! hits go out; reading package databases is the backends' job.
//!
//! Matching is literal and ASCII-case-insensitive, the way `apt-cache search` and
//! `pacman -Ss` treat plain words: a term matches a package when it occurs in the
//! name, the description, the long description or a provided name, and a package
//! matches when every term does. The searchable text lives lowercased in one
//! buffer, so each term is a single `memmem` pass over it; long descriptions are
//! a second text, read from wherever it is kept ([`LongSource`]) a chunk at a time.

mod fuzzy;
mod long;
mod store;

pub use fuzzy::edit_distance;
pub use long::{InMemory, LongSource};
pub use store::InvalidLayout;

use memchr::memmem;
use omg_core::{MatchKind, PackageRecord, SearchHit, SearchResults};
use std::ops::Range;

/// A search request.
#[derive(Debug, Clone)]
pub struct SearchQuery<'a> {
    /// Terms that must all match.
    pub terms: &'a [String],
    /// Maximum number of hits returned (`None`: all).
    pub limit: Option<usize>,
    /// Add fuzzy hits when the exact set has at most this many packages.
    pub fuzzy_below: usize,
}

/// Packages, sorted by name, with their searchable text, laid out in one buffer
/// that a snapshot stores as it is ([`Index::as_bytes`], [`Index::from_bytes`]),
/// and their long descriptions' text beside it.
#[derive(Debug)]
pub struct Index {
    store: store::Store,
    long: Box<dyn LongSource>,
}

impl Default for Index {
    fn default() -> Self {
        Self {
            store: store::Store::default(),
            long: Box::new(InMemory::default()),
        }
    }
}

impl Index {
    /// Builds the index. Records with the same name keep the first one.
    #[must_use]
    pub fn new(mut records: Vec<PackageRecord>) -> Self {
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records.dedup_by(|later, first| later.name == first.name);
        let text_bytes = records
            .iter()
            .map(|r| r.name.len() + r.description.len() + 8)
            .sum();
        let mut builder = store::Builder::with_capacity(records.len(), text_bytes);
        for record in &records {
            builder.push(record);
        }
        let (store, long) = builder.finish();
        Self {
            store,
            long: Box::new(InMemory(long)),
        }
    }

    /// The index's bytes, for a snapshot (without the long text).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.store.as_bytes()
    }

    /// The long text, when it is in memory (a built index), for a snapshot.
    #[must_use]
    pub fn long_text(&self) -> Option<&[u8]> {
        self.long.in_memory()
    }

    /// How long the long text of these bytes' index is.
    #[must_use]
    pub fn long_len(&self) -> u64 {
        self.store.long_start(self.store.len())
    }

    /// An index from bytes [`Index::as_bytes`] gave, used as they are, with its
    /// long text read from `long`. Every offset in them is checked first: whatever
    /// the bytes, the index never reads out of bounds, and bytes that are not an
    /// index, or a long text of another length, are refused.
    pub fn from_bytes(bytes: Vec<u8>, long: Box<dyn LongSource>) -> Result<Self, InvalidLayout> {
        let store = store::Store::from_bytes(bytes)?;
        if long.len() != store.long_start(store.len()) {
            return Err(InvalidLayout("long text of another length"));
        }
        Ok(Self { store, long })
    }

    /// Position of the package named `name`, for data kept beside the index in the
    /// same order.
    #[must_use]
    pub fn position(&self, name: &str) -> Option<usize> {
        self.store.find(name)
    }

    /// Number of packages.
    #[must_use]
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether the index holds no package.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// The record of the package with exactly this name (without its long
    /// description, which the index only searches).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<PackageRecord> {
        self.store
            .find(name)
            .map(|position| self.store.get(position))
    }

    /// Names closest to `name` (for "did you mean"), best first.
    #[must_use]
    pub fn closest_names(&self, name: &str, count: usize) -> Vec<&str> {
        fuzzy::closest(&self.store, name, count, &[])
            .into_iter()
            .map(|position| self.store.name(position))
            .collect()
    }

    /// Ranked search; see the crate docs for the matching rules. Fails only when
    /// the long text cannot be read.
    pub fn search(&self, query: &SearchQuery<'_>) -> std::io::Result<SearchResults> {
        let terms: Vec<Vec<u8>> = query
            .terms
            .iter()
            .map(|term| term.to_ascii_lowercase().into_bytes())
            .filter(|term| !term.is_empty())
            .collect();
        if terms.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                exact_total: 0,
            });
        }
        let mut matches: Vec<(MatchKind, usize)> = self
            .records_matching(&terms)?
            .into_iter()
            .map(|position| (self.match_kind(position, &terms), position))
            .collect();
        matches.sort_by(|&(kind_a, a), &(kind_b, b)| {
            kind_a
                .cmp(&kind_b)
                .then(self.store.name_len(a).cmp(&self.store.name_len(b)))
                .then(self.store.name(a).cmp(self.store.name(b)))
        });
        let exact_total = matches.len();
        let limit = query.limit.unwrap_or(usize::MAX);
        let mut hits: Vec<SearchHit> = matches
            .iter()
            .take(limit)
            .map(|&(matched, position)| SearchHit {
                package: self.store.get(position),
                matched,
            })
            .collect();
        if exact_total <= query.fuzzy_below && hits.len() < limit {
            let joined = query.terms.join(" ");
            let exclude: Vec<usize> = matches.iter().map(|&(_, position)| position).collect();
            let room = (limit - hits.len()).min(fuzzy::MAX_FUZZY_HITS);
            hits.extend(
                fuzzy::closest(&self.store, &joined, room, &exclude)
                    .into_iter()
                    .map(|position| SearchHit {
                        package: self.store.get(position),
                        matched: MatchKind::Fuzzy,
                    }),
            );
        }
        Ok(SearchResults { hits, exact_total })
    }

    /// The records every term matches somewhere, in index order: one pass per term
    /// over the search text, one over the long text for all terms.
    fn records_matching(&self, terms: &[Vec<u8>]) -> std::io::Result<Vec<usize>> {
        let words = self.store.len().div_ceil(64);
        let mut found: Vec<Vec<u64>> = terms
            .iter()
            .map(|term| {
                let mut bits = vec![0; words];
                for position in self.positions_matching(term) {
                    bits[position / 64] |= 1 << (position % 64);
                }
                bits
            })
            .collect();
        if self.long_len() > 0 {
            self.scan_long(terms, &mut found)?;
        }
        Ok((0..self.store.len())
            .filter(|&position| {
                found
                    .iter()
                    .all(|bits| bits[position / 64] & (1 << (position % 64)) != 0)
            })
            .collect())
    }

    /// Marks in `found` the records whose long description holds each term.
    fn scan_long(&self, terms: &[Vec<u8>], found: &mut [Vec<u64>]) -> std::io::Result<()> {
        let finders: Vec<memmem::Finder<'_>> = terms.iter().map(memmem::Finder::new).collect();
        let records = self.store.len();
        if let Some(text) = self.long.in_memory() {
            self.mark_long(text, 0, 0..records, &finders, found);
            return Ok(());
        }
        let mut buffer = Vec::new();
        let mut first = 0;
        while first < records {
            let start = self.store.long_start(first);
            let mut last = first + 1;
            while last < records && self.store.long_start(last + 1) - start <= long::CHUNK {
                last += 1;
            }
            let end = self.store.long_start(last);
            if end > start {
                let length = usize::try_from(end - start).map_err(std::io::Error::other)?;
                buffer.resize(length, 0);
                self.long.read_at(&mut buffer, start)?;
                self.mark_long(&buffer, start, first..last, &finders, found);
            }
            first = last;
        }
        Ok(())
    }

    /// Marks the hits of each finder in `text`, the long text of `records` from
    /// byte `base` on.
    fn mark_long(
        &self,
        text: &[u8],
        base: u64,
        records: Range<usize>,
        finders: &[memmem::Finder<'_>],
        found: &mut [Vec<u64>],
    ) {
        for (finder, bits) in finders.iter().zip(found.iter_mut()) {
            let mut at = 0;
            while let Some(hit) = finder.find(&text[at..]) {
                let offset = base + (at + hit) as u64;
                let position = self.long_record_at(offset, records.clone());
                bits[position / 64] |= 1 << (position % 64);
                // One hit per record is enough: go on from the next record.
                let next = self.store.long_start(position + 1) - base;
                match usize::try_from(next) {
                    Ok(next) if next < text.len() => at = next,
                    _ => break,
                }
            }
        }
    }

    /// The record among `records` whose long text holds byte `offset`: the first
    /// one ending after it.
    fn long_record_at(&self, offset: u64, records: Range<usize>) -> usize {
        let (mut low, mut high) = (records.start, records.end);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.store.long_start(middle + 1) <= offset {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// Every record whose text contains `term`, in index order, found with one pass.
    fn positions_matching(&self, term: &[u8]) -> Vec<usize> {
        let text = self.store.text();
        let finder = memmem::Finder::new(term);
        let mut positions = Vec::new();
        let mut offset = 0;
        while let Some(found) = finder.find(&text[offset..]) {
            let position = self.store.record_at(offset + found);
            positions.push(position);
            // Resume at the next record: one hit per record is enough.
            offset = self.store.start(position + 1);
            if offset >= text.len() {
                break;
            }
        }
        positions
    }

    fn match_kind(&self, position: usize, terms: &[Vec<u8>]) -> MatchKind {
        let text = self.store.record_text(position);
        let name = &text[..self.store.name_len(position)];
        let store = &self.store;
        terms
            .iter()
            .map(|term| {
                if name == term.as_slice() {
                    MatchKind::ExactName
                } else if name.starts_with(term) {
                    MatchKind::NamePrefix
                } else if memmem::find(name, term).is_some() {
                    MatchKind::NameSubstring
                } else if store
                    .provides(position)
                    .any(|p| memmem::find(p.to_ascii_lowercase().as_bytes(), term).is_some())
                {
                    MatchKind::Provides
                } else {
                    MatchKind::Description
                }
            })
            .min()
            .unwrap_or(MatchKind::Description)
    }
}

#[cfg(test)]
mod tests;
