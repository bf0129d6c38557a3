//! Test support, never shipped: hermetic Arch package repositories made of real
//! packages built by makepkg from the recipes in `recipes/`, and throwaway pacman
//! roots that use them. Failures panic with the failing command and its stderr.

mod arch;
mod exec;

pub use arch::{arch_repo, ArchRepo, ArchRoot, UPGRADE_RECIPES};
