//! Dependency strings as pacman writes them (`name`, `name>=1.2`, `name=1:2-3`) and
//! the rule that decides whether a package or one of its provides satisfies one
//! (libalpm's `alpm_depcmp`), with pacman's own version order.

use super::valid_package_name;
use omg_core::version::pacman::vercmp;
use std::cmp::Ordering;
use std::fmt;

/// The comparison in a versioned dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
}

impl Comparison {
    fn symbol(self) -> &'static str {
        match self {
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Equal => "=",
            Self::GreaterOrEqual => ">=",
            Self::Greater => ">",
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Self::Less => ordering == Ordering::Less,
            Self::LessOrEqual => ordering != Ordering::Greater,
            Self::Equal => ordering == Ordering::Equal,
            Self::GreaterOrEqual => ordering != Ordering::Less,
            Self::Greater => ordering == Ordering::Greater,
        }
    }
}

/// Why a dependency string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyError {
    #[error("{0:?} is not a valid package name")]
    InvalidName(String),
    #[error("{0:?} has a comparison but no version after it")]
    MissingVersion(String),
    #[error("{0:?} has an invalid version")]
    InvalidVersion(String),
}

/// `name`, or `name` with a comparison and a version: a depends, makedepends,
/// provides, conflicts or replaces entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub constraint: Option<(Comparison, String)>,
}

impl Dependency {
    /// Parses `text`. The name must follow pacman's rule and a version must be
    /// printable ASCII without spaces: both end up in build plans shown on a
    /// terminal and in arguments to pacman.
    pub fn parse(text: &str) -> Result<Self, DependencyError> {
        let Some(at) = text.find(['<', '>', '=']) else {
            return if valid_package_name(text) {
                Ok(Self {
                    name: text.to_owned(),
                    constraint: None,
                })
            } else {
                Err(DependencyError::InvalidName(text.to_owned()))
            };
        };
        let (name, rest) = text.split_at(at);
        if !valid_package_name(name) {
            return Err(DependencyError::InvalidName(text.to_owned()));
        }
        let (comparison, version) = if let Some(version) = rest.strip_prefix(">=") {
            (Comparison::GreaterOrEqual, version)
        } else if let Some(version) = rest.strip_prefix("<=") {
            (Comparison::LessOrEqual, version)
        } else if let Some(version) = rest.strip_prefix('=') {
            (Comparison::Equal, version)
        } else if let Some(version) = rest.strip_prefix('>') {
            (Comparison::Greater, version)
        } else if let Some(version) = rest.strip_prefix('<') {
            (Comparison::Less, version)
        } else {
            return Err(DependencyError::InvalidVersion(text.to_owned()));
        };
        if version.is_empty() {
            return Err(DependencyError::MissingVersion(text.to_owned()));
        }
        if !version
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && !b"<>=".contains(&byte))
        {
            return Err(DependencyError::InvalidVersion(text.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            constraint: Some((comparison, version.to_owned())),
        })
    }

    /// Whether `version` meets the constraint (always, without one).
    #[must_use]
    pub fn version_matches(&self, version: &str) -> bool {
        self.constraint
            .as_ref()
            .is_none_or(|(comparison, wanted)| comparison.holds(vercmp(version, wanted)))
    }

    /// Whether a package `name` at `version` providing `provides` satisfies this,
    /// as libalpm decides: by its own name and version, or by a provide of the same
    /// name whose version meets the constraint. An unversioned provide satisfies
    /// only an unversioned dependency, since nothing says which version it gives.
    #[must_use]
    pub fn satisfied_by<'a>(
        &self,
        name: &str,
        version: &str,
        provides: impl IntoIterator<Item = &'a Dependency>,
    ) -> bool {
        if name == self.name && self.version_matches(version) {
            return true;
        }
        provides.into_iter().any(|provide| {
            provide.name == self.name
                && match (&self.constraint, &provide.constraint) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(_), Some((_, provided))) => self.version_matches(provided),
                }
        })
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.name)?;
        if let Some((comparison, version)) = &self.constraint {
            write!(formatter, "{}{version}", comparison.symbol())?;
        }
        Ok(())
    }
}

/// An optdepends entry: `name[: why]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalDependency {
    pub dependency: Dependency,
    pub description: Option<String>,
}

impl OptionalDependency {
    /// Parses `name[op version][: description]`.
    pub fn parse(text: &str) -> Result<Self, DependencyError> {
        let (dependency, description) = match text.split_once(':') {
            Some((dependency, description)) => {
                (dependency.trim_end(), Some(description.trim().to_owned()))
            }
            None => (text, None),
        };
        Ok(Self {
            dependency: Dependency::parse(dependency)?,
            description: description.filter(|description| !description.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dependency(text: &str) -> Dependency {
        Dependency::parse(text).unwrap()
    }

    #[test]
    fn dependency_strings_parse_with_every_comparison() {
        for (text, comparison) in [
            ("a<1", Comparison::Less),
            ("a<=1", Comparison::LessOrEqual),
            ("a=1", Comparison::Equal),
            ("a>=1", Comparison::GreaterOrEqual),
            ("a>1", Comparison::Greater),
        ] {
            let parsed = dependency(text);
            assert_eq!(parsed.constraint, Some((comparison, "1".to_owned())));
            assert_eq!(parsed.to_string(), text);
        }
        assert_eq!(dependency("glibc").constraint, None);
    }

    #[test]
    fn dependency_strings_refuse_bad_names_and_versions() {
        for bad in ["", "Foo", ">=1", "a>=", "a=>1", "a>=1 2", "a>=1=2", "-a"] {
            assert!(Dependency::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn satisfaction_uses_pacman_order_and_provides() {
        let none: [Dependency; 0] = [];
        assert!(dependency("a>=2").satisfied_by("a", "1:1-1", &none));
        assert!(!dependency("a>=2").satisfied_by("a", "1.9-3", &none));
        // Without a pkgrel in the constraint, any release matches (vercmp).
        assert!(dependency("a=2").satisfied_by("a", "2-7", &none));
        assert!(!dependency("a<2").satisfied_by("a", "2-1", &none));
        let provides = [dependency("libfoo.so=3-64"), dependency("foo")];
        assert!(dependency("libfoo.so").satisfied_by("x", "1", &provides));
        assert!(dependency("libfoo.so>=3").satisfied_by("x", "1", &provides));
        assert!(!dependency("libfoo.so>3-64").satisfied_by("x", "1", &provides));
        assert!(dependency("foo").satisfied_by("x", "1", &provides));
        // An unversioned provide cannot meet a versioned dependency.
        assert!(!dependency("foo>=1").satisfied_by("x", "1", &provides));
    }

    #[test]
    fn optional_dependencies_keep_their_reason() {
        let parsed = OptionalDependency::parse("python: for the scripts").unwrap();
        assert_eq!(parsed.dependency.name, "python");
        assert_eq!(parsed.description.as_deref(), Some("for the scripts"));
        assert_eq!(OptionalDependency::parse("bash").unwrap().description, None);
        assert!(OptionalDependency::parse("Bad: x").is_err());
    }
}
