//! The grammars a runtime name and a version directory name must match before
//! either may become part of a path. Both come from places omg does not control (a
//! cloned repository's version files, the command line, mirror indexes, mise's
//! output), so they are checked against a whitelist, never cleaned up: anything
//! outside it is refused whole.

use std::fmt;

/// Longest accepted runtime name, backend prefix included.
const MAX_TOOL: usize = 100;
/// Longest accepted version directory name.
const MAX_VERSION: usize = 128;

/// A name or version refused before it touched a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not a valid {what}: {reason}", printable(value))]
pub struct InvalidName {
    /// What was being named (`runtime name`, `version`).
    pub what: &'static str,
    /// The refused text.
    pub value: String,
    /// Which rule it broke.
    pub reason: &'static str,
}

pub use omg_core::text::printable;

/// A runtime name of mise's registry form: `deno`, `npm:prettier`,
/// `ubi:BurntSushi/ripgrep`. Constructed only through [`ToolName::parse`], so every
/// value that exists has passed the grammar.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ToolName(String);

impl ToolName {
    /// Checks `name`: lowercase letters, digits, `-` and `_`, starting with a letter
    /// or digit; optionally one `backend:` prefix of the same characters, after which
    /// mise's `owner/repo` form (one `/`, each side `[A-Za-z0-9._-]`, not starting
    /// with `.`, the owner may start with `@` for npm scopes) is also accepted.
    pub fn parse(name: &str) -> Result<Self, InvalidName> {
        let refuse = |reason| InvalidName {
            what: "runtime name",
            value: name.to_owned(),
            reason,
        };
        if name.is_empty() {
            return Err(refuse("it is empty"));
        }
        if name.len() > MAX_TOOL {
            return Err(refuse("it is too long"));
        }
        let plain = |part: &str| {
            part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        };
        match name.split_once(':') {
            None if plain(name) => Ok(Self(name.to_owned())),
            None => Err(refuse(
                "use lowercase letters, digits, `-` and `_` (or mise's `backend:name`)",
            )),
            Some((backend, _)) if !plain(backend) => Err(refuse(
                "the backend before `:` must be lowercase letters, digits, `-`, `_`",
            )),
            Some((_, rest)) if rest.contains(':') => Err(refuse("more than one `:`")),
            Some((_, rest)) => {
                let mut parts = rest.split('/');
                let owner = parts.next().unwrap_or_default();
                let repo = parts.next();
                if parts.next().is_some() {
                    return Err(refuse("more than one `/`"));
                }
                let segment = |part: &str, scope: bool| {
                    let part = if scope {
                        part.strip_prefix('@').unwrap_or(part)
                    } else {
                        part
                    };
                    !part.is_empty()
                        && !part.starts_with(['.', '-'])
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                };
                let valid = match repo {
                    None => plain(owner),
                    Some(repo) => segment(owner, true) && segment(repo, false),
                };
                if valid {
                    Ok(Self(name.to_owned()))
                } else {
                    Err(refuse(
                        "after `backend:` write a name, or owner/repo of letters, digits, `.`, `-`, `_`",
                    ))
                }
            }
        }
    }

    /// The name as mise spells it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The one path component this name is stored under. `:` and `/` cannot appear
    /// in a component (`/`) or in a PATH entry (`:`, which would split the entry and
    /// could leave a relative one behind), so both become `+`, which the grammar never
    /// allows: the first `+` was the `:`, a second one the `/`.
    #[must_use]
    pub fn dir_name(&self) -> String {
        self.0.replace([':', '/'], "+")
    }

    /// The name stored under a [`ToolName::dir_name`], if it is one.
    #[must_use]
    pub fn from_dir_name(dir: &str) -> Option<Self> {
        let name = match dir.split_once('+') {
            None => dir.to_owned(),
            Some((backend, rest)) => format!("{backend}:{}", rest.replacen('+', "/", 1)),
        };
        Self::parse(&name)
            .ok()
            .filter(|tool| tool.dir_name() == dir)
    }
}

impl fmt::Display for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a concrete version before it names a directory: `[0-9A-Za-z._+-]`, at
/// most 128 characters, starting with a letter or digit (so never `.`, `..`, a
/// hidden staging name or something an argument parser takes for an option), and
/// never `current`, which names the default link.
pub fn check_version(version: &str) -> Result<(), InvalidName> {
    let refuse = |reason| InvalidName {
        what: "version",
        value: version.to_owned(),
        reason,
    };
    if version.is_empty() {
        return Err(refuse("it is empty"));
    }
    if version.len() > MAX_VERSION {
        return Err(refuse("it is too long"));
    }
    if !version.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(refuse("it must start with a letter or digit"));
    }
    if !version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
    {
        return Err(refuse("use letters, digits, `.`, `_`, `+` and `-` only"));
    }
    if version == crate::layout::CURRENT {
        return Err(refuse("`current` names the default link"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_of_the_registry_form_are_accepted() {
        for name in [
            "deno",
            "zig",
            "node-build",
            "cargo_binstall",
            "npm:prettier",
            "npm:@antfu/ni",
            "ubi:BurntSushi/ripgrep",
            "aqua:cli/cli",
            "cargo:ripgrep",
            "pipx:black",
        ] {
            let tool = ToolName::parse(name).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(ToolName::from_dir_name(&tool.dir_name()), Some(tool));
        }
    }

    #[test]
    fn tool_names_that_could_leave_the_tree_are_refused() {
        for name in [
            "",
            ".",
            "..",
            "../../../../proc/self/cwd/.evil",
            "/etc",
            "a/b",
            "Node",
            "-rf",
            "a b",
            "a\nb",
            "npm:..",
            "npm:../x",
            "ubi:../x",
            "ubi:owner/..",
            "ubi:owner/.hidden",
            "ubi:a/b/c",
            "a:b:c",
            ":x",
            "x:",
            "node+x",
            "npm:a+b",
            &"a".repeat(101),
        ] {
            assert!(ToolName::parse(name).is_err(), "accepted {name:?}");
        }
    }

    #[test]
    fn dir_names_are_single_components_without_path_separators() {
        let tool = ToolName::parse("ubi:BurntSushi/ripgrep").unwrap();
        assert_eq!(tool.dir_name(), "ubi+BurntSushi+ripgrep");
        assert_eq!(ToolName::from_dir_name("ubi+a+b+c"), None);
        assert_eq!(ToolName::from_dir_name(".."), None);
    }

    #[test]
    fn versions_of_the_whitelist_grammar_are_accepted() {
        for version in [
            "22.12.0",
            "3.13.0rc1",
            "1.23rc1",
            "21.0.5+11",
            "nightly-2024-01-01",
            "stable",
            "1.0.0-beta.1",
            "2.7_1",
        ] {
            check_version(version).unwrap_or_else(|error| panic!("{error}"));
        }
    }

    #[test]
    fn versions_that_could_leave_the_tree_are_refused() {
        for version in [
            "",
            ".",
            "..",
            "../../x",
            "a/b",
            "/abs",
            ".staging-1",
            "-rf",
            "1 2",
            "1:2",
            "1\n2",
            "current",
            "1\u{1b}[31m",
            &"1".repeat(129),
        ] {
            assert!(check_version(version).is_err(), "accepted {version:?}");
        }
    }
}
