//! The table that picks a manager for a runtime, and the mirrors each is built
//! with. Kept apart from [`crate::manager`], which the managers themselves use, so
//! that no manager module depends on the list of all of them.

use crate::{Result, Runtime, RuntimeManager};

/// Mirror base URLs, each laid out like its upstream.
#[derive(Debug, Clone)]
pub struct Mirrors {
    /// Like nodejs.org/dist.
    pub node: String,
    /// Like go.dev/dl.
    pub go: String,
    /// Like api.adoptium.net.
    pub java: String,
    /// Like github.com/oven-sh/bun/releases/download.
    pub bun: String,
    /// An npm registry (Bun's version list).
    pub npm: String,
    /// uv-style Python build metadata.
    pub python_metadata: String,
    /// Replaces the python-build-standalone download prefix.
    pub python: String,
    /// Like static.rust-lang.org.
    pub rust: String,
    /// Like cache.ruby-lang.org/pub/ruby.
    pub ruby: String,
    /// Where omg's mise comes from.
    pub mise: crate::mise::MiseSource,
    /// omg's mise home (`$XDG_DATA_HOME/omg/mise`).
    pub mise_home: std::path::PathBuf,
}

impl Default for Mirrors {
    fn default() -> Self {
        Self {
            node: crate::node::DEFAULT_MIRROR.to_owned(),
            go: crate::go::DEFAULT_MIRROR.to_owned(),
            java: crate::java::DEFAULT_MIRROR.to_owned(),
            bun: crate::bun::DEFAULT_MIRROR.to_owned(),
            npm: crate::bun::DEFAULT_REGISTRY.to_owned(),
            python_metadata: crate::python::DEFAULT_METADATA.to_owned(),
            python: crate::python::UPSTREAM_PREFIX.to_owned(),
            rust: crate::rust::DEFAULT_MIRROR.to_owned(),
            ruby: crate::ruby::DEFAULT_MIRROR.to_owned(),
            mise: crate::mise::MiseSource::Mirror(crate::mise::DEFAULT_MIRROR.to_owned()),
            mise_home: std::path::PathBuf::from("mise"),
        }
    }
}

impl Mirrors {
    /// The URL `runtime`'s list of versions comes from (`None` for mise's tools).
    #[must_use]
    pub fn list_source(&self, runtime: &Runtime) -> Option<&str> {
        Some(match runtime {
            Runtime::Node => &self.node,
            Runtime::Go => &self.go,
            Runtime::Java => &self.java,
            Runtime::Bun => &self.npm,
            Runtime::Python => &self.python_metadata,
            Runtime::Rust => &self.rust,
            Runtime::Ruby => &self.ruby,
            Runtime::Other(_) => return None,
        })
    }

    /// The defaults, with `runtime`'s list of versions at `url`: enough to list
    /// what that mirror offers.
    #[must_use]
    pub fn with_list_source(runtime: &Runtime, url: &str) -> Self {
        let mut mirrors = Self::default();
        let field = match runtime {
            Runtime::Node => &mut mirrors.node,
            Runtime::Go => &mut mirrors.go,
            Runtime::Java => &mut mirrors.java,
            Runtime::Bun => &mut mirrors.npm,
            Runtime::Python => &mut mirrors.python_metadata,
            Runtime::Rust => &mut mirrors.rust,
            Runtime::Ruby => &mut mirrors.ruby,
            Runtime::Other(_) => return mirrors,
        };
        url.clone_into(field);
        mirrors
    }
}

/// The manager for `runtime`, or an error naming the runtimes this omg manages.
pub fn manager(runtime: &Runtime, mirrors: &Mirrors) -> Result<Box<dyn RuntimeManager>> {
    match runtime {
        Runtime::Node => Ok(Box::new(crate::node::NodeMirror::new(&mirrors.node))),
        Runtime::Go => Ok(Box::new(crate::go::GoMirror::new(&mirrors.go))),
        Runtime::Java => Ok(Box::new(crate::java::JavaMirror::new(&mirrors.java))),
        Runtime::Bun => Ok(Box::new(crate::bun::BunMirror::new(
            &mirrors.bun,
            &mirrors.npm,
        ))),
        Runtime::Rust => Ok(Box::new(crate::rust::RustMirror::new(&mirrors.rust))),
        Runtime::Ruby => Ok(Box::new(crate::ruby::RubyMirror::new(&mirrors.ruby))),
        Runtime::Python => Ok(Box::new(crate::python::PythonMirror::new(
            &mirrors.python_metadata,
            &mirrors.python,
        ))),
        Runtime::Other(tool) => Ok(Box::new(crate::mise::MiseManager::new(
            tool,
            mirrors.mise.clone(),
            &mirrors.mise_home,
        ))),
    }
}
