//! Both version orders against the real binaries, `vercmp` (pacman) and
//! `dpkg --compare-versions`, on thousands of generated pairs: realistic versions,
//! nasty ones, and near-copies of each other (where ordering bugs hide).

use omg_core::version::{dpkg, pacman};
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::process::Command;

const PAIRS: usize = 4000;

/// A small deterministic generator: failures reproduce from the printed seed.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }

    fn number(&mut self) -> String {
        match self.next() % 6 {
            0 => "0".to_owned(),
            1 => format!("0{}", self.next() % 10),
            2 => (self.next() % 100_000_000).to_string(),
            3 => "12345678901234567890".to_owned(),
            _ => (self.next() % 20).to_string(),
        }
    }

    /// A version from `pieces` joined by `separators`, starting with a digit.
    fn version(&mut self, words: &[&str], separators: &[&str]) -> String {
        let mut version = self.number();
        for _ in 0..self.next() % 5 {
            version.push_str(self.pick(separators));
            if self.next().is_multiple_of(3) {
                version.push_str(self.pick(words));
            } else {
                version.push_str(&self.number());
            }
        }
        version
    }

    /// `version`, or a small mutation of it.
    fn near(&mut self, version: &str, alphabet: &[&str]) -> String {
        let mut chars: Vec<char> = version.chars().collect();
        match self.next() % 4 {
            0 => return version.to_owned(),
            1 if !chars.is_empty() => {
                let at = self.next() % chars.len();
                chars.remove(at);
            }
            2 => {
                let at = self.next() % (chars.len() + 1);
                let insert = self.pick(alphabet);
                for (offset, c) in insert.chars().enumerate() {
                    chars.insert(at + offset, c);
                }
            }
            _ => chars.push_str_compat(self.pick(alphabet)),
        }
        chars.into_iter().collect()
    }
}

trait PushStr {
    fn push_str_compat(&mut self, s: &str);
}

impl PushStr for Vec<char> {
    fn push_str_compat(&mut self, s: &str) {
        self.extend(s.chars());
    }
}

/// Runs `script` with sh and returns its output lines; one line per pair.
fn run_script(script: &str) -> Vec<String> {
    use std::io::Write as _;
    let mut child = Command::new("sh")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run sh");
    let mut stdin = child.stdin.take().expect("stdin");
    let script = script.to_owned();
    // Write from another thread so a full stdout pipe cannot deadlock the writer.
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let output = child.wait_with_output().expect("wait for sh");
    writer.join().expect("writer thread").expect("write script");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn require(binary: &str, package: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {binary}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{binary} is missing: install the Debian package {package} (scripts/setup does)"
    );
}

fn pacman_pairs(seed: u64) -> Vec<(String, String)> {
    let mut generator = Generator(seed);
    let words = ["a", "alpha", "beta", "rc", "pre", "git", "r", "b", "z"];
    let separators = [".", ".", ".", "_", "+", "..", "~"];
    let alphabet = ["0", "1", ".", "a", "rc1", "-2", "1:", "_", "+"];
    (0..PAIRS)
        .map(|_| {
            let mut version = generator.version(&words, &separators);
            if generator.next().is_multiple_of(4) {
                version = format!("{}:{version}", generator.next() % 3);
            }
            if generator.next().is_multiple_of(2) {
                version = format!("{version}-{}", generator.version(&words, &["."]));
            }
            let other = if generator.next().is_multiple_of(3) {
                generator.version(&words, &separators)
            } else {
                generator.near(&version, &alphabet)
            };
            (version, other)
        })
        .collect()
}

#[test]
fn pacman_vercmp_equals_vercmp_binary() {
    require("vercmp", "pacman-package-manager");
    let pairs = pacman_pairs(0x0a1b_2c3d);
    let mut script = String::new();
    for (a, b) in &pairs {
        // Generated versions hold no single quote, so quoting is plain.
        writeln!(script, "vercmp '{a}' '{b}'").unwrap();
    }
    let lines = run_script(&script);
    assert_eq!(lines.len(), pairs.len());
    let mut mismatches = Vec::new();
    for ((a, b), line) in pairs.iter().zip(&lines) {
        let expected = line
            .trim()
            .parse::<i32>()
            .expect("vercmp prints a number")
            .cmp(&0);
        if pacman::vercmp(a, b) != expected {
            mismatches.push(format!(
                "{a} vs {b}: vercmp {expected:?}, omg {:?}",
                pacman::vercmp(a, b)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
}

fn dpkg_pairs(seed: u64) -> Vec<(String, String)> {
    let mut generator = Generator(seed);
    let words = [
        "a", "alpha", "beta", "rc", "dfsg", "git", "b", "deb12u", "z",
    ];
    let separators = [".", ".", "+", "~", "~", "."];
    let alphabet = ["0", "1", ".", "a", "~", "+", "~rc1", "+b1"];
    let valid = |version: &str| dpkg::validate(version).is_ok() && !version.ends_with(':');
    let mut pairs = Vec::with_capacity(PAIRS);
    while pairs.len() < PAIRS {
        let mut version = generator.version(&words, &separators);
        if generator.next().is_multiple_of(4) {
            version = format!("{}:{version}", generator.next() % 3);
        }
        if generator.next().is_multiple_of(2) {
            version = format!("{version}-{}", generator.version(&words, &[".", "+", "~"]));
        }
        let other = if generator.next().is_multiple_of(3) {
            generator.version(&words, &separators)
        } else {
            generator.near(&version, &alphabet)
        };
        // dpkg rejects invalid versions with an error instead of ordering them.
        if valid(&version) && valid(&other) {
            pairs.push((version, other));
        }
    }
    pairs
}

#[test]
fn dpkg_compare_equals_dpkg_compare_versions() {
    require("dpkg", "dpkg");
    let pairs = dpkg_pairs(0x5eed_d9c6);
    let mut script = String::new();
    for (a, b) in &pairs {
        writeln!(
            script,
            "if dpkg --compare-versions '{a}' lt '{b}' 2>/dev/null; then echo lt; elif dpkg --compare-versions '{a}' eq '{b}' 2>/dev/null; then echo eq; else echo gt; fi"
        )
        .unwrap();
    }
    let lines = run_script(&script);
    assert_eq!(lines.len(), pairs.len());
    let mut mismatches = Vec::new();
    for ((a, b), line) in pairs.iter().zip(&lines) {
        let expected = match line.as_str() {
            "lt" => Ordering::Less,
            "eq" => Ordering::Equal,
            _ => Ordering::Greater,
        };
        if dpkg::compare(a, b) != expected {
            mismatches.push(format!(
                "{a} vs {b}: dpkg {expected:?}, omg {:?}",
                dpkg::compare(a, b)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
}
