//! Shell completions and man pages, generated from the clap definitions in
//! [`crate::cli`] (and omgd's) so they can never say something `--help` does not.

use crate::cli::{Cli, Shell};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// Prints the completion script for `shell` on stdout.
pub(crate) fn completions(shell: Shell) -> Result<()> {
    let mut command = Cli::command();
    // Generated into memory first: clap_complete panics when its writer fails, and
    // `omg completions bash | head` must end quietly, not with a panic.
    let mut script = Vec::new();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut command, "omg", &mut script);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(())
}

/// Writes `omg.1`, one `omg-<subcommand>.1` per visible subcommand (nested ones as
/// `omg-daemon-start.1`) and `omgd.1` into `dir`, creating it if needed.
pub(crate) fn manpages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("writing omg's man pages into {}", dir.display()))?;
    clap_mangen::generate_to(omg_daemon::command(), dir)
        .with_context(|| format!("writing omgd's man page into {}", dir.display()))?;
    Ok(())
}
