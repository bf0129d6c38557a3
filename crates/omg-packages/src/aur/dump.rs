//! The AUR's metadata dump (`packages-meta-ext-v1.json.gz`: a gzipped JSON array
//! of every package with the RPC's info fields) turned into a local index that
//! answers searches as [`super::search_hits`] ranks them, without a round trip.
//!
//! The dump is decoded as a stream, one package at a time, so the decompressed
//! text (~4× the download) never sits in memory; only what a search shows is
//! kept, packed into one text buffer (see [`AurIndex`]). Fetching and keeping the
//! file on disk is not done here (omgd does it with `omg_fetch::FeedCache`).

use super::{hit_order, lowercase_into, match_kind, normalized_terms, valid_package_name};
use crate::{Error, Result};
use omg_core::aur::{AurHit, AurPackage, AurSearchResults};
use omg_core::MatchKind;
use std::io::Read;

/// The dump's file name at the AUR's root.
pub const DUMP_FILE: &str = "packages-meta-ext-v1.json.gz";

/// The most decompressed bytes a dump may have. The real one is ~100 MB for
/// ~95,000 packages; a gzip bomb stops here instead of filling the disk's worth
/// of memory.
pub const MAX_DUMP_BYTES: u64 = 1 << 30;

/// The AUR's packages as far as a search shows them (name, base, version,
/// description, votes, popularity, flag date, maintainer).
///
/// Each package's text sits in one shared buffer and its entry holds offsets: a
/// `Vec<AurPackage>` would cost ~530 bytes of struct plus five allocations per
/// package (~70 MB for the real AUR); this costs ~64 bytes plus the text itself.
#[derive(Debug, Default)]
pub struct AurIndex {
    text: String,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    /// Where the entry's text starts in [`AurIndex::text`].
    start: u32,
    /// The ends (from `start`) of name, package base, version, description and
    /// maintainer, which follow each other in that order.
    ends: [u32; 5],
    has_description: bool,
    has_maintainer: bool,
    num_votes: u64,
    popularity: f64,
    out_of_date: Option<i64>,
}

impl AurIndex {
    /// How many packages it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes it occupies (text and entries), for the daemon's log.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    /// The packages every term matches, ranked as [`super::search_hits`] ranks an
    /// RPC answer, cut at `limit`; `total` counts them all.
    #[must_use]
    pub fn search(&self, terms: &[String], limit: Option<usize>) -> AurSearchResults {
        let terms = normalized_terms(terms);
        let mut lowered = String::new();
        let mut matched: Vec<(MatchKind, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(position, entry)| {
                let description = self.field(entry, 3);
                lowercase_into(description, &mut lowered);
                match_kind(&terms, self.field(entry, 0), &lowered).map(|kind| (kind, position))
            })
            .collect();
        matched.sort_by(|&(a_kind, a), &(b_kind, b)| {
            let (a, b) = (&self.entries[a], &self.entries[b]);
            hit_order(
                (a_kind, a.num_votes, self.field(a, 0)),
                (b_kind, b.num_votes, self.field(b, 0)),
            )
        });
        let total = matched.len();
        matched.truncate(limit.unwrap_or(usize::MAX));
        let hits = matched
            .into_iter()
            .map(|(matched, position)| AurHit {
                package: self.package(&self.entries[position]),
                matched,
            })
            .collect();
        AurSearchResults { hits, total }
    }

    fn field(&self, entry: &Entry, which: usize) -> &str {
        let start = entry.start as usize;
        let from = if which == 0 {
            0
        } else {
            entry.ends[which - 1] as usize
        };
        &self.text[start + from..start + entry.ends[which] as usize]
    }

    /// The package with the fields a search shows; the rest stay at their defaults.
    fn package(&self, entry: &Entry) -> AurPackage {
        let optional =
            |present: bool, which: usize| present.then(|| self.field(entry, which).to_owned());
        AurPackage {
            name: self.field(entry, 0).to_owned(),
            package_base: self.field(entry, 1).to_owned(),
            version: self.field(entry, 2).to_owned(),
            description: optional(entry.has_description, 3),
            maintainer: optional(entry.has_maintainer, 4),
            num_votes: entry.num_votes,
            popularity: entry.popularity,
            out_of_date: entry.out_of_date,
            ..AurPackage::default()
        }
    }

    fn push(&mut self, package: &AurPackage) -> std::result::Result<(), String> {
        let too_big = || "more text than an index can address".to_owned();
        let start = u32::try_from(self.text.len()).map_err(|_| too_big())?;
        let mut ends = [0_u32; 5];
        let fields = [
            package.name.as_str(),
            &package.package_base,
            &package.version,
            package.description.as_deref().unwrap_or_default(),
            package.maintainer.as_deref().unwrap_or_default(),
        ];
        for (end, field) in ends.iter_mut().zip(fields) {
            self.text.push_str(field);
            *end = u32::try_from(self.text.len() - start as usize).map_err(|_| too_big())?;
        }
        self.entries.push(Entry {
            start,
            ends,
            has_description: package.description.is_some(),
            has_maintainer: package.maintainer.is_some(),
            num_votes: package.num_votes,
            popularity: package.popularity,
            out_of_date: package.out_of_date,
        });
        Ok(())
    }
}

/// The index of the gzipped dump read from `gzipped`; `source` names it in errors.
/// Packages whose name breaks pacman's rule are dropped (as from RPC answers);
/// anything that is not a whole, well-formed dump is an error.
///
/// # Errors
/// [`Error::AurMalformed`]: not gzip, cut short, not a JSON array of packages
/// (its first bad element is named by position), trailing data, or more than
/// [`MAX_DUMP_BYTES`] decompressed.
pub fn parse_dump(gzipped: impl Read, source: &str) -> Result<AurIndex> {
    let decoder = flate2::read::GzDecoder::new(gzipped);
    let capped = Capped {
        inner: decoder,
        left: MAX_DUMP_BYTES,
    };
    let mut index = AurIndex::default();
    let mut position = 0_usize;
    for_each_element(
        std::io::BufReader::with_capacity(1 << 16, capped),
        |element| {
            position += 1;
            let package: AurPackage = serde_json::from_slice(element)
                .map_err(|error| format!("package {position}: {error}"))?;
            if valid_package_name(&package.name) {
                index.push(&package)?;
            }
            Ok(())
        },
    )
    .map_err(|reason| Error::AurMalformed {
        url: source.to_owned(),
        reason,
    })?;
    index.text.shrink_to_fit();
    index.entries.shrink_to_fit();
    Ok(index)
}

/// Hands each element of the top-level JSON array in `reader` to `each`, whole
/// and unparsed, holding one element at a time. serde_json reads a `Read`
/// byte by byte and its slice parser is several times faster, so the array is
/// cut here (tracking strings and nesting, nothing more) and each element is
/// parsed from a slice: the speed of parsing the whole text without holding it.
fn for_each_element(
    mut reader: impl std::io::BufRead,
    mut each: impl FnMut(&[u8]) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    #[derive(PartialEq)]
    enum Place {
        BeforeArray,
        /// After `[` (`first`) or a comma: an element or (only first) `]`.
        BeforeElement {
            first: bool,
        },
        InElement,
        AfterArray,
    }
    let mut place = Place::BeforeArray;
    let mut element = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0_usize, false, false);
    loop {
        let chunk = reader
            .fill_buf()
            .map_err(|error| format!("cannot decompress it: {error}"))?;
        if chunk.is_empty() {
            return match place {
                Place::AfterArray => Ok(()),
                _ => Err("it ends before its closing `]`".to_owned()),
            };
        }
        let length = chunk.len();
        for &byte in chunk {
            match place {
                Place::BeforeArray | Place::AfterArray | Place::BeforeElement { .. }
                    if byte.is_ascii_whitespace() => {}
                Place::BeforeArray if byte == b'[' => place = Place::BeforeElement { first: true },
                Place::BeforeArray => {
                    return Err(format!(
                        "expected a JSON array of packages, found `{}`",
                        char::from(byte)
                    ));
                }
                Place::AfterArray => return Err("data after the array's `]`".to_owned()),
                Place::BeforeElement { first: true } if byte == b']' => place = Place::AfterArray,
                Place::BeforeElement { .. } | Place::InElement => {
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if byte == b'\\' {
                            escaped = true;
                        } else if byte == b'"' {
                            in_string = false;
                        }
                    } else if depth == 0 && (byte == b',' || byte == b']') {
                        if place != Place::InElement {
                            return Err("an empty element in the array".to_owned());
                        }
                        each(&element)?;
                        element.clear();
                        place = if byte == b',' {
                            Place::BeforeElement { first: false }
                        } else {
                            Place::AfterArray
                        };
                        continue;
                    } else {
                        match byte {
                            b'"' => in_string = true,
                            b'{' | b'[' => depth += 1,
                            b'}' | b']' => {
                                depth = depth.checked_sub(1).ok_or_else(|| {
                                    format!("an unmatched `{}`", char::from(byte))
                                })?;
                            }
                            _ => {}
                        }
                    }
                    place = Place::InElement;
                    element.push(byte);
                }
            }
        }
        reader.consume(length);
    }
}

/// A reader that fails once more than `left` bytes came through.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.left = self.left.checked_sub(read as u64).ok_or_else(|| {
            std::io::Error::other(format!(
                "larger than {} MiB decompressed",
                MAX_DUMP_BYTES >> 20
            ))
        })?;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(text: &str) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    const DUMP: &str = r#"[
{"ID":1,"Name":"paru","PackageBaseID":2,"PackageBase":"paru","Version":"2.0.4-1","Description":"Feature packed AUR helper","URL":"https://github.com/morganamilo/paru","NumVotes":2430,"Popularity":41.823914,"OutOfDate":null,"Maintainer":"Morganamilo","Submitter":"Morganamilo","FirstSubmitted":1,"LastModified":2,"URLPath":"/cgit/aur.git/snapshot/paru.tar.gz","Depends":["git"],"License":["GPL-3.0-or-later"],"Keywords":["AUR"]},
{"ID":3,"Name":"paru-bin","PackageBaseID":4,"PackageBase":"paru-bin","Version":"2.0.4-1","Description":"Feature packed AUR helper","URL":null,"NumVotes":310,"Popularity":5.12,"OutOfDate":1700000000,"Maintainer":null,"Submitter":"x","FirstSubmitted":1,"LastModified":2,"URLPath":"/cgit/aur.git/snapshot/paru-bin.tar.gz"},
{"ID":5,"Name":"Evil\u001b[31m","PackageBaseID":6,"PackageBase":"../../x","Version":"1","Description":"helper","NumVotes":9999,"Popularity":0,"OutOfDate":null,"Maintainer":"m","FirstSubmitted":1,"LastModified":2},
{"ID":7,"Name":"yay","PackageBaseID":8,"PackageBase":"yay","Version":"12-1","Description":null,"NumVotes":2000,"Popularity":0,"OutOfDate":null,"Maintainer":"jguer","FirstSubmitted":1,"LastModified":2}
]"#;

    #[test]
    fn dump_keeps_valid_names_and_searches_like_the_rpc_path() {
        let index = parse_dump(&gzip(DUMP)[..], "dump").unwrap();
        assert_eq!(index.len(), 3);
        let packages: Vec<AurPackage> = serde_json::from_str(DUMP).unwrap();
        for terms in [
            &["paru"][..],
            &["AUR", "Helper"],
            &["y"],
            &["evil"],
            &["nothing-matches"],
        ] {
            let terms: Vec<String> = terms.iter().map(|&term| term.to_owned()).collect();
            let from_rpc = super::super::search_hits(&terms, packages.clone());
            let from_index = index.search(&terms, None);
            assert_eq!(from_index.total, from_rpc.len(), "{terms:?}");
            let shown = |hit: &AurHit| {
                let package = &hit.package;
                (
                    package.name.clone(),
                    package.package_base.clone(),
                    package.version.clone(),
                    package.description.clone(),
                    package.maintainer.clone(),
                    package.num_votes,
                    package.popularity.to_bits(),
                    package.out_of_date,
                    hit.matched,
                )
            };
            assert_eq!(
                from_index.hits.iter().map(shown).collect::<Vec<_>>(),
                from_rpc.iter().map(shown).collect::<Vec<_>>(),
                "{terms:?}"
            );
        }
        let limited = index.search(&["paru".to_owned()], Some(1));
        assert_eq!((limited.hits.len(), limited.total), (1, 2));
    }

    #[test]
    fn malformed_or_truncated_dumps_are_errors() {
        let whole = gzip(DUMP);
        let cut = &whole[..whole.len() / 2];
        let without_trailer = &whole[..whole.len() - 4];
        for (what, bytes) in [
            ("truncated", cut.to_vec()),
            ("no gzip trailer", without_trailer.to_vec()),
            ("not gzip", DUMP.as_bytes().to_vec()),
            ("not an array", gzip(r#"{"Name":"paru"}"#)),
            ("bad element", gzip(r#"[{"Name":3}]"#)),
            ("trailing data", gzip("[] []")),
            (
                "trailing comma",
                gzip(r#"[{"Name":"a","PackageBase":"a","Version":"1"},]"#),
            ),
            ("a number", gzip("[1]")),
            ("unbalanced", gzip("[{]}]")),
            ("unterminated string", gzip(r#"[{"Name":"a]"#)),
            ("cut JSON", gzip(&DUMP[..DUMP.len() - 10])),
            ("empty", Vec::new()),
        ] {
            let error = parse_dump(&bytes[..], "http://aur/dump").unwrap_err();
            assert!(
                matches!(error, Error::AurMalformed { .. }),
                "{what}: {error}"
            );
        }
    }

    #[test]
    fn a_dump_that_inflates_past_the_cap_is_refused() {
        let mut capped = Capped {
            inner: std::io::repeat(b' '),
            left: 1000,
        };
        let error = std::io::copy(&mut capped, &mut std::io::sink()).unwrap_err();
        assert!(error.to_string().contains("decompressed"), "{error}");
    }
}
