//! Test support, never shipped: hermetic Arch package repositories made of real
//! packages built by makepkg from the recipes in `recipes/`, throwaway pacman
//! roots that use them (signed and served over HTTP, or on a small tmpfs, when asked), a local HTTP server for runtime-mirror tests, a local AUR server (RPC, metadata dump, package bases over git), a local OSV API, the Debian tracker's JSON rendered as debsecan's feed, and private APT trees that the machine's apt fetches repositories into. Failures panic with the failing command and its stderr.

mod apt;
mod arch;
mod aur;
mod aur_git;
mod debsecan;
mod exec;
mod http;
mod no_landlock;
mod osv;
mod runtimes;
mod signed;

pub use apt::{architecture as dpkg_architecture, output, write_suite, AptTree};
pub use arch::{
    arch_repo, build_user, ArchRepo, ArchRoot, RootOptions, LOCAL_RECIPES, UPGRADE_RECIPES,
};
pub use aur::{aur_fixtures, dump_text, AurFixture, AurMode, AurServer, AUR_DUMP_PATH};
pub use aur_git::{aur_build_fixtures, AurGitRepos, GitProtocol};
pub use debsecan::{debsecan_feed, write_debsecan_feed};
pub use exec::is_root;
pub use http::{Fault, HttpServer};
pub use no_landlock::without_landlock;
pub use osv::OsvServer;
pub use runtimes::{
    bun_dist, go_dist, java_api, mise_dist, node_dist, BunDist, GoDist, MiseDist, NodeDist,
    BUN_MISSING_VERSION, BUN_VERSION, GO_MISSING_VERSION, GO_VERSION, JAVA_MISSING_FEATURE,
    JAVA_RELEASE, MISE_VERSION, NODE_LYING_VERSION, NODE_MISSING_VERSIONS, NODE_VERSION,
};
pub use signed::{signed_repo, SignedRepo};
