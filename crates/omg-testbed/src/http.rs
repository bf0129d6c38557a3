//! A static HTTP/1.1 file server on 127.0.0.1 for runtime-mirror tests: serves a
//! directory laid out like the upstream it stands in for, honours `Range: bytes=N-`
//! (resumed downloads), answers a directory with its `index.json`, and can be told
//! to fail a path (a status code, or a body cut
//! short). Every request path is recorded.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How a path misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and no body.
    Status(u16),
    /// Announce the full length, send only this many bytes, close.
    Truncate(usize),
}

#[derive(Default)]
struct Shared {
    faults: Mutex<HashMap<String, Fault>>,
    requests: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// A running server; stops when dropped.
pub struct HttpServer {
    address: std::net::SocketAddr,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    /// Serves `root` on an ephemeral port.
    #[must_use]
    pub fn serve(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        let root = root.to_owned();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let root = root.clone();
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || {
                        let _ = respond(stream, &root, &shared);
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

    /// `http://127.0.0.1:PORT` (no trailing slash).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Makes `path` (as requested, e.g. `/v20.0.0/SHASUMS256.txt`) misbehave.
    pub fn fail(&self, path: &str, fault: Fault) {
        self.shared
            .faults
            .lock()
            .expect("faults")
            .insert(path.to_owned(), fault);
    }

    /// Serves `path` normally again.
    pub fn heal(&self, path: &str) {
        self.shared.faults.lock().expect("faults").remove(path);
    }

    /// Request lines so far, `GET /path bytes=N-` style.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().expect("requests").clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn respond(stream: TcpStream, root: &Path, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut range_start: u64 = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("range:") {
            if let Some(start) = value
                .trim()
                .strip_prefix("bytes=")
                .and_then(|r| r.strip_suffix('-'))
            {
                range_start = start.parse().unwrap_or(0);
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let path = percent_decode(target.split('?').next().unwrap_or("/"));
    shared
        .requests
        .lock()
        .expect("requests")
        .push(if range_start > 0 {
            format!("{method} {path} bytes={range_start}-")
        } else {
            format!("{method} {path}")
        });
    let mut stream = stream;
    let fault = shared.faults.lock().expect("faults").get(&path).copied();
    if let Some(Fault::Status(code)) = fault {
        return write!(
            stream,
            "HTTP/1.1 {code} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
    // A directory answers with its index.json (how go.dev/dl/?mode=json is mirrored).
    let file = local_path(root, &path).map(|file| {
        if file.is_dir() {
            file.join("index.json")
        } else {
            file
        }
    });
    let Some(file) = file.filter(|file| file.is_file()) else {
        return write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    };
    let mut body = Vec::new();
    std::fs::File::open(&file)?.read_to_end(&mut body)?;
    let total = body.len() as u64;
    let start = range_start.min(total);
    let (status, extra) = if range_start > 0 {
        (
            "206 Partial Content",
            format!(
                "Content-Range: bytes {start}-{}/{total}\r\n",
                total.saturating_sub(1)
            ),
        )
    } else {
        ("200 OK", String::new())
    };
    let slice = &body[usize::try_from(start).unwrap_or(body.len())..];
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}Accept-Ranges: bytes\r\nConnection: close\r\n\r\n",
        slice.len()
    )?;
    if method == "HEAD" {
        return Ok(());
    }
    match fault {
        Some(Fault::Truncate(keep)) => stream.write_all(&slice[..keep.min(slice.len())]),
        _ => stream.write_all(slice),
    }
}

/// `%2B` → `+` and the like, as every real server decodes request paths.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The file under `root` a request path names; `None` for anything climbing out.
fn local_path(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
        .then(|| root.join(relative))
}
