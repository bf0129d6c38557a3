//! The Debian backend reading a hostile dpkg status, APT `extended_states` and one
//! `Packages` list (plain, lz4, gzip or xz): the control-stanza parser, the list
//! decompressors and every query on top of them. Input: a selector byte for the
//! list's compression, then `status NUL extended_states NUL list`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_fuzz::{split, Scratch};
use omg_packages::debian::{Architectures, DebianBackend, DebianPaths};
use omg_packages::PackageBackend;
use std::sync::OnceLock;

const LIST: &str = "deb.example_debian_dists_stable_main_binary-amd64_Packages";
const SUFFIXES: [&str; 6] = ["", ".lz4", ".gz", ".xz", ".zst", ".bz2"];
/// The source whose list file name is [`LIST`]: only configured sources are read.
const SOURCES: &str = "deb [trusted=yes] http://deb.example/debian stable main\n";

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let scratch = SCRATCH.get_or_init(Scratch::new).fresh();
    let [status, extended, list] = split(rest, 3)[..] else {
        unreachable!()
    };
    let lists_dir = scratch.join("lists");
    std::fs::create_dir(&lists_dir).unwrap();
    let suffix = SUFFIXES[usize::from(selector) % SUFFIXES.len()];
    std::fs::write(lists_dir.join(format!("{LIST}{suffix}")), list).unwrap();
    std::fs::write(scratch.join("status"), status).unwrap();
    std::fs::write(scratch.join("extended_states"), extended).unwrap();
    let etc_dir = scratch.join("etc");
    std::fs::create_dir(&etc_dir).unwrap();
    std::fs::write(etc_dir.join("sources.list"), SOURCES).unwrap();
    // Fixed architectures: asking dpkg would start a process per input.
    let backend = DebianBackend::with_architectures(
        DebianPaths {
            lists_dir,
            status_file: scratch.join("status"),
            extended_states: scratch.join("extended_states"),
            etc_dir,
        },
        Architectures {
            native: "amd64".to_owned(),
            foreign: Vec::new(),
        },
    );

    // A corrupt list is an error, never a panic; the status alone still answers.
    let records = backend.records();
    let _ = backend.upgradable();
    let installed = backend.installed().expect("the status file always reads");
    let _ = backend.orphans().expect("the status file always reads");
    let mut names: Vec<String> = installed.into_iter().map(|p| p.name).collect();
    if let Ok(records) = records {
        names.extend(records.into_iter().map(|r| r.name));
    }
    for name in names.iter().take(8) {
        // The package a name finds is the package of that name.
        if let Ok(Some(details)) = backend.details(name) {
            assert_eq!(&details.name, name);
        }
    }
});
