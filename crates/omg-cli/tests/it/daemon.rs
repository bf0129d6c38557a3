//! omgd as a real process on a private socket, by theme: [`parity`] (the same
//! output through it as on the direct path), [`hostile`] (misbehaving peers),
//! [`lifecycle`] (start, stop, stale state), [`watch`] (databases changing
//! behind its back) and [`systemd`] (socket activation, the user units). The helpers here are shared by them.

use crate::common::Daemon;
use omg_core::{BackendKind, BackendSelection};
use omg_ipc::{Reply, Request};
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

mod hostile;
mod lifecycle;
mod parity;
mod systemd;
mod watch;

pub(super) fn debian_selection() -> BackendSelection {
    BackendSelection {
        kind: BackendKind::Debian,
        arch_config: None,
        arch_root: None,
        arch_dbpath: None,
        debian_lists_dir: None,
        debian_status_file: None,
        debian_extended_states: None,
        debian_etc_dir: None,
    }
}

pub(super) fn frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = u32::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

/// The daemon closed this connection (EOF or reset), maybe after one reply.
pub(super) fn closed_after_at_most_one_reply(mut stream: UnixStream) -> Option<Vec<u8>> {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(error) => panic!("connection not closed: {error}"),
    }
    (!received.is_empty()).then_some(received)
}

pub(super) fn assert_serving(daemon: &Daemon) {
    let pid = daemon.child.id();
    assert_eq!(
        daemon.request(Request::Ping).unwrap(),
        Ok(Reply::Pong { pid })
    );
}

/// Waits until `daemon` answers `Ping` (for a daemon a test started itself).
pub(super) fn wait_until_serving(daemon: &Daemon) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !matches!(daemon.request(Request::Ping), Ok(Ok(Reply::Pong { .. }))) {
        assert!(
            Instant::now() < deadline,
            "omgd never answered: {}",
            daemon.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
