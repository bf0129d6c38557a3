//! OSV (<https://osv.dev>) for the runtime versions omg installed, where OSV has
//! an ecosystem for the runtime itself: Go's standard library (`stdlib` in the
//! `Go` ecosystem, which is how the Go vulnerability database names the
//! toolchain) and Bun (the `bun` package on npm). Node, Python, Rust, Ruby and
//! Java have no OSV ecosystem for the interpreter or compiler itself, so they
//! are not asked about rather than matched against the wrong packages.
//!
//! One `POST /v1/querybatch` asks about every version at once (its answer holds
//! only ids); each id found is then read with `GET /v1/vulns/{id}` for its
//! aliases, fix and severity. Severity is the advisory's own
//! `database_specific.severity` (GitHub's advisories carry one); OSV's CVSS
//! vectors are not scored, so an advisory without one is `unknown`.

use crate::{Finding, Severity};
use omg_core::RuntimeProbe;
use serde::Deserialize;
use serde_json::json;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::Duration;

/// The public OSV API.
pub const DEFAULT_URL: &str = "https://api.osv.dev";

/// A batch answer is at most 32 MiB (OSV's own cap over HTTP/1.1).
const LIMIT: u64 = 32 << 20;
/// More pages than this for one query is a server going round in circles.
const MAX_PAGES: usize = 100;

/// Why OSV could not be asked.
#[derive(Debug, thiserror::Error)]
#[error("cannot ask OSV at {url}: {reason}")]
pub struct OsvError {
    pub url: String,
    pub reason: String,
}

/// The OSV ecosystem and package name of a runtime, when OSV has one for it.
#[must_use]
pub fn package_of(runtime: &str) -> Option<(&'static str, &'static str)> {
    match runtime {
        "go" => Some(("Go", "stdlib")),
        "bun" => Some(("npm", "bun")),
        _ => None,
    }
}

/// The findings for every installed version of every runtime OSV knows, sorted
/// by runtime, version, then id. Nothing is sent when no runtime qualifies.
///
/// # Errors
/// OSV unreachable, refusing, or answering something else than its API.
pub fn audit_runtimes(url: &str, runtimes: &[RuntimeProbe]) -> Result<Vec<Finding>, OsvError> {
    let asked: Vec<(&str, &'static str, &'static str, &str)> = runtimes
        .iter()
        .filter_map(|probe| Some((probe, package_of(&probe.runtime)?)))
        .flat_map(|(probe, (ecosystem, name))| {
            probe
                .installed
                .iter()
                .map(move |version| (probe.runtime.as_str(), ecosystem, name, version.as_str()))
        })
        .collect();
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let client = Client::new(url);
    let queries: Vec<serde_json::Value> = asked
        .iter()
        .map(|(_, ecosystem, name, version)| {
            json!({"package": {"name": name, "ecosystem": ecosystem}, "version": version})
        })
        .collect();
    let ids = client.query_batch(&queries)?;
    let mut records: BTreeMap<String, Record> = BTreeMap::new();
    let mut findings = Vec::new();
    for ((runtime, ecosystem, name, version), ids) in asked.iter().zip(ids) {
        for id in ids {
            if !records.contains_key(&id) {
                let record = client.record(&id)?;
                records.insert(id.clone(), record);
            }
            let record = &records[&id];
            if record.withdrawn.is_some() {
                continue;
            }
            let mut all_ids = vec![id.clone()];
            all_ids.extend(record.aliases.iter().cloned());
            findings.push(Finding {
                package: (*runtime).to_owned(),
                source: None,
                installed_version: (*version).to_owned(),
                ids: all_ids,
                severity: record.severity(),
                fixed_version: record.fix_after(ecosystem, name, version),
                // omg installs runtime versions side by side: nothing is
                // upgraded in place.
                fixed_by_upgrade: false,
                minor: false,
            });
        }
    }
    findings.sort_by(|a, b| {
        (&a.package, &a.installed_version, &a.ids).cmp(&(&b.package, &b.installed_version, &b.ids))
    });
    Ok(findings)
}

struct Client {
    url: String,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct BatchAnswer {
    results: Vec<BatchResult>,
}

#[derive(Deserialize)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<VulnId>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnId {
    id: String,
}

/// The parts of an OSV record a finding needs.
#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    affected: Vec<Affected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Affected {
    package: Option<AffectedPackage>,
    #[serde(default)]
    ranges: Vec<Range>,
}

#[derive(Deserialize)]
struct AffectedPackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct Range {
    #[serde(default)]
    events: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl Record {
    fn severity(&self) -> Severity {
        self.database_specific
            .as_ref()
            .and_then(|specific| specific.get("severity"))
            .and_then(serde_json::Value::as_str)
            .map_or(Severity::Unknown, |text| {
                match text.to_ascii_lowercase().as_str() {
                    // GitHub's word for medium.
                    "moderate" => Severity::Medium,
                    other => other.parse().unwrap_or(Severity::Unknown),
                }
            })
    }

    /// The lowest `fixed` event above `version` in this package's ranges.
    fn fix_after(&self, ecosystem: &str, name: &str, version: &str) -> Option<String> {
        self.affected
            .iter()
            .filter(|affected| {
                affected
                    .package
                    .as_ref()
                    .is_some_and(|package| package.ecosystem == ecosystem && package.name == name)
            })
            .flat_map(|affected| &affected.ranges)
            .flat_map(|range| &range.events)
            .filter_map(|event| event.get("fixed")?.as_str())
            .filter(|fixed| compare_versions(fixed, version) == Ordering::Greater)
            .min_by(|a, b| compare_versions(a, b))
            .map(str::to_owned)
    }
}

/// Dotted versions compared number by number (`1.22.10` after `1.22.9`), a
/// leading `v` ignored (Go's tags); enough to pick a fix among one package's.
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |text: &str| -> Vec<u64> {
        text.trim_start_matches('v')
            .split(|c: char| !c.is_ascii_digit())
            .filter(|part| !part.is_empty())
            .map(|part| part.parse().unwrap_or(u64::MAX))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

impl Client {
    fn new(url: &str) -> Self {
        Self {
            url: url.trim_end_matches('/').to_owned(),
            agent: ureq::Agent::new_with_config(
                ureq::Agent::config_builder()
                    .timeout_connect(Some(Duration::from_secs(15)))
                    .timeout_global(Some(Duration::from_secs(120)))
                    .http_status_as_error(false)
                    .user_agent(concat!("omg/", env!("CARGO_PKG_VERSION")))
                    .build(),
            ),
        }
    }

    fn error(&self, reason: impl Into<String>) -> OsvError {
        OsvError {
            url: self.url.clone(),
            reason: reason.into(),
        }
    }

    /// The ids for each query, in the queries' order, every page followed.
    fn query_batch(&self, queries: &[serde_json::Value]) -> Result<Vec<Vec<String>>, OsvError> {
        let answer: BatchAnswer = self.post(&json!({ "queries": queries }))?;
        if answer.results.len() != queries.len() {
            return Err(self.error(format!(
                "{} answers to {} queries",
                answer.results.len(),
                queries.len()
            )));
        }
        let mut all = Vec::with_capacity(queries.len());
        for (query, result) in queries.iter().zip(answer.results) {
            let mut ids: Vec<String> = result.vulns.into_iter().map(|vuln| vuln.id).collect();
            let mut token = result.next_page_token;
            let mut pages = 0;
            while let Some(page_token) = token.take() {
                pages += 1;
                if pages > MAX_PAGES {
                    return Err(self.error("more than 100 pages for one query"));
                }
                let mut query = query.clone();
                query["page_token"] = page_token.into();
                let next: BatchAnswer = self.post(&json!({ "queries": [query] }))?;
                let Some(result) = next.results.into_iter().next() else {
                    return Err(self.error("an empty answer to a page request"));
                };
                ids.extend(result.vulns.into_iter().map(|vuln| vuln.id));
                token = result.next_page_token;
            }
            ids.sort();
            ids.dedup();
            all.push(ids);
        }
        Ok(all)
    }

    fn post<T: serde::de::DeserializeOwned>(
        &self,
        body: &serde_json::Value,
    ) -> Result<T, OsvError> {
        let response = self
            .agent
            .post(&format!("{}/v1/querybatch", self.url))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|error| self.error(error.to_string()))?;
        self.read(response)
    }

    fn record(&self, id: &str) -> Result<Record, OsvError> {
        // Ids come from the server; only the characters OSV ids use go in a path.
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        {
            return Err(self.error(format!("an advisory id that is no id: {id:?}")));
        }
        let response = self
            .agent
            .get(&format!("{}/v1/vulns/{id}", self.url))
            .call()
            .map_err(|error| self.error(error.to_string()))?;
        self.read(response)
    }

    fn read<T: serde::de::DeserializeOwned>(
        &self,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<T, OsvError> {
        let status = response.status().as_u16();
        if status != 200 {
            return Err(self.error(format!("HTTP {status}")));
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(LIMIT)
            .read_to_vec()
            .map_err(|error| self.error(error.to_string()))?;
        serde_json::from_slice(&bytes)
            .map_err(|error| self.error(format!("not an OSV answer: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_number_by_number() {
        assert_eq!(compare_versions("1.22.10", "1.22.9"), Ordering::Greater);
        assert_eq!(compare_versions("v1.21.0", "1.21.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.1.5", "1.2"), Ordering::Less);
    }

    #[test]
    fn only_runtimes_with_an_ecosystem_are_asked() {
        assert_eq!(package_of("go"), Some(("Go", "stdlib")));
        assert_eq!(package_of("bun"), Some(("npm", "bun")));
        assert_eq!(package_of("node"), None);
        assert!(audit_runtimes(
            "http://127.0.0.1:9",
            &[RuntimeProbe {
                runtime: "node".to_owned(),
                installed: vec!["22.12.0".to_owned()],
                default: None,
            }]
        )
        .unwrap()
        .is_empty());
    }

    #[test]
    fn severity_comes_from_the_advisory_and_fix_from_its_ranges() {
        let record: Record = serde_json::from_value(json!({
            "id": "GHSA-1",
            "aliases": ["CVE-2026-1"],
            "database_specific": {"severity": "MODERATE"},
            "affected": [
                {"package": {"ecosystem": "npm", "name": "bun"}, "ranges": [{"type": "SEMVER",
                    "events": [{"introduced": "0"}, {"fixed": "1.0.3"}, {"introduced": "1.1.0"}, {"fixed": "1.1.5"}]}]},
                {"package": {"ecosystem": "npm", "name": "other"}, "ranges": [{"type": "SEMVER",
                    "events": [{"introduced": "0"}, {"fixed": "1.1.2"}]}]}
            ]
        }))
        .unwrap();
        assert_eq!(record.severity(), Severity::Medium);
        assert_eq!(
            record.fix_after("npm", "bun", "1.1.0").as_deref(),
            Some("1.1.5")
        );
        assert_eq!(record.fix_after("npm", "bun", "1.2.0"), None);
    }
}
