//! `omgd`, the daemon; all of it lives in the omg-daemon crate.

fn main() -> std::process::ExitCode {
    omg_daemon::main()
}
