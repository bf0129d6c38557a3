//! pacman.conf as omg reads it: sections, options, `$repo`/`$arch` substitution and
//! `Include` of files and globs. Input: `pacman.conf NUL a.conf NUL b.conf`, written
//! to a scratch directory; `@/` in the text stands for that directory, so includes
//! (`Include = @/a.conf`, `Include = @/*.conf`, a file including itself) stay
//! inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omg_fuzz::{split, Scratch};
use omg_packages::pacman::conf::PacmanConf;
use std::sync::OnceLock;

const FILES: [&str; 3] = ["pacman.conf", "a.conf", "b.conf"];

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    let files = split(data, FILES.len());
    if !files.iter().all(|text| includes_stay_in_scratch(text)) {
        return;
    }
    let scratch = SCRATCH.get_or_init(Scratch::new).fresh();
    let prefix = format!("{}/", scratch.display());
    for (name, text) in FILES.iter().zip(files) {
        std::fs::write(scratch.join(name), replace(text, b"@/", prefix.as_bytes())).unwrap();
    }
    if let Ok(conf) = PacmanConf::load(&scratch.join("pacman.conf")) {
        assert!(!conf.architectures.is_empty());
        for repo in &conf.repos {
            assert!(!repo.name.is_empty() && repo.name != "options");
        }
    }
});

/// Whether every `Include` names the scratch directory. Anything else could name a
/// device (`Include = /dev/*` reads /dev/zero for ever, as pacman would), a system
/// file or the fuzzer's working directory: not what is being tested. The filter
/// errs on the side of skipping: any line mentioning `Include` counts.
fn includes_stay_in_scratch(text: &[u8]) -> bool {
    text.split(|&byte| byte == b'\n').all(|line| {
        let line = String::from_utf8_lossy(line);
        let (key, value) = line.split_once('=').unwrap_or((&line, ""));
        if !key.contains("Include") {
            return true;
        }
        let value = value.trim();
        value.is_empty()
            || value.strip_prefix("@/").is_some_and(|rest| {
                !rest.contains('/') && !rest.contains("..") && !rest.contains("@/")
            })
    })
}

fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}
