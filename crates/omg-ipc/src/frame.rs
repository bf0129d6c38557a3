//! Length-prefixed frames: a 4-byte big-endian length, then the postcard bytes.

use serde::{de::DeserializeOwned, Serialize};
use std::io::Read;

/// The largest frame either side accepts. A bigger (or empty) frame is a protocol
/// error that closes the connection.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// Why a frame could not be read, written or decoded.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The connection failed or closed.
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    /// A frame announced length 0.
    #[error("empty frame")]
    Empty,
    /// A frame announced more than [`MAX_FRAME`] bytes.
    #[error("frame of {0} bytes exceeds the {MAX_FRAME}-byte limit")]
    TooLarge(u64),
    /// The bytes are not the expected message.
    #[error("undecodable message: {0}")]
    Decode(postcard::Error),
    /// A message could not be encoded (or is over the limit).
    #[error("unencodable message: {0}")]
    Encode(postcard::Error),
}

/// Checks an announced frame length.
pub(crate) fn checked_length(header: [u8; 4]) -> Result<usize, FrameError> {
    let length = u32::from_be_bytes(header);
    match usize::try_from(length) {
        Ok(0) => Err(FrameError::Empty),
        Ok(length) if length <= MAX_FRAME => Ok(length),
        _ => Err(FrameError::TooLarge(u64::from(length))),
    }
}

/// One whole frame (length prefix included) holding `value`.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    // Encoded after a placeholder for the length: no second copy to prepend it.
    let mut frame = postcard::to_extend(value, vec![0; 4]).map_err(FrameError::Encode)?;
    set_length(&mut frame, 0)?;
    Ok(frame)
}

/// A reply frame from its parts: postcard writes a struct as its fields one after
/// another, so a reply body encoded once (and cached) is reused byte for byte.
pub fn encode_reply(
    header: crate::Header,
    served: &[u8],
    body: &[u8],
) -> Result<Vec<u8>, FrameError> {
    let mut frame = reply_prefix(header, served, body.len())?;
    frame.extend_from_slice(body);
    Ok(frame)
}

/// The start of a reply frame whose body (`body_len` bytes) follows it on the
/// wire: the daemon writes a big cached answer straight from the cache after this,
/// instead of copying hundreds of kilobytes into a new frame for every reply.
pub fn reply_prefix(
    header: crate::Header,
    served: &[u8],
    body_len: usize,
) -> Result<Vec<u8>, FrameError> {
    let mut prefix = postcard::to_extend(&header, vec![0; 4]).map_err(FrameError::Encode)?;
    prefix.extend_from_slice(served);
    set_length(&mut prefix, body_len)?;
    Ok(prefix)
}

/// Writes the payload length into the frame's first four bytes: the bytes after
/// them plus `more` still to come.
fn set_length(frame: &mut [u8], more: usize) -> Result<(), FrameError> {
    let payload = frame.len() - 4 + more;
    if payload == 0 || payload > MAX_FRAME {
        return Err(FrameError::TooLarge(payload as u64));
    }
    let length = u32::try_from(payload).map_err(|_| FrameError::TooLarge(payload as u64))?;
    frame[..4].copy_from_slice(&length.to_be_bytes());
    Ok(())
}

/// Decodes a frame's payload (without its length prefix).
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, FrameError> {
    postcard::from_bytes(payload).map_err(FrameError::Decode)
}

/// Reads one frame's payload into `buffer` (replacing its contents).
pub fn read_frame(reader: &mut impl Read, buffer: &mut Vec<u8>) -> Result<(), FrameError> {
    let mut header = [0; 4];
    reader.read_exact(&mut header)?;
    let length = checked_length(header)?;
    buffer.clear();
    buffer.resize(length, 0);
    reader.read_exact(buffer)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Header, Reply, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION};
    use omg_core::{BackendKind, BackendSelection};

    fn selection() -> BackendSelection {
        BackendSelection {
            kind: BackendKind::Arch,
            arch_config: None,
            arch_root: Some("/tmp/root".into()),
            arch_dbpath: None,
            debian_lists_dir: None,
            debian_status_file: None,
            debian_extended_states: None,
            debian_etc_dir: None,
        }
    }

    #[test]
    fn request_round_trips_through_a_frame() {
        let request = RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id: 42,
            body: Request::Info {
                name: "curl".into(),
            },
        };
        let frame = encode(&request).unwrap();
        let mut buffer = Vec::new();
        read_frame(&mut frame.as_slice(), &mut buffer).unwrap();
        assert_eq!(decode::<RequestEnvelope>(&buffer).unwrap(), request);
    }

    #[test]
    fn reply_from_parts_equals_reply_encoded_whole() {
        let body: Result<Reply, crate::IpcError> = Ok(Reply::Pong { pid: 7 });
        let whole = ReplyEnvelope {
            protocol: PROTOCOL_VERSION,
            id: 9,
            served: selection(),
            body: body.clone(),
        };
        let parts = encode_reply(
            Header {
                protocol: PROTOCOL_VERSION,
                id: 9,
            },
            &postcard::to_stdvec(&selection()).unwrap(),
            &postcard::to_stdvec(&body).unwrap(),
        )
        .unwrap();
        assert_eq!(parts, encode(&whole).unwrap());
    }

    #[test]
    fn header_decodes_from_any_reply() {
        let frame = encode(&ReplyEnvelope {
            protocol: 3,
            id: u64::MAX,
            served: selection(),
            body: Err(crate::IpcError::NotReady),
        })
        .unwrap();
        let (header, _) = postcard::take_from_bytes::<Header>(&frame[4..]).unwrap();
        assert_eq!(
            header,
            Header {
                protocol: 3,
                id: u64::MAX
            }
        );
    }

    #[test]
    fn protocol_mismatch_encoding_is_frozen() {
        // Older and newer releases rely on these exact bytes: variant 0 of Err (1),
        // variant 0 of IpcError, then two varints.
        let bytes = postcard::to_stdvec(&Err::<Reply, _>(crate::IpcError::ProtocolMismatch {
            daemon: 1,
            client: 2,
        }))
        .unwrap();
        assert_eq!(bytes, [1, 0, 1, 2]);
    }

    #[test]
    fn busy_is_the_sixth_error() {
        // Appended after ShuttingDown: Err (1), variant 5, no fields. A client of
        // the release before only fails to decode it and answers directly.
        let bytes = postcard::to_stdvec(&Err::<Reply, _>(crate::IpcError::Busy)).unwrap();
        assert_eq!(bytes, [1, 5]);
    }

    #[test]
    fn zero_and_oversized_lengths_are_rejected_before_reading() {
        let mut buffer = Vec::new();
        let zero = [0u8, 0, 0, 0];
        assert!(matches!(
            read_frame(&mut zero.as_slice(), &mut buffer),
            Err(FrameError::Empty)
        ));
        let huge = [0xffu8, 0xff, 0xff, 0xff, 1, 2, 3];
        assert!(matches!(
            read_frame(&mut huge.as_slice(), &mut buffer),
            Err(FrameError::TooLarge(4_294_967_295))
        ));
        assert!(
            buffer.capacity() < 1024,
            "no allocation for a refused frame"
        );
    }

    #[test]
    fn truncated_frame_is_an_io_error() {
        let mut frame = encode(&RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id: 1,
            body: Request::Ping,
        })
        .unwrap();
        frame.pop();
        let mut buffer = Vec::new();
        assert!(matches!(
            read_frame(&mut frame.as_slice(), &mut buffer),
            Err(FrameError::Io(_))
        ));
    }
}
