//! Shell activation. `omg hook <shell>` prints a snippet that runs `omg hook-env`
//! before each prompt (and on `cd` where the shell can say so); `omg hook-env`
//! prints the PATH change for the current directory, and nothing at all when the
//! selection is what the shell already has. It reads no config, no network and no
//! daemon: the versions tree and the version files are all it needs.

use crate::cli::Shell;
use crate::printer::message;
use anyhow::Result;
use omg_core::paths::{Environment, Paths};
use omg_runtimes::Layout;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// The signature of what the shell was last given.
const STATE: &str = "__OMG_STATE";
/// The PATH entries omg added, `:`-joined, so they can be taken out again.
const ADDED: &str = "__OMG_PATH";
/// The other variables omg set (`JAVA_HOME`, `GOROOT`), to unset when unused.
const VARS: &str = "__OMG_VARS";
/// Stamps of the version files already warned about, so a broken file is
/// reported once, not at every prompt, until it changes.
const WARNED: &str = "__OMG_WARNED";

pub(crate) fn snippet(shell: Shell) -> Result<()> {
    let omg = std::env::current_exe()?;
    let omg = quote(&omg.to_string_lossy());
    let text = match shell {
        Shell::Bash => format!(
            r#"_omg_hook() {{
  local status=$?
  eval "$({omg} hook-env --shell bash)"
  return $status
}}
if [[ ";${{PROMPT_COMMAND[*]:-}};" != *";_omg_hook;"* ]]; then
  PROMPT_COMMAND="_omg_hook${{PROMPT_COMMAND:+;$PROMPT_COMMAND}}"
fi
_omg_hook
"#
        ),
        Shell::Zsh => format!(
            r#"_omg_hook() {{
  eval "$({omg} hook-env --shell zsh)"
}}
typeset -ag precmd_functions chpwd_functions
if (( ! ${{precmd_functions[(I)_omg_hook]}} )); then
  precmd_functions=(_omg_hook $precmd_functions)
fi
if (( ! ${{chpwd_functions[(I)_omg_hook]}} )); then
  chpwd_functions=(_omg_hook $chpwd_functions)
fi
_omg_hook
"#
        ),
        Shell::Fish => format!(
            r#"function _omg_hook --on-event fish_prompt --on-variable PWD
    {omg} hook-env --shell fish | source
end
_omg_hook
"#
        ),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// `omg hook-env`: the shell evaluates what this prints before every prompt, so
/// it always exits 0. A problem is one warning line on stderr, and the prompt
/// keeps what it had.
pub(crate) fn env(shell: Shell) -> Result<()> {
    if let Err(error) = changes(shell) {
        message(&format!("warning: omg hook-env: {error:#}"));
    }
    Ok(())
}

fn changes(shell: Shell) -> Result<()> {
    let paths = Paths::resolve(&Environment::from_process());
    let layout = Layout::new(&paths.data_dir);
    // A directory deleted under the shell has no version files; the defaults hold.
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let selection = omg_runtimes::active(&layout, &cwd);
    let already_warned = std::env::var(WARNED).unwrap_or_default();
    let mut warned: Vec<String> = Vec::new();
    for skipped in &selection.skipped {
        let stamp = stamp(skipped.file());
        if !already_warned.split(':').any(|seen| seen == stamp) {
            message(&format!("warning: {skipped} (skipped)"));
        }
        warned.push(stamp);
    }
    let warned = warned.join(":");
    let mut bin_dirs: Vec<PathBuf> = Vec::new();
    let mut variables: Vec<(&str, String)> = Vec::new();
    for (runtime, state) in &selection.runtimes {
        let Some(version) = &state.version else {
            continue;
        };
        let home = layout.version_dir(runtime, version)?;
        bin_dirs.push(home.join("bin"));
        // Tools find these runtimes through a home variable too.
        match runtime {
            omg_runtimes::Runtime::Java => {
                variables.push(("JAVA_HOME", home.to_string_lossy().into_owned()))
            }
            omg_runtimes::Runtime::Go => {
                variables.push(("GOROOT", home.to_string_lossy().into_owned()))
            }
            _ => {}
        }
    }
    let mut signature = bin_dirs
        .iter()
        .map(|dir| dir.to_string_lossy())
        .collect::<Vec<_>>()
        .join(":");
    for (name, value) in &variables {
        let _ = write!(signature, ";{name}={value}");
    }
    let _ = write!(signature, ";warned={warned}");
    let previously_set: Vec<String> = std::env::var(VARS)
        .map(|vars| {
            vars.split(':')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let unset: Vec<&String> = previously_set
        .iter()
        .filter(|name| !variables.iter().any(|(set, _)| set == name))
        .collect();
    let set_names = variables
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(":");
    if std::env::var(STATE).is_ok_and(|state| state == signature) {
        return Ok(());
    }
    let previously_added: Vec<String> = std::env::var(ADDED)
        .map(|added| {
            added
                .split(':')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let path = std::env::var("PATH").unwrap_or_default();
    let mut entries: Vec<String> = bin_dirs
        .iter()
        .map(|dir| dir.to_string_lossy().into_owned())
        .collect();
    entries.extend(
        path.split(':')
            .filter(|entry| {
                !entry.is_empty() && !previously_added.iter().any(|added| added == entry)
            })
            .map(str::to_owned),
    );
    let added = bin_dirs
        .iter()
        .map(|dir| dir.to_string_lossy())
        .collect::<Vec<_>>()
        .join(":");
    let mut out = String::new();
    match shell {
        Shell::Bash | Shell::Zsh => {
            let _ = write!(
                out,
                "export PATH={};export {STATE}={};export {ADDED}={};export {VARS}={};export {WARNED}={};",
                quote(&entries.join(":")),
                quote(&signature),
                quote(&added),
                quote(&set_names),
                quote(&warned)
            );
            for (name, value) in &variables {
                let _ = write!(out, "export {name}={};", quote(value));
            }
            for name in unset {
                let _ = write!(out, "unset {name};");
            }
        }
        Shell::Fish => {
            let list: Vec<String> = entries.iter().map(|entry| quote(entry)).collect();
            let _ = write!(
                out,
                "set -gx PATH {};set -gx {STATE} {};set -gx {ADDED} {};set -gx {VARS} {};set -gx {WARNED} {};",
                list.join(" "),
                quote(&signature),
                quote(&added),
                quote(&set_names),
                quote(&warned)
            );
            for (name, value) in &variables {
                let _ = write!(out, "set -gx {name} {};", quote(value));
            }
            for name in unset {
                let _ = write!(out, "set -e {name};");
            }
        }
    }
    out.push('\n');
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}

/// A short stamp of a file's identity and content version (path, inode, size,
/// modification time): it changes when the file is edited or replaced.
fn stamp(file: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(file.as_os_str().as_bytes());
    if let Ok(metadata) = std::fs::metadata(file) {
        for number in [
            metadata.dev(),
            metadata.ino(),
            metadata.size(),
            metadata.mtime().cast_unsigned(),
            metadata.mtime_nsec().cast_unsigned(),
        ] {
            feed(&number.to_le_bytes());
        }
    }
    format!("{hash:016x}")
}

/// Single quotes for POSIX shells and fish (`'` itself becomes `'\''`).
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
