//! omgd's log: one line per event on stderr (a log file once detached).

#![expect(clippy::print_stderr, reason = "this module is the daemon's log")]

fn stamp() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

pub(crate) fn info(message: &str) {
    eprintln!("{} omgd: {message}", stamp());
}

pub(crate) fn error(message: &str) {
    eprintln!("{} omgd: error: {message}", stamp());
}
