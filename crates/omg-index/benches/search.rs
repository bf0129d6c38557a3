//! Search over an index the size of Debian's (about 64k packages), built from a
//! deterministic synthetic corpus so the benchmark needs no package database.

use omg_core::PackageRecord;
use omg_index::{Index, SearchQuery};

fn main() {
    divan::main();
}

const WORDS: &[&str] = &[
    "library",
    "python",
    "vim",
    "editor",
    "development",
    "files",
    "server",
    "client",
    "tool",
    "perl",
    "module",
    "rust",
    "crate",
    "plugin",
    "data",
    "documentation",
    "utility",
    "gnome",
    "kde",
    "network",
    "curl",
    "http",
    "xml",
    "json",
    "image",
    "audio",
    "video",
    "font",
];

fn corpus(size: usize) -> Vec<PackageRecord> {
    // A linear congruential generator keeps the corpus identical across runs.
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        usize::try_from(state >> 33).unwrap_or(0)
    };
    (0..size)
        .map(|i| {
            let mut word = || WORDS[next() % WORDS.len()];
            let name = format!("{}-{}{}", word(), word(), i);
            let description = format!("{} {} for {} {}", word(), word(), word(), word());
            PackageRecord {
                name,
                version: "1.0-1".to_owned(),
                description,
                long_description: None,
                repository: "bookworm/main".to_owned(),
                installed_version: None,
                provides: Vec::new(),
            }
        })
        .collect()
}

#[divan::bench(args = [&["vim"][..], &["python"][..], &["python", "xml"][..], &["zzzz"][..]])]
fn search_64k(bencher: divan::Bencher<'_, '_>, terms: &[&str]) {
    let index = Index::new(corpus(64_000));
    let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
    bencher.bench(|| {
        index
            .search(&SearchQuery {
                terms: &terms,
                limit: Some(50),
                fuzzy_below: 5,
            })
            .unwrap()
    });
}

#[divan::bench]
fn build_64k(bencher: divan::Bencher<'_, '_>) {
    bencher
        .with_inputs(|| corpus(64_000))
        .bench_values(Index::new);
}
