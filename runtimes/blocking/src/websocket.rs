//! One thread per WebSocket: it opens the socket, forwards what arrives to the loop over the
//! bounded inbound channel and writes what the loop queues. tungstenite's blocking socket
//! cannot be read and written from two threads, so the thread alternates: it writes whatever
//! is queued, then reads for at most [`SLICE`]. A loop that is not taking input (back-pressure)
//! blocks the forwarding, not the writes: queued acks keep going out meanwhile.

use std::io::ErrorKind;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use slackline::{redact_tokens, ConnId, Input};
use slackline_client::{check, Frame, Protocol};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tungstenite::{Message, Utf8Bytes, WebSocket};

use crate::net::{remaining, Connector, ReadAhead};

/// Longest a queued frame waits for the thread to stop reading and write it.
const SLICE: Duration = Duration::from_millis(10);
/// Frames the loop may queue for one connection before it is judged stuck.
pub(crate) const OUTBOUND_CAPACITY: usize = 256;
/// Bound on opening a connection (TCP, tunnel, TLS, upgrade).
const OPEN_TIMEOUT: Duration = Duration::from_secs(15);

fn message(frame: Frame) -> Option<Message> {
    match frame {
        Frame::Text(text) => Some(Message::Text(text.into())),
        Frame::Ping(payload) => Some(Message::Ping(Bytes::copy_from_slice(&payload))),
        other => {
            tracing::debug!(frame = ?other, "frame not supported by this driver");
            None
        }
    }
}

/// The loop's end of a connection thread.
#[derive(Debug)]
pub(crate) struct ConnLink {
    pub(crate) out: Sender<Frame>,
    close: Sender<(u16, &'static str)>,
}

impl ConnLink {
    /// Asks the thread to close with `code`; always delivered, however full the queue.
    pub(crate) fn close(self, code: u16, reason: &'static str) {
        let _ = self.close.try_send((code, reason));
    }
}

/// Everything a connection thread needs besides its id and URL.
#[derive(Clone, Debug)]
pub(crate) struct WsSetup {
    pub(crate) connector: Connector,
    pub(crate) config: WebSocketConfig,
    pub(crate) close_timeout: Duration,
}

impl WsSetup {
    /// Starts the thread; `alive` is dropped when it ends.
    pub(crate) fn spawn<T: Send + 'static>(
        &self,
        conn: ConnId,
        url: String,
        inbound: Sender<Input>,
        alive: T,
    ) -> ConnLink {
        let (out_tx, out_rx) = crossbeam_channel::bounded(OUTBOUND_CAPACITY);
        let (close_tx, close_rx) = crossbeam_channel::bounded(1);
        let setup = self.clone();
        let spawned = thread::Builder::new()
            .name(format!("slack-conn-{}", conn.get()))
            .spawn(move || {
                let span = tracing::info_span!("slack_conn", conn = conn.get());
                let _entered = span.enter();
                Connection {
                    setup,
                    conn,
                    inbound,
                    out: out_rx,
                    close: close_rx,
                }
                .run(url);
                drop(alive);
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "could not start a connection thread");
        }
        ConnLink {
            out: out_tx,
            close: close_tx,
        }
    }
}

enum Ending {
    /// The peer or the network ended it: report to the session.
    Lost { code: Option<u16>, reason: String },
    /// The session asked for the close (or the loop is gone).
    Requested(u16, &'static str),
}

struct Connection {
    setup: WsSetup,
    conn: ConnId,
    inbound: Sender<Input>,
    out: Receiver<Frame>,
    close: Receiver<(u16, &'static str)>,
}

impl Connection {
    fn run(self, url: String) {
        let mut ws = match self.open(&url) {
            Ok(ws) => ws,
            Err(detail) => {
                let detail = redact_tokens(&detail).into_owned();
                tracing::warn!(%detail, "connect failed");
                let conn = self.conn;
                let _ = self.inbound.send(Input::ConnectFailed { conn, detail });
                return;
            }
        };
        drop(url);
        // The session may have given up while the socket opened.
        if self.close.try_recv().is_ok() || self.inbound.send(Input::Connected(self.conn)).is_err()
        {
            self.close_handshake(&mut ws, slackline::CLOSE_NORMAL, "bye");
            return;
        }
        tracing::debug!("connected");
        match self.serve(&mut ws) {
            Ending::Lost { code, reason } => {
                tracing::info!(?code, %reason, "connection closed");
                let _ = self.inbound.send(Input::Closed {
                    conn: self.conn,
                    code,
                    reason,
                });
                // Completes the close handshake if the peer started one.
                let _ = ws.flush();
            }
            Ending::Requested(code, reason) => {
                tracing::debug!(code, reason, "closing");
                // Frames queued before the close (the last acks of a shutdown) go out first.
                while let Ok(frame) = self.out.try_recv() {
                    if message(frame).is_some_and(|m| ws.send(m).is_err()) {
                        return;
                    }
                }
                self.close_handshake(&mut ws, code, reason);
            }
        }
    }

    fn open(&self, url: &str) -> Result<WebSocket<ReadAhead>, String> {
        let target = check(url, Protocol::WebSocket).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + OPEN_TIMEOUT;
        let stream = self
            .setup
            .connector
            .connect(&target, deadline)
            .map_err(|e| format!("connecting to {}: {e}", target.server_name))?;
        let (ws, _) = tungstenite::client::client_with_config(
            url,
            ReadAhead::new(stream),
            Some(self.setup.config),
        )
        .map_err(|e| format!("WebSocket handshake with {}: {e}", target.server_name))?;
        ws.get_ref()
            .stream()
            .set_timeouts(Some(SLICE), Some(self.setup.close_timeout))
            .map_err(|e| e.to_string())?;
        Ok(ws)
    }

    /// Alternates writing what is queued and reading for a slice, until the connection ends.
    fn serve(&self, ws: &mut WebSocket<ReadAhead>) -> Ending {
        // An input the loop had no room for yet (back-pressure): retried between writes.
        let mut pending: Option<Input> = None;
        loop {
            if let Ok((code, reason)) = self.close.try_recv() {
                return Ending::Requested(code, reason);
            }
            // Everything queued goes out with one flush (one system call for a burst of acks).
            let mut written = false;
            loop {
                match self.out.try_recv() {
                    Ok(frame) => {
                        let Some(message) = message(frame) else {
                            continue;
                        };
                        if let Err(e) = ws.write(message) {
                            return lost(e.to_string());
                        }
                        written = true;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        return Ending::Requested(slackline::CLOSE_NORMAL, "bye")
                    }
                }
            }
            if written {
                if let Err(e) = ws.flush() {
                    return lost(e.to_string());
                }
            }
            if let Some(input) = pending.take() {
                match self.inbound.send_timeout(input, SLICE) {
                    Ok(()) => {}
                    Err(crossbeam_channel::SendTimeoutError::Timeout(input)) => {
                        pending = Some(input)
                    }
                    Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => {
                        return Ending::Requested(slackline::CLOSE_NORMAL, "bye")
                    }
                }
                continue;
            }
            let message = match ws.read() {
                Ok(message) => message,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    // A quiet slice; tungstenite keeps any partial frame for the next read.
                    // Flushing sends the pong it may have queued for a ping.
                    let _ = ws.flush();
                    continue;
                }
                Err(tungstenite::Error::ConnectionClosed) => {
                    return lost("connection ended".into())
                }
                Err(e) => return lost(e.to_string()),
            };
            let conn = self.conn;
            pending = match message {
                Message::Text(text) => Some(Input::Text {
                    conn,
                    frame: Bytes::from(text),
                }),
                Message::Binary(frame) => Some(Input::Binary { conn, frame }),
                // tungstenite has already queued the pong; the session only notes liveness.
                Message::Ping(_) => Some(Input::Ping(conn)),
                Message::Pong(payload) => Some(Input::Pong { conn, payload }),
                Message::Close(frame) => {
                    let (code, reason) = frame.map_or((None, String::new()), |f| {
                        (Some(u16::from(f.code)), f.reason.as_str().to_owned())
                    });
                    return Ending::Lost { code, reason };
                }
                Message::Frame(_) => None,
            };
        }
    }

    /// Sends our close frame and waits (bounded) for the peer's.
    fn close_handshake(&self, ws: &mut WebSocket<ReadAhead>, code: u16, reason: &'static str) {
        let deadline = Instant::now() + self.setup.close_timeout;
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: Utf8Bytes::from_static(reason),
        };
        if ws.close(Some(frame)).is_err() {
            return;
        }
        while remaining(deadline).is_ok() {
            match ws.read() {
                Ok(Message::Close(_)) | Err(tungstenite::Error::ConnectionClosed) => return,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    let _ = ws.flush();
                }
                Err(_) => return,
            }
        }
    }
}

fn lost(reason: String) -> Ending {
    Ending::Lost { code: None, reason }
}
