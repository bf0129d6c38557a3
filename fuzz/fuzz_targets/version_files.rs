//! Every version-file parser on hostile contents (a cloned repository decides what
//! they read). Input: a selector byte picking the file name from `FILES`, then the
//! file's contents. A parser returns requests or an error naming a line of the
//! file; it never panics, and every version it returns is one non-empty word.
//! Tool names are not checked here: they are whatever the file says, and become
//! safe (or are refused) where a name turns into a path, in the layout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_runtimes::version_files::{parse, VersionFileError, FILES};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, contents)) = data.split_first() else {
        return;
    };
    // `resolve` reads files with read_to_string: only UTF-8 reaches a parser.
    let Ok(contents) = std::str::from_utf8(contents) else {
        return;
    };
    let name = FILES[usize::from(selector) % FILES.len()];
    match parse(name, contents, Path::new(name)) {
        Ok(requests) => {
            for (_, version) in requests {
                assert!(!version.is_empty(), "{name}: empty version");
                assert!(
                    !version.chars().any(|c| c.is_whitespace() || c.is_control()),
                    "{name}: version {version:?} is not one word"
                );
            }
        }
        Err(VersionFileError::Malformed { line, .. }) => {
            // An error at the very end of a file that ends in a newline is on the
            // empty line after it.
            let lines = contents.split('\n').count();
            assert!(
                (1..=lines).contains(&line),
                "{name}: error on line {line} of a {lines}-line file"
            );
        }
        Err(_) => {}
    }
});
