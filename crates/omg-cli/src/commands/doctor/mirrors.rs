//! Whether the places omg downloads from answer: the package repositories (APT's
//! sources, pacman's first server of each repository, the AUR on Arch) and the
//! mirror of each runtime that is installed. A TCP connection within a few
//! seconds is enough to tell a dead mirror or no network from a working one;
//! `file://` sources are checked on disk. An unreachable mirror is a warning:
//! a laptop offline is not broken.

use super::Check;
use crate::settings::Settings;
use omg_core::BackendKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

const CONNECT_WITHIN: Duration = Duration::from_secs(3);

/// What to try, each once: (what it is, its URL).
fn mirrors(
    settings: &Settings,
    installed_runtimes: &[omg_runtimes::Runtime],
) -> Vec<(String, String)> {
    let mut mirrors: Vec<(String, String)> = Vec::new();
    if let Ok(backend) = settings.backend() {
        match backend.kind {
            BackendKind::Debian => {
                if let Some(uris) = super::system::apt_source_uris(backend) {
                    mirrors.extend(uris.into_iter().map(|uri| ("APT source".to_owned(), uri)));
                }
            }
            BackendKind::Arch => {
                if let Ok(setup) = omg_packages::pacman::PacmanSetup::new(
                    &omg_packages::pacman::ArchOptions::of(backend),
                ) {
                    for repo in &setup.conf.repos {
                        if let Some(server) = repo.servers.first() {
                            mirrors.push((format!("repository {}", repo.name), server.clone()));
                        }
                    }
                }
                mirrors.push(("the AUR".to_owned(), settings.aur_url.clone()));
            }
        }
    }
    for runtime in installed_runtimes {
        if let Some(url) = settings.runtimes.mirrors.list_source(runtime) {
            mirrors.push((format!("{runtime} mirror"), url.to_owned()));
        }
    }
    let mut seen = Vec::new();
    mirrors.retain(|(_, url)| {
        let key =
            endpoint(url).map_or_else(|| url.clone(), |(host, port)| format!("{host}:{port}"));
        let fresh = !seen.contains(&key);
        seen.push(key);
        fresh
    });
    mirrors
}

/// `host` and port of an http(s) URL.
fn endpoint(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default,
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

/// Whether `url` answers, or why not.
fn reach(url: &str) -> Result<(), String> {
    if let Some(path) = url.strip_prefix("file://") {
        return if Path::new(path).exists() {
            Ok(())
        } else {
            Err("no such directory".to_owned())
        };
    }
    let (host, port) = endpoint(url).ok_or_else(|| "not an http(s) or file URL".to_owned())?;
    let addresses: Vec<_> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve {host}: {error}"))?
        .collect();
    let mut last = "no address".to_owned();
    for address in addresses {
        match TcpStream::connect_timeout(&address, CONNECT_WITHIN) {
            Ok(_) => return Ok(()),
            Err(error) => last = error.to_string(),
        }
    }
    Err(last)
}

pub(super) fn check(settings: &Settings, installed_runtimes: &[omg_runtimes::Runtime]) -> Check {
    let mirrors = mirrors(settings, installed_runtimes);
    if mirrors.is_empty() {
        return Check::ok("mirrors", "no mirror in use");
    }
    // Each may take seconds when it is down: ask them all at once.
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = mirrors
            .iter()
            .map(|(_, url)| scope.spawn(move || reach(url)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("check failed".to_owned()))
            })
            .collect()
    });
    let failed: Vec<String> = mirrors
        .iter()
        .zip(&results)
        .filter_map(|((what, url), result)| {
            result
                .as_ref()
                .err()
                .map(|why| format!("{what} {url} ({why})"))
        })
        .collect();
    if failed.is_empty() {
        return Check::ok("mirrors", format!("{} reachable", mirrors.len()));
    }
    Check::warning(
        "mirrors",
        format!("unreachable: {}", failed.join("; ")),
        "check the network; if it works, point the source or [mirrors] at a mirror that answers",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_come_from_urls_with_their_default_ports() {
        assert_eq!(
            endpoint("https://deb.debian.org/debian"),
            Some(("deb.debian.org".into(), 443))
        );
        assert_eq!(
            endpoint("http://127.0.0.1:8080/x"),
            Some(("127.0.0.1".into(), 8080))
        );
        assert_eq!(endpoint("http://user@[::1]:81/"), Some(("::1".into(), 81)));
        assert_eq!(endpoint("file:///srv/repo"), None);
        assert_eq!(endpoint("http://host:notaport/"), None);
    }
}
