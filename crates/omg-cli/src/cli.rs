//! The command line, as clap sees it. Nothing here runs a command: [`crate::settings`]
//! turns these into resolved settings first.

use crate::complete::{available_packages, installed_packages, runtime_names, runtime_versions};
use clap::{Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCompleter;
use std::path::PathBuf;

/// One fast tool for system packages and language runtimes.
#[derive(Debug, Parser)]
#[command(name = "omg", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

/// Flags every command accepts.
#[derive(Debug, clap::Args)]
pub(crate) struct GlobalArgs {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// Package backend to use instead of detecting it from /etc/os-release.
    #[arg(long, global = true, value_enum)]
    pub(crate) backend: Option<BackendArg>,

    /// pacman.conf to read (default /etc/pacman.conf).
    #[arg(long, global = true, help_heading = "Arch", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Installation root, overriding pacman.conf's RootDir.
    #[arg(
        short = 'r',
        long,
        global = true,
        help_heading = "Arch",
        value_name = "DIR"
    )]
    pub(crate) root: Option<PathBuf>,

    /// Database directory, overriding pacman.conf's DBPath.
    #[arg(
        short = 'b',
        long,
        global = true,
        help_heading = "Arch",
        value_name = "DIR"
    )]
    pub(crate) dbpath: Option<PathBuf>,

    /// Answer directly from the package databases; never use or start omgd.
    #[arg(long, global = true, env = "OMG_NO_DAEMON", value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) no_daemon: bool,

    /// Say on stderr where the answer came from (omgd or the databases) and why.
    #[arg(short = 'v', long, global = true)]
    pub(crate) verbose: bool,

    /// No progress bars or progress lines (downloads, package steps, builds);
    /// results, warnings and errors still print.
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum BackendArg {
    Arch,
    Debian,
}

impl From<BackendArg> for omg_core::BackendKind {
    fn from(arg: BackendArg) -> Self {
        match arg {
            BackendArg::Arch => Self::Arch,
            BackendArg::Debian => Self::Debian,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Search packages by name, description and provided names; on Arch, the AUR
    /// too (after the official results).
    Search {
        /// Terms that must all match; a quoted phrase stays one term.
        #[arg(required = true, value_name = "TERM")]
        terms: Vec<String>,
        /// Show at most this many results (from the repositories, and as many
        /// from the AUR).
        #[arg(short = 'n', long, value_name = "N")]
        limit: Option<usize>,
        /// Only the AUR's packages (Arch).
        #[arg(long, conflicts_with = "repo")]
        aur: bool,
        /// Only the official repositories' packages, without asking the AUR (Arch).
        #[arg(long)]
        repo: bool,
    },
    /// Show everything known about a package; on Arch, an AUR package when no
    /// repository has it.
    Info {
        /// Package names.
        #[arg(required = true, add = ArgValueCompleter::new(available_packages))]
        packages: Vec<String>,
    },
    /// List explicitly installed packages.
    Explicit,
    /// List installed runtime versions, or with --installed the installed packages.
    List {
        /// A runtime (`node`): its installed versions, or with --available the
        /// versions its mirror offers.
        runtime: Option<String>,
        /// Installed system packages (like `pacman -Q`, `dpkg-query -W`).
        #[arg(long, conflicts_with_all = ["runtime", "available"])]
        installed: bool,
        /// The versions the runtime's mirror offers, newest first.
        #[arg(long, requires = "runtime")]
        available: bool,
    },
    /// Install system packages (`ripgrep`, a provided name, `repo/name`) with what
    /// they need, and runtime versions without switching to them (`node@22`).
    Install {
        /// Package names, and `<runtime>@<version>` for runtimes.
        #[arg(
            required = true,
            value_name = "PACKAGE|RUNTIME@VERSION",
            add = ArgValueCompleter::new(available_packages)
        )]
        specs: Vec<String>,
        #[command(flatten)]
        confirm: YesArg,
        /// Reinstall packages already installed at the version offered.
        #[arg(long)]
        reinstall: bool,
        /// Install the version offered even where the installed one is newer.
        #[arg(long)]
        downgrade: bool,
        /// AUR: build without showing each PKGBUILD for review first (`[aur] review
        /// = false` makes this the default).
        #[arg(long, help_heading = "Arch")]
        noreview: bool,
        /// AUR: keep the packages needed only to build (they are removed after).
        #[arg(long, help_heading = "Arch")]
        keep_makedeps: bool,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Remove installed system packages.
    Remove {
        /// Installed package names.
        #[arg(
            required = true,
            value_name = "PACKAGE",
            add = ArgValueCompleter::new(installed_packages)
        )]
        names: Vec<String>,
        #[command(flatten)]
        confirm: YesArg,
        /// Also remove the dependencies nothing else needs (pacman -Rs).
        #[arg(long)]
        recursive: bool,
        /// Also delete their configuration files (dpkg --purge; pacman -Rn keeps
        /// no .pacsave backups).
        #[arg(long)]
        purge: bool,
    },
    /// Refresh the package databases.
    Sync {
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Refresh the package databases and upgrade every package.
    Update {
        #[command(flatten)]
        confirm: YesArg,
        /// Only show what would be upgraded (old -> new); change no package.
        #[arg(long, conflicts_with = "yes")]
        check: bool,
        /// AUR: rebuild without showing each PKGBUILD's changes for review first.
        #[arg(long, help_heading = "Arch")]
        noreview: bool,
        /// AUR: also rebuild VCS packages (-git …) whose upstream branch moved
        /// since they were built.
        #[arg(long, help_heading = "Arch")]
        devel: bool,
        #[command(flatten)]
        sandbox: SandboxArgs,
    },
    /// Delete old package files from the cache, keeping the newest versions of
    /// each package (paccache -rk N); with --orphans also remove the dependencies
    /// nothing needs.
    Clean {
        #[command(flatten)]
        confirm: YesArg,
        /// Versions of each package to keep in the cache.
        #[arg(long, value_name = "N", default_value_t = 3)]
        keep: u32,
        /// Also remove installed dependencies nothing needs (pacman -Rns $(pacman -Qdtq)).
        #[arg(long)]
        orphans: bool,
    },
    /// Install a runtime version if needed and make it the default.
    Use {
        /// The runtime (`node`).
        #[arg(add = ArgValueCompleter::new(runtime_names))]
        runtime: String,
        /// The request: `22`, `22.12`, `lts`, `lts/iron`, `latest`.
        #[arg(add = ArgValueCompleter::new(runtime_versions))]
        version: String,
        /// Pin it for this directory (writes .node-version or the existing file)
        /// instead of changing the global default.
        #[arg(long)]
        local: bool,
    },
    /// Show the runtime versions this directory uses, and where each choice comes from.
    Current,
    /// Print the shell snippet that activates runtime versions per directory:
    /// add `eval "$(omg hook bash)"` to ~/.bashrc (zsh likewise; fish:
    /// `omg hook fish | source`).
    Hook {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the shell completion script: `omg completions bash >
    /// ~/.local/share/bash-completion/completions/omg`, zsh into a directory on
    /// $fpath as `_omg`, fish into ~/.config/fish/completions/omg.fish.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Write the man pages (omg.1, omg-<command>.1, omgd.1) into DIR.
    #[command(hide = true)]
    Manpages {
        /// Directory to write them into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print the environment changes for the current directory (run by the hook).
    #[command(name = "hook-env", hide = true)]
    HookEnv {
        /// The shell whose syntax to print.
        #[arg(long, value_enum, default_value_t = Shell::Bash)]
        shell: Shell,
    },
    /// Print the path of a runtime binary this directory would run.
    Which {
        /// The binary (`node`, `npm`).
        binary: String,
    },
    /// Run the binary NAME of the version this directory selects (what the scripts
    /// in $XDG_DATA_HOME/omg/shims do).
    #[command(hide = true)]
    Shim {
        /// The binary.
        name: String,
        /// Its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        arguments: Vec<std::ffi::OsString>,
    },
    /// Remove an installed runtime version.
    Uninstall {
        /// `<runtime>@<version>`, the exact installed version.
        #[arg(value_name = "RUNTIME@VERSION")]
        spec: String,
    },
    /// Run a command with a runtime version first on PATH (installed if needed).
    Exec {
        /// `<runtime>@<version>` (`node@22`, `go@latest`).
        #[arg(value_name = "RUNTIME@VERSION")]
        spec: String,
        /// The command and its arguments, after `--` (passed on byte for byte,
        /// UTF-8 or not).
        #[arg(last = true, required = true, value_name = "COMMAND", value_parser = clap::value_parser!(std::ffi::OsString))]
        command: Vec<std::ffi::OsString>,
    },
    /// Summarise the system: counts, upgrades, database freshness.
    Status,
    /// Check the installed packages against the distribution's security feed
    /// (Arch Security Tracker, Debian Security Tracker; Ubuntu systems are
    /// checked against Debian's tracker, which knows Debian's source packages
    /// and versions, not Ubuntu's USNs: set [audit] release to the Debian
    /// release the system follows, or treat the result as approximate). Exit code
    /// 1 when any finding is shown, 0 when none, 2 on error.
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        action: Option<AuditAction>,
        /// Show only findings at or above this severity: low, medium, high, critical.
        #[arg(long, value_name = "LEVEL", value_parser = parse_severity)]
        severity: Option<omg_audit::Severity>,
        /// Show only findings the upgrade available now fixes.
        #[arg(long)]
        upgradable: bool,
        /// Fetch the feed now, even when the kept copy is under a day old.
        #[arg(long)]
        refresh: bool,
        /// Also show issues Debian rates unimportant.
        #[arg(long)]
        all: bool,
        /// Also ask OSV about the runtime versions omg installed, where OSV has
        /// an ecosystem for the runtime (Go's stdlib, Bun on npm); sends those
        /// versions to [audit] osv_url.
        #[arg(long)]
        runtimes: bool,
    },
    /// Show the recorded system changes (install, remove, update, clean), oldest first.
    History {
        /// Show only the last N.
        #[arg(short = 'n', long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Check the setup (shell hook, shims, omgd and its socket, package locks and
    /// databases, runtime defaults, disk use) and say how to fix what is wrong.
    /// Exit code 1 when a check finds a problem.
    Doctor,
    /// Control omgd, the background daemon that answers reads instantly.
    Daemon {
        #[command(subcommand)]
        action: DaemonAction,
    },
}

/// What `omg audit` can do besides listing findings.
#[derive(Debug, Clone, Copy, Subcommand)]
pub(crate) enum AuditAction {
    /// Print a CycloneDX 1.5 JSON SBOM of the installed system packages and
    /// runtime versions.
    Sbom {
        /// Add the vulnerabilities section from the audit's findings.
        #[arg(long)]
        vulns: bool,
    },
}

/// pacman 7's switches for the sandbox libalpm downloads in (as `DownloadUser`,
/// Landlock and seccomp), for the commands that download; each adds to
/// pacman.conf's `DisableSandbox*` settings.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub(crate) struct SandboxArgs {
    /// Arch: download without libalpm's sandbox (both parts below).
    #[arg(long, help_heading = "Arch")]
    pub(crate) disable_sandbox: bool,
    /// Arch: download without the sandbox's Landlock filesystem rules (for kernels
    /// without Landlock).
    #[arg(long, help_heading = "Arch")]
    pub(crate) disable_sandbox_filesystem: bool,
    /// Arch: download without the sandbox's seccomp syscall filter.
    #[arg(long, help_heading = "Arch")]
    pub(crate) disable_sandbox_syscalls: bool,
}

impl Command {
    /// The sandbox switches this command was given (none for most commands).
    pub(crate) fn sandbox(&self) -> SandboxArgs {
        match self {
            Self::Install { sandbox, .. }
            | Self::Update { sandbox, .. }
            | Self::Sync { sandbox } => *sandbox,
            _ => SandboxArgs::default(),
        }
    }
}

impl SandboxArgs {
    /// The switches as the backend takes them.
    pub(crate) fn options(self) -> omg_packages::ChangeOptions {
        omg_packages::ChangeOptions::from_flags(
            self.disable_sandbox,
            self.disable_sandbox_filesystem,
            self.disable_sandbox_syscalls,
        )
    }
}

/// `-y/--yes`, for every command that changes the system.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct YesArg {
    /// Proceed without asking (without it and without a terminal, nothing changes).
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub(crate) enum DaemonAction {
    /// Start omgd in the background and wait until it answers.
    Start,
    /// Stop omgd and wait until it is gone.
    Stop,
    /// Show pid, uptime, socket, index, cache, store and memory.
    Status,
    /// Stop omgd if it runs, then start it.
    Restart,
    /// Make omgd re-read the package databases now.
    Refresh,
    /// Install omgd's systemd user units (into $XDG_CONFIG_HOME/systemd/user) and
    /// enable its socket: systemd starts omgd at the first request after login.
    Enable,
    /// Stop and disable omgd's systemd user units, and remove the ones `enable` wrote.
    Disable,
}

fn parse_severity(value: &str) -> Result<omg_audit::Severity, String> {
    value.parse()
}
