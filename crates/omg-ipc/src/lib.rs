//! The wire protocol between `omg` and `omgd`.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes of postcard.
//! Every request is a [`RequestEnvelope`], every reply a [`ReplyEnvelope`]; both
//! start with the protocol version and the request id, an encoding that never
//! changes, so two releases always understand enough of each other to say that
//! they disagree ([`Header`]).
//!
//! [`Client`] is blocking (std only) for the CLI's fast path; the `async` feature
//! adds tokio framing and an async client.

#[cfg(feature = "async")]
pub mod asynchronous;
mod client;
mod frame;
pub mod launch;
mod protocol;
mod socket;

pub use client::{exchange, Client, ClientError};
pub use frame::{decode, encode, encode_reply, read_frame, reply_prefix, FrameError, MAX_FRAME};
pub use protocol::{
    DaemonStatus, Header, Incoming, IpcError, Reply, ReplyEnvelope, Request, RequestEnvelope,
    CONNECTION_ID, PROTOCOL_VERSION,
};
pub use socket::{current_uid, ensure_private_dir, peer_uid, socket_path, SocketPathError};

/// An error and its causes on one line, `outer: inner: innermost`, the way the CLI
/// prints errors, so a failure reads the same through the daemon and without it.
#[must_use]
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}
