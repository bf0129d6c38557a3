//! Documents fetched over HTTP(S) and kept on disk (the vulnerability feeds, the
//! AUR's metadata dump): a copy younger than the refresh interval is used as it
//! is; an older one is revalidated with its ETag and Last-Modified date
//! (`If-None-Match`, `If-Modified-Since`; 304: the copy stands); a new
//! body replaces it only once it passes the caller's check, written beside it and
//! renamed over it. A document that is unreachable, refused, truncated, slow or
//! malformed leaves the previous copy in place: it is used, the reason is handed
//! back so the caller can say how old the copy is, and only a document never
//! fetched is an error.
//!
//! It knows nothing of what the documents mean: each caller passes the check a
//! new body must pass. It is its own crate so that the audit and the package
//! crates share one implementation without either depending on the other, and
//! so that `omg-core` stays free of HTTP.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A feed's bytes and how it got them.
#[derive(Debug)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// When the copy was last confirmed current (fetched or revalidated).
    pub checked_at: SystemTime,
    /// Why the copy could not be refreshed, when it could not.
    pub refresh_error: Option<String>,
}

/// When [`FeedCache::load`] may go to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchMode {
    /// Only when the kept copy is older than the refresh interval (or missing).
    IfStale,
    /// Now, whatever the copy's age (`omg audit --refresh`).
    Refresh,
    /// Never: the kept copy, however old (omgd answering a request). With no copy
    /// this is an error.
    KeptOnly,
}

/// What identifies one kept copy of a feed: when it was written and how long it
/// is, and when it was last confirmed current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyStamp {
    pub written: SystemTime,
    pub len: u64,
    pub checked_at: SystemTime,
}

/// Why a feed cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot fetch the {feed} feed from {url}: {reason} (and no earlier copy is kept)")]
    Unavailable {
        feed: &'static str,
        url: String,
        reason: String,
    },
    #[error("cannot keep the {feed} feed in {}: {source}", path.display())]
    Cache {
        feed: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where feeds are kept, and how often they are refreshed.
#[derive(Debug, Clone)]
pub struct FeedCache {
    dir: PathBuf,
    max_age: Duration,
}

/// Feeds are tens of MB; slow links get minutes, a stalled one does not.
const TIMEOUT: Duration = Duration::from_secs(300);
const LIMIT: u64 = 512 << 20;

impl FeedCache {
    /// Feeds under `dir`, refreshed when older than `max_age`.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, max_age: Duration) -> Self {
        Self {
            dir: dir.into(),
            max_age,
        }
    }

    /// The copy kept as `file`, if any, without reading it.
    #[must_use]
    pub fn stamp(&self, file: &str) -> Option<CopyStamp> {
        let (data, meta) = self.paths(file);
        let data = std::fs::metadata(data).ok()?;
        let checked_at = checked_at(&meta)?;
        Some(CopyStamp {
            written: data.modified().ok()?,
            len: data.len(),
            checked_at,
        })
    }

    /// Whether a copy checked at `checked_at` is due for revalidation.
    #[must_use]
    pub fn is_due(&self, checked_at: SystemTime) -> bool {
        SystemTime::now()
            .duration_since(checked_at)
            .map_or(true, |age| age >= self.max_age)
    }

    /// The document kept as `file` (a file name of ours, not the server's:
    /// `arch.json`; its validators are kept beside it, named after the part before
    /// the first dot with `.etag`: the ETag, then the Last-Modified date on a line
    /// of its own) from `url`, refreshed as `mode` allows; `valid` decides whether
    /// a new body may replace the copy.
    ///
    /// # Errors
    /// No usable copy and the feed cannot be fetched, or the cache directory cannot
    /// be written.
    pub fn load(
        &self,
        feed: &'static str,
        file: &str,
        url: &str,
        mode: FetchMode,
        valid: &dyn Fn(&[u8]) -> Result<(), String>,
    ) -> Result<Fetched, FetchError> {
        let (data, meta) = self.paths(file);
        let cached = std::fs::read(&data).ok();
        let checked_at = checked_at(&meta).filter(|_| cached.is_some());
        let fresh = checked_at
            .and_then(|at| SystemTime::now().duration_since(at).ok())
            .is_some_and(|age| age < self.max_age);
        let keep = match mode {
            FetchMode::IfStale => fresh,
            FetchMode::Refresh => false,
            FetchMode::KeptOnly => true,
        };
        if keep {
            return match checked_at {
                // A feed is tens of MB: handed over, not copied.
                Some(checked_at) => Ok(Fetched {
                    bytes: cached.unwrap_or_default(),
                    checked_at,
                    refresh_error: None,
                }),
                None => Err(FetchError::Unavailable {
                    feed,
                    url: url.to_owned(),
                    reason: "not fetched yet".to_owned(),
                }),
            };
        }
        let validators = cached
            .as_ref()
            .and_then(|_| std::fs::read_to_string(&meta).ok())
            .map(|text| Validators::parse(&text))
            .unwrap_or_default();
        let cache_error = |path: &Path, source| FetchError::Cache {
            feed,
            path: path.to_owned(),
            source,
        };
        match request(url, &validators) {
            Ok(Answer::NotModified) if cached.is_some() => {
                write_atomically(&meta, validators.to_text().as_bytes())
                    .map_err(|e| cache_error(&meta, e))?;
                Ok(Fetched {
                    bytes: cached.unwrap_or_default(),
                    checked_at: SystemTime::now(),
                    refresh_error: None,
                })
            }
            Ok(Answer::Body { bytes, validators }) => match valid(&bytes) {
                Ok(()) => {
                    std::fs::create_dir_all(&self.dir).map_err(|e| cache_error(&self.dir, e))?;
                    write_atomically(&data, &bytes).map_err(|e| cache_error(&data, e))?;
                    write_atomically(&meta, validators.to_text().as_bytes())
                        .map_err(|e| cache_error(&meta, e))?;
                    Ok(Fetched {
                        bytes,
                        checked_at: SystemTime::now(),
                        refresh_error: None,
                    })
                }
                Err(reason) => stale(feed, url, cached, checked_at, &reason),
            },
            Ok(Answer::NotModified) => stale(
                feed,
                url,
                cached,
                checked_at,
                "the server answered 304 to an unconditional request",
            ),
            Err(reason) => stale(feed, url, cached, checked_at, &reason),
        }
    }
}

impl FeedCache {
    /// The copy kept as `file`, as it is, without asking the network: what a
    /// daemon serves from the moment it starts.
    #[must_use]
    pub fn kept(&self, file: &str) -> Option<Fetched> {
        let (data, meta) = self.paths(file);
        let bytes = std::fs::read(&data).ok()?;
        Some(Fetched {
            bytes,
            checked_at: checked_at(&meta).unwrap_or(SystemTime::UNIX_EPOCH),
            refresh_error: None,
        })
    }

    fn paths(&self, file: &str) -> (PathBuf, PathBuf) {
        let stem = file.split('.').next().unwrap_or(file);
        (self.dir.join(file), self.dir.join(format!("{stem}.etag")))
    }
}

/// When the copy was last confirmed current: its ETag file is rewritten then.
fn checked_at(meta: &Path) -> Option<SystemTime> {
    std::fs::metadata(meta).and_then(|m| m.modified()).ok()
}

/// The previous copy with the reason it was kept, or the error when there is none.
fn stale(
    feed: &'static str,
    url: &str,
    cached: Option<Vec<u8>>,
    checked_at: Option<SystemTime>,
    reason: &str,
) -> Result<Fetched, FetchError> {
    match (cached, checked_at) {
        (Some(bytes), Some(checked_at)) => Ok(Fetched {
            bytes,
            checked_at,
            refresh_error: Some(reason.to_owned()),
        }),
        _ => Err(FetchError::Unavailable {
            feed,
            url: url.to_owned(),
            reason: reason.to_owned(),
        }),
    }
}

enum Answer {
    NotModified,
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

/// What the server said identifies a body: sent back to ask "changed since?".
#[derive(Default)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

impl Validators {
    /// The kept file's text: the ETag, then the date (a file with the ETag alone,
    /// as earlier releases wrote, still works).
    fn parse(text: &str) -> Self {
        let mut lines = text.lines().map(str::trim);
        let mut next = || {
            lines
                .next()
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
        };
        Self {
            etag: next(),
            last_modified: next(),
        }
    }

    fn to_text(&self) -> String {
        format!(
            "{}\n{}",
            self.etag.as_deref().unwrap_or_default(),
            self.last_modified.as_deref().unwrap_or_default()
        )
    }
}

fn request(url: &str, validators: &Validators) -> Result<Answer, String> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("omg/", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    let mut call = agent.get(url);
    if let Some(etag) = &validators.etag {
        call = call.header("If-None-Match", etag);
    }
    if let Some(date) = &validators.last_modified {
        call = call.header("If-Modified-Since", date);
    }
    let mut response = call.call().map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    if status == 304 {
        return Ok(Answer::NotModified);
    }
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.contains(['\n', '\r']))
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let bytes = response
        .body_mut()
        .with_config()
        .limit(LIMIT)
        .read_to_vec()
        .map_err(|error| error.to_string())?;
    Ok(Answer::Body { bytes, validators })
}

/// Temp file beside `path`, then rename: a reader never sees half a feed.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Validators;

    #[test]
    fn validators_read_the_etag_alone_or_with_a_date_and_write_back_the_same() {
        let both = Validators::parse("\"abc\"\nWed, 21 Oct 2026 07:28:00 GMT\n");
        assert_eq!(both.etag.as_deref(), Some("\"abc\""));
        assert_eq!(
            both.last_modified.as_deref(),
            Some("Wed, 21 Oct 2026 07:28:00 GMT")
        );
        assert_eq!(Validators::parse(&both.to_text()).etag, both.etag);
        let etag_only = Validators::parse("\"abc\"");
        assert_eq!(etag_only.etag.as_deref(), Some("\"abc\""));
        assert_eq!(etag_only.last_modified, None);
        let date_only = Validators::parse(
            &Validators {
                etag: None,
                last_modified: Some("Wed, 21 Oct 2026 07:28:00 GMT".to_owned()),
            }
            .to_text(),
        );
        assert_eq!(date_only.etag, None);
        assert!(date_only.last_modified.is_some());
    }
}
