//! Typo-tolerant name matching, for "did you mean" and for searches whose exact
//! result set is small. Two signals: an edit distance that forgives one or two
//! typos (swapped, missing, extra or wrong letters), and nucleo's subsequence score
//! for abbreviations (`ffox` → `firefox`).

use crate::store::Store;
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Most fuzzy hits a search adds.
pub(crate) const MAX_FUZZY_HITS: usize = 10;

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions),
/// ASCII-case-insensitive, or `None` when it exceeds `bound`.
#[must_use]
pub fn edit_distance(a: &str, b: &str, bound: usize) -> Option<usize> {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let width = b.len() + 1;
    let mut previous2 = vec![0usize; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current = vec![0usize; width];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(previous2[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        if row_min > bound {
            return None;
        }
        std::mem::swap(&mut previous2, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous[b.len()]).filter(|&distance| distance <= bound)
}

/// Typos forgiven for a query of this length: short names tolerate one.
fn typo_bound(query: &str) -> usize {
    match query.len() {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

/// Positions of the `count` records whose names are closest to `query`, best first,
/// leaving out `exclude`.
pub(crate) fn closest(records: &Store, query: &str, count: usize, exclude: &[usize]) -> Vec<usize> {
    if count == 0 || query.trim().is_empty() {
        return Vec::new();
    }
    let bound = typo_bound(query);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::new(
        query,
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut buffer = Vec::new();
    // Rank key: edit distance first (absent = worse than any), then nucleo score.
    let mut scored: Vec<(usize, std::cmp::Reverse<u32>, usize)> = (0..records.len())
        .filter(|position| !exclude.contains(position))
        .filter_map(|position| {
            let name = records.name(position);
            let distance = edit_distance(query, name, bound);
            let score = pattern.score(Utf32Str::new(name, &mut buffer), &mut matcher);
            // A subsequence hit alone must be strong: roughly every query character
            // matched in a run, not scattered across a long name.
            let strong_score = score.filter(|&s| s as usize >= query.len() * 20);
            match (distance, strong_score) {
                (None, None) => None,
                (distance, score) => Some((
                    distance.unwrap_or(usize::MAX),
                    std::cmp::Reverse(score.unwrap_or(0)),
                    position,
                )),
            }
        })
        .collect();
    scored.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(records.name(a.2).len().cmp(&records.name(b.2).len()))
    });
    scored
        .into_iter()
        .take(count)
        .map(|(_, _, position)| position)
        .collect()
}
