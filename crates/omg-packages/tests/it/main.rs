//! omg-packages against real databases: the Arch transactions run libalpm on a
//! hermetic root built by omg-testbed and are checked with pacman on the same root.

#[cfg(feature = "arch")]
mod arch_transact;
