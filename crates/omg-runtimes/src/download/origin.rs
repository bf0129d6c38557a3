//! Where a URL points (scheme, host, port) and whether a download may go there:
//! the rule every hop of a redirect chain is held to. Pure; no I/O.
//!
//! Plain http is refused unless the origin is one the user configured as a mirror
//! or a loopback address (no network between omg and the server, the W3C "potentially
//! trustworthy" rule), and never after an https hop, whatever the target: a
//! downgrade is how an attacker on the path would take over a download.

use std::fmt;
use std::net::IpAddr;

/// A URL's scheme, host and port: what "the same server" means for the plain-http
/// rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    secure: bool,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute `http://` or `https://` URL; `None` for anything
    /// else (other schemes, relative or malformed URLs).
    #[must_use]
    pub fn parse(url: &str) -> Option<Self> {
        let uri: ureq::http::Uri = url.parse().ok()?;
        let secure = match uri.scheme_str()? {
            scheme if scheme.eq_ignore_ascii_case("https") => true,
            scheme if scheme.eq_ignore_ascii_case("http") => false,
            _ => return None,
        };
        let host = uri.host().filter(|host| !host.is_empty())?;
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        Some(Self {
            secure,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether it is `https`.
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.secure
    }

    /// A loopback IP literal (`127.0.0.0/8`, `::1`): traffic that never leaves
    /// the machine. Names are not trusted to resolve there.
    fn is_loopback(&self) -> bool {
        self.host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// Why a hop is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not an absolute http(s) URL.
    Unsupported,
    /// Plain http to an origin nobody configured.
    PlainHttp,
    /// From https to plain http.
    Downgrade,
}

/// Checks the hop to `next`, reached from `previous` (`None` for the first
/// request), given the plain-http origins the user configured. Returns the
/// origin on success.
pub(crate) fn check_hop(
    previous: Option<&str>,
    next: &str,
    plain_http: &[Origin],
) -> Result<Origin, Refusal> {
    let origin = Origin::parse(next).ok_or(Refusal::Unsupported)?;
    if origin.is_https() {
        return Ok(origin);
    }
    if previous
        .and_then(Origin::parse)
        .is_some_and(|previous| previous.is_https())
    {
        return Err(Refusal::Downgrade);
    }
    if origin.is_loopback() || plain_http.contains(&origin) {
        Ok(origin)
    } else {
        Err(Refusal::PlainHttp)
    }
}

/// The absolute URL a `Location` header names, relative to `base` (RFC 3986
/// reference resolution, without dot-segment removal: servers send absolute paths
/// or full URLs in practice).
pub(crate) fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() || location.chars().any(char::is_control) {
        return None;
    }
    let (scheme, rest) = base.split_once("://")?;
    if location.starts_with("//") {
        return Some(format!("{scheme}:{location}"));
    }
    if has_scheme(location) {
        return Some(location.to_owned());
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path_and_more) = rest.split_at(authority_end);
    let root = format!("{scheme}://{authority}");
    if location.starts_with('/') {
        return Some(format!("{root}{location}"));
    }
    let path = path_and_more.split(['?', '#']).next().unwrap_or_default();
    if location.starts_with('?') {
        return Some(format!("{root}{path}{location}"));
    }
    let directory = path.rfind('/').map_or("/", |slash| &path[..=slash]);
    Some(format!("{root}{directory}{location}"))
}

/// `scheme:` at the start (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let origin = |url| Origin::parse(url).unwrap();
        assert_eq!(
            origin("http://Mirror.example/dist"),
            origin("http://mirror.example:80/x")
        );
        assert_ne!(
            origin("http://mirror.example/"),
            origin("https://mirror.example/")
        );
        assert_ne!(
            origin("http://mirror.example:8080/"),
            origin("http://mirror.example/")
        );
        assert_eq!(
            origin("https://a.example/x").to_string(),
            "https://a.example:443"
        );
        for bad in [
            "ftp://a.example/x",
            "/relative",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert_eq!(Origin::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hops_never_downgrade_and_plain_http_needs_configuration() {
        let configured = [Origin::parse("http://mirror.lan:8080").unwrap()];
        let table: &[(Option<&str>, &str, Result<(), Refusal>)] = &[
            (None, "https://nodejs.org/dist/index.json", Ok(())),
            (
                Some("http://mirror.lan:8080/a"),
                "https://cdn.example/a",
                Ok(()),
            ),
            (None, "http://mirror.lan:8080/dist/index.json", Ok(())),
            (None, "http://127.0.0.1:3000/x", Ok(())),
            (None, "http://[::1]:3000/x", Ok(())),
            (
                Some("http://mirror.lan:8080/a"),
                "http://mirror.lan:8080/b",
                Ok(()),
            ),
            (None, "http://mirror.lan/x", Err(Refusal::PlainHttp)),
            (None, "http://other.example/x", Err(Refusal::PlainHttp)),
            (None, "http://localhost:3000/x", Err(Refusal::PlainHttp)),
            (
                Some("http://mirror.lan:8080/a"),
                "http://other.example/b",
                Err(Refusal::PlainHttp),
            ),
            (
                Some("https://nodejs.org/dist/x"),
                "http://nodejs.org/dist/x",
                Err(Refusal::Downgrade),
            ),
            (
                Some("https://cdn.example/x"),
                "http://mirror.lan:8080/x",
                Err(Refusal::Downgrade),
            ),
            (
                Some("https://cdn.example/x"),
                "http://127.0.0.1/x",
                Err(Refusal::Downgrade),
            ),
            (None, "ftp://mirror.lan/x", Err(Refusal::Unsupported)),
            (
                Some("https://cdn.example/x"),
                "file:///etc/passwd",
                Err(Refusal::Unsupported),
            ),
        ];
        for (previous, next, expected) in table {
            assert_eq!(
                &check_hop(*previous, next, &configured).map(|_| ()),
                expected,
                "{previous:?} -> {next}"
            );
        }
    }

    #[test]
    fn locations_resolve_against_the_request() {
        let base = "https://mirror.example:8443/dist/v1/file.tar.gz?x=1";
        let table = [
            ("https://cdn.example/y", "https://cdn.example/y"),
            ("//cdn.example/y", "https://cdn.example/y"),
            ("/other/y", "https://mirror.example:8443/other/y"),
            ("y.tar.gz", "https://mirror.example:8443/dist/v1/y.tar.gz"),
            (
                "?y=2",
                "https://mirror.example:8443/dist/v1/file.tar.gz?y=2",
            ),
            ("http://plain.example/", "http://plain.example/"),
        ];
        for (location, expected) in table {
            assert_eq!(
                resolve(base, location).as_deref(),
                Some(expected),
                "{location}"
            );
        }
        assert_eq!(resolve("http://h/a", "b").as_deref(), Some("http://h/b"));
        assert_eq!(resolve("http://h", "b").as_deref(), Some("http://h/b"));
        assert_eq!(resolve(base, ""), None);
        assert_eq!(resolve(base, "/x\r\nSet-Cookie: y"), None);
    }
}
