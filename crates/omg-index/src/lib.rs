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
pub use store::InvalidLayout;

use memchr::memmem;
use omg_core::{MatchKind, PackageRecord, SearchHit, SearchResults};

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
/// that a snapshot stores as it is ([`Index::as_bytes`], [`Index::from_bytes`]).
#[derive(Debug, Default)]
pub struct Index {
    store: store::Store,
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
        Self {
            store: builder.finish(),
        }
    }

    /// The index's bytes, for a snapshot.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.store.as_bytes()
    }

    /// An index from bytes [`Index::as_bytes`] gave, used as they are. Every offset
    /// in them is checked first: whatever the bytes, the index never reads out of
    /// bounds, and bytes that are not an index are refused.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, InvalidLayout> {
        Ok(Self {
            store: store::Store::from_bytes(bytes)?,
        })
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
                let text = self.store.record_text(position);
                rest.iter().all(|term| memmem::find(text, term).is_some())
            })
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
        SearchResults { hits, exact_total }
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
