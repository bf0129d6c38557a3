//! tokio framing and the async client, for the daemon and for long operations that
//! stream progress.

use crate::client::{check_peer, connect_error, first_id, hung_up, reply_to};
use crate::frame::{checked_length, encode, FrameError};
use crate::{ClientError, ReplyEnvelope, Request, RequestEnvelope, PROTOCOL_VERSION};
use std::path::Path;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Reads one frame's payload into `buffer`. `Ok(false)` is a clean end of stream
/// before the first byte of a frame.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
) -> Result<bool, FrameError> {
    read_frame_within(reader, buffer, crate::MAX_FRAME).await
}

/// [`read_frame`] with a lower size limit: a server expects small requests and need
/// not set aside 16 MiB for each connection that claims one.
pub async fn read_frame_within<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
    limit: usize,
) -> Result<bool, FrameError> {
    let mut header = [0; 4];
    match reader.read_exact(&mut header).await {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(error) => return Err(error.into()),
    }
    let length = checked_length(header)?;
    if length > limit {
        return Err(FrameError::TooLarge(length as u64));
    }
    buffer.clear();
    buffer.resize(length, 0);
    reader.read_exact(buffer).await?;
    Ok(true)
}

/// An async connection to omgd.
pub struct AsyncClient {
    stream: UnixStream,
    next_id: u64,
    buffer: Vec<u8>,
}

impl AsyncClient {
    /// Connects to the socket.
    pub async fn connect(socket: &Path) -> Result<Self, ClientError> {
        let stream = UnixStream::connect(socket).await.map_err(connect_error)?;
        check_peer(&stream)?;
        Ok(Self {
            stream,
            next_id: first_id(),
            buffer: Vec::new(),
        })
    }

    /// Sends one request and waits for its reply.
    pub async fn request(&mut self, body: Request) -> Result<ReplyEnvelope, ClientError> {
        self.next_id += 1;
        let id = self.next_id;
        let frame = encode(&RequestEnvelope {
            protocol: PROTOCOL_VERSION,
            id,
            body,
        })?;
        if let Err(error) = self.stream.write_all(&frame).await {
            // See the blocking client: a refusal may beat our request.
            if hung_up(&error)
                && matches!(
                    read_frame(&mut self.stream, &mut self.buffer).await,
                    Ok(true)
                )
            {
                return reply_to(id, &self.buffer);
            }
            return Err(FrameError::Io(error).into());
        }
        if !read_frame(&mut self.stream, &mut self.buffer).await? {
            return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()).into());
        }
        reply_to(id, &self.buffer)
    }
}
