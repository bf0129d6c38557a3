//! Downloads from runtime mirrors: resumable (a `.part` file continues with a
//! `Range` request), verified against the published SHA-256 before the file takes
//! its final name, with progress reported to the caller.
//!
//! Redirects are followed here, not by the HTTP client, so every hop is checked
//! ([`origin`]): plain http only where the user configured it, never after https.
//! A body that delivers nothing for the stall timeout fails; a slow one that keeps
//! moving does not (no total deadline: runtimes are large and links are slow).
//! One attempt at a time owns a `.part` (an exclusive lock on it), so concurrent
//! installs of the same file neither interleave nor clobber each other.
//!
//! The settings come from the program through a [`Downloader`]; the free functions
//! use the one it made global. Choosing mirrors and reading indexes is the
//! managers' work, not this module's.

mod origin;

use crate::checksum::sha256_file;
pub use origin::Origin;
use origin::Refusal;
use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How long a body may deliver nothing before the download fails.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// More than this and the chain is a loop or a trap.
const MAX_REDIRECTS: usize = 10;

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}")]
    Status {
        /// What was asked for.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The connection failed or broke off (a partial file is kept for resuming).
    #[error("{url}: {message}")]
    Transfer {
        /// What was asked for.
        url: String,
        /// What happened.
        message: String,
    },
    /// Nothing arrived for the stall timeout (a partial file is kept for resuming).
    #[error("{url}: stalled: no data for {} s{}", .timeout.as_secs(), resume_note(.received))]
    Stalled {
        /// What was asked for.
        url: String,
        /// The stall timeout.
        timeout: Duration,
        /// Bytes of the file already saved, for downloads.
        received: Option<u64>,
    },
    /// Plain http to a server the user did not configure as a mirror.
    #[error(
        "{url}: refusing plain http to a server not configured as a mirror \
         (use https, or set the mirror to this address explicitly)"
    )]
    PlainHttp {
        /// Where it would have gone.
        url: String,
    },
    /// A redirect from https to plain http.
    #[error("{from}: refusing the redirect from https to plain http ({to})")]
    Downgrade {
        /// The https URL that redirected.
        from: String,
        /// The plain-http target.
        to: String,
    },
    /// Not an http(s) URL, a redirect without a usable target, or too many redirects.
    #[error("{url}: {reason}")]
    BadUrl {
        /// The URL, or the one that redirected.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bytes are not the ones published.
    #[error("{url}: checksum mismatch: expected sha256 {expected}, got {actual}")]
    Checksum {
        /// What was downloaded.
        url: String,
        /// The published value.
        expected: String,
        /// What arrived.
        actual: String,
    },
    /// Writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

fn resume_note(received: &Option<u64>) -> String {
    received.map_or_else(String::new, |bytes| {
        format!(" (after {bytes} bytes; the next attempt resumes)")
    })
}

type Result<T, E = DownloadError> = std::result::Result<T, E>;

/// Called the first time each plain-http origin is used, so the program can say so.
type Notice = Box<dyn Fn(&Origin) + Send + Sync>;

/// Downloads with the user's settings: the stall timeout, the plain-http origins
/// they configured, and what to do the first time one is used.
pub struct Downloader {
    agent: ureq::Agent,
    stall_timeout: Duration,
    plain_http: Vec<Origin>,
    notice: Option<Notice>,
    noticed: Mutex<HashSet<Origin>>,
}

impl std::fmt::Debug for Downloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloader")
            .field("stall_timeout", &self.stall_timeout)
            .field("plain_http", &self.plain_http)
            .finish_non_exhaustive()
    }
}

impl Default for Downloader {
    fn default() -> Self {
        Self::new(DEFAULT_STALL_TIMEOUT)
    }
}

static GLOBAL: OnceLock<Downloader> = OnceLock::new();

impl Downloader {
    /// Fails a body that delivers nothing for `stall_timeout`; allows plain http
    /// only to loopback addresses until [`Downloader::allow_plain_http`] adds more.
    #[must_use]
    pub fn new(stall_timeout: Duration) -> Self {
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_connect(Some(Duration::from_secs(15)))
                // Waiting for the headers is waiting with nothing arriving too.
                .timeout_recv_response(Some(stall_timeout))
                // Restarts with every read: a stall, not a total deadline.
                .timeout_per_read(Some(stall_timeout))
                // Followed by hand, so each hop's scheme is checked.
                .max_redirects(0)
                .build(),
        );
        Self {
            agent,
            stall_timeout,
            plain_http: Vec::new(),
            notice: None,
            noticed: Mutex::new(HashSet::new()),
        }
    }

    /// Allows plain http to `origin`: one the user set as a mirror explicitly.
    #[must_use]
    pub fn allow_plain_http(mut self, origin: Origin) -> Self {
        self.plain_http.push(origin);
        self
    }

    /// Calls `notice` the first time each plain-http origin is used.
    #[must_use]
    pub fn on_plain_http(mut self, notice: impl Fn(&Origin) + Send + Sync + 'static) -> Self {
        self.notice = Some(Box::new(notice));
        self
    }

    /// Makes this the downloader [`download`] and [`fetch_text`] use. Only the
    /// first call takes effect (a program sets it once, from its settings, before
    /// anything is downloaded); returns whether this one did.
    pub fn make_global(self) -> bool {
        GLOBAL.set(self).is_ok()
    }

    /// The global downloader: the one set by [`Downloader::make_global`], else
    /// the defaults.
    pub fn global() -> &'static Self {
        GLOBAL.get_or_init(Self::default)
    }

    /// A small text resource (an index, a checksum list), up to 64 MiB.
    pub fn fetch_text(&self, url: &str) -> Result<String> {
        let (url, mut response) = self.get(url, 0)?;
        response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|error| self.transfer(&url, &error, None))
    }

    /// A small binary resource (a detached signature), up to 1 MiB.
    pub fn fetch_bytes(&self, url: &str) -> Result<Vec<u8>> {
        let (url, mut response) = self.get(url, 0)?;
        response
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_vec()
            .map_err(|error| self.transfer(&url, &error, None))
    }

    /// Downloads `url` to `destination`, continuing a `.part` file left by an
    /// interrupted attempt, and keeps it only when its SHA-256 is `expected`.
    /// `progress.bytes(done, total)` is called as bytes arrive. A `destination` that
    /// already holds those bytes (a concurrent install finished first) is kept.
    pub fn download(
        &self,
        url: &str,
        destination: &Path,
        expected: &str,
        progress: &mut dyn crate::manager::Reporter,
    ) -> Result<()> {
        let part = part_path(destination);
        let mut file = lock_part(&part)?;
        let outcome = self.download_locked(url, destination, expected, &part, &mut file, progress);
        // Only the lock holder renames or removes the part, so the name is still
        // ours here; an empty one is nothing to resume.
        if outcome.is_err() && file.metadata().is_ok_and(|metadata| metadata.len() == 0) {
            drop(std::fs::remove_file(&part));
        }
        outcome
    }

    fn download_locked(
        &self,
        url: &str,
        destination: &Path,
        expected: &str,
        part: &Path,
        file: &mut File,
        progress: &mut dyn crate::manager::Reporter,
    ) -> Result<()> {
        if let Ok(size) = verified_size(destination, expected) {
            // Ours is empty or stale; nobody else can be using it while we hold it.
            drop(std::fs::remove_file(part));
            progress.bytes(size, Some(size));
            return Ok(());
        }
        let resume_from = file.metadata().map_err(io(part))?.len();
        let (final_url, response) = match self.get(url, resume_from) {
            // 416: the part is already complete or longer than the file (it
            // changed upstream): nothing to resume, so start over, once.
            Err(DownloadError::Status { status: 416, .. }) if resume_from > 0 => {
                file.set_len(0).map_err(io(part))?;
                self.get(url, 0)?
            }
            other => other?,
        };
        let resumed = resume_from > 0 && response.status().as_u16() == 206;
        self.receive(&final_url, response, file, part, resumed, progress)?;
        let actual = sha256_file(part).map_err(io(part))?;
        if !actual.eq_ignore_ascii_case(expected) {
            // Corrupt or tampered: never resume from it (emptied, so the caller
            // removes it).
            file.set_len(0).map_err(io(part))?;
            return Err(DownloadError::Checksum {
                url: url.to_owned(),
                expected: expected.to_ascii_lowercase(),
                actual,
            });
        }
        // Renamed while still locked: a waiter then finds the name gone and
        // starts afresh instead of writing into the finished file.
        std::fs::rename(part, destination).map_err(io(destination))
    }

    /// Writes the body into the locked part file: appended when the server
    /// resumed, from the start otherwise.
    fn receive(
        &self,
        url: &str,
        mut response: ureq::http::Response<ureq::Body>,
        file: &mut File,
        part: &Path,
        resumed: bool,
        progress: &mut dyn crate::manager::Reporter,
    ) -> Result<()> {
        if !resumed {
            file.set_len(0).map_err(io(part))?;
        }
        let mut done = file.seek(SeekFrom::End(0)).map_err(io(part))?;
        let total = response.body().content_length().map(|length| length + done);
        let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
        let mut buffer = vec![0; 256 * 1024];
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(read) => read,
                Err(error) => {
                    file.flush().map_err(io(part))?;
                    let error = ureq::Error::from(error);
                    return Err(self.transfer(url, &error, Some(done)));
                }
            };
            if read == 0 {
                break;
            }
            file.write_all(&buffer[..read]).map_err(io(part))?;
            done += read as u64;
            progress.bytes(done, total);
        }
        file.sync_all().map_err(io(part))?;
        if let Some(total) = total.filter(|&total| total != done) {
            return Err(DownloadError::Transfer {
                url: url.to_owned(),
                message: format!("got {done} of {total} bytes (the next attempt resumes)"),
            });
        }
        Ok(())
    }

    /// GETs `url` (from byte `range_from` on), following redirects after
    /// checking each hop; returns the final URL and its response.
    fn get(
        &self,
        url: &str,
        range_from: u64,
    ) -> Result<(String, ureq::http::Response<ureq::Body>)> {
        let mut previous: Option<String> = None;
        let mut current = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            self.check_hop(previous.as_deref(), &current)?;
            let mut request = self.agent.get(&current);
            if range_from > 0 {
                request = request.header("Range", format!("bytes={range_from}-"));
            }
            let response = request
                .call()
                .map_err(|error| self.transfer(&current, &error, None))?;
            if !response.status().is_redirection() {
                return Ok((current, response));
            }
            let next = response
                .headers()
                .get(ureq::http::header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .and_then(|location| origin::resolve(&current, location))
                .ok_or_else(|| DownloadError::BadUrl {
                    url: current.clone(),
                    reason: format!(
                        "HTTP {} without a usable Location",
                        response.status().as_u16()
                    ),
                })?;
            previous = Some(std::mem::replace(&mut current, next));
        }
        Err(DownloadError::BadUrl {
            url: url.to_owned(),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn check_hop(&self, previous: Option<&str>, next: &str) -> Result<()> {
        match origin::check_hop(previous, next, &self.plain_http) {
            Ok(origin) if !origin.is_https() => {
                let first = self
                    .noticed
                    .lock()
                    .map_or(true, |mut noticed| noticed.insert(origin.clone()));
                if let (true, Some(notice)) = (first, &self.notice) {
                    notice(&origin);
                }
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(Refusal::Downgrade) => Err(DownloadError::Downgrade {
                from: previous.unwrap_or_default().to_owned(),
                to: next.to_owned(),
            }),
            Err(Refusal::PlainHttp) => Err(DownloadError::PlainHttp {
                url: next.to_owned(),
            }),
            Err(Refusal::Unsupported) => Err(DownloadError::BadUrl {
                url: previous.unwrap_or(next).to_owned(),
                reason: match previous {
                    Some(_) => format!("redirects to {next}, which is not an http(s) URL"),
                    None => "not an http(s) URL".to_owned(),
                },
            }),
        }
    }

    fn transfer(&self, url: &str, error: &ureq::Error, received: Option<u64>) -> DownloadError {
        match error {
            ureq::Error::StatusCode(status) => DownloadError::Status {
                url: url.to_owned(),
                status: *status,
            },
            ureq::Error::Timeout(ureq::Timeout::PerRead) => DownloadError::Stalled {
                url: url.to_owned(),
                timeout: self.stall_timeout,
                received,
            },
            other => DownloadError::Transfer {
                url: url.to_owned(),
                message: format!("{other}{}", resume_note(&received)),
            },
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError {
    let path = path.to_owned();
    move |source| DownloadError::Io { path, source }
}

/// Opens `part` (creating it empty) and waits for an exclusive lock on it. The
/// holder before us may have renamed or removed it meanwhile, leaving our handle
/// on a file that no longer has that name; then we start again on whatever the
/// name is now.
fn lock_part(part: &Path) -> Result<File> {
    loop {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(part)
            .map_err(io(part))?;
        file.lock().map_err(io(part))?;
        let held = file.metadata().map_err(io(part))?;
        match std::fs::symlink_metadata(part) {
            Ok(named) if named.dev() == held.dev() && named.ino() == held.ino() => {
                return Ok(file);
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(part)(error)),
        }
    }
}

/// The size of `file` when it exists and its SHA-256 is `expected`.
fn verified_size(file: &Path, expected: &str) -> std::io::Result<u64> {
    let size = std::fs::metadata(file)?.len();
    if sha256_file(file)?.eq_ignore_ascii_case(expected) {
        Ok(size)
    } else {
        Err(std::io::ErrorKind::InvalidData.into())
    }
}

/// A small text resource (an index, a checksum list), up to 64 MiB, with the
/// global [`Downloader`].
pub fn fetch_text(url: &str) -> Result<String> {
    Downloader::global().fetch_text(url)
}

/// [`Downloader::fetch_bytes`] with the global [`Downloader`].
pub fn fetch_bytes(url: &str) -> Result<Vec<u8>> {
    Downloader::global().fetch_bytes(url)
}

/// [`Downloader::download`] with the global [`Downloader`].
pub fn download(
    url: &str,
    destination: &Path,
    expected: &str,
    progress: &mut dyn crate::manager::Reporter,
) -> Result<()> {
    Downloader::global().download(url, destination, expected, progress)
}

/// Where an unfinished download of `destination` lives.
#[must_use]
pub fn part_path(destination: &Path) -> PathBuf {
    let mut name = destination.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    destination.with_file_name(name)
}

#[cfg(test)]
mod tests;
