//! Downloads from runtime mirrors: resumable (a `.part` file continues with a
//! `Range` request), verified against the published SHA-256 before the file takes
//! its final name, with progress reported to the caller.

use crate::checksum::sha256_file;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

type Result<T, E = DownloadError> = std::result::Result<T, E>;

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .build(),
    )
}

fn transfer(url: &str, error: &ureq::Error) -> DownloadError {
    match error {
        ureq::Error::StatusCode(status) => DownloadError::Status {
            url: url.to_owned(),
            status: *status,
        },
        other => DownloadError::Transfer {
            url: url.to_owned(),
            message: other.to_string(),
        },
    }
}

/// A small text resource (an index, a checksum list), up to 64 MiB.
pub fn fetch_text(url: &str) -> Result<String> {
    let mut response = agent()
        .get(url)
        .call()
        .map_err(|error| transfer(url, &error))?;
    response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|error| transfer(url, &error))
}

/// A small binary resource (a detached signature), up to 1 MiB.
pub fn fetch_bytes(url: &str) -> Result<Vec<u8>> {
    let mut response = agent()
        .get(url)
        .call()
        .map_err(|error| transfer(url, &error))?;
    response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_vec()
        .map_err(|error| transfer(url, &error))
}

/// Downloads `url` to `destination`, continuing a `.part` file left by an
/// interrupted attempt, and keeps it only when its SHA-256 is `expected`.
/// `progress(done, total)` is called as bytes arrive.
pub fn download(
    url: &str,
    destination: &Path,
    expected: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<()> {
    let part = part_path(destination);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DownloadError::Io { path, source }
    };
    let resume_from = std::fs::metadata(&part).map_or(0, |metadata| metadata.len());
    let mut request = agent().get(url);
    if resume_from > 0 {
        request = request.header("Range", format!("bytes={resume_from}-"));
    }
    let mut response = request.call().map_err(|error| transfer(url, &error))?;
    // 206: the server continues where the part file ends; 200: it starts over.
    let resuming = resume_from > 0 && response.status().as_u16() == 206;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resuming)
        .truncate(!resuming)
        .open(&part)
        .map_err(io(&part))?;
    let mut done = if resuming { resume_from } else { 0 };
    let total = response.body().content_length().map(|length| length + done);
    let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(read) => read,
            Err(error) => {
                file.flush().map_err(io(&part))?;
                return Err(DownloadError::Transfer {
                    url: url.to_owned(),
                    message: format!("{error} (after {done} bytes; the next attempt resumes)"),
                });
            }
        };
        if read == 0 {
            break;
        }
        file.write_all(&buffer[..read]).map_err(io(&part))?;
        done += read as u64;
        progress(done, total);
    }
    file.sync_all().map_err(io(&part))?;
    drop(file);
    if let Some(total) = total.filter(|&total| total != done) {
        return Err(DownloadError::Transfer {
            url: url.to_owned(),
            message: format!("got {done} of {total} bytes (the next attempt resumes)"),
        });
    }
    let actual = sha256_file(&part).map_err(io(&part))?;
    if !actual.eq_ignore_ascii_case(expected) {
        // Corrupt or tampered: never resume from it.
        let _ = std::fs::remove_file(&part);
        return Err(DownloadError::Checksum {
            url: url.to_owned(),
            expected: expected.to_ascii_lowercase(),
            actual,
        });
    }
    std::fs::rename(&part, destination).map_err(io(destination))
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
