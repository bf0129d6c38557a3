//! The Debian Security Tracker's JSON rendered as debsecan's own feed, so that
//! debsecan and `omg audit` can be run against the same data. debsecan fetches
//! `{source}/release/1/{suite}`: zlib-compressed text, `VERSION 1`, then three
//! sections ended by an empty line: `id,,description` (a line's position is its
//! index), `source,index,flags,unstable_fix,other_fixes` and `source,binaries`.
//!
//! Rendered the way the tracker's own generator (`calculateDebsecan1` in
//! security-tracker's `lib/python/security_db.py`) builds it from the same notes:
//! - an issue is listed for every suite, not only those the JSON names, because
//!   debsecan's lines are release-independent and carry the suite only in the fix
//!   flag;
//! - its urgency is the highest over all releases (`not yet assigned` above
//!   `unimportant`), and issues whose urgency is then `unimportant` or
//!   `end-of-life`, or that sid never had (`"0"`), are left out;
//! - the unstable fix is sid's `fixed_version` (empty while open);
//! - the other fixes are, for every other release with a fixed version, that
//!   version and the release's repository versions at or above it (how a
//!   release's own security update counts as fixed: debsecan asks whether the
//!   installed source version is one of them, not whether it is newer);
//! - flags: `S` (a source package), the urgency letter, `R`/` `/`?` from the
//!   JSON's `scope`, and `F` when the suite has a fixed version (`"0"` included);
//! - `undetermined` counts as unfixed, as its note has no version;
//! - the source → binaries section is empty: the JSON names no binaries, and
//!   debsecan then never calls a package obsolete.

use omg_core::version::dpkg;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The feed's text for `suite`; an error names what in `tracker` is not the
/// tracker's shape.
pub fn debsecan_feed(tracker: &Value, suite: &str) -> Result<String, String> {
    let sources = tracker
        .as_object()
        .ok_or("the tracker JSON is not an object of source packages")?;
    let mut lines = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let sorted: BTreeMap<_, _> = sources.iter().collect();
    for (source, issues) in sorted {
        let issues = issues
            .as_object()
            .ok_or_else(|| format!("{source}: not an object of issues"))?;
        let issues: BTreeMap<_, _> = issues.iter().collect();
        for (id, issue) in issues {
            if !(id.starts_with("CVE-") || id.starts_with("TEMP-")) {
                continue;
            }
            let Some(entry) =
                render_issue(issue, suite).map_err(|error| format!("{source} {id}: {error}"))?
            else {
                continue;
            };
            let description = issue["description"]
                .as_str()
                .unwrap_or("")
                .replace(['\n', '\r'], " ");
            names.insert(id.clone(), description);
            lines.push((source.clone(), id.clone(), entry));
        }
    }
    let index: BTreeMap<&str, usize> = names
        .keys()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut out = String::from("VERSION 1\n");
    for (id, description) in &names {
        out.push_str(&format!("{id},,{description}\n"));
    }
    out.push('\n');
    for (source, id, entry) in &lines {
        out.push_str(&format!("{source},{},{entry}\n", index[id.as_str()]));
    }
    out.push('\n');
    Ok(out)
}

/// Writes the compressed feed for `suite` under `dir` (`release/1/<suite>`, the
/// path debsecan asks a `--source` of `<url>/release/1/`) and returns its path.
pub fn write_debsecan_feed(dir: &Path, tracker: &Value, suite: &str) -> Result<PathBuf, String> {
    let text = debsecan_feed(tracker, suite)?;
    let path = dir.join("release/1").join(suite);
    let io = |error: std::io::Error| format!("{}: {error}", path.display());
    std::fs::create_dir_all(path.parent().expect("a parent")).map_err(io)?;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).map_err(io)?;
    std::fs::write(&path, encoder.finish().map_err(io)?).map_err(io)?;
    Ok(path)
}

/// The generator's order; `None` for what it has no letter for.
fn urgency_rank(urgency: &str) -> Option<u8> {
    match urgency {
        "unimportant" => Some(0),
        "end-of-life" => Some(1),
        "not yet assigned" | "" => Some(2),
        "low" => Some(3),
        "medium" => Some(4),
        "high" => Some(5),
        _ => None,
    }
}

/// `flags,unstable_fix,other_fixes` of one issue, or `None` when the generator
/// leaves it out.
fn render_issue(issue: &Value, suite: &str) -> Result<Option<String>, String> {
    let releases = issue["releases"].as_object().ok_or("no releases object")?;
    let mut urgency = None::<&str>;
    let mut unstable = String::new();
    let mut others = BTreeSet::new();
    let mut fixed_in_suite = false;
    for (release, state) in releases {
        let status = state["status"]
            .as_str()
            .ok_or_else(|| format!("{release}: no status"))?;
        // The tracker's `*` marks an urgency it is unsure of; debsecan has no mark.
        let this = state["urgency"]
            .as_str()
            .unwrap_or("")
            .trim_end_matches('*');
        let rank = urgency_rank(this).ok_or_else(|| format!("{release}: urgency {this:?}"))?;
        if urgency.is_none_or(|u| urgency_rank(u).expect("ranked") < rank) {
            urgency = Some(this);
        }
        let fixed = state["fixed_version"]
            .as_str()
            .filter(|v| status == "resolved" && !v.is_empty());
        let Some(fixed) = fixed else {
            continue;
        };
        if release == "sid" {
            if fixed == "0" {
                return Ok(None);
            }
            unstable = fixed.to_owned();
            let in_sid = state["repositories"]["sid"].as_str();
            if suite == "sid" && in_sid.is_some_and(|v| dpkg::compare(v, fixed) != Ordering::Less) {
                fixed_in_suite = true;
            }
            continue;
        }
        fixed_in_suite |= release == suite;
        others.insert(fixed.to_owned());
        if let Some(repositories) = state["repositories"].as_object() {
            for version in repositories.values().filter_map(Value::as_str) {
                if dpkg::compare(version, fixed) != Ordering::Less {
                    others.insert(version.to_owned());
                }
            }
        }
    }
    let letter = match urgency.unwrap_or("") {
        "unimportant" | "end-of-life" => return Ok(None),
        "low" => 'L',
        "medium" => 'M',
        "high" => 'H',
        _ => ' ',
    };
    let remote = match issue["scope"].as_str() {
        Some("remote") => 'R',
        Some(_) => ' ',
        None => '?',
    };
    let fix = if fixed_in_suite { 'F' } else { ' ' };
    let others: Vec<&str> = others.iter().map(String::as_str).collect();
    Ok(Some(format!(
        "S{letter}{remote}{fix},{unstable},{}",
        others.join(" ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_generators_lines() {
        let tracker = serde_json::json!({
            "zlib": {
                "CVE-1": {"description": "a, b\nc", "scope": "remote", "releases": {
                    "bookworm": {"status": "resolved", "fixed_version": "1.2-1+deb12u1",
                                 "repositories": {"bookworm": "1.2-1", "bookworm-security": "1.2-1+deb12u2"},
                                 "urgency": "medium"},
                    "sid": {"status": "resolved", "fixed_version": "1.3-1", "urgency": "high*"}}},
                "CVE-2": {"releases": {"bookworm": {"status": "open", "urgency": "unimportant"}}},
                "CVE-3": {"releases": {"sid": {"status": "resolved", "fixed_version": "0", "urgency": "high"}}},
                "DSA-1": {"releases": {"bookworm": {"status": "open", "urgency": "high"}}},
                "TEMP-9": {"scope": "local", "releases": {
                    "bookworm": {"status": "undetermined", "urgency": "not yet assigned"}}}
            }
        });
        assert_eq!(
            debsecan_feed(&tracker, "bookworm").unwrap(),
            "VERSION 1\nCVE-1,,a, b c\nTEMP-9,,\n\n\
             zlib,0,SHRF,1.3-1,1.2-1+deb12u1 1.2-1+deb12u2\nzlib,1,S   ,,\n\n"
        );
        assert!(debsecan_feed(&tracker, "trixie")
            .unwrap()
            .contains("zlib,0,SHR ,1.3-1,"));
        let broken = serde_json::json!({"zlib": {"CVE-1": {"releases": {"sid": {}}}}});
        assert_eq!(
            debsecan_feed(&broken, "sid").unwrap_err(),
            "zlib CVE-1: sid: no status"
        );
    }
}
