//! The runtimes omg manages itself, and the long tail it hands to mise.

use crate::name::{InvalidName, ToolName};
use std::fmt;

/// A language runtime.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Runtime {
    /// Node.js.
    Node,
    /// CPython (python-build-standalone).
    Python,
    /// Go.
    Go,
    /// Rust (rustc, cargo, rust-std).
    Rust,
    /// Ruby.
    Ruby,
    /// A JDK (Adoptium Temurin).
    Java,
    /// Bun.
    Bun,
    /// Anything else, by its mise name (`deno`, `zig`, `npm:prettier`), checked.
    Other(ToolName),
}

impl Runtime {
    /// The runtime a tool name means, with the aliases asdf and mise accept; any
    /// other name must be of mise's registry form, since it becomes a directory.
    pub fn parse(name: &str) -> Result<Self, InvalidName> {
        Ok(match name {
            "node" | "nodejs" => Self::Node,
            "python" | "python3" => Self::Python,
            "go" | "golang" => Self::Go,
            "rust" => Self::Rust,
            "ruby" => Self::Ruby,
            "java" => Self::Java,
            "bun" => Self::Bun,
            other => Self::Other(ToolName::parse(other)?),
        })
    }

    /// A tool installed through mise under exactly this name, even one omg also
    /// manages natively (`node` from mise's own mirrors).
    pub fn through_mise(name: &str) -> Result<Self, InvalidName> {
        ToolName::parse(name).map(Self::Other)
    }

    /// The runtime stored in the versions tree under `dir`, if that is a name omg
    /// would have written.
    #[must_use]
    pub fn from_dir_name(dir: &str) -> Option<Self> {
        let tool = ToolName::from_dir_name(dir)?;
        Self::parse(tool.as_str()).ok()
    }

    /// The canonical name (`node`, `python`, … or the mise name).
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Node => "node",
            Self::Python => "python",
            Self::Go => "go",
            Self::Rust => "rust",
            Self::Ruby => "ruby",
            Self::Java => "java",
            Self::Bun => "bun",
            Self::Other(tool) => tool.as_str(),
        }
    }

    /// The single path component the runtime's versions live under.
    #[must_use]
    pub fn dir_name(&self) -> String {
        match self {
            Self::Other(tool) => tool.dir_name(),
            native => native.name().to_owned(),
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
