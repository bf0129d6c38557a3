//! Shell completions and man pages, generated from the clap definitions in
//! [`crate::cli`] (and omgd's) so they can never say something `--help` does not.

use crate::cli::{Cli, Shell};
use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::env::EnvCompleter;
use std::io::Write;
use std::path::Path;

/// Prints the completion script for `shell` on stdout. Each script is a thin
/// registration that runs `omg` (from PATH) with `OMG_COMPLETE=<shell>` and the
/// words typed so far, so subcommands and flags come from the same definitions as
/// `--help` and package names can come from omgd ([`crate::complete`]).
pub(crate) fn completions(shell: Shell) -> Result<()> {
    let name = "omg";
    let var = omg_core::env::OMG_COMPLETE;
    let mut script = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::env::Bash.write_registration(var, name, name, name, &mut script)?
        }
        Shell::Fish => {
            clap_complete::env::Fish.write_registration(var, name, name, name, &mut script)?
        }
        Shell::Zsh => {
            clap_complete::env::Zsh.write_registration(var, name, name, name, &mut script)?;
            script = zsh_autoloadable(&script)?;
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script)?;
    stdout.flush()?;
    Ok(())
}

/// clap's zsh registration ends in `compdef`, which suits `source`; installed as
/// `_omg` on $fpath, compinit autoloads the file as the completion function
/// itself, and the first TAB would only register the real one. Calling it when
/// autoloaded (as clap's static zsh scripts do) makes both ways work.
fn zsh_autoloadable(script: &[u8]) -> Result<Vec<u8>> {
    let text = std::str::from_utf8(script).context("zsh registration is not UTF-8")?;
    let registration = "compdef _clap_dynamic_completer_omg omg";
    anyhow::ensure!(
        text.contains(registration),
        "unexpected zsh registration from clap_complete"
    );
    let both = "if [ \"$funcstack[1]\" = \"_omg\" ]; then\n    _clap_dynamic_completer_omg \"$@\"\nelse\n    compdef _clap_dynamic_completer_omg omg\nfi";
    Ok(text.replacen(registration, both, 1).into_bytes())
}

/// Writes `omg.1`, one `omg-<subcommand>.1` per visible subcommand (nested ones as
/// `omg-daemon-start.1`) and `omgd.1` into `dir`, creating it if needed.
pub(crate) fn manpages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("writing omg's man pages into {}", dir.display()))?;
    // omgd knows its own command line; omg does not link it to learn it.
    let omgd = crate::source::omgd_binary();
    let status = std::process::Command::new(&omgd)
        .arg("--manpages")
        .arg(dir)
        .status()
        .with_context(|| format!("running {} for its man page", omgd.display()))?;
    anyhow::ensure!(
        status.success(),
        "{} could not write its man page ({status})",
        omgd.display()
    );
    Ok(())
}
