use super::*;

fn record(name: &str, description: &str) -> PackageRecord {
    PackageRecord {
        name: name.to_owned(),
        version: "1.0-1".to_owned(),
        description: description.to_owned(),
        long_description: None,
        repository: "core".to_owned(),
        installed_version: None,
        provides: Vec::new(),
    }
}

fn index() -> Index {
    let mut provider = record("neo-qt", "Qt frontend");
    provider.provides = vec!["Editor-GUI".to_owned()];
    let mut long = record("nodejs", "event-based javascript");
    long.long_description = Some("influenced by Ruby's Event Machine".to_owned());
    Index::new(vec![
        record("vim-runtime", "Vi IMproved runtime files"),
        record("vim", "Vi IMproved, a text editor"),
        record("gvim", "Vi IMproved with a GUI"),
        record("neovim", "fork of VIM focused on extensibility"),
        record("python3", "interactive high-level language"),
        record("python3-vim", "VIM bindings"),
        record("emacs", "the extensible editor"),
        provider,
        long,
    ])
}

/// Long text read the way a snapshot's is: a chunk at a time, never whole.
#[derive(Debug)]
struct Chunked(Vec<u8>);

impl LongSource for Chunked {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
        InMemory(self.0.clone()).read_at(buffer, offset)
    }
}

/// A long text that cannot be read.
#[derive(Debug)]
struct Unreadable(u64);

impl LongSource for Unreadable {
    fn len(&self) -> u64 {
        self.0
    }

    fn read_at(&self, _: &mut [u8], _: u64) -> std::io::Result<()> {
        Err(std::io::Error::other("disk on fire"))
    }
}

/// `bytes` loaded with `built`'s long text, read a chunk at a time.
fn reload(built: &Index, bytes: Vec<u8>) -> Result<Index, InvalidLayout> {
    let long = built.long_text().unwrap_or_default().to_vec();
    Index::from_bytes(bytes, Box::new(Chunked(long)))
}

fn search(index: &Index, terms: &[&str]) -> Vec<(String, MatchKind)> {
    let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
    index
        .search(&SearchQuery {
            terms: &terms,
            limit: None,
            fuzzy_below: 0,
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| (hit.package.name, hit.matched))
        .collect()
}

#[test]
fn search_ranks_exact_then_prefix_then_substring_then_description() {
    let hits = search(&index(), &["vim"]);
    let expected = [
        ("vim", MatchKind::ExactName),
        ("vim-runtime", MatchKind::NamePrefix),
        ("gvim", MatchKind::NameSubstring),
        ("neovim", MatchKind::NameSubstring),
        ("python3-vim", MatchKind::NameSubstring),
    ];
    let expected: Vec<(String, MatchKind)> = expected
        .iter()
        .map(|(n, k)| ((*n).to_owned(), *k))
        .collect();
    assert_eq!(hits, expected);
}

#[test]
fn search_is_case_insensitive_in_descriptions() {
    let names: Vec<String> = search(&index(), &["EDITOR"])
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(names, ["neo-qt", "vim", "emacs"]);
}

#[test]
fn search_requires_every_term() {
    let names: Vec<String> = search(&index(), &["vim", "gui"])
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(names, ["gvim"]);
}

#[test]
fn search_matches_provided_names() {
    assert_eq!(
        search(&index(), &["editor-gui"]),
        [("neo-qt".to_owned(), MatchKind::Provides)]
    );
}

#[test]
fn search_matches_long_description() {
    assert_eq!(
        search(&index(), &["event machine"]),
        [("nodejs".to_owned(), MatchKind::Description)]
    );
}

#[test]
fn search_phrase_term_stays_one_term() {
    assert!(search(&index(), &["editor vi"]).is_empty());
    assert_eq!(search(&index(), &["a text editor"]).len(), 1);
}

#[test]
fn search_no_match_across_records() {
    // "focused on" ends one record; a term spanning into the next must not match.
    assert!(search(&index(), &["extensibilitypython3"]).is_empty());
}

#[test]
fn search_empty_query_is_empty() {
    assert!(search(&index(), &[]).is_empty());
    assert!(search(&index(), &[""]).is_empty());
}

#[test]
fn search_limit_cuts_hits_but_counts_all() {
    let terms = vec!["vim".to_owned()];
    let results = index()
        .search(&SearchQuery {
            terms: &terms,
            limit: Some(2),
            fuzzy_below: 0,
        })
        .unwrap();
    assert_eq!(results.hits.len(), 2);
    assert_eq!(results.exact_total, 5);
}

#[test]
fn search_adds_labelled_fuzzy_hits_when_exact_set_is_small() {
    let terms = vec!["pyhton3".to_owned()];
    let results = index()
        .search(&SearchQuery {
            terms: &terms,
            limit: None,
            fuzzy_below: 5,
        })
        .unwrap();
    assert_eq!(results.exact_total, 0);
    assert_eq!(results.hits[0].package.name, "python3");
    assert_eq!(results.hits[0].matched, MatchKind::Fuzzy);
}

#[test]
fn search_fuzzy_never_repeats_exact_hits() {
    let terms = vec!["emacs".to_owned()];
    let results = index()
        .search(&SearchQuery {
            terms: &terms,
            limit: None,
            fuzzy_below: 5,
        })
        .unwrap();
    let emacs = results
        .hits
        .iter()
        .filter(|h| h.package.name == "emacs")
        .count();
    assert_eq!(emacs, 1);
}

#[test]
fn get_finds_exact_name_only() {
    let index = index();
    let vim = index.get("vim").unwrap();
    assert_eq!((vim.name.as_str(), vim.version.as_str()), ("vim", "1.0-1"));
    assert_eq!(vim.repository, "core");
    assert!(index.get("vi").is_none());
}

#[test]
fn closest_names_suggests_typo_fixes() {
    assert_eq!(index().closest_names("emcas", 3).first(), Some(&"emacs"));
}

#[test]
fn new_keeps_first_record_of_duplicate_names() {
    let index = Index::new(vec![record("a", "first"), record("a", "second")]);
    assert_eq!(index.len(), 1);
    assert_eq!(index.get("a").unwrap().description, "first");
}

#[test]
fn edit_distance_counts_transposition_as_one() {
    assert_eq!(edit_distance("pyhton", "python", 2), Some(1));
    assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
    assert_eq!(edit_distance("kitten", "sitting", 2), None);
    assert_eq!(edit_distance("", "", 0), Some(0));
}

fn every_answer(index: &Index) -> Vec<String> {
    let mut answers = Vec::new();
    for terms in [
        &["vim"][..],
        &["editor"],
        &["vi", "improved"],
        &["gui"],
        &["ruby"],
    ] {
        let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
        let results = index
            .search(&SearchQuery {
                terms: &terms,
                limit: None,
                fuzzy_below: 5,
            })
            .unwrap();
        answers.push(format!("{results:?}"));
    }
    for name in ["vim", "neo-qt", "nodejs", "absent", "vmi"] {
        answers.push(format!("{:?}", index.get(name)));
        answers.push(format!("{:?}", index.closest_names(name, 3)));
    }
    answers
}

#[test]
fn bytes_give_back_the_same_index() {
    let built = index();
    let loaded = reload(&built, built.as_bytes().to_vec()).unwrap();
    assert_eq!(loaded.len(), built.len());
    assert_eq!(every_answer(&loaded), every_answer(&built));
    assert_eq!(loaded.position("python3"), built.position("python3"));
    assert!(loaded.position("python3").is_some());
}

#[test]
fn an_empty_index_round_trips() {
    let empty = Index::new(Vec::new());
    let loaded = reload(&empty, empty.as_bytes().to_vec()).unwrap();
    assert!(loaded.is_empty());
    assert_eq!(every_answer(&loaded), every_answer(&empty));
}

#[test]
fn truncated_bytes_are_refused() {
    let built = index();
    let bytes = built.as_bytes().to_vec();
    for length in 0..bytes.len() {
        assert!(
            reload(&built, bytes[..length].to_vec()).is_err(),
            "{length} of {} bytes accepted",
            bytes.len()
        );
    }
    let mut longer = bytes;
    longer.push(0);
    assert!(reload(&built, longer).is_err());
}

/// Damaged bytes that still pass the checks must not make a read go out of
/// bounds: every request on whatever loads runs to an answer, never a panic.
#[test]
fn damaged_bytes_are_refused_or_read_safely() {
    let built = index();
    let bytes = built.as_bytes().to_vec();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut refused, mut loaded) = (0, 0);
    for _ in 0..4000 {
        let mut damaged = bytes.clone();
        for _ in 0..=next() % 3 {
            let at = usize::try_from(next() % bytes.len() as u64).unwrap();
            damaged[at] = u8::try_from(next() & 0xff).unwrap();
        }
        match reload(&built, damaged) {
            Ok(index) => {
                loaded += 1;
                every_answer(&index);
            }
            Err(_) => refused += 1,
        }
    }
    // Both branches ran: the checks refuse structural damage, and damage to
    // plain text (a description byte) still loads.
    assert!(
        refused > 100 && loaded > 100,
        "refused {refused}, loaded {loaded}"
    );
}

#[test]
fn a_separator_byte_in_a_name_keeps_the_layout_valid() {
    let index = Index::new(vec![
        record("odd\0name", "has a separator"),
        record("vim", ""),
    ]);
    let loaded = reload(&index, index.as_bytes().to_vec()).unwrap();
    assert_eq!(every_answer(&loaded), every_answer(&index));
    assert!(search(&index, &["separator"]).len() == 1);
}

/// Long descriptions spread over several chunks: hits in every chunk, at chunk
/// edges and in records without one are found exactly as in memory.
#[test]
fn long_text_read_in_chunks_finds_what_memory_finds() {
    let records: Vec<PackageRecord> = (0..3000)
        .map(|number| {
            let mut package = record(&format!("pkg{number:04}"), "plain");
            if number % 7 != 0 {
                let marker = if number % 500 == 0 { " quokka" } else { "" };
                package.long_description =
                    Some(format!("{}{marker} tail{number}", "padding ".repeat(120)));
            }
            package
        })
        .collect();
    let built = Index::new(records);
    assert!(built.long_len() > 2 * long::CHUNK);
    let loaded = reload(&built, built.as_bytes().to_vec()).unwrap();
    for terms in [
        &["quokka"][..],
        &["tail2999"],
        &["tail0"],
        &["padding", "pkg0001"],
    ] {
        assert_eq!(search(&loaded, terms), search(&built, terms), "{terms:?}");
    }
    assert_eq!(search(&loaded, &["quokka"]).len(), 5);
    assert_eq!(search(&loaded, &["tail1000"]).len(), 1);
}

#[test]
fn a_long_text_of_another_length_is_refused_and_a_failing_one_fails_the_search() {
    let built = index();
    let length = built.long_len();
    assert!(
        Index::from_bytes(built.as_bytes().to_vec(), Box::new(Unreadable(length + 1))).is_err()
    );
    let broken =
        Index::from_bytes(built.as_bytes().to_vec(), Box::new(Unreadable(length))).unwrap();
    let terms = vec!["machine".to_owned()];
    let query = SearchQuery {
        terms: &terms,
        limit: None,
        fuzzy_below: 0,
    };
    assert!(broken.search(&query).is_err());
}
