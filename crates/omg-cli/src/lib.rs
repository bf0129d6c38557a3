//! omg's command line: argument parsing, settings, the commands and their rendering.
//! Reads ask omgd first (blocking client, no async runtime) and answer directly from
//! the package databases when it is absent or serves another system.

mod cli;
mod commands;
mod complete;
mod generate;
mod hook;
mod printer;
mod progress;
mod render;
mod settings;
mod source;
mod time;

use clap::Parser;
use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// It did what was asked.
    Success,
    /// It ran, but the answer is "no" (nothing found, unknown package).
    Failure,
    /// It could not run.
    Error,
    /// Another program's exit code, passed on (`omg exec`).
    Code(u8),
}

impl ExitStatus {
    /// The process exit code.
    fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Error => 2,
            Self::Code(code) => code,
        }
    }
}

/// Runs omg with the process's arguments.
#[must_use]
pub fn main() -> ExitCode {
    ExitCode::from(exit_code())
}

/// Runs omg with the process's arguments and returns its exit code.
#[must_use]
pub fn exit_code() -> u8 {
    // The prompt's command, exactly as the hook snippet writes it: answered
    // without building clap's whole command tree, which costs more than the
    // answer itself. Any other spelling goes through clap below, same result.
    if let Some(shell) = hook_env_shell(std::env::args_os().skip(1)) {
        let _ = hook::env(shell);
        return 0;
    }
    // A TAB: the completion scripts run omg with this variable set and the words
    // typed so far; the answer is printed and the process ends here. Checked here
    // first because `complete` reads the working directory and every argument even
    // when the variable is unset, and `omg hook-env` runs at every prompt.
    if std::env::var_os(omg_core::env::OMG_COMPLETE).is_some() {
        clap_complete::CompleteEnv::with_factory(<cli::Cli as clap::CommandFactory>::command)
            .var(omg_core::env::OMG_COMPLETE)
            .complete();
    }
    let cli = cli::Cli::parse();
    match run(cli) {
        Ok(status) => status.code(),
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            printer::message(&format!("error: {error:#}"));
            ExitStatus::Error.code()
        }
    }
}

/// The shell of `hook-env --shell <shell>` when those are the arguments, exactly.
fn hook_env_shell(mut args: impl Iterator<Item = std::ffi::OsString>) -> Option<cli::Shell> {
    let words = (args.next()?, args.next()?, args.next()?);
    if args.next().is_some() || words.0 != "hook-env" || words.1 != "--shell" {
        return None;
    }
    match words.2.to_str()? {
        "bash" => Some(cli::Shell::Bash),
        "zsh" => Some(cli::Shell::Zsh),
        "fish" => Some(cli::Shell::Fish),
        _ => None,
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitStatus> {
    // Run at every prompt: no config, no backend, nothing but the versions tree.
    match cli.command {
        cli::Command::HookEnv { shell } => return hook::env(shell).map(|()| ExitStatus::Success),
        cli::Command::Hook { shell } => return hook::snippet(shell).map(|()| ExitStatus::Success),
        // Generated from the definitions alone: they must work on a machine with no
        // package database (a build host writing the man pages, say).
        cli::Command::Completions { shell } => {
            return generate::completions(shell).map(|()| ExitStatus::Success)
        }
        cli::Command::Manpages { dir } => {
            return generate::manpages(&dir).map(|()| ExitStatus::Success)
        }
        _ => {}
    }
    let settings = settings::Settings::resolve(&cli.global, cli.command.sandbox())?;
    // Set once, before any command runs: the runtime managers download through it.
    let _ = settings.runtimes.downloader().make_global();
    let mut printer = printer::Printer::new(settings.color);
    let status = commands::run(cli.command, &settings, &mut printer)?;
    printer.flush()?;
    Ok(status)
}

/// `omg search x | head` closes the pipe early; that is not an error (ripgrep's rule).
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod hook_env_tests {
    use super::*;

    fn words(line: &str) -> impl Iterator<Item = std::ffi::OsString> + '_ {
        line.split(' ').map(std::ffi::OsString::from)
    }

    #[test]
    fn only_the_snippets_exact_words_take_the_short_way() {
        assert_eq!(
            hook_env_shell(words("hook-env --shell zsh")),
            Some(cli::Shell::Zsh)
        );
        assert_eq!(
            hook_env_shell(words("hook-env --shell fish")),
            Some(cli::Shell::Fish)
        );
        for other in [
            "hook-env",
            "hook-env --shell",
            "hook-env --shell tcsh",
            "hook-env --shell=bash",
            "hook-env --shell bash --json",
            "--json hook-env --shell bash",
            "hook --shell bash",
        ] {
            assert_eq!(hook_env_shell(words(other)), None, "{other}");
        }
    }
}
