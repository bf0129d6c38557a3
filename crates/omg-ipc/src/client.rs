//! The blocking client: std's `UnixStream` with timeouts, no async runtime, so a
//! fast-path command costs one connect, one write and one read.

use crate::frame::{decode, encode, read_frame, FrameError};
use crate::{Header, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Why the daemon could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket (no file, or connection refused).
    #[error("omgd is not running")]
    Absent,
    /// The socket exists but is not ours to use.
    #[error("omgd's socket refused this user: {0}")]
    Denied(std::io::Error),
    /// Whoever listens on the socket runs as another user: not our omgd.
    #[error("the process on omgd's socket runs as uid {0}, not as this user")]
    NotOurs(u32),
    /// The daemon speaks another protocol version.
    #[error("omgd speaks protocol {daemon}, this omg speaks {PROTOCOL_VERSION}")]
    ProtocolMismatch {
        /// The daemon's version.
        daemon: u16,
    },
    /// The reply answered another request.
    #[error("omgd answered request {got}, not {expected}")]
    WrongId {
        /// The id sent.
        expected: u64,
        /// The id received.
        got: u64,
    },
    /// No answer in time.
    #[error("omgd did not answer in time")]
    Timeout,
    /// The exchange failed (closed connection, bad frame).
    #[error("talking to omgd: {0}")]
    Frame(#[from] FrameError),
}

/// A connection to omgd.
pub struct Client {
    stream: UnixStream,
    next_id: u64,
    buffer: Vec<u8>,
}

impl Client {
    /// Connects; `timeout` bounds each read and write.
    pub fn connect(socket: &Path, timeout: Duration) -> Result<Self, ClientError> {
        let stream = UnixStream::connect(socket).map_err(connect_error)?;
        check_peer(&stream)?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(timeout)))
            .map_err(FrameError::Io)?;
        Ok(Self {
            stream,
            next_id: first_id(),
            buffer: Vec::new(),
        })
    }

    /// Sends one request and waits for its reply.
    pub fn request(&mut self, body: Request) -> Result<ReplyEnvelope, ClientError> {
        self.next_id += 1;
        let mut reader = &self.stream;
        let mut writer = &self.stream;
        exchange(
            &mut writer,
            &mut reader,
            self.next_id,
            body,
            &mut self.buffer,
        )
    }
}

/// One request over any byte pipe pair (a socket, or a child's stdin and stdout).
pub fn exchange(
    writer: &mut impl Write,
    reader: &mut impl Read,
    id: u64,
    body: Request,
    buffer: &mut Vec<u8>,
) -> Result<ReplyEnvelope, ClientError> {
    let frame = encode(&RequestEnvelope {
        protocol: PROTOCOL_VERSION,
        id,
        body,
    })?;
    writer.write_all(&frame).map_err(FrameError::Io)?;
    writer.flush().map_err(FrameError::Io)?;
    read_frame(reader, buffer).map_err(|error| match error {
        // A socket read timeout surfaces as WouldBlock.
        FrameError::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            ClientError::Timeout
        }
        other => ClientError::Frame(other),
    })?;
    reply_to(id, buffer)
}

/// Only our own uid's omgd may answer us: anyone could have made the socket.
pub(crate) fn check_peer(stream: &impl std::os::fd::AsRawFd) -> Result<(), ClientError> {
    let peer = crate::peer_uid(stream).map_err(FrameError::Io)?;
    if peer == crate::current_uid() {
        Ok(())
    } else {
        Err(ClientError::NotOurs(peer))
    }
}

pub(crate) fn connect_error(error: std::io::Error) -> ClientError {
    match error.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => ClientError::Absent,
        std::io::ErrorKind::PermissionDenied => ClientError::Denied(error),
        _ => ClientError::Frame(FrameError::Io(error)),
    }
}

/// Decodes the reply to request `id`: the version is checked first, from the part
/// of the reply whose encoding never changes.
pub(crate) fn reply_to(id: u64, payload: &[u8]) -> Result<ReplyEnvelope, ClientError> {
    let (header, _) = postcard::take_from_bytes::<Header>(payload).map_err(FrameError::Decode)?;
    if header.protocol != PROTOCOL_VERSION {
        return Err(ClientError::ProtocolMismatch {
            daemon: header.protocol,
        });
    }
    if header.id != id {
        return Err(ClientError::WrongId {
            expected: id,
            got: header.id,
        });
    }
    Ok(decode(payload)?)
}

/// The next request id: distinct per process, so a reply meant for another client
/// stands out.
pub(crate) fn first_id() -> u64 {
    u64::from(std::process::id()) << 32
}
