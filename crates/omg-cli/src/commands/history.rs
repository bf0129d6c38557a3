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
        write!(out, "[{}] ", local_time(entry.time))?;
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
        "time": rfc3339_utc(entry.time),
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

/// `2026-11-30T10:15:03Z`.
pub(crate) fn rfc3339_utc(time: i64) -> String {
    let days = time.div_euclid(86_400);
    let seconds = time.rem_euclid(86_400);
    let (year, month, day) = crate::render::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// pacman.log's stamp in local time: `2026-11-30T11:15:03+0100`; UTC when the
/// time cannot be converted.
fn local_time(time: i64) -> String {
    let Some(tm) = localtime(time) else {
        return rfc3339_utc(time);
    };
    let offset = tm.tm_gmtoff / 60;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}{:02}",
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        if offset < 0 { '-' } else { '+' },
        offset.abs() / 60,
        offset.abs() % 60
    )
}

#[expect(unsafe_code, reason = "std has no local time conversion")]
fn localtime(time: i64) -> Option<libc::tm> {
    let time = libc::time_t::try_from(time).ok()?;
    // SAFETY: `tm` is plain data; all-zero is a valid value for localtime_r to fill.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; localtime_r is thread-safe.
    let filled = unsafe { libc::localtime_r(&raw const time, &raw mut tm) };
    (!filled.is_null()).then_some(tm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }
}
