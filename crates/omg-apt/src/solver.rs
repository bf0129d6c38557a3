//! The solver a plan is made with: the one `apt-get` would use on this machine.
//!
//! libapt-pkg's own default is its classic resolver (`internal`) in every release.
//! apt's command-line tools, from apt 3.1.10 on, default `APT::Solver` to `3.0` (the
//! `Version::…::APT::Solver` defaults apt-get and apt set at start), and any 3.x
//! switches to it when strict pinning is turned off. An `APT::Solver` in apt.conf
//! wins over both, as it does for apt-get.

use omg_core::version::dpkg;
use rust_apt::config::Config;

/// The first apt whose tools plan with the new solver by default.
const NEW_SOLVER_BY_DEFAULT: &str = "3.1.10~";

/// Sets `APT::Solver` as apt-get would for libapt-pkg `version`.
pub(crate) fn choose(config: &Config, version: &str) {
    if let Some(solver) = solver_for(config, version) {
        config.set("APT::Solver", solver);
    }
}

fn solver_for(config: &Config, version: &str) -> Option<&'static str> {
    let is_3x = dpkg::compare(version, "3.0~").is_ge();
    if config.contains("APT::Solver") {
        let loose = !config.bool("APT::Solver::Strict-Pinning", true);
        return (is_3x && loose && config.find("APT::Solver", "internal") == "internal")
            .then_some("3.0");
    }
    if dpkg::compare(version, NEW_SOLVER_BY_DEFAULT).is_ge()
        || (is_3x && !config.bool("APT::Solver::Strict-Pinning", true))
    {
        return Some("3.0");
    }
    None
}

/// The version of the libapt-pkg this process runs with (`3.1.12`).
#[allow(unsafe_code)]
pub(crate) fn library_version() -> String {
    extern "C" {
        // libapt-pkg's `extern const char *pkgVersion`, a global of C++ linkage
        // whose symbol carries no mangling.
        #[link_name = "pkgVersion"]
        static PKG_VERSION: *const std::ffi::c_char;
    }
    // SAFETY: libapt-pkg sets the pointer at load time to a static NUL-terminated
    // string it never frees or changes.
    unsafe {
        if PKG_VERSION.is_null() {
            return String::new();
        }
        std::ffi::CStr::from_ptr(PKG_VERSION)
            .to_string_lossy()
            .into_owned()
    }
}
