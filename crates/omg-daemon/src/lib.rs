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
//! lock are removed.

mod args;
mod aur;
mod detach;
mod history;
mod instance;
mod log;
mod memory;
mod once;
mod server;
mod state;
mod store;
mod transact;
mod watch;
mod worker;

pub use detach::{log_path, spawn};
pub use server::{MAX_CONNECTIONS, WRITE_TIMEOUT};

use clap::Parser;
use std::process::ExitCode;

/// omgd's command line as clap sees it, for generated documentation (omg's man
/// pages) that must not drift from `omgd --help`.
#[must_use]
pub fn command() -> clap::Command {
    <args::Args as clap::CommandFactory>::command()
}

/// Runs omgd with the process's arguments.
#[must_use]
pub fn main() -> ExitCode {
    let args = args::Args::parse();
    let result = if args.answer {
        args.resolve().and_then(|setup| once::answer(&setup))
    } else if args.transact {
        args.resolve()
            .and_then(|setup| transact::run(&setup, args.preview))
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

fn run_foreground(args: &args::Args) -> anyhow::Result<()> {
    memory::tune_allocator();
    let setup = args.resolve()?;
    let instance = instance::Instance::acquire(&setup.socket, setup.socket_overridden)?;
    // Before the runtime: binding narrows the process's umask for a moment, which
    // is only safe while this is the one thread.
    let listener = server::bind(&setup.socket)?;
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
