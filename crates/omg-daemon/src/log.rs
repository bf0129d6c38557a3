//! omgd's log: one line per event on stderr (a log file once detached).

#![expect(clippy::print_stderr, reason = "this module is the daemon's log")]

/// Seconds since the epoch, for log lines and stored timestamps.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

pub(crate) fn info(message: &str) {
    eprintln!("{} omgd: {message}", unix_now());
}

pub(crate) fn error(message: &str) {
    eprintln!("{} omgd: error: {message}", unix_now());
}
