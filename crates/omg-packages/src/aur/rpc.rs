//! The AUR RPC v5 client: `GET {url}/rpc/v5/search/{arg}?by=name-desc` and
//! `GET {url}/rpc/v5/info?arg[]=a&arg[]=b`, answered in aurweb's envelope.

use crate::{Error, Result};
use omg_core::aur::AurPackage;
use serde::Deserialize;
use std::time::Duration;

/// Where the AUR is unless `[aur] url` or `OMG_AUR_URL` says otherwise.
pub const DEFAULT_URL: &str = "https://aur.archlinux.org";

/// Keeps each info URL under the length clients use in practice (aurweb sets no
/// argument cap, but proxies in front of it refuse long URIs).
const MAX_URL_BYTES: usize = 4000;

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    results: Vec<AurPackage>,
}

/// The results of an envelope whose `type` must be `expected` (`search`, or
/// `multiinfo` for info). The error envelope becomes [`Error::AurRefused`] with
/// aurweb's message; anything else that is not the expected envelope is
/// [`Error::AurMalformed`].
pub fn parse_envelope(url: &str, body: &[u8], expected: &str) -> Result<Vec<AurPackage>> {
    let malformed = |reason: String| Error::AurMalformed {
        url: url.to_owned(),
        reason,
    };
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|error| malformed(error.to_string()))?;
    if envelope.kind == "error" {
        return Err(Error::AurRefused {
            message: envelope
                .error
                .unwrap_or_else(|| "no reason given".to_owned()),
        });
    }
    if envelope.kind != expected {
        return Err(malformed(format!(
            "expected a `{expected}` answer, got `{}`",
            envelope.kind
        )));
    }
    Ok(envelope.results)
}

/// The info URLs for `names`, as few as fit under [`MAX_URL_BYTES`] each (one name
/// longer than that still gets a URL of its own).
#[must_use]
pub fn info_urls(base: &str, names: &[String]) -> Vec<String> {
    let prefix = format!("{}/rpc/v5/info", base.trim_end_matches('/'));
    let mut urls = Vec::new();
    let mut current = String::new();
    for name in names {
        let argument = format!("arg[]={}", percent_encode(name));
        if !current.is_empty() && current.len() + 1 + argument.len() > MAX_URL_BYTES {
            urls.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            current = format!("{prefix}?{argument}");
        } else {
            current.push('&');
            current.push_str(&argument);
        }
    }
    if !current.is_empty() {
        urls.push(current);
    }
    urls
}

/// Everything but RFC 3986's unreserved characters as `%XX`: safe in a path
/// segment and in a query value (`+` would otherwise be a space).
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A blocking client for one AUR.
pub struct AurClient {
    base: String,
    agent: ureq::Agent,
}

impl AurClient {
    /// A client for the AUR at `base` (`https://aur.archlinux.org`).
    #[must_use]
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_connect(Some(Duration::from_secs(10)))
                // One answer is a few kB to a few MB; a minute is generous.
                .timeout_global(Some(Duration::from_secs(60)))
                // aurweb's error envelope can come with any status; read it.
                .http_status_as_error(false)
                .user_agent(concat!("omg/", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// Packages whose name or description contains `term` (aurweb's `name-desc`).
    ///
    /// # Errors
    /// The AUR unreachable, rate-limiting, refusing (e.g. a term under two
    /// characters) or answering something that is not its envelope.
    pub fn search(&self, term: &str) -> Result<Vec<AurPackage>> {
        self.search_by(term, "name-desc")
    }

    /// Packages matching `term` by one of aurweb's fields (`name`, `name-desc`,
    /// `provides`, `depends`, …), names checked as in [`AurClient::info`].
    ///
    /// # Errors
    /// As [`AurClient::search`].
    pub fn search_by(&self, term: &str, field: &str) -> Result<Vec<AurPackage>> {
        let url = format!(
            "{}/rpc/v5/search/{}?by={}",
            self.base,
            percent_encode(term),
            percent_encode(field)
        );
        let body = self.get(&url)?;
        Ok(parse_envelope(&url, &body, "search")?
            .into_iter()
            .filter(|package| super::valid_package_name(&package.name))
            .collect())
    }

    /// The packages among `names` the AUR has, with every field. Names that break
    /// pacman's rule are not asked for: no package can have them.
    ///
    /// # Errors
    /// As [`AurClient::search`].
    pub fn info(&self, names: &[String]) -> Result<Vec<AurPackage>> {
        let names: Vec<String> = names
            .iter()
            .filter(|name| super::valid_package_name(name))
            .cloned()
            .collect();
        let mut packages = Vec::new();
        for url in info_urls(&self.base, &names) {
            let body = self.get(&url)?;
            packages.extend(
                parse_envelope(&url, &body, "multiinfo")?
                    .into_iter()
                    .filter(|package| super::valid_package_name(&package.name)),
            );
        }
        Ok(packages)
    }

    fn get(&self, url: &str) -> Result<Vec<u8>> {
        let mut response = self
            .agent
            .get(url)
            .call()
            .map_err(|error| Error::AurUnreachable {
                url: url.to_owned(),
                reason: error.to_string(),
            })?;
        let status = response.status().as_u16();
        if status == 429 {
            return Err(Error::AurRateLimited);
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|error| Error::AurUnreachable {
                url: url.to_owned(),
                reason: error.to_string(),
            })?;
        // aurweb sends its error envelope with 200 (and some with 4xx); use it when
        // it is there, else report the status.
        if status != 200 {
            return match parse_envelope(url, &body, "error") {
                Err(refused @ Error::AurRefused { .. }) => Err(refused),
                _ => Err(Error::AurStatus {
                    url: url.to_owned(),
                    status,
                }),
            };
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_parses_info_with_absent_arrays_and_nulls() {
        let body = br#"{"version":5,"type":"multiinfo","resultcount":1,"results":[
            {"ID":1,"PackageBaseID":2,"Name":"paru","PackageBase":"paru","Version":"2.0.4-1",
             "Description":null,"URL":null,"URLPath":"/cgit/aur.git/snapshot/paru.tar.gz",
             "NumVotes":2400,"Popularity":41.5,"OutOfDate":1700000000,"Maintainer":null,
             "Submitter":"morganamilo","FirstSubmitted":1586900000,"LastModified":1720000000,
             "Depends":["git","pacman>=6.1"],"OptDepends":["bat: colored pkgbuild printing"],
             "License":["GPL-3.0-or-later"],"Keywords":[],"PendingRequests":0}]}"#;
        let packages = parse_envelope("u", body, "multiinfo").unwrap();
        let paru = &packages[0];
        assert_eq!(paru.name, "paru");
        assert_eq!(paru.description, None);
        assert_eq!(paru.maintainer, None);
        assert_eq!(paru.out_of_date, Some(1_700_000_000));
        assert_eq!(paru.depends, ["git", "pacman>=6.1"]);
        assert!(paru.make_depends.is_empty() && paru.provides.is_empty());
        assert!((paru.popularity - 41.5).abs() < f64::EPSILON);
    }

    #[test]
    fn envelope_parses_search_results_without_info_fields() {
        let body = br#"{"version":5,"type":"search","resultcount":1,"results":[
            {"ID":1,"PackageBaseID":2,"Name":"yay","PackageBase":"yay","Version":"12-1",
             "Description":"Yet another yogurt","URL":"https://github.com/Jguer/yay",
             "URLPath":"/cgit/aur.git/snapshot/yay.tar.gz","NumVotes":2000,"Popularity":0,
             "OutOfDate":null,"Maintainer":"jguer","FirstSubmitted":1,"LastModified":2}]}"#;
        let packages = parse_envelope("u", body, "search").unwrap();
        assert_eq!(packages[0].maintainer.as_deref(), Some("jguer"));
        assert_eq!(packages[0].submitter, None);
    }

    #[test]
    fn error_envelope_carries_aurweb_message() {
        let body = br#"{"version":5,"type":"error","resultcount":0,"results":[],"error":"Query arg too small."}"#;
        let error = parse_envelope("u", body, "search").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the AUR refused the request: Query arg too small."
        );
    }

    #[test]
    fn malformed_answers_are_errors() {
        for body in [
            &b"<html>502 Bad Gateway</html>"[..],
            b"{\"type\":\"search\",\"results\":[{\"Name\":3}]}",
            b"{\"type\":\"multiinfo\",\"results\":[]}",
            b"[\"paru\"]",
            b"",
            b"{\"type\":\"search\",\"results\":",
        ] {
            let error = parse_envelope("http://aur/rpc", body, "search").unwrap_err();
            assert!(
                matches!(error, Error::AurMalformed { .. }),
                "{body:?}: {error}"
            );
        }
    }

    #[test]
    fn info_urls_batch_under_the_limit_and_encode() {
        let names: Vec<String> = (0..1000).map(|n| format!("package-number-{n}")).collect();
        let urls = info_urls("https://aur.example/", &names);
        assert!(urls.len() > 1);
        assert!(urls.iter().all(|url| url.len() <= MAX_URL_BYTES));
        assert!(urls[0].starts_with("https://aur.example/rpc/v5/info?arg[]=package-number-0&"));
        let back: Vec<&str> = urls
            .iter()
            .flat_map(|url| url.split_once('?').unwrap().1.split('&'))
            .map(|argument| argument.strip_prefix("arg[]=").unwrap())
            .collect();
        assert_eq!(back, names);
        assert_eq!(
            info_urls("http://a", &["gtk+".to_owned(), "x@y".to_owned()]),
            ["http://a/rpc/v5/info?arg[]=gtk%2B&arg[]=x%40y"]
        );
        assert!(info_urls("http://a", &[]).is_empty());
    }
}
