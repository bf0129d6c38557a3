//! APT's configuration files: which files of a `*.d` directory APT reads, and the
//! few `apt.conf` settings the read path needs (`APT::Default-Release`,
//! `APT::Architecture`, `APT::Architectures`, `Acquire::Languages`).
//!
//! The apt.conf reader understands the syntax (scopes, `::` paths, lists, comments)
//! but keeps only those keys; `#include` and `#clear` are not followed.

use super::control::lossy;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The files of `dir` APT reads, sorted by name: names made of letters, digits, `_`,
/// `-`, `.` and `:`, ending in one of `extensions` (or without any dot when
/// `allow_no_extension`), like run-parts. A missing directory has none.
pub(crate) fn config_parts(
    dir: &Path,
    extensions: &[&str],
    allow_no_extension: bool,
) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| !kind.is_dir()))
        .filter(|entry| {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return false;
            };
            let clean = name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"_-.:".contains(&c));
            let wanted = match name.rsplit_once('.') {
                Some((_, extension)) => extensions.contains(&extension),
                None => allow_no_extension,
            };
            clean && wanted
        })
        .map(|entry| entry.path())
        .collect();
    files.sort();
    files
}

/// The apt.conf settings the read path uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AptConf {
    /// `APT::Default-Release`.
    pub(crate) default_release: Option<String>,
    /// `APT::Architecture`.
    pub(crate) architecture: Option<String>,
    /// `APT::Architectures` (a list).
    pub(crate) architectures: Vec<String>,
    /// `Acquire::Languages`, when set (a list).
    pub(crate) languages: Option<Vec<String>>,
    /// `APT::Acquire::Translation`, the setting `Acquire::Languages` replaced, which
    /// apt still obeys.
    pub(crate) old_translation: Option<String>,
}

/// Every setting of the files read: scalars (the last one wins) and list items.
#[derive(Debug, Default)]
struct Values {
    scalars: HashMap<String, String>,
    lists: HashMap<String, Vec<String>>,
}

impl Values {
    fn scalar(&self, key: &str) -> Option<String> {
        self.scalars
            .get(key)
            .filter(|value| !value.is_empty())
            .cloned()
    }

    /// apt's `FindVector`: a non-empty scalar split at commas, else the list items.
    fn vector(&self, key: &str) -> Option<Vec<String>> {
        match self.scalar(key) {
            Some(value) => Some(value.split(',').map(str::to_owned).collect()),
            None => self.lists.get(key).cloned(),
        }
    }
}

impl AptConf {
    /// Reads `etc/apt.conf` after `etc/apt.conf.d/*`, as APT does: the main file wins.
    pub(crate) fn read(etc: &Path) -> Self {
        let mut values = Values::default();
        let mut files = config_parts(&etc.join("apt.conf.d"), &["conf"], true);
        files.push(etc.join("apt.conf"));
        for path in files {
            if let Ok(text) = std::fs::read(&path) {
                parse(&lossy(&text), &mut values);
            }
        }
        Self {
            default_release: values.scalar("apt::default-release"),
            architecture: values.scalar("apt::architecture"),
            architectures: values.vector("apt::architectures").unwrap_or_default(),
            languages: values.vector("acquire::languages"),
            old_translation: values.scalar("apt::acquire::translation"),
        }
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Open,
    Close,
    End,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => tokens.push(Token::Open),
            '}' => tokens.push(Token::Close),
            ';' => tokens.push(Token::End),
            '"' => {
                let mut word = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    word.push(c);
                }
                tokens.push(Token::Word(word));
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
            }
            // `#` comments, and the `#include`/`#clear` directives this reader skips.
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => {}
            c => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || "{};\"".contains(next) {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    tokens
}

/// Adds every `key value;` and list item to `values`, keyed by the lower-cased full path.
fn parse(text: &str, values: &mut Values) {
    let mut scopes: Vec<String> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let full = |scopes: &[String], key: Option<&str>| {
        let mut parts: Vec<&str> = scopes.iter().map(String::as_str).collect();
        parts.extend(key);
        parts.join("::").to_ascii_lowercase()
    };
    for token in tokens(text) {
        match token {
            Token::Word(word) => pending.push(word),
            Token::Open => {
                scopes.push(pending.join(" "));
                pending.clear();
            }
            Token::Close => {
                scopes.pop();
                pending.clear();
            }
            Token::End => {
                match pending.as_slice() {
                    // A bare value inside a scope is a list item.
                    [value] if !scopes.is_empty() => values
                        .lists
                        .entry(full(&scopes, None))
                        .or_default()
                        .push(value.clone()),
                    [key, value, ..] => {
                        values
                            .scalars
                            .insert(full(&scopes, Some(key)), value.clone());
                    }
                    _ => {}
                }
                pending.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_conf_reads_scopes_lists_and_comments() {
        let mut values = Values::default();
        parse(
            "// c\nAPT::Default-Release \"stable\"; # note\n/* block\n */APT { Architectures { \"amd64\"; \"i386\"; }; Architecture amd64; };\nAcquire::Languages \"de,en\";\n",
            &mut values,
        );
        assert_eq!(values.scalar("apt::default-release").unwrap(), "stable");
        assert_eq!(
            values.vector("apt::architectures").unwrap(),
            ["amd64", "i386"]
        );
        assert_eq!(values.scalar("apt::architecture").unwrap(), "amd64");
        assert_eq!(values.vector("acquire::languages").unwrap(), ["de", "en"]);
    }

    #[test]
    fn apt_conf_main_file_wins_over_parts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("apt.conf.d")).unwrap();
        std::fs::write(
            dir.path().join("apt.conf.d/10release"),
            "APT::Default-Release \"testing\";",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("apt.conf.d/20ignored.disabled"),
            "APT::Default-Release \"x\";",
        )
        .unwrap();
        assert_eq!(
            AptConf::read(dir.path()).default_release.as_deref(),
            Some("testing")
        );
        std::fs::write(
            dir.path().join("apt.conf"),
            "APT::Default-Release \"stable\";",
        )
        .unwrap();
        assert_eq!(
            AptConf::read(dir.path()).default_release.as_deref(),
            Some("stable")
        );
    }
}
