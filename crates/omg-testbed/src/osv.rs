//! A local OSV API on 127.0.0.1: `POST /v1/querybatch` (queries by package name
//! and ecosystem with a version, answered with ids and `modified` only, in the
//! queries' order, paged with `next_page_token` when told to) and
//! `GET /v1/vulns/{id}` (the whole record), over the OSV records it is given. A
//! version is affected as OSV decides: listed in `versions`, or inside an
//! `introduced`..`fixed` (or ..=`last_affected`) range of the package's events.
//! Every request is recorded with its body.

use serde_json::{json, Value};
use std::cmp::Ordering;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

struct Shared {
    records: Vec<Value>,
    /// At most this many ids per answer, the rest behind a page token.
    page_size: Mutex<Option<usize>>,
    /// Answer every request with this status and no body.
    failing: Mutex<Option<u16>>,
    requests: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// The server; stops when dropped.
pub struct OsvServer {
    address: std::net::SocketAddr,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OsvServer {
    /// Serves `records` (OSV JSON records) on an ephemeral port.
    #[must_use]
    pub fn start(records: Vec<Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            records,
            page_size: Mutex::new(None),
            failing: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(AtomicOrdering::SeqCst) {
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

    /// `http://127.0.0.1:PORT` (`[audit] osv_url`).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Pages batch answers: at most `size` ids per query per answer.
    pub fn page(&self, size: usize) {
        *self.shared.page_size.lock().expect("page size") = Some(size);
    }

    /// Answers every later request with `status` and no body.
    pub fn fail(&self, status: u16) {
        *self.shared.failing.lock().expect("failing") = Some(status);
    }

    /// `POST /v1/querybatch {body}` and `GET /v1/vulns/ID`, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().expect("requests").clone()
    }
}

impl Drop for OsvServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, AtomicOrdering::SeqCst);
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
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("").to_owned();
    let target = words.next().unwrap_or("/").to_owned();
    let body = String::from_utf8_lossy(&body).into_owned();
    shared
        .requests
        .lock()
        .expect("requests")
        .push(if body.is_empty() {
            format!("{method} {target}")
        } else {
            format!("{method} {target} {body}")
        });
    let failing = *shared.failing.lock().expect("failing");
    let (status, answer) = match failing {
        Some(status) => (status, String::new()),
        None => answer(&method, &target, &body, shared),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        if status == 200 { "OK" } else { "Error" },
        answer.len()
    )
}

fn answer(method: &str, target: &str, body: &str, shared: &Shared) -> (u16, String) {
    if method == "GET" {
        let Some(id) = target.strip_prefix("/v1/vulns/") else {
            return (404, String::new());
        };
        return shared
            .records
            .iter()
            .find(|record| record["id"] == id)
            .map_or(
                (
                    404,
                    json!({"code": 5, "message": "Bug not found."}).to_string(),
                ),
                |record| (200, record.to_string()),
            );
    }
    if method != "POST" || target != "/v1/querybatch" {
        return (404, String::new());
    }
    let Ok(request) = serde_json::from_str::<Value>(body) else {
        return (
            400,
            json!({"code": 3, "message": "Invalid JSON."}).to_string(),
        );
    };
    let page_size = *shared.page_size.lock().expect("page size");
    let results: Vec<Value> = request["queries"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|query| {
            let name = query["package"]["name"].as_str().unwrap_or_default();
            let ecosystem = query["package"]["ecosystem"].as_str().unwrap_or_default();
            let version = query["version"].as_str().unwrap_or_default();
            let ids: Vec<Value> = shared
                .records
                .iter()
                .filter(|record| affects(record, ecosystem, name, version))
                .map(|record| json!({"id": record["id"], "modified": record["modified"]}))
                .collect();
            let start: usize = query["page_token"]
                .as_str()
                .and_then(|token| token.parse().ok())
                .unwrap_or(0);
            let end = page_size.map_or(ids.len(), |size| (start + size).min(ids.len()));
            let mut result = json!({});
            if start < end {
                result["vulns"] = ids[start..end].to_vec().into();
            }
            if end < ids.len() {
                result["next_page_token"] = end.to_string().into();
            }
            result
        })
        .collect();
    (200, json!({ "results": results }).to_string())
}

fn affects(record: &Value, ecosystem: &str, name: &str, version: &str) -> bool {
    let empty = Vec::new();
    record["affected"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter(|affected| {
            affected["package"]["ecosystem"] == ecosystem && affected["package"]["name"] == name
        })
        .any(|affected| {
            let listed = affected["versions"]
                .as_array()
                .is_some_and(|versions| versions.iter().any(|listed| listed == version));
            listed
                || affected["ranges"]
                    .as_array()
                    .unwrap_or(&empty)
                    .iter()
                    .any(|range| in_range(range["events"].as_array().unwrap_or(&empty), version))
        })
}

fn in_range(events: &[Value], version: &str) -> bool {
    let mut introduced: Option<&str> = None;
    for event in events {
        if let Some(start) = event["introduced"].as_str() {
            introduced = Some(start);
        } else if let Some(fixed) = event["fixed"].as_str() {
            if introduced
                .take()
                .is_some_and(|start| at_least(version, start))
                && compare(version, fixed) == Ordering::Less
            {
                return true;
            }
        } else if let Some(last) = event["last_affected"].as_str() {
            if introduced
                .take()
                .is_some_and(|start| at_least(version, start))
                && compare(version, last) != Ordering::Greater
            {
                return true;
            }
        }
    }
    // An introduction with no end: everything since.
    introduced.is_some_and(|start| at_least(version, start))
}

fn at_least(version: &str, start: &str) -> bool {
    start == "0" || compare(version, start) != Ordering::Less
}

fn compare(a: &str, b: &str) -> Ordering {
    let parts = |text: &str| -> Vec<u64> {
        text.trim_start_matches('v')
            .split(|c: char| !c.is_ascii_digit())
            .filter(|part| !part.is_empty())
            .map(|part| part.parse().unwrap_or(u64::MAX))
            .collect()
    };
    parts(a).cmp(&parts(b))
}
