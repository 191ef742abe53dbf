//! One task per accepted WebSocket: it forwards what the client sends to the core and writes
//! what the core queues, reading and writing side by side. Frames queued together are written
//! with one flush (one `write` on the TCP socket for a burst of envelopes).
//!
//! Silence (half-open) is real: the task stops polling the socket altogether, so nothing is
//! read, no ping is answered (the WebSocket library only answers pings it reads) and nothing
//! is written, yet the TCP connection stays open until the server stops.

use std::pin::pin;
use std::time::Duration;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::{Message, Utf8Bytes};
use async_tungstenite::WebSocketStream;
use bytes::Bytes;
use futures_io::{AsyncRead, AsyncWrite};
use futures_util::{SinkExt, StreamExt};
use slackline_fake::SocketId;
use tokio::sync::{mpsc, watch};

use crate::core::Input;

/// How long a closing socket waits for the client's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Frames written before a flush at most, so one burst cannot starve the reader for long.
const BATCH: usize = 256;

/// What the core asks a socket task to do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A text frame, already serialised (cheap to clone: shared bytes).
    Text(Utf8Bytes),
    Ping(Bytes),
    /// Send a close frame, then wait for the client's.
    Close(u16, String),
    /// Go half-open until the server stops.
    Silence,
}

enum WriteEnd {
    /// The server closed the socket (or is stopping): wait for the client's close.
    Closed,
    Silenced,
    Failed,
}

pub(crate) async fn serve<S>(
    ws: WebSocketStream<S>,
    socket: SocketId,
    mut queue: mpsc::Receiver<Outbound>,
    core: mpsc::Sender<Input>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The halves live here, not in the futures below, so that a silent socket stays open
    // after both futures have finished.
    let (mut sink, mut stream) = ws.split();
    let (silence_tx, mut silence_rx) = watch::channel(false);

    let read = async {
        let mut ending: Option<(Option<u16>, String)> = None;
        loop {
            let message = tokio::select! {
                biased;
                _ = silence_rx.wait_for(|s| *s) => return None,
                message = stream.next() => message,
            };
            let input = match message {
                Some(Ok(Message::Text(text))) => Input::Text(socket, Bytes::from(text)),
                Some(Ok(Message::Binary(data))) => Input::Binary(socket, data),
                Some(Ok(Message::Ping(payload))) => Input::Ping(socket, payload),
                Some(Ok(Message::Pong(payload))) => Input::Pong(socket, payload),
                Some(Ok(Message::Close(frame))) => {
                    // Keep reading: the library writes its close reply on the next read.
                    ending = Some(frame.map_or((None, String::new()), |f| {
                        (Some(u16::from(f.code)), f.reason.as_str().to_owned())
                    }));
                    continue;
                }
                Some(Ok(Message::Frame(_))) => continue,
                Some(Err(e)) => {
                    return Some(ending.unwrap_or_else(|| (None, e.to_string())));
                }
                None => return Some(ending.unwrap_or_else(|| (None, "connection ended".into()))),
            };
            if core.send(input).await.is_err() {
                return Some((None, "server stopped".into()));
            }
        }
    };

    let write = async {
        while let Some(first) = queue.recv().await {
            let mut next = Some(first);
            let mut written = 0;
            while let Some(frame) = next.take() {
                let message = match frame {
                    Outbound::Text(text) => Message::Text(text),
                    Outbound::Ping(payload) => Message::Ping(payload),
                    Outbound::Close(code, reason) => {
                        let frame = CloseFrame {
                            code: CloseCode::from(code),
                            reason: reason.into(),
                        };
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        return WriteEnd::Closed;
                    }
                    Outbound::Silence => {
                        silence_tx.send_replace(true);
                        return WriteEnd::Silenced;
                    }
                };
                if sink.feed(message).await.is_err() {
                    return WriteEnd::Failed;
                }
                written += 1;
                if written < BATCH {
                    next = queue.try_recv().ok();
                }
            }
            if sink.flush().await.is_err() {
                return WriteEnd::Failed;
            }
        }
        // The core dropped the queue: the server is stopping, or gave up on this client.
        let frame = CloseFrame {
            code: CloseCode::Away,
            reason: "server stopping".into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
        WriteEnd::Closed
    };

    let mut read = pin!(read);
    let mut write = pin!(write);
    let ended = tokio::select! {
        ended = &mut read => ended,
        end = &mut write => match end {
            WriteEnd::Closed => tokio::time::timeout(CLOSE_WAIT, &mut read)
                .await
                .unwrap_or_else(|_| Some((None, "no close frame from the client".into()))),
            WriteEnd::Silenced => {
                crate::core::stopped(&mut stop).await;
                None
            }
            WriteEnd::Failed => Some((None, "write failed".into())),
        },
    };
    if let Some((code, reason)) = ended {
        let _ = core
            .send(Input::Closed {
                socket,
                code,
                reason,
            })
            .await;
    }
}
