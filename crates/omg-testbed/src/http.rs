//! A static HTTP/1.1 file server on 127.0.0.1 for runtime-mirror tests: serves a
//! directory laid out like the upstream it stands in for, honours `Range: bytes=N-`
//! (resumed downloads; 416 for a range starting at or past the end, as real servers
//! answer), answers a directory with its `index.json`, can redirect a path, and can
//! be told to fail a path (a status code, a body cut short, or a body that stops
//! moving). Every request path is recorded.

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
    /// Announce the full length, send this many bytes, then nothing until the path
    /// is healed (then the rest) or the client hangs up.
    Stall(usize),
    /// Send the body this many bytes at a time, pausing this many milliseconds
    /// between them: slow, but never stalled.
    Trickle(usize, u64),
}

#[derive(Default)]
struct Shared {
    faults: Mutex<HashMap<String, Fault>>,
    redirects: Mutex<HashMap<String, String>>,
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

    /// Serves `path` normally again (a stalled response carries on).
    pub fn heal(&self, path: &str) {
        self.shared.faults.lock().expect("faults").remove(path);
    }

    /// Answers `path` with `302 Found` to `location` (any URL, relative or not).
    pub fn redirect(&self, path: &str, location: &str) {
        self.shared
            .redirects
            .lock()
            .expect("redirects")
            .insert(path.to_owned(), location.to_owned());
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
    let mut range_start: Option<u64> = None;
    let mut if_none_match: Option<String> = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("if-none-match:") {
            if_none_match = Some(value.trim().to_owned());
        }
        if let Some(value) = lower.strip_prefix("range:") {
            if let Some(start) = value
                .trim()
                .strip_prefix("bytes=")
                .and_then(|r| r.strip_suffix('-'))
            {
                range_start = start.parse().ok();
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
        .push(match (range_start, &if_none_match) {
            (Some(start), _) => format!("{method} {path} bytes={start}-"),
            (None, Some(_)) => format!("{method} {path} if-none-match"),
            (None, None) => format!("{method} {path}"),
        });
    let mut stream = stream;
    let redirect = shared
        .redirects
        .lock()
        .expect("redirects")
        .get(&path)
        .cloned();
    if let Some(location) = redirect {
        return write!(
            stream,
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
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
    // A validator of the content, as feeds and mirrors send one: an unchanged file
    // answers a conditional request with 304 and no body.
    let etag = format!("\"{:016x}\"", fnv1a(&body));
    if if_none_match.as_deref() == Some(etag.as_str()) && range_start.is_none() {
        return write!(
            stream,
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
    let (status, extra, start) = match range_start {
        None => ("200 OK", String::new(), 0),
        // A first byte at or past the end is unsatisfiable: 416 with the current
        // length (RFC 9110 §14.1.2, §15.5.17), never a 206 with nothing in it.
        Some(start) if start >= total => {
            return write!(
                stream,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{total}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
        Some(start) => (
            "206 Partial Content",
            format!("Content-Range: bytes {start}-{}/{total}\r\n", total - 1),
            start,
        ),
    };
    let slice = &body[usize::try_from(start).unwrap_or(body.len())..];
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}ETag: {etag}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
        slice.len()
    )?;
    if method == "HEAD" {
        return Ok(());
    }
    match fault {
        Some(Fault::Truncate(keep)) => stream.write_all(&slice[..keep.min(slice.len())]),
        Some(Fault::Stall(keep)) => {
            let keep = keep.min(slice.len());
            stream.write_all(&slice[..keep])?;
            stream.flush()?;
            if wait_for_heal(&mut stream, &path, shared)? {
                stream.write_all(&slice[keep..])
            } else {
                Ok(())
            }
        }
        Some(Fault::Trickle(chunk, pause)) => {
            for piece in slice.chunks(chunk.max(1)) {
                stream.write_all(piece)?;
                stream.flush()?;
                std::thread::sleep(std::time::Duration::from_millis(pause));
            }
            Ok(())
        }
        _ => stream.write_all(slice),
    }
}

/// Holds a stalled response: `true` once `path` is healed, `false` when the client
/// hangs up or the server stops first.
fn wait_for_heal(stream: &mut TcpStream, path: &str, shared: &Shared) -> std::io::Result<bool> {
    stream.set_read_timeout(Some(std::time::Duration::from_millis(20)))?;
    let mut byte = [0];
    loop {
        if !shared.faults.lock().expect("faults").contains_key(path) {
            return Ok(true);
        }
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        match stream.read(&mut byte) {
            Ok(0) => return Ok(false),
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Ok(false),
        }
    }
}

/// `%2B` → `+` and the like, as every real server decodes request paths.
pub(crate) fn percent_decode(path: &str) -> String {
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

/// FNV-1a: a stable content hash for ETags (not a security property).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
