//! `omgd`, the daemon; all of it lives in this crate's library.

fn main() -> std::process::ExitCode {
    omg_daemon::main()
}
