//! The `omg` binary: parse, run, map the outcome to an exit code.

fn main() -> std::process::ExitCode {
    omg_cli::main()
}
