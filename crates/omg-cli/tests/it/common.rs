//! Running `omg` (and reference tools) with a private environment.

use std::path::Path;
use std::process::{Command, Output};

/// An isolated home for one test: no user config leaks in.
pub(crate) struct Context {
    home: tempfile::TempDir,
}

impl Context {
    pub(crate) fn new() -> Self {
        Self {
            home: tempfile::tempdir().expect("temp home"),
        }
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    /// `omg` with `args`, a private HOME/XDG tree and no colour.
    pub(crate) fn omg(&self, args: &[&str]) -> Output {
        let home = self.home.path();
        Command::new(env!("CARGO_BIN_EXE_omg"))
            .args(args)
            .env_remove("OMG_BACKEND")
            .env_remove("OMG_CONFIG")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("NO_COLOR", "1")
            .output()
            .expect("run omg")
    }

    /// `omg` that must succeed; returns stdout.
    pub(crate) fn omg_ok(&self, args: &[&str]) -> String {
        let output = self.omg(args);
        assert!(
            output.status.success(),
            "omg {args:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// `omg … --json` parsed.
    pub(crate) fn omg_json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let stdout = self.omg_ok(&args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("bad JSON from omg {args:?}: {e}\n{stdout}"))
    }
}

/// A reference tool's stdout; it must succeed.
pub(crate) fn reference(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Names of the exact (non-fuzzy) hits of `omg search --json`, sorted.
pub(crate) fn exact_hit_names(json: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = json["hits"]
        .as_array()
        .expect("hits array")
        .iter()
        .filter(|hit| hit["matched"] != "fuzzy")
        .map(|hit| hit["name"].as_str().expect("name").to_owned())
        .collect();
    names.sort();
    names
}

/// Sorted, de-duplicated lines.
pub(crate) fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines.dedup();
    lines
}
