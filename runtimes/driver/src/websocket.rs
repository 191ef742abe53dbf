//! One task per WebSocket: it opens the socket, forwards what arrives to the drive loop and
//! writes what the loop queues. Reading and writing run side by side, so a loop that is
//! momentarily not reading (back-pressure) never holds up an ack, and a stuck write never
//! stops a close request.

use std::pin::pin;
use std::time::Duration;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use async_tungstenite::tungstenite::{Message, Utf8Bytes};
use async_tungstenite::{WebSocketReceiver, WebSocketSender, WebSocketStream};
use bytes::Bytes;
use futures_channel::{mpsc, oneshot};
use futures_util::future::{select, Either};
use futures_util::{SinkExt, StreamExt};
use slackline::{redact_tokens, ConnId, HttpResponse, RequestId};
use tracing::Instrument;

use crate::http::HttpFailure;
use crate::runtime::Runtime;
use crate::stream::{BoxedIo, Connector};
use crate::target::{check, Protocol};
use crate::tasks::TaskToken;

/// Frames the loop may queue for one connection before it is judged stuck.
const OUTBOUND_CAPACITY: usize = 256;

/// What the IO tasks report to the drive loop.
#[derive(Debug)]
pub(crate) enum Inbound {
    Http {
        id: RequestId,
        result: Result<HttpResponse, HttpFailure>,
    },
    Connected(ConnId),
    ConnectFailed(ConnId, String),
    Text(ConnId, Bytes),
    Binary(ConnId, Bytes),
    Ping(ConnId),
    Pong(ConnId, Bytes),
    Closed {
        conn: ConnId,
        code: Option<u16>,
        reason: String,
    },
}

#[derive(Debug)]
pub(crate) enum Outbound {
    Text(String),
    Ping([u8; 8]),
}

impl Outbound {
    fn into_message(self) -> Message {
        match self {
            Outbound::Text(text) => Message::Text(text.into()),
            Outbound::Ping(payload) => Message::Ping(Bytes::copy_from_slice(&payload)),
        }
    }
}

/// The loop's end of a connection task.
#[derive(Debug)]
pub(crate) struct ConnLink {
    pub(crate) out: mpsc::Sender<Outbound>,
    close: oneshot::Sender<(u16, &'static str)>,
}

impl ConnLink {
    /// Asks the task to close with `code`; always delivered, however full the queue.
    pub(crate) fn close(self, code: u16, reason: &'static str) {
        let _ = self.close.send((code, reason));
    }
}

/// Everything a connection task needs besides its id and URL.
#[derive(Clone, Debug)]
pub(crate) struct WsSetup<R> {
    pub(crate) runtime: R,
    pub(crate) connector: Connector,
    pub(crate) config: WebSocketConfig,
    /// Bound on the close handshake: the peer may be half-open.
    pub(crate) close_timeout: Duration,
}

impl<R: Runtime> WsSetup<R> {
    pub(crate) fn spawn(
        &self,
        conn: ConnId,
        url: String,
        inbound: mpsc::Sender<Inbound>,
        token: TaskToken,
    ) -> ConnLink {
        let (out_tx, out_rx) = mpsc::channel(OUTBOUND_CAPACITY);
        let (close_tx, close_rx) = oneshot::channel();
        let span = tracing::info_span!("slack_conn", conn = conn.get());
        let task = run(self.clone(), conn, url, inbound, out_rx, close_rx);
        self.runtime.spawn(Box::pin(
            async move {
                task.await;
                drop(token);
            }
            .instrument(span),
        ));
        ConnLink {
            out: out_tx,
            close: close_tx,
        }
    }
}

/// Tungstenite's own size limit sits well above the session's, so oversized frames reach the
/// session and are reported there instead of killing the connection.
pub fn websocket_config(session_limit: usize) -> WebSocketConfig {
    let limit = session_limit
        .saturating_mul(2)
        .max(session_limit.saturating_add(1));
    WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
}

type Ws = WebSocketStream<BoxedIo>;

async fn open<R: Runtime>(setup: &WsSetup<R>, url: &str) -> Result<Ws, String> {
    let target = check(url, Protocol::WebSocket).map_err(|e| e.to_string())?;
    let io = setup
        .connector
        .connect(&setup.runtime, &target)
        .await
        .map_err(|e| format!("connecting to {}: {e}", target.server_name))?;
    let (ws, _) = async_tungstenite::client_async_with_config(url, io, Some(setup.config))
        .await
        .map_err(|e| format!("WebSocket handshake with {}: {e}", target.server_name))?;
    Ok(ws)
}

enum Ending {
    /// The peer or the network ended it: report to the session.
    Lost { code: Option<u16>, reason: String },
    /// The session asked for the close.
    Requested(u16, &'static str),
}

async fn run<R: Runtime>(
    setup: WsSetup<R>,
    conn: ConnId,
    url: String,
    mut inbound: mpsc::Sender<Inbound>,
    mut out: mpsc::Receiver<Outbound>,
    mut close: oneshot::Receiver<(u16, &'static str)>,
) {
    // The session may give up before the socket opens (hello timeout, shutdown).
    let ws = match select(pin!(open(&setup, &url)), &mut close).await {
        Either::Left((Ok(ws), _)) => ws,
        Either::Left((Err(detail), _)) => {
            let detail = redact_tokens(&detail).into_owned();
            tracing::warn!(%detail, "connect failed");
            let _ = inbound.send(Inbound::ConnectFailed(conn, detail)).await;
            return;
        }
        Either::Right(_) => return,
    };
    drop(url);
    tracing::debug!("connected");
    if inbound.send(Inbound::Connected(conn)).await.is_err() {
        return;
    }
    let (mut sink, mut stream) = ws.split();
    let ending = {
        let reader = pin!(read(conn, &mut stream, inbound.clone()));
        let writer = pin!(write(&mut sink, &mut out));
        // The close request is polled first: it comes with the end of the queue, and its
        // code must win over the writer's generic "queue closed".
        match select(&mut close, select(reader, writer)).await {
            Either::Left((Ok((code, reason)), _)) => Ending::Requested(code, reason),
            // The loop is gone: leave politely.
            Either::Left((Err(_), _)) => Ending::Requested(slackline::CLOSE_NORMAL, "bye"),
            Either::Right((Either::Left((ending, _)), _)) => ending,
            Either::Right((Either::Right((ending, _)), _)) => ending,
        }
    };
    match ending {
        Ending::Lost { code, reason } => {
            tracing::info!(?code, %reason, "connection closed");
            let _ = inbound.send(Inbound::Closed { conn, code, reason }).await;
            // Completes the close handshake if the peer started one.
            bounded(&setup, sink.close(None)).await;
        }
        Ending::Requested(code, reason) => {
            tracing::debug!(code, reason, "closing");
            // Frames queued before the close (the last acks of a shutdown) go out first.
            let closing = async {
                while let Ok(frame) = out.try_recv() {
                    if sink.send(frame.into_message()).await.is_err() {
                        return;
                    }
                }
                close_handshake(&mut sink, &mut stream, code, reason).await;
            };
            bounded(&setup, closing).await;
        }
    }
}

async fn bounded<R: Runtime, F: std::future::Future>(setup: &WsSetup<R>, work: F) {
    let deadline = setup.runtime.now() + setup.close_timeout;
    select(pin!(work), setup.runtime.sleep_until(deadline)).await;
}

async fn close_handshake(
    sink: &mut WebSocketSender<BoxedIo>,
    stream: &mut WebSocketReceiver<BoxedIo>,
    code: u16,
    reason: &'static str,
) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: Utf8Bytes::from_static(reason),
    };
    if sink.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    // Wait for the peer's close frame (or the end of the stream).
    while let Some(Ok(message)) = stream.next().await {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}

async fn read(
    conn: ConnId,
    stream: &mut WebSocketReceiver<BoxedIo>,
    mut inbound: mpsc::Sender<Inbound>,
) -> Ending {
    loop {
        let message = match stream.next().await {
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                return Ending::Lost {
                    code: None,
                    reason: e.to_string(),
                }
            }
            None => {
                return Ending::Lost {
                    code: None,
                    reason: "connection ended".into(),
                }
            }
        };
        let input = match message {
            Message::Text(text) => Inbound::Text(conn, Bytes::from(text)),
            Message::Binary(data) => Inbound::Binary(conn, data),
            // Tungstenite has already queued the pong; the session only notes liveness.
            Message::Ping(_) => Inbound::Ping(conn),
            Message::Pong(payload) => Inbound::Pong(conn, payload),
            Message::Close(frame) => {
                let (code, reason) = frame.map_or((None, String::new()), |f| {
                    (Some(u16::from(f.code)), f.reason.as_str().to_owned())
                });
                return Ending::Lost { code, reason };
            }
            Message::Frame(_) => continue,
        };
        if inbound.send(input).await.is_err() {
            return Ending::Requested(slackline::CLOSE_NORMAL, "bye");
        }
    }
}

async fn write(sink: &mut WebSocketSender<BoxedIo>, out: &mut mpsc::Receiver<Outbound>) -> Ending {
    while let Some(frame) = out.next().await {
        if let Err(e) = sink.send(frame.into_message()).await {
            return Ending::Lost {
                code: None,
                reason: e.to_string(),
            };
        }
    }
    Ending::Requested(slackline::CLOSE_NORMAL, "bye")
}
