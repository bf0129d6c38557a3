//! The runtimes omg manages itself, and the long tail it hands to mise.

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
    /// Anything else, by its mise name (`deno`, `zig`, `npm:prettier`).
    Other(String),
}

impl Runtime {
    /// The runtime a tool name means, with the aliases asdf and mise accept.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "node" | "nodejs" => Self::Node,
            "python" | "python3" => Self::Python,
            "go" | "golang" => Self::Go,
            "rust" => Self::Rust,
            "ruby" => Self::Ruby,
            "java" => Self::Java,
            "bun" => Self::Bun,
            other => Self::Other(other.to_owned()),
        }
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
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
