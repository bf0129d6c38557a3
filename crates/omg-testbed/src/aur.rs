//! A local AUR RPC v5 server on 127.0.0.1: `search` (by `name` and `name-desc`,
//! aurweb's `LIKE %arg%`, case-insensitive) and `info` (one or many `arg[]`) over
//! a fixed set of realistic packages, with aurweb's error envelope and exact error
//! strings, and the metadata dump `/packages-meta-ext-v1.json.gz` as aurweb
//! writes it (one object per line, info fields present only when non-empty,
//! `URLPath` built from `Name`) with an ETag and 304 on `If-None-Match`. It can be
//! told to rate-limit (HTTP 429, as aurweb answers), to answer malformed JSON, or
//! to serve a truncated or malformed dump; its packages can be swapped. Every
//! request is recorded.

use crate::aur_git::GitProtocol;
use crate::http::percent_decode;
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One package as the fixtures define it; [`AurServer`] answers with aurweb's
/// field names and omits empty arrays from info answers, as aurweb does.
#[derive(Debug, Clone, Default)]
pub struct AurFixture {
    pub name: &'static str,
    pub package_base: &'static str,
    pub version: &'static str,
    pub description: Option<&'static str>,
    pub url: Option<&'static str>,
    pub votes: u64,
    pub popularity: f64,
    pub out_of_date: Option<i64>,
    /// `None`: orphaned.
    pub maintainer: Option<&'static str>,
    pub submitter: &'static str,
    pub first_submitted: i64,
    pub last_modified: i64,
    pub depends: &'static [&'static str],
    pub make_depends: &'static [&'static str],
    pub check_depends: &'static [&'static str],
    pub opt_depends: &'static [&'static str],
    pub provides: &'static [&'static str],
    pub conflicts: &'static [&'static str],
    pub license: &'static [&'static str],
    pub keywords: &'static [&'static str],
}

/// The packages every [`AurServer`] starts with: real AUR helpers plus packages
/// that sit next to the hermetic Arch root's (`omg-hello`, the foreign
/// `omg-oldname`), an orphaned and flagged one, and two hostile ones.
#[must_use]
pub fn aur_fixtures() -> Vec<AurFixture> {
    vec![
        AurFixture {
            name: "paru",
            package_base: "paru",
            version: "2.0.4-1",
            description: Some("Feature packed AUR helper"),
            url: Some("https://github.com/morganamilo/paru"),
            votes: 2430,
            popularity: 41.823_914,
            maintainer: Some("Morganamilo"),
            submitter: "Morganamilo",
            first_submitted: 1_586_900_120,
            last_modified: 1_720_390_000,
            depends: &["git", "pacman>=6.1", "libalpm.so>=14"],
            make_depends: &["cargo"],
            opt_depends: &[
                "bat: colored pkgbuild printing",
                "devtools: build in chroot and downloading pkgbuilds",
            ],
            license: &["GPL-3.0-or-later"],
            keywords: &["AUR", "helper", "pacman", "rust"],
            ..AurFixture::default()
        },
        AurFixture {
            name: "paru-bin",
            package_base: "paru-bin",
            version: "2.0.4-1",
            description: Some("Feature packed AUR helper"),
            url: Some("https://github.com/morganamilo/paru"),
            votes: 310,
            popularity: 5.12,
            maintainer: Some("Morganamilo"),
            submitter: "Morganamilo",
            first_submitted: 1_587_000_000,
            last_modified: 1_720_390_100,
            depends: &["git", "pacman>=6.1"],
            provides: &["paru"],
            conflicts: &["paru"],
            license: &["GPL-3.0-or-later"],
            ..AurFixture::default()
        },
        AurFixture {
            name: "yay",
            package_base: "yay",
            version: "12.4.2-1",
            description: Some("Yet another yogurt. Pacman wrapper and AUR helper written in go."),
            url: Some("https://github.com/Jguer/yay"),
            votes: 2150,
            popularity: 28.5,
            maintainer: Some("jguer"),
            submitter: "jguer",
            first_submitted: 1_475_000_000,
            last_modified: 1_727_000_000,
            depends: &["pacman>6.1", "git"],
            make_depends: &["go>=1.21"],
            opt_depends: &["sudo: privilege elevation", "doas: privilege elevation"],
            license: &["GPL-3.0-or-later"],
            keywords: &["arm", "AUR", "go", "helper", "pacman", "wrapper", "x86"],
            ..AurFixture::default()
        },
        AurFixture {
            name: "cower",
            package_base: "cower",
            version: "18-2",
            description: Some("A simple AUR agent with a pretentious name"),
            url: Some("https://github.com/falconindy/cower"),
            votes: 1200,
            popularity: 0.0,
            out_of_date: Some(1_546_300_800),
            maintainer: None,
            submitter: "falconindy",
            first_submitted: 1_289_000_000,
            last_modified: 1_514_000_000,
            depends: &["curl", "pacman", "yajl"],
            make_depends: &["perl"],
            license: &["MIT"],
            ..AurFixture::default()
        },
        AurFixture {
            name: "omg-hello-git",
            package_base: "omg-hello-git",
            version: "1.0.r12.gabc1234-1",
            description: Some("Prints a friendly greeting (latest commit)"),
            url: Some("https://example.org/omg-hello"),
            votes: 3,
            popularity: 0.012_5,
            maintainer: Some("omgtester"),
            submitter: "omgtester",
            first_submitted: 1_700_000_000,
            last_modified: 1_710_000_000,
            depends: &["omg-lib"],
            make_depends: &["git"],
            check_depends: &["bats"],
            provides: &["omg-hello"],
            conflicts: &["omg-hello"],
            license: &["MIT"],
            ..AurFixture::default()
        },
        // Installed in a test root as a foreign package (`ArchRoot::install_local`).
        AurFixture {
            name: "omg-oldname",
            package_base: "omg-oldname",
            version: "1.1-1",
            description: Some("Old name of omg-renamed, kept in the AUR"),
            maintainer: Some("omgtester"),
            submitter: "omgtester",
            first_submitted: 1_690_000_000,
            last_modified: 1_720_000_000,
            license: &["MIT"],
            ..AurFixture::default()
        },
        AurFixture {
            name: "evil-greeting",
            package_base: "evil-greeting",
            version: "1-1",
            description: Some("A greeting\u{1b}]0;pwned\u{7} that \u{1b}[31mpaints\nfake/line 1-1"),
            url: Some("https://example.org/\u{1b}[2J"),
            votes: 1,
            popularity: 0.0,
            maintainer: Some("mallory\u{1b}[2J"),
            submitter: "mallory",
            first_submitted: 1_700_000_000,
            last_modified: 1_700_000_000,
            depends: &["bash\u{1b}[1m"],
            license: &["MIT"],
            ..AurFixture::default()
        },
        // aurweb would never hold this name; a hostile server could.
        AurFixture {
            name: "Evil\u{1b}[31m-greeting",
            package_base: "../../evil",
            version: "1-1",
            description: Some("Another greeting"),
            votes: 9999,
            maintainer: Some("mallory"),
            submitter: "mallory",
            ..AurFixture::default()
        },
    ]
}

impl AurFixture {
    /// The search-style object (`Submitter` and the arrays are not in search
    /// answers).
    fn search_json(&self) -> Map<String, Value> {
        let mut object = Map::new();
        let id = u64::from(crc(self.name));
        object.insert("ID".into(), json!(id));
        object.insert("PackageBaseID".into(), json!(id + 1));
        object.insert("Name".into(), json!(self.name));
        object.insert("PackageBase".into(), json!(self.package_base));
        object.insert("Version".into(), json!(self.version));
        object.insert("Description".into(), json!(self.description));
        object.insert("URL".into(), json!(self.url));
        object.insert(
            "URLPath".into(),
            json!(format!(
                "/cgit/aur.git/snapshot/{}.tar.gz",
                self.package_base
            )),
        );
        object.insert("NumVotes".into(), json!(self.votes));
        object.insert("Popularity".into(), json!(self.popularity));
        object.insert("OutOfDate".into(), json!(self.out_of_date));
        object.insert("Maintainer".into(), json!(self.maintainer));
        object.insert("FirstSubmitted".into(), json!(self.first_submitted));
        object.insert("LastModified".into(), json!(self.last_modified));
        object
    }

    /// The object in `packages-meta-ext-v1.json.gz`: info fields, with aurweb's
    /// dump quirks (no `PendingRequests`, `URLPath` from `Name`, arrays left out
    /// when empty).
    fn dump_json(&self) -> Value {
        let Value::Object(mut object) = self.info_json() else {
            unreachable!("info_json is an object")
        };
        object.remove("PendingRequests");
        object.insert(
            "URLPath".into(),
            json!(format!("/cgit/aur.git/snapshot/{}.tar.gz", self.name)),
        );
        object.retain(|_, value| value.as_array().is_none_or(|items| !items.is_empty()));
        Value::Object(object)
    }

    fn info_json(&self) -> Value {
        let mut object = self.search_json();
        object.insert("Submitter".into(), json!(self.submitter));
        for (key, items) in [
            ("Depends", self.depends),
            ("MakeDepends", self.make_depends),
            ("CheckDepends", self.check_depends),
            ("OptDepends", self.opt_depends),
            ("Provides", self.provides),
            ("Conflicts", self.conflicts),
        ] {
            if !items.is_empty() {
                object.insert(key.into(), json!(items));
            }
        }
        object.insert("License".into(), json!(self.license));
        object.insert("Keywords".into(), json!(self.keywords));
        object.insert("PendingRequests".into(), json!(0));
        Value::Object(object)
    }
}

/// A stable small number per name, for `ID`.
fn crc(name: &str) -> u32 {
    name.bytes().fold(2_166_136_261_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(16_777_619)
    }) % 1_000_000
}

/// How the server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AurMode {
    /// Answers as aurweb does.
    #[default]
    Normal,
    /// HTTP 429 with aurweb's `Rate limit reached` envelope.
    RateLimited,
    /// HTTP 200 with JSON cut short.
    Malformed,
    /// The dump's gzip cut in half (RPC answers as aurweb does).
    TruncatedDump,
    /// A whole gzip whose JSON is not the dump's (RPC answers as aurweb does).
    MalformedDump,
}

/// The dump's path at the AUR's root.
pub const AUR_DUMP_PATH: &str = "/packages-meta-ext-v1.json.gz";

struct Shared {
    packages: Mutex<Vec<AurFixture>>,
    /// Where `{pkgbase}.git` repositories are served from, and how.
    git: Option<(std::path::PathBuf, GitProtocol)>,
    /// The status of each dump request, in order.
    dump_statuses: Mutex<Vec<u16>>,
    mode: Mutex<AurMode>,
    requests: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// A running AUR RPC server; stops when dropped.
pub struct AurServer {
    address: std::net::SocketAddr,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AurServer {
    /// Serves [`aur_fixtures`] on an ephemeral port.
    #[must_use]
    pub fn start() -> Self {
        Self::with_packages(aur_fixtures())
    }

    /// Serves `packages` on an ephemeral port.
    #[must_use]
    pub fn with_packages(packages: Vec<AurFixture>) -> Self {
        Self::serving(packages, None)
    }

    /// Serves `packages` and the package repositories under `git_root` (see
    /// [`crate::AurGitRepos`]) at `{url}/{pkgbase}.git`, over git's dumb protocol.
    #[must_use]
    pub fn with_git(packages: Vec<AurFixture>, git_root: &std::path::Path) -> Self {
        Self::serving(packages, Some((git_root.to_owned(), GitProtocol::Dumb)))
    }

    /// [`AurServer::with_git`] over the smart protocol (`git http-backend`).
    #[must_use]
    pub fn with_smart_git(packages: Vec<AurFixture>, git_root: &std::path::Path) -> Self {
        Self::serving(packages, Some((git_root.to_owned(), GitProtocol::Smart)))
    }

    /// Replaces (by name) or adds a package's RPC entry, as a push updates aurweb.
    pub fn set_package(&self, package: AurFixture) {
        let mut packages = self.shared.packages.lock().expect("packages");
        packages.retain(|known| known.name != package.name);
        packages.push(package);
    }

    fn serving(packages: Vec<AurFixture>, git: Option<(std::path::PathBuf, GitProtocol)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            packages: Mutex::new(packages),
            git,
            dump_statuses: Mutex::new(Vec::new()),
            mode: Mutex::new(AurMode::Normal),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || {
                        let _ = respond(stream, &shared);
                    });
                }
            })
        };
        Self {
            address,
            shared,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: the AUR's base URL (`[aur] url`).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Changes how later requests are answered.
    pub fn set_mode(&self, mode: AurMode) {
        *self.shared.mode.lock().expect("mode") = mode;
    }

    /// Replaces the packages every later answer (RPC and dump) is about.
    pub fn set_packages(&self, packages: Vec<AurFixture>) {
        *self.shared.packages.lock().expect("packages") = packages;
    }

    /// The HTTP status of each dump request so far (200 downloaded, 304 not).
    #[must_use]
    pub fn dump_statuses(&self) -> Vec<u16> {
        self.shared.dump_statuses.lock().expect("statuses").clone()
    }

    /// Waits (up to a minute) until the dump was asked for `count` times.
    ///
    /// # Panics
    /// When it was not.
    pub fn wait_for_dump_requests(&self, count: usize) -> Vec<u16> {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let statuses = self.dump_statuses();
            if statuses.len() >= count {
                return statuses;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the dump was asked for {} times, not {count}",
                statuses.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Request targets so far (`/rpc/v5/search/paru?by=name-desc`).
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().expect("requests").clone()
    }
}

impl Drop for AurServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn respond(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    let mut if_none_match = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
            if name.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value.trim().to_owned());
            }
        }
    }
    let target = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let body = read_body(&mut reader, &headers)?;
    shared
        .requests
        .lock()
        .expect("requests")
        .push(target.clone());
    let mode = *shared.mode.lock().expect("mode");
    let git = match (&shared.git, mode) {
        (Some((root, protocol)), AurMode::Normal) => {
            let method = request_line.split_whitespace().next().unwrap_or("GET");
            let request = crate::aur_git::HttpRequest {
                method,
                target: &target,
                headers: &headers,
                body: &body,
            };
            crate::aur_git::respond(root, *protocol, &request)
        }
        _ => None,
    };
    if let Some(bytes) = git {
        let mut stream = stream;
        return stream.write_all(&bytes);
    }
    if target == AUR_DUMP_PATH {
        return respond_dump(stream, shared, mode, if_none_match.as_deref());
    }
    let packages = shared.packages.lock().expect("packages").clone();
    let (status, body) = match mode {
        AurMode::RateLimited => (429, error_envelope("Rate limit reached")),
        AurMode::Malformed => (
            200,
            r#"{"version":5,"type":"search","resultcount":1,"results":[{"Name":"par"#.to_owned(),
        ),
        AurMode::Normal | AurMode::TruncatedDump | AurMode::MalformedDump => {
            answer(&target, &packages)
        }
    };
    let mut stream = stream;
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Error",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The request body: `Content-Length` bytes, or a chunked one decoded (git sends
/// large pushes and fetch negotiations chunked).
fn read_body(reader: &mut impl BufRead, headers: &[(String, String)]) -> std::io::Result<Vec<u8>> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let mut body = Vec::new();
    if header("Transfer-Encoding").is_some_and(|value| value.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            std::io::Read::read_exact(reader, &mut body[start..])?;
            let mut end = String::new();
            reader.read_line(&mut end)?;
        }
    }
    let length: usize = header("Content-Length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    body.resize(length, 0);
    std::io::Read::read_exact(reader, &mut body)?;
    Ok(body)
}

/// The dump, gzipped, with an ETag of its bytes; 304 when the client has them.
fn respond_dump(
    mut stream: TcpStream,
    shared: &Shared,
    mode: AurMode,
    if_none_match: Option<&str>,
) -> std::io::Result<()> {
    let packages = shared.packages.lock().expect("packages").clone();
    let text = match mode {
        AurMode::MalformedDump => r#"{"not": "a dump"}"#.to_owned(),
        _ => dump_text(&packages),
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes())?;
    let mut body = encoder.finish()?;
    if mode == AurMode::TruncatedDump {
        body.truncate(body.len() / 2);
    }
    let etag = format!("\"{:08x}\"", crc_bytes(&body));
    let status = if if_none_match == Some(etag.as_str()) {
        304
    } else {
        200
    };
    shared.dump_statuses.lock().expect("statuses").push(status);
    if status == 304 {
        return write!(
            stream,
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// `packages` as aurweb writes the dump: `[`, one object per line, `]`.
#[must_use]
pub fn dump_text(packages: &[AurFixture]) -> String {
    let lines: Vec<String> = packages
        .iter()
        .map(|package| package.dump_json().to_string())
        .collect();
    format!("[\n{}\n]", lines.join(",\n"))
}

fn crc_bytes(bytes: &[u8]) -> u32 {
    bytes.iter().fold(2_166_136_261_u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(16_777_619)
    })
}

fn error_envelope(message: &str) -> String {
    json!({"version": 5, "type": "error", "resultcount": 0, "results": [], "error": message})
        .to_string()
}

fn envelope(kind: &str, results: Vec<Value>) -> String {
    json!({"version": 5, "type": kind, "resultcount": results.len(), "results": results})
        .to_string()
}

/// The query's `key=value` pairs, decoded, in order.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&key.replace('+', " ")),
                percent_decode(&value.replace('+', " ")),
            )
        })
        .collect()
}

fn answer(target: &str, packages: &[AurFixture]) -> (u16, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let pairs = query_pairs(query);
    let value = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
    };
    if let Some(rest) = path.strip_prefix("/rpc/v5/search") {
        let arg = match rest.strip_prefix('/') {
            Some(segment) if !segment.is_empty() => percent_decode(segment),
            _ => value("arg").unwrap_or_default(),
        };
        let by = value("by").unwrap_or_else(|| "name-desc".to_owned());
        if by == "provides" {
            // aurweb matches provides exactly, and a package provides its own name.
            let results = packages
                .iter()
                .filter(|package| {
                    package.name == arg
                        || package.provides.iter().any(|provide| {
                            provide.split(['=', '<', '>']).next() == Some(arg.as_str())
                        })
                })
                .map(|package| Value::Object(package.search_json()))
                .collect();
            return (200, envelope("search", results));
        }
        if by != "name" && by != "name-desc" {
            return (200, error_envelope("Incorrect by field specified."));
        }
        if arg.chars().count() < 2 {
            return (200, error_envelope("Query arg too small."));
        }
        let needle = arg.to_lowercase();
        let results = packages
            .iter()
            .filter(|package| {
                package.name.to_lowercase().contains(&needle)
                    || (by == "name-desc"
                        && package
                            .description
                            .is_some_and(|text| text.to_lowercase().contains(&needle)))
            })
            .map(|package| Value::Object(package.search_json()))
            .collect();
        return (200, envelope("search", results));
    }
    if let Some(rest) = path.strip_prefix("/rpc/v5/info") {
        let names: Vec<String> = match rest.strip_prefix('/') {
            Some(segment) if !segment.is_empty() => vec![percent_decode(segment)],
            _ => pairs
                .iter()
                .filter(|(key, _)| key == "arg[]" || key == "arg")
                .map(|(_, value)| value.clone())
                .collect(),
        };
        if names.is_empty() {
            return (200, error_envelope("No request type/data specified."));
        }
        let results = packages
            .iter()
            .filter(|package| names.iter().any(|name| name == package.name))
            .map(AurFixture::info_json)
            .collect();
        return (200, envelope("multiinfo", results));
    }
    (404, String::new())
}
