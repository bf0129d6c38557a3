//! `omgd-transact`, run by `omgd --transact`; all of it lives in this crate's library.

fn main() -> std::process::ExitCode {
    omg_transact::main()
}
