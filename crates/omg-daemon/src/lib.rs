//! omgd: keeps the package index warm and answers `omg` over a Unix socket.
//!
//! Start-up takes the single-instance lock, removes a stale socket (only one of
//! this user's: anything else at the path stops it), binds 0600, then builds the
//! index off the accept loop (requests meanwhile get `NotReady`, which sends the
//! CLI down its direct path). A worker refreshes the status every
//! `daemon.refresh_secs`; a file watcher rebuilds the index when pacman, apt or
//! dpkg change their databases. On Arch a task of its own keeps a local AUR index
//! from the AUR's metadata dump (`aur.rs`). SIGINT, SIGTERM and a `Shutdown`
//! request stop it cleanly: connections drain, the store is closed, socket and
//! lock are removed. Under socket activation (systemd's omgd.socket) omgd serves
//! the socket it is given instead of binding one, and leaves it to systemd at exit.

mod activation;
mod args;
mod audit;
mod aur;
mod detach;
mod instance;
mod log;
mod memory;
mod offers;
mod once;
mod server;
mod state;
mod store;
mod watch;
mod worker;

pub use server::{MAX_CONNECTIONS, WRITE_TIMEOUT};

use clap::Parser;
use std::process::ExitCode;

/// omgd's command line as clap sees it, for generated documentation that must
/// not drift from `omgd --help`.
#[must_use]
pub fn command() -> clap::Command {
    <args::Args as clap::CommandFactory>::command()
}

/// Runs omgd with the process's arguments.
#[must_use]
pub fn main() -> ExitCode {
    let args = args::Args::parse();
    let result = if let Some(dir) = &args.manpages {
        // `omg manpages DIR` asks for this one: omg does not link omgd to know it.
        clap_mangen::generate_to(command(), dir).map_err(anyhow::Error::from)
    } else if args.answer {
        args.resolve().and_then(|setup| once::answer(&setup))
    } else if args.build_index {
        args.resolve().and_then(|setup| once::build_index(&setup))
    } else if args.transact {
        hand_over_to_transact()
    } else if args.foreground {
        run_foreground(&args)
    } else {
        detach::start(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error(&format!("{error:#}"));
            ExitCode::from(2)
        }
    }
}

/// `omgd --transact`: replaced by `omgd-transact` (found beside this binary) with
/// the same arguments. That binary links what changes a system (libalpm,
/// libapt-pkg); the daemon, which only reads, stays without libapt-pkg and the
/// libraries behind it.
fn hand_over_to_transact() -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let omgd = std::env::current_exe()?;
    let transact = omgd.with_file_name("omgd-transact");
    let error = std::process::Command::new(&transact)
        .args(std::env::args_os().skip(1))
        .exec();
    Err(anyhow::anyhow!(
        "cannot run {}: {error}",
        transact.display()
    ))
}

fn run_foreground(args: &args::Args) -> anyhow::Result<()> {
    memory::tune_allocator();
    // Both before the runtime, while this is the one thread: taking the passed
    // socket edits the environment, and binding narrows the umask for a moment.
    let activated = activation::take()?;
    let mut setup = args.resolve()?;
    let (instance, listener) = match activated {
        Some(activated) => {
            if let Some(path) = activated.path.filter(|path| *path != setup.socket) {
                log::info(&format!(
                    "serving the socket systemd passed, {}; omg looks for {} (XDG_RUNTIME_DIR or OMG_SOCKET differ)",
                    path.display(),
                    setup.socket.display()
                ));
                setup.socket = path;
            }
            let instance = instance::Instance::acquire(
                &setup.socket,
                setup.socket_overridden,
                instance::SocketOwner::Systemd,
            )?;
            (instance, activated.listener)
        }
        None => {
            let instance = instance::Instance::acquire(
                &setup.socket,
                setup.socket_overridden,
                instance::SocketOwner::Omgd,
            )?;
            (instance, server::bind(&setup.socket)?)
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(server::run(setup, listener, &instance));
    // Blocking index builds may still be running; they hold nothing that matters.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    instance.release();
    result
}
