//! omg-packages against real databases: the Arch transactions run libalpm on a
//! hermetic root built by omg-testbed and are checked with pacman on the same root;
//! the AUR client talks to omg-testbed's local RPC server; the Debian backend reads
//! a private APT tree that the machine's own apt fetched and answers from.

#[cfg(feature = "debian")]
mod apt_translations;
#[cfg(feature = "debian")]
mod apt_tree;
#[cfg(feature = "debian")]
mod apt_ubuntu;
#[cfg(feature = "arch")]
mod arch_transact;
#[cfg(feature = "aur")]
mod aur_rpc;
#[cfg(feature = "arch")]
mod pacman_conf;
