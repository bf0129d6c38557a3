//! `omg history`: the system changes recorded in `<root>/var/log/omg/history.jsonl`
//! (written by `omgd --transact`), oldest first like pacman.log. Reading it needs
//! no daemon and no privileges.

use crate::printer::{message, Printer};
use crate::settings::Settings;
use crate::ExitStatus;
use anyhow::{Context, Result};
use omg_core::history::{HistoryEntry, HistoryResult};
use std::io::Write;

pub(crate) fn run(
    limit: Option<usize>,
    settings: &Settings,
    printer: &mut Printer,
) -> Result<ExitStatus> {
    let path = omg_packages::history_path(settings.backend()?)?;
    let contents = match read(&path) {
        Ok(contents) => contents,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    let (mut entries, skipped) = omg_core::history::parse(&contents);
    if skipped > 0 {
        message(&format!(
            "warning: skipped {skipped} unreadable line{} in {}",
            if skipped == 1 { "" } else { "s" },
            path.display()
        ));
    }
    if let Some(limit) = limit {
        entries.drain(..entries.len().saturating_sub(limit));
    }
    if settings.json {
        let json: Vec<serde_json::Value> = entries.iter().map(entry_json).collect();
        printer.json(&json)?;
        return Ok(ExitStatus::Success);
    }
    if entries.is_empty() {
        message("no transactions recorded yet");
        return Ok(ExitStatus::Success);
    }
    let styles = printer.styles;
    let out = printer.out();
    for entry in &entries {
        write!(out, "[{}] ", crate::time::pacman_log_stamp(entry.time))?;
        out.paint(styles.bold, entry.command.join(" "))?;
        write!(out, " (by {}): ", entry.user)?;
        match entry.result {
            HistoryResult::Done => out.paint(styles.green, "done")?,
            HistoryResult::Failed => {
                out.paint(styles.magenta, "failed")?;
                if let Some(error) = &entry.error {
                    write!(out, ": {error}")?;
                }
            }
        }
        writeln!(out)?;
        for change in &entry.changes {
            let versions = match (&change.old_version, &change.new_version) {
                (Some(old), Some(new)) if old != new => format!("{old} -> {new}"),
                (_, Some(new)) => new.clone(),
                (Some(old), None) => old.clone(),
                (None, None) => String::new(),
            };
            writeln!(
                out,
                "  {:<10} {} {versions}",
                change.action.as_str(),
                change.name
            )?;
        }
        if entry.cache_files > 0 {
            writeln!(
                out,
                "  deleted {} cache file{} ({})",
                entry.cache_files,
                if entry.cache_files == 1 { "" } else { "s" },
                crate::render::human_size(entry.cache_size)
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

/// The file's bytes, when it is a regular file: opened without blocking, so a FIFO
/// planted under the name (a root may be anyone's) cannot hang the command.
fn read(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut contents = Vec::new();
    file.read_to_end(&mut contents)?;
    Ok(contents)
}

/// An entry for scripts: the stored fields, with the time as RFC 3339 (UTC) and
/// as unix seconds.
fn entry_json(entry: &HistoryEntry) -> serde_json::Value {
    serde_json::json!({
        "time": crate::time::rfc3339_utc(entry.time),
        "timestamp": entry.time,
        "user": entry.user,
        "command": entry.command,
        "backend": entry.backend,
        "result": entry.result,
        "error": entry.error,
        "changes": entry.changes,
        "cache_files": entry.cache_files,
        "cache_size": entry.cache_size,
    })
}
