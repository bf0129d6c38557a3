//! Changing a Debian system through libapt-pkg: [`AptChanger`] plans and commits
//! installs, removals, upgrades and cache cleaning the way `apt-get` does. Only
//! `omgd --transact` links this crate; reads stay in omg-packages, which never
//! links libapt.

mod clean;
mod downloads;
mod solver;
mod transact;

pub use transact::AptChanger;
