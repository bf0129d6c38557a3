//! The change history (`<root>/var/log/omg/history.jsonl`) on hostile contents:
//! whoever owns a hermetic root writes what `omg history` reads. Every non-blank
//! line is an entry or counted as skipped, never a panic, and every entry read
//! writes back to one line that reads as the same entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_core::history::parse;

fuzz_target!(|data: &[u8]| {
    let (entries, skipped) = parse(data);
    let lines = data
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(entries.len() + skipped, lines);
    for entry in entries {
        let line = serde_json::to_vec(&entry).expect("an entry serialises");
        assert!(!line.contains(&b'\n'), "an entry is one line");
        assert_eq!(parse(&line), (vec![entry], 0));
    }
});
