//! `omgd-transact`: plans and commits one system change, talking omg-ipc frames
//! over stdin and stdout with `omg` (see [`transact`]). `omg` runs it as `omgd
//! --transact`, which hands over to this binary beside it: the daemon itself
//! never links the libraries that change a system (libapt-pkg and what it pulls
//! in), and this process never serves reads.

mod args;
mod history;
mod transact;

use clap::Parser;
use std::process::ExitCode;

/// Runs one transaction with the process's arguments.
#[must_use]
pub fn main() -> ExitCode {
    let args = args::Args::parse();
    match args
        .resolve()
        .and_then(|setup| transact::run(&setup, args.preview))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The line omgd's own log would print.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("{now} omgd: error: {error:#}\n").as_bytes(),
            );
            ExitCode::from(2)
        }
    }
}

/// An error as one line for the reply: the shape omgd's own failures take.
fn failed(error: impl Into<anyhow::Error>) -> omg_ipc::IpcError {
    let error: anyhow::Error = error.into();
    omg_ipc::IpcError::Failed(omg_ipc::error_chain(error.as_ref()))
}
