//! An open WebSocket as the drive loop holds it: read one message when polled, queue frames
//! the session sends, write and flush them once per wake. Keeping the socket in the loop
//! (instead of a reader and a writer task with a channel each) takes two task hops and two
//! channel sends off every envelope's path, and lets a burst of acks leave in one `write`.

use std::collections::VecDeque;
use std::task::{Context, Poll};

use async_tungstenite::tungstenite::{Error as WsError, Message};
use bytes::{Bytes, BytesMut};
use futures_util::{Sink, Stream};
use slackline::ConnId;

use slackline::Input;
use slackline_client::Stuck;

use crate::websocket::Ws;

/// Frames queued for a link before the loop stops reading it: the peer is not taking our
/// writes, and each frame read may add an ack.
const HIGH_WATER: usize = 64;
/// Frames queued before the link is judged stuck and dropped.
const STUCK: usize = 1024;
/// Received text is copied into chunks of this size (see [`FrameCopies`]).
const FRAME_CHUNK: usize = 16 * 1024;

/// What a read produced.
pub(crate) enum Read {
    /// A frame for the session.
    Input(Input),
    /// Nothing the session needs (a raw frame).
    Nothing,
    /// The peer or the network ended the connection.
    Lost { code: Option<u16>, reason: String },
}

pub(crate) struct Link {
    ws: Box<Ws>,
    frames: FrameCopies,
    /// Frames accepted from the session and not yet handed to the WebSocket.
    queued: VecDeque<Message>,
    /// Written to the WebSocket (or read: tungstenite queues pongs) since the last flush.
    unflushed: bool,
}

impl Link {
    pub(crate) fn new(ws: Box<Ws>) -> Self {
        Link {
            ws,
            frames: FrameCopies::default(),
            queued: VecDeque::new(),
            unflushed: false,
        }
    }

    /// Whether the loop should read more from this link.
    pub(crate) fn wants_input(&self) -> bool {
        self.queued.len() < HIGH_WATER
    }

    /// Reads one message, if one is ready.
    pub(crate) fn poll_read(&mut self, conn: ConnId, cx: &mut Context<'_>) -> Poll<Read> {
        let message = match Stream::poll_next(std::pin::Pin::new(&mut *self.ws), cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(Ok(message))) => message,
            Poll::Ready(Some(Err(e))) => {
                return Poll::Ready(Read::Lost {
                    code: None,
                    reason: e.to_string(),
                })
            }
            Poll::Ready(None) => {
                return Poll::Ready(Read::Lost {
                    code: None,
                    reason: "connection ended".into(),
                })
            }
        };
        // Tungstenite queues pongs and close replies as it reads: they go out with the flush.
        self.unflushed = true;
        Poll::Ready(match message {
            Message::Text(text) => Read::Input(Input::Text {
                conn,
                frame: self.frames.copy(text.as_bytes()),
            }),
            Message::Binary(frame) => Read::Input(Input::Binary { conn, frame }),
            Message::Ping(_) => Read::Input(Input::Ping(conn)),
            Message::Pong(payload) => Read::Input(Input::Pong { conn, payload }),
            Message::Close(frame) => {
                let (code, reason) = frame.map_or((None, String::new()), |f| {
                    (Some(u16::from(f.code)), f.reason.as_str().to_owned())
                });
                Read::Lost { code, reason }
            }
            Message::Frame(_) => Read::Nothing,
        })
    }

    /// Queues a frame; written at the loop's next flush.
    pub(crate) fn send(&mut self, message: Message) -> Result<(), Stuck> {
        if self.queued.len() >= STUCK {
            return Err(Stuck);
        }
        self.queued.push_back(message);
        Ok(())
    }

    /// Hands queued frames to the WebSocket and flushes: one `write` for all of them when the
    /// socket takes it. `Err` when the connection failed.
    pub(crate) fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<(), WsError> {
        let mut ws = std::pin::Pin::new(&mut *self.ws);
        while !self.queued.is_empty() {
            match ws.as_mut().poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Err(e),
                // The socket is full: the waker is registered, the rest waits.
                Poll::Pending => return Ok(()),
            }
            if let Some(message) = self.queued.pop_front() {
                ws.as_mut().start_send(message)?;
                self.unflushed = true;
            }
        }
        if self.unflushed {
            match ws.poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(())
    }

    /// Whether anything waits to be written or flushed.
    pub(crate) fn has_output(&self) -> bool {
        self.unflushed || !self.queued.is_empty()
    }

    /// The socket and the frames not yet written, for a closing task.
    pub(crate) fn into_parts(self) -> (Ws, VecDeque<Message>) {
        (*self.ws, self.queued)
    }
}

/// Where received text frames live while the session and the handlers hold them: copied out of
/// tungstenite's read buffer, one after another, into shared chunks.
///
/// A frame kept as tungstenite hands it over is a slice of its read buffer, so the buffer
/// cannot be reused while the envelope is alive, and tungstenite then allocates a new one sized
/// to the next frame or two: an allocation (and a copy of the partial frame) per two envelopes
/// under load, most of them on malloc's slow path. Copied out, the frame leaves tungstenite's
/// buffer to be reused in place, and a chunk serves a dozen envelopes for one allocation.
/// Chunks are small so that a handler holding one envelope for long keeps little else alive.
#[derive(Default)]
struct FrameCopies {
    chunk: BytesMut,
}

impl FrameCopies {
    fn copy(&mut self, text: &[u8]) -> Bytes {
        if self.chunk.capacity() - self.chunk.len() < text.len() {
            self.chunk = BytesMut::with_capacity(FRAME_CHUNK.max(text.len()));
        }
        self.chunk.extend_from_slice(text);
        self.chunk.split().freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_share_a_chunk_until_it_is_full() {
        let mut frames = FrameCopies::default();
        let a = frames.copy(b"first");
        let b = frames.copy(b"second");
        assert_eq!((&a[..], &b[..]), (&b"first"[..], &b"second"[..]));
        assert_eq!(
            a.as_ptr().wrapping_add(a.len()),
            b.as_ptr(),
            "one chunk, one after the other"
        );
        let big = vec![b'x'; FRAME_CHUNK * 2];
        assert_eq!(&frames.copy(&big)[..], &big[..]);
        assert_eq!(&frames.copy(b"after")[..], b"after");
        assert_eq!(&a[..], b"first", "earlier frames are untouched");
    }
}
