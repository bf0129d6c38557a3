//! The blocking client: std's `UnixStream` with timeouts, no async runtime, so a
//! fast-path command costs one connect, one write and one read.

use crate::frame::{decode, encode, read_frame, FrameError};
use crate::{
    Header, IpcError, ReplyEnvelope, Request, RequestEnvelope, CONNECTION_ID, PROTOCOL_VERSION,
};
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
    /// The daemon turned the connection away before reading a request (it is
    /// busy, see [`IpcError::Busy`]).
    #[error(transparent)]
    Refused(IpcError),
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
    if let Err(error) = writer.write_all(&frame).and_then(|()| writer.flush()) {
        // A daemon that turns us away closes at once, maybe before our request
        // lands; its reason is still waiting to be read.
        if hung_up(&error) && read_frame(reader, buffer).is_ok() {
            return reply_to(id, buffer);
        }
        return Err(FrameError::Io(error).into());
    }
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

/// The peer closed before our write: its last words may still be readable.
pub(crate) fn hung_up(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
    )
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
    if header.id == CONNECTION_ID && id != CONNECTION_ID {
        return match decode::<ReplyEnvelope>(payload)?.body {
            Err(error) => Err(ClientError::Refused(error)),
            Ok(_) => Err(ClientError::WrongId {
                expected: id,
                got: header.id,
            }),
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::encode;
    use omg_core::{BackendKind, BackendSelection};

    fn busy_frame() -> Vec<u8> {
        encode(&ReplyEnvelope {
            protocol: PROTOCOL_VERSION,
            id: CONNECTION_ID,
            served: BackendSelection {
                kind: BackendKind::Debian,
                arch_config: None,
                arch_root: None,
                arch_dbpath: None,
                debian_lists_dir: None,
                debian_status_file: None,
                debian_extended_states: None,
                debian_etc_dir: None,
            },
            body: Err(IpcError::Busy),
        })
        .unwrap()
    }

    /// A socket whose peer has already hung up.
    struct HungUp;

    impl Write for HungUp {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn busy_notice_is_a_refusal_whatever_the_request_id() {
        let frame = busy_frame();
        let result = exchange(
            &mut Vec::new(),
            &mut frame.as_slice(),
            42,
            Request::Ping,
            &mut Vec::new(),
        );
        assert!(
            matches!(result, Err(ClientError::Refused(IpcError::Busy))),
            "{result:?}"
        );
    }

    #[test]
    fn busy_notice_is_read_even_when_the_request_could_not_be_sent() {
        let frame = busy_frame();
        let result = exchange(
            &mut HungUp,
            &mut frame.as_slice(),
            42,
            Request::Ping,
            &mut Vec::new(),
        );
        assert!(
            matches!(result, Err(ClientError::Refused(IpcError::Busy))),
            "{result:?}"
        );
        // Nothing to read after the failed write: the write's error stands.
        let result = exchange(
            &mut HungUp,
            &mut [].as_slice(),
            42,
            Request::Ping,
            &mut Vec::new(),
        );
        assert!(
            matches!(result, Err(ClientError::Frame(FrameError::Io(ref error))) if error.kind() == std::io::ErrorKind::BrokenPipe),
            "{result:?}"
        );
    }
}
