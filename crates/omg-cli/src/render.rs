//! Human renderings of the answers; `--json` bypasses this module entirely.
//! Colour goes through [`crate::printer::Escaping::paint`], so the text around it
//! is escaped like everything else written to the printer.

use crate::printer::Printer;
use omg_core::{
    BackendSelection, MatchKind, PackageDetails, RuntimeProbe, SearchResults, SystemStatus,
};
use omg_ipc::DaemonStatus;
use serde::Serialize;
use std::io::{self, Write};

/// `omg search --json`: each hit is the package's fields plus how it matched.
#[derive(Serialize)]
pub(crate) struct JsonSearch<'a> {
    hits: Vec<JsonHit<'a>>,
    exact_total: usize,
}

#[derive(Serialize)]
struct JsonHit<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    repository: &'a str,
    installed_version: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    provides: &'a [String],
    matched: MatchKind,
}

impl<'a> From<&'a SearchResults> for JsonSearch<'a> {
    fn from(results: &'a SearchResults) -> Self {
        let hits = results
            .hits
            .iter()
            .map(|hit| JsonHit {
                name: &hit.package.name,
                version: &hit.package.version,
                description: &hit.package.description,
                repository: &hit.package.repository,
                installed_version: hit.package.installed_version.as_deref(),
                provides: &hit.package.provides,
                matched: hit.matched,
            })
            .collect();
        Self {
            hits,
            exact_total: results.exact_total,
        }
    }
}

/// pacman -Ss style: `repo/name version [installed]` then the indented description.
pub(crate) fn search(printer: &mut Printer, results: &SearchResults) -> io::Result<()> {
    let s = printer.styles;
    let out = printer.out();
    let mut in_fuzzy = false;
    for hit in &results.hits {
        if hit.matched == MatchKind::Fuzzy && !in_fuzzy {
            in_fuzzy = true;
            out.paint(s.dim, "~ close matches:")?;
            writeln!(out)?;
        }
        let package = &hit.package;
        out.paint(s.magenta, &package.repository)?;
        write!(out, "/")?;
        out.paint(s.bold, &package.name)?;
        write!(out, " ")?;
        out.paint(s.green, &package.version)?;
        match &package.installed_version {
            Some(version) if *version == package.version => {
                write!(out, " ")?;
                out.paint(s.cyan, "[installed]")?;
            }
            Some(version) => {
                write!(out, " ")?;
                out.paint(s.cyan, format_args!("[installed: {version}]"))?;
            }
            None => {}
        }
        writeln!(out)?;
        writeln!(out, "    {}", package.description)?;
    }
    let shown_exact = results
        .hits
        .iter()
        .filter(|hit| hit.matched != MatchKind::Fuzzy)
        .count();
    if shown_exact < results.exact_total {
        out.paint(
            s.dim,
            format_args!(
                "… {} more; use --limit to see them",
                results.exact_total - shown_exact
            ),
        )?;
        writeln!(out)?;
    }
    Ok(())
}

/// pacman -Si style key/value block.
pub(crate) fn info(printer: &mut Printer, details: &PackageDetails) -> io::Result<()> {
    let s = printer.styles;
    let list = |items: &[String]| {
        if items.is_empty() {
            "None".to_owned()
        } else {
            items.join("  ")
        }
    };
    let optional = |value: Option<String>| value.unwrap_or_else(|| "None".to_owned());
    let mut rows: Vec<(&str, String)> = vec![
        ("Repository", details.repository.clone()),
        ("Name", details.name.clone()),
        ("Version", optional(details.version.clone())),
        ("Installed", optional(details.installed_version.clone())),
        ("Description", details.description.clone()),
        ("Architecture", optional(details.architecture.clone())),
        ("URL", optional(details.url.clone())),
    ];
    if !details.licenses.is_empty() {
        rows.push(("Licenses", list(&details.licenses)));
    }
    if let Some(section) = &details.section {
        rows.push(("Section", section.clone()));
    }
    rows.extend([
        ("Provides", list(&details.provides)),
        ("Depends On", list(&details.depends)),
        ("Optional Deps", list(&details.optional_depends)),
        ("Conflicts With", list(&details.conflicts)),
        ("Replaces", list(&details.replaces)),
        (
            "Download Size",
            optional(details.download_size.map(human_size)),
        ),
        (
            "Installed Size",
            optional(details.installed_size.map(human_size)),
        ),
        ("Packager", optional(details.packager.clone())),
    ]);
    if let Some(date) = details.build_date {
        rows.push(("Build Date", format_unix_utc(date)));
    }
    if let Some(date) = details.install_date {
        rows.push(("Install Date", format_unix_utc(date)));
    }
    if let Some(explicit) = details.explicit {
        let reason = if explicit {
            "Explicitly installed"
        } else {
            "Installed as a dependency for another package"
        };
        rows.push(("Install Reason", reason.to_owned()));
    }
    let width = rows.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    let out = printer.out();
    for (key, value) in rows {
        out.paint(s.bold, format_args!("{key:<width$}"))?;
        writeln!(out, " : {value}")?;
    }
    Ok(())
}

pub(crate) fn status(
    printer: &mut Printer,
    status: &SystemStatus,
    runtimes: &[RuntimeProbe],
) -> io::Result<()> {
    let s = printer.styles;
    let synced = status
        .database_synced_at
        .map_or_else(|| "never".to_owned(), format_age);
    let rows = [
        (
            "Backend",
            format!("{} (root {})", status.backend, status.root.display()),
        ),
        ("Available", status.available.to_string()),
        ("Installed", status.installed.to_string()),
        ("Explicit", status.explicit.to_string()),
        ("Orphans", status.orphans.to_string()),
        ("Upgradable", status.upgradable.to_string()),
        ("Databases synced", synced),
        ("Runtimes", runtime_summary(runtimes)),
    ];
    let out = printer.out();
    for (key, value) in rows {
        out.paint(s.bold, format_args!("{key:<16}"))?;
        writeln!(out, " : {value}")?;
    }
    Ok(())
}

pub(crate) fn daemon_status(
    printer: &mut Printer,
    status: &DaemonStatus,
    serves: &BackendSelection,
) -> io::Result<()> {
    let s = printer.styles;
    let optional_age = |unix: Option<i64>| unix.map_or_else(|| "never".to_owned(), format_age);
    let lookups = status.cache_hits + status.cache_misses;
    let hit_rate = if lookups == 0 {
        "no lookups yet".to_owned()
    } else {
        #[expect(clippy::cast_precision_loss, reason = "a percentage to one decimal")]
        let rate = status.cache_hits as f64 * 100.0 / lookups as f64;
        format!("{rate:.1}% ({} of {lookups})", status.cache_hits)
    };
    let rows = [
        ("Pid", status.pid.to_string()),
        ("Version", status.version.clone()),
        ("Uptime", format_duration(status.uptime_secs)),
        ("Socket", status.socket.display().to_string()),
        ("Serves", serves.describe()),
        (
            "Index",
            format!(
                "{} packages, built {} in {} ms",
                status.index_packages,
                optional_age(Some(status.index_built_at)),
                status.index_build_ms
            ),
        ),
        ("Cache hit rate", hit_rate),
        ("Requests", status.requests.to_string()),
        ("Store", status.store.display().to_string()),
        ("Last refresh", optional_age(status.last_refresh)),
        (
            "Memory (RSS)",
            status
                .rss_bytes
                .map_or_else(|| "unknown".to_owned(), human_size),
        ),
    ];
    let out = printer.out();
    for (key, value) in rows {
        out.paint(s.bold, format_args!("{key:<14}"))?;
        writeln!(out, " : {value}")?;
    }
    Ok(())
}

/// `node 22.12.0 (default), 20.9.0; go 1.27.3`, or `none`.
fn runtime_summary(runtimes: &[RuntimeProbe]) -> String {
    if runtimes.is_empty() {
        return "none".to_owned();
    }
    runtimes
        .iter()
        .map(|probe| {
            let versions: Vec<String> = probe
                .installed
                .iter()
                .rev()
                .map(|version| {
                    if probe.default.as_deref() == Some(version.as_str()) {
                        format!("{version} (default)")
                    } else {
                        version.clone()
                    }
                })
                .collect();
            format!("{} {}", probe.runtime, versions.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn format_duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[expect(
        clippy::cast_precision_loss,
        reason = "sizes are shown to two decimals"
    )]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

fn format_age(unix: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let age = (now - unix).max(0);
    let ago = match age {
        0..60 => format!("{age} s ago"),
        60..3600 => format!("{} min ago", age / 60),
        3600..86_400 => format!("{} h ago", age / 3600),
        _ => format!("{} days ago", age / 86_400),
    };
    format!("{} ({ago})", format_unix_utc(unix))
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, proleptic Gregorian).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD HH:MM:SS UTC`, without a date library.
fn format_unix_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_unix_utc_matches_known_dates() {
        assert_eq!(format_unix_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_unix_utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_unix_utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn human_size_uses_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1132), "1.11 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.00 MiB");
    }
}
