//! Every environment variable omg reads, declared once.

/// Path of the config file, instead of `$XDG_CONFIG_HOME/omg/config.toml`.
pub const OMG_CONFIG: &str = "OMG_CONFIG";
/// Backend to use (`arch` or `debian`), instead of detecting it from /etc/os-release.
pub const OMG_BACKEND: &str = "OMG_BACKEND";
/// Path of omgd's socket, instead of `$XDG_RUNTIME_DIR/omg/omgd.sock`.
pub const OMG_SOCKET: &str = "OMG_SOCKET";
/// Set to anything but `0`/`false`: answer directly, never use or start omgd.
pub const OMG_NO_DAEMON: &str = "OMG_NO_DAEMON";
/// Set by omg's completion scripts (to the shell's name) when they ask omg for
/// the candidates of a TAB.
pub const OMG_COMPLETE: &str = "OMG_COMPLETE";
/// Base URL of a Node.js mirror laid out like nodejs.org/dist.
pub const OMG_NODE_MIRROR: &str = "OMG_NODE_MIRROR";
/// Base URL of a Go mirror laid out like go.dev/dl.
pub const OMG_GO_MIRROR: &str = "OMG_GO_MIRROR";
/// Base URL of an Adoptium API v3 compatible server for JDKs.
pub const OMG_JAVA_MIRROR: &str = "OMG_JAVA_MIRROR";
/// Base URL laid out like Bun's GitHub release downloads.
pub const OMG_BUN_MIRROR: &str = "OMG_BUN_MIRROR";
/// An npm registry (Bun's version list).
pub const OMG_NPM_REGISTRY: &str = "OMG_NPM_REGISTRY";
/// Replaces the python-build-standalone download prefix.
pub const OMG_PYTHON_MIRROR: &str = "OMG_PYTHON_MIRROR";
/// URL of the Python build list (uv's `download-metadata.json` shape).
pub const OMG_PYTHON_METADATA: &str = "OMG_PYTHON_METADATA";
/// A Rust distribution server laid out like static.rust-lang.org.
pub const OMG_RUST_MIRROR: &str = "OMG_RUST_MIRROR";
/// Where omg's mise comes from (a release mirror base, or `path`).
pub const OMG_MISE_MIRROR: &str = "OMG_MISE_MIRROR";
/// A Ruby source tree laid out like cache.ruby-lang.org/pub/ruby.
pub const OMG_RUBY_MIRROR: &str = "OMG_RUBY_MIRROR";
/// Seconds a download may receive nothing before it fails, instead of
/// `[downloads] stall_timeout_secs` (default 60).
pub const OMG_DOWNLOAD_STALL_TIMEOUT: &str = "OMG_DOWNLOAD_STALL_TIMEOUT";
/// The program that runs system changes as root (`sudo`, `doas` or `run0`),
/// instead of `[system] elevate` (default sudo).
pub const OMG_ELEVATE: &str = "OMG_ELEVATE";
/// The AUR's base URL, instead of `[aur] url` (default <https://aur.archlinux.org>).
pub const OMG_AUR_URL: &str = "OMG_AUR_URL";
/// The unprivileged user makepkg runs as when omg runs as root, instead of
/// `[aur] build_user`.
pub const OMG_AUR_BUILD_USER: &str = "OMG_AUR_BUILD_USER";
/// The Arch Security Tracker feed, instead of `[audit] arch_url`.
pub const OMG_AUDIT_ARCH_URL: &str = "OMG_AUDIT_ARCH_URL";
/// The Debian Security Tracker feed, instead of `[audit] debian_url`.
pub const OMG_AUDIT_DEBIAN_URL: &str = "OMG_AUDIT_DEBIAN_URL";
/// The `systemctl` that `omg daemon enable|disable` runs (default `systemctl`
/// from PATH); tests point it at a stand-in where no user systemd runs.
pub const OMG_SYSTEMCTL: &str = "OMG_SYSTEMCTL";
/// The OSV API's base URL, instead of `[audit] osv_url` (default <https://api.osv.dev>).
pub const OMG_OSV_URL: &str = "OMG_OSV_URL";
/// Turns coloured output off when set to anything (the <https://no-color.org> convention).
pub const NO_COLOR: &str = "NO_COLOR";
/// The XDG base directories.
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
/// See [`XDG_CONFIG_HOME`].
pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";
/// See [`XDG_CONFIG_HOME`].
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// See [`XDG_CONFIG_HOME`].
pub const XDG_RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";
/// The user's home, the base of the XDG defaults.
pub const HOME: &str = "HOME";
