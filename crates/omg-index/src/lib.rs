//! The in-memory package index and its ranking search. Pure: records come in, ranked
//! hits go out; reading package databases is the backends' job.
//!
//! Matching is literal and ASCII-case-insensitive, the way `apt-cache search` and
//! `pacman -Ss` treat plain words: a term matches a package when it occurs in the
//! name, the description or a provided name, and a package matches when every term
//! does. All searchable text lives lowercased in one buffer so the first term is a
//! single `memmem` pass over the whole index.

mod fuzzy;
mod store;

pub use fuzzy::edit_distance;

use memchr::memmem;
use omg_core::{MatchKind, PackageRecord, SearchHit, SearchResults};
use std::ops::Range;

/// Separates records in the search buffer; cannot occur in lowercased package text
/// that a term could span, so no match crosses two records.
const RECORD_SEPARATOR: u8 = 0;

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

/// Packages, sorted by name, with their searchable text.
#[derive(Debug, Default)]
pub struct Index {
    records: store::Records,
    /// Lowercased `name \n description \n long description \n provides…` per record,
    /// each followed by [`RECORD_SEPARATOR`].
    text: Vec<u8>,
    /// Where each record's text starts in `text`; one extra entry marks the end.
    starts: Vec<usize>,
    /// Length of the name at the start of each record's text.
    name_lengths: Vec<usize>,
}

impl Index {
    /// Builds the index. Records with the same name keep the first one.
    #[must_use]
    pub fn new(mut records: Vec<PackageRecord>) -> Self {
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records.dedup_by(|later, first| later.name == first.name);
        let capacity = records
            .iter()
            .map(|r| r.name.len() + r.description.len() + 8)
            .sum();
        let mut text = Vec::with_capacity(capacity);
        let mut starts = Vec::with_capacity(records.len() + 1);
        let mut name_lengths = Vec::with_capacity(records.len());
        let mut stored =
            store::Records::with_capacity(records.len(), capacity + records.len() * 16);
        for record in &records {
            stored.push(record);
            starts.push(text.len());
            name_lengths.push(record.name.len());
            push_lowercase(&mut text, &record.name);
            text.push(b'\n');
            push_lowercase(&mut text, &record.description);
            if let Some(long) = &record.long_description {
                text.push(b'\n');
                push_lowercase(&mut text, long);
            }
            for provided in &record.provides {
                text.push(b'\n');
                push_lowercase(&mut text, provided);
            }
            text.push(RECORD_SEPARATOR);
        }
        starts.push(text.len());
        stored.finish();
        text.shrink_to_fit();
        Self {
            records: stored,
            text,
            starts,
            name_lengths,
        }
    }

    /// Number of packages.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the index holds no package.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.len() == 0
    }

    /// The record of the package with exactly this name (without its long
    /// description, which the index only searches).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<PackageRecord> {
        self.records
            .find(name)
            .map(|position| self.records.get(position))
    }

    /// Names closest to `name` (for "did you mean"), best first.
    #[must_use]
    pub fn closest_names(&self, name: &str, count: usize) -> Vec<&str> {
        fuzzy::closest(&self.records, name, count, &[])
            .into_iter()
            .map(|position| self.records.name(position))
            .collect()
    }

    /// Ranked search; see the crate docs for the matching rules.
    #[must_use]
    pub fn search(&self, query: &SearchQuery<'_>) -> SearchResults {
        let terms: Vec<Vec<u8>> = query
            .terms
            .iter()
            .map(|term| term.to_ascii_lowercase().into_bytes())
            .filter(|term| !term.is_empty())
            .collect();
        let Some((first, rest)) = terms.split_first() else {
            return SearchResults {
                hits: Vec::new(),
                exact_total: 0,
            };
        };
        let mut matches: Vec<(MatchKind, usize)> = self
            .positions_matching(first)
            .into_iter()
            .filter(|&position| {
                let text = self.record_text(position);
                rest.iter().all(|term| memmem::find(text, term).is_some())
            })
            .map(|position| (self.match_kind(position, &terms), position))
            .collect();
        matches.sort_by(|&(kind_a, a), &(kind_b, b)| {
            kind_a
                .cmp(&kind_b)
                .then(self.name_lengths[a].cmp(&self.name_lengths[b]))
                .then(self.records.name(a).cmp(self.records.name(b)))
        });
        let exact_total = matches.len();
        let limit = query.limit.unwrap_or(usize::MAX);
        let mut hits: Vec<SearchHit> = matches
            .iter()
            .take(limit)
            .map(|&(matched, position)| SearchHit {
                package: self.records.get(position),
                matched,
            })
            .collect();
        if exact_total <= query.fuzzy_below && hits.len() < limit {
            let joined = query.terms.join(" ");
            let exclude: Vec<usize> = matches.iter().map(|&(_, position)| position).collect();
            let room = (limit - hits.len()).min(fuzzy::MAX_FUZZY_HITS);
            hits.extend(
                fuzzy::closest(&self.records, &joined, room, &exclude)
                    .into_iter()
                    .map(|position| SearchHit {
                        package: self.records.get(position),
                        matched: MatchKind::Fuzzy,
                    }),
            );
        }
        SearchResults { hits, exact_total }
    }

    fn record_text(&self, position: usize) -> &[u8] {
        &self.text[self.record_range(position)]
    }

    fn record_range(&self, position: usize) -> Range<usize> {
        // The end excludes the separator.
        self.starts[position]..self.starts[position + 1] - 1
    }

    /// Every record whose text contains `term`, in index order, found with one pass.
    fn positions_matching(&self, term: &[u8]) -> Vec<usize> {
        let finder = memmem::Finder::new(term);
        let mut positions = Vec::new();
        let mut offset = 0;
        while let Some(found) = finder.find(&self.text[offset..]) {
            let at = offset + found;
            // The record holding `at`: the last start <= at.
            let position = self.starts.partition_point(|&start| start <= at) - 1;
            positions.push(position);
            // Resume at the next record: one hit per record is enough.
            offset = self.starts[position + 1];
            if offset >= self.text.len() {
                break;
            }
        }
        positions
    }

    fn match_kind(&self, position: usize, terms: &[Vec<u8>]) -> MatchKind {
        let text = self.record_text(position);
        let name = &text[..self.name_lengths[position]];
        let records = &self.records;
        terms
            .iter()
            .map(|term| {
                if name == term.as_slice() {
                    MatchKind::ExactName
                } else if name.starts_with(term) {
                    MatchKind::NamePrefix
                } else if memmem::find(name, term).is_some() {
                    MatchKind::NameSubstring
                } else if records
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

fn push_lowercase(buffer: &mut Vec<u8>, text: &str) {
    // A separator byte inside package text would split a record; drop it.
    buffer.extend(
        text.bytes()
            .filter(|&byte| byte != RECORD_SEPARATOR)
            .map(|byte| byte.to_ascii_lowercase()),
    );
}

#[cfg(test)]
mod tests;
