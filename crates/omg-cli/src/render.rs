//! Human renderings of the answers; `--json` bypasses this module entirely.
//! Colour goes through [`crate::printer::Escaping::paint`], so the text around it
//! is escaped like everything else written to the printer.

use crate::commands::AurResults;
use crate::commands::Vulnerabilities;
use crate::printer::{Escaping, Printer, Styles};
use omg_core::audit::AuditSummary;
use omg_core::text::printable;
use omg_core::{
    BackendSelection, MatchKind, PackageDetails, RuntimeProbe, SearchHit, SearchResults,
    SystemStatus,
};
use omg_ipc::DaemonStatus;
use omg_packages::aur::{AurHit, AurPackage};
use serde::Serialize;
use std::io::{self, Write};

/// `omg search --json`: each hit is the package's fields plus how it matched; AUR
/// hits (after the official exact ones, before the close matches, as on screen)
/// add their votes, popularity, out-of-date flag and maintainer.
#[derive(Serialize)]
pub(crate) struct JsonSearch<'a> {
    hits: Vec<JsonHit<'a>>,
    exact_total: usize,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonHit<'a> {
    Official(JsonOfficialHit<'a>),
    Aur(JsonAurHit<'a>),
}

#[derive(Serialize)]
struct JsonOfficialHit<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    repository: &'a str,
    installed_version: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    provides: &'a [String],
    matched: MatchKind,
}

#[derive(Serialize)]
struct JsonAurHit<'a> {
    name: &'a str,
    package_base: &'a str,
    version: &'a str,
    description: &'a str,
    repository: &'static str,
    installed_version: Option<&'a str>,
    matched: MatchKind,
    votes: u64,
    popularity: f64,
    /// When it was flagged (RFC 3339), or null.
    #[serde(serialize_with = "rfc3339_or_null")]
    out_of_date: Option<i64>,
    /// Null when orphaned.
    maintainer: Option<&'a str>,
}

impl<'a> JsonSearch<'a> {
    pub(crate) fn new(official: &'a SearchResults, aur: Option<&'a AurResults>) -> Self {
        let official_hit = |hit: &'a SearchHit| {
            JsonHit::Official(JsonOfficialHit {
                name: &hit.package.name,
                version: &hit.package.version,
                description: &hit.package.description,
                repository: &hit.package.repository,
                installed_version: hit.package.installed_version.as_deref(),
                provides: &hit.package.provides,
                matched: hit.matched,
            })
        };
        let (exact, fuzzy): (Vec<&SearchHit>, Vec<&SearchHit>) = official
            .hits
            .iter()
            .partition(|hit| hit.matched != MatchKind::Fuzzy);
        let aur_hits = aur.map_or(&[][..], |aur| &aur.hits);
        let hits = exact
            .into_iter()
            .map(official_hit)
            .chain(aur_hits.iter().map(|hit| {
                let package = &hit.package;
                JsonHit::Aur(JsonAurHit {
                    name: &package.name,
                    package_base: &package.package_base,
                    version: &package.version,
                    description: package.description.as_deref().unwrap_or_default(),
                    repository: "aur",
                    installed_version: aur
                        .and_then(|aur| aur.installed.get(&package.name))
                        .map(String::as_str),
                    matched: hit.matched,
                    votes: package.num_votes,
                    popularity: package.popularity,
                    out_of_date: package.out_of_date,
                    maintainer: package.maintainer.as_deref(),
                })
            }))
            .chain(fuzzy.into_iter().map(official_hit))
            .collect();
        Self {
            hits,
            exact_total: official.exact_total + aur.map_or(0, |aur| aur.total),
        }
    }
}

/// pacman -Ss style: `repo/name version [installed]` then the indented description;
/// the AUR's hits (paru style, with votes and popularity) come after the official
/// exact ones, and close matches last.
pub(crate) fn search(
    printer: &mut Printer,
    results: &SearchResults,
    aur: Option<&AurResults>,
) -> io::Result<()> {
    let s = printer.styles;
    let out = printer.out();
    let (exact, fuzzy): (Vec<&SearchHit>, Vec<&SearchHit>) = results
        .hits
        .iter()
        .partition(|hit| hit.matched != MatchKind::Fuzzy);
    for hit in &exact {
        official_hit(out, s, hit)?;
    }
    if exact.len() < results.exact_total {
        out.paint(
            s.dim,
            format_args!(
                "… {} more; use --limit to see them",
                results.exact_total - exact.len()
            ),
        )?;
        writeln!(out)?;
    }
    if let Some(aur) = aur {
        for hit in &aur.hits {
            aur_hit(out, s, hit, aur.installed.get(&hit.package.name))?;
        }
        if aur.hits.len() < aur.total {
            out.paint(
                s.dim,
                format_args!(
                    "… {} more from the AUR; use --limit to see them",
                    aur.total - aur.hits.len()
                ),
            )?;
            writeln!(out)?;
        }
    }
    if !fuzzy.is_empty() {
        out.paint(s.dim, "~ close matches:")?;
        writeln!(out)?;
    }
    for hit in &fuzzy {
        official_hit(out, s, hit)?;
    }
    Ok(())
}

fn official_hit(out: &mut Escaping<impl Write>, s: Styles, hit: &SearchHit) -> io::Result<()> {
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
    writeln!(out, "    {}", package.description)
}

/// `aur/name version [+votes ~popularity] [out of date: date] [orphan]
/// [installed]`; the AUR's text is one line each, so an embedded newline cannot
/// fake another hit.
fn aur_hit(
    out: &mut Escaping<impl Write>,
    s: Styles,
    hit: &AurHit,
    installed: Option<&String>,
) -> io::Result<()> {
    let package = &hit.package;
    out.paint(s.magenta, "aur")?;
    write!(out, "/")?;
    out.paint(s.bold, printable(&package.name))?;
    write!(out, " ")?;
    out.paint(s.green, printable(&package.version))?;
    write!(out, " [+{} ~{:.2}]", package.num_votes, package.popularity)?;
    if let Some(flagged) = package.out_of_date {
        write!(out, " ")?;
        out.paint(
            s.red,
            format_args!("[out of date: {}]", crate::time::local_date(flagged)),
        )?;
    }
    if package.maintainer.is_none() {
        write!(out, " ")?;
        out.paint(s.red, "[orphan]")?;
    }
    match installed {
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
    writeln!(
        out,
        "    {}",
        printable(package.description.as_deref().unwrap_or_default())
    )
}

/// pacman -Si style key/value block.
pub(crate) fn info(printer: &mut Printer, details: &PackageDetails) -> io::Result<()> {
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
        rows.push(("Build Date", crate::time::local(date)));
    }
    if let Some(date) = details.install_date {
        rows.push(("Install Date", crate::time::local(date)));
    }
    if let Some(explicit) = details.explicit {
        let reason = if explicit {
            "Explicitly installed"
        } else {
            "Installed as a dependency for another package"
        };
        rows.push(("Install Reason", reason.to_owned()));
    }
    key_values(printer, &rows)?;
    if let Some(long) = &details.long_description {
        // The paragraphs as the package wrote them (apt show's layout): their line
        // breaks and indented lists carry meaning a rewrap would lose.
        let out = printer.out();
        writeln!(out)?;
        for line in long.lines() {
            if line.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "  {}", printable(line))?;
            }
        }
    }
    Ok(())
}

/// `Key : value` rows as pacman -Si prints them, long values wrapped at words to
/// the terminal's width with their continuation lines under the first.
fn key_values(printer: &mut Printer, rows: &[(&str, String)]) -> io::Result<()> {
    let s = printer.styles;
    let width = rows.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    let columns = terminal_columns();
    let out = printer.out();
    for (key, value) in rows {
        out.paint(s.bold, format_args!("{key:<width$}"))?;
        writeln!(out, " : {}", wrap(value, width + 3, columns))?;
    }
    Ok(())
}

/// `text` broken at spaces so no line passes `columns`, lines after the first
/// indented by `indent`; as it is when there is no width or a word alone is wider.
fn wrap(text: &str, indent: usize, columns: Option<usize>) -> String {
    let Some(room) = columns.and_then(|columns| columns.checked_sub(indent)) else {
        return text.to_owned();
    };
    if room < 10 || text.chars().count() <= room {
        return text.to_owned();
    }
    let mut wrapped = String::with_capacity(text.len() + 16);
    let mut line = 0;
    for word in text.split(' ') {
        let length = word.chars().count();
        if line > 0 && line + 1 + length > room {
            wrapped.push('\n');
            wrapped.push_str(&" ".repeat(indent));
            line = 0;
        } else if line > 0 {
            wrapped.push(' ');
            line += 1;
        }
        wrapped.push_str(word);
        line += length;
    }
    wrapped
}

/// The width to wrap to, as pacman finds it: `COLUMNS`, else the terminal's
/// when stdout is one; none for a pipe.
fn terminal_columns() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
    {
        return Some(columns);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    stdout_width()
}

#[expect(unsafe_code, reason = "the terminal's size is an ioctl")]
fn stdout_width() -> Option<usize> {
    // SAFETY: winsize is plain data, and TIOCGWINSZ writes one into it or fails.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &raw mut size) };
    (done == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// `omg info --json` for an AUR package: every field the RPC gives.
#[derive(Serialize)]
pub(crate) struct JsonAurInfo<'a> {
    repository: &'static str,
    name: &'a str,
    package_base: &'a str,
    version: &'a str,
    description: Option<&'a str>,
    url: Option<&'a str>,
    licenses: &'a [String],
    groups: &'a [String],
    provides: &'a [String],
    depends: &'a [String],
    make_depends: &'a [String],
    check_depends: &'a [String],
    optional_depends: &'a [String],
    conflicts: &'a [String],
    replaces: &'a [String],
    keywords: &'a [String],
    /// Null when orphaned.
    maintainer: Option<&'a str>,
    co_maintainers: &'a [String],
    submitter: Option<&'a str>,
    votes: u64,
    popularity: f64,
    #[serde(serialize_with = "rfc3339")]
    first_submitted: i64,
    #[serde(serialize_with = "rfc3339")]
    last_modified: i64,
    /// When it was flagged (RFC 3339), or null.
    #[serde(serialize_with = "rfc3339_or_null")]
    out_of_date: Option<i64>,
}

/// Dates in `--json` are RFC 3339 in UTC (`2023-11-14T22:13:20Z`).
fn rfc3339<S: serde::Serializer>(time: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::time::rfc3339_utc(*time))
}

fn rfc3339_or_null<S: serde::Serializer>(
    time: &Option<i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// `omg info --json` of a repository package: its fields, dates in RFC 3339.
pub(crate) fn details_json(details: &PackageDetails) -> serde_json::Value {
    let mut value = serde_json::to_value(details).unwrap_or_default();
    for key in ["build_date", "install_date"] {
        if let Some(time) = value.get(key).and_then(serde_json::Value::as_i64) {
            value[key] = crate::time::rfc3339_utc(time).into();
        }
    }
    value
}

impl<'a> From<&'a AurPackage> for JsonAurInfo<'a> {
    fn from(package: &'a AurPackage) -> Self {
        Self {
            repository: "aur",
            name: &package.name,
            package_base: &package.package_base,
            version: &package.version,
            description: package.description.as_deref(),
            url: package.url.as_deref(),
            licenses: &package.license,
            groups: &package.groups,
            provides: &package.provides,
            depends: &package.depends,
            make_depends: &package.make_depends,
            check_depends: &package.check_depends,
            optional_depends: &package.opt_depends,
            conflicts: &package.conflicts,
            replaces: &package.replaces,
            keywords: &package.keywords,
            maintainer: package.maintainer.as_deref(),
            co_maintainers: &package.co_maintainers,
            submitter: package.submitter.as_deref(),
            votes: package.num_votes,
            popularity: package.popularity,
            first_submitted: package.first_submitted,
            last_modified: package.last_modified,
            out_of_date: package.out_of_date,
        }
    }
}

/// The same key/value block as [`info`] for an AUR package (paru -Si's fields).
/// Every value is the AUR's text on one line.
pub(crate) fn aur_info(printer: &mut Printer, package: &AurPackage) -> io::Result<()> {
    let one = |text: &str| printable(text).into_owned();
    let list = |items: &[String]| {
        if items.is_empty() {
            "None".to_owned()
        } else {
            items
                .iter()
                .map(|item| one(item))
                .collect::<Vec<_>>()
                .join("  ")
        }
    };
    let optional = |value: Option<&str>| value.map_or_else(|| "None".to_owned(), one);
    let rows: Vec<(&str, String)> = vec![
        ("Repository", "aur".to_owned()),
        ("Name", one(&package.name)),
        ("Package Base", one(&package.package_base)),
        ("Version", one(&package.version)),
        ("Description", optional(package.description.as_deref())),
        ("URL", optional(package.url.as_deref())),
        ("Licenses", list(&package.license)),
        ("Groups", list(&package.groups)),
        ("Provides", list(&package.provides)),
        ("Depends On", list(&package.depends)),
        ("Make Deps", list(&package.make_depends)),
        ("Check Deps", list(&package.check_depends)),
        ("Optional Deps", list(&package.opt_depends)),
        ("Conflicts With", list(&package.conflicts)),
        ("Replaces", list(&package.replaces)),
        ("Keywords", list(&package.keywords)),
        (
            "Maintainer",
            package
                .maintainer
                .as_deref()
                .map_or_else(|| "None (orphan)".to_owned(), one),
        ),
        ("Co-Maintainers", list(&package.co_maintainers)),
        ("Submitter", optional(package.submitter.as_deref())),
        ("Votes", package.num_votes.to_string()),
        ("Popularity", format!("{:.2}", package.popularity)),
        (
            "First Submitted",
            crate::time::local(package.first_submitted),
        ),
        ("Last Modified", crate::time::local(package.last_modified)),
        (
            "Out Of Date",
            package.out_of_date.map_or_else(
                || "No".to_owned(),
                |flagged| format!("Yes [{}]", crate::time::local(flagged)),
            ),
        ),
    ];
    key_values(printer, &rows)
}

pub(crate) fn status(
    printer: &mut Printer,
    status: &SystemStatus,
    runtimes: &[RuntimeProbe],
    vulnerabilities: &Vulnerabilities,
) -> io::Result<()> {
    let s = printer.styles;
    let synced = status
        .database_synced_at
        .map_or_else(|| "never".to_owned(), format_age);
    let vulnerabilities = match vulnerabilities {
        Vulnerabilities::Unknown => None,
        Vulnerabilities::Counted(summary) => Some(vulnerability_summary(summary)),
    };
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
    let vulnerability_row = vulnerabilities.map(|value| ("Vulnerabilities", value));
    let out = printer.out();
    for (key, value) in rows.into_iter().chain(vulnerability_row) {
        out.paint(s.bold, format_args!("{key:<16}"))?;
        writeln!(out, " : {value}")?;
    }
    Ok(())
}

/// `3 high, 1 low in 2 packages (2 fixed by an upgrade); Debian Security Tracker
/// checked 2026-11-30 10:00:00 UTC (3 h ago)`.
fn vulnerability_summary(summary: &AuditSummary) -> String {
    let counts: Vec<String> = [
        ("critical", summary.critical),
        ("high", summary.high),
        ("medium", summary.medium),
        ("low", summary.low),
        ("unknown", summary.unknown),
    ]
    .into_iter()
    .filter(|(_, count)| *count > 0)
    .map(|(severity, count)| format!("{count} {severity}"))
    .collect();
    let found = if counts.is_empty() {
        "none known".to_owned()
    } else {
        format!(
            "{} in {} packages ({} fixed by an upgrade)",
            counts.join(", "),
            summary.packages,
            summary.fixed_by_upgrade
        )
    };
    format!(
        "{found}; {} checked {}",
        summary.feed,
        format_age(summary.checked_at)
    )
}

/// The index's size and age, or that omgd is still building its first one (it
/// answers `NotReady` to package reads until then).
fn index_line(status: &DaemonStatus) -> String {
    if status.index_built_at == 0 {
        return format!(
            "loading (running {}; package reads answer directly until it is built)",
            format_duration(status.uptime_secs)
        );
    }
    format!(
        "{} packages, built {} in {} ms",
        status.index_packages,
        format_age(status.index_built_at),
        status.index_build_ms
    )
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
        ("Index", index_line(status)),
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

pub(crate) fn format_age(unix: i64) -> String {
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
    format!("{} ({ago})", crate::time::local(unix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_wrap_at_words_under_their_first_line() {
        let text = "one two three four five six seven eight nine ten";
        assert_eq!(wrap(text, 4, None), text);
        assert_eq!(wrap(text, 4, Some(80)), text);
        assert_eq!(
            wrap(text, 4, Some(24)),
            "one two three four\n    five six seven eight\n    nine ten"
        );
        // A word wider than the room stays whole.
        let long = "a ".to_owned() + &"x".repeat(40);
        assert_eq!(
            wrap(&long, 4, Some(24)),
            format!("a\n    {}", "x".repeat(40))
        );
    }

    #[test]
    fn a_daemon_still_loading_says_so_instead_of_an_epoch_date() {
        let mut status = DaemonStatus {
            pid: 1,
            version: "0".to_owned(),
            uptime_secs: 3,
            socket: "/run/omg.sock".into(),
            index_packages: 0,
            index_built_at: 0,
            index_build_ms: 0,
            cache_hits: 0,
            cache_misses: 0,
            requests: 0,
            store: "/s".into(),
            last_refresh: None,
            rss_bytes: None,
        };
        assert!(
            index_line(&status).starts_with("loading (running 3 s;"),
            "{}",
            index_line(&status)
        );
        status.index_built_at = 1_700_000_000;
        status.index_packages = 5;
        assert!(index_line(&status).starts_with("5 packages, built "));
    }

    #[test]
    fn human_size_uses_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1132), "1.11 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.00 MiB");
    }
}
