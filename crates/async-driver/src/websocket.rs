//! WebSocket connections around the drive loop: a task opens each one (TCP, proxy, TLS,
//! handshake) and hands the open stream to the loop, which then reads and writes it itself
//! (see [`crate::link`]): no task and no channel between a frame and the session, or between
//! an ack and the socket. Closing handshakes, bounded in time because the peer may be
//! half-open, run on tasks of their own so they never hold the loop up.

use std::pin::pin;
use std::time::Duration;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use async_tungstenite::tungstenite::{Message, Utf8Bytes};
use async_tungstenite::WebSocketStream;
use futures_channel::{mpsc, oneshot};
use futures_util::future::{select, Either};
use futures_util::io::BufReader;
use futures_util::{SinkExt, StreamExt};
use slackline::{redact_tokens, ConnId, Input};
use slackline_client::{check, Protocol, READ_AHEAD};
use tracing::Instrument;

use crate::link::Link;
use crate::runtime::Runtime;
use crate::stream::{BoxedIo, Connector};
use crate::tasks::TaskToken;

/// An open WebSocket.
pub(crate) type Ws = WebSocketStream<BoxedIo>;

/// What the background tasks report to the loop.
pub(crate) enum Report {
    /// A Web API request's answer or failure.
    Http(Input),
    /// The socket is open: the loop takes it over.
    Opened(ConnId, Box<Ws>),
    ConnectFailed(ConnId, String),
}

/// A connection being opened; dropping it cancels the attempt.
#[derive(Debug)]
pub(crate) struct Opening {
    _cancel: oneshot::Sender<()>,
}

/// Everything the connection tasks need.
#[derive(Clone, Debug)]
pub(crate) struct WsSetup<R> {
    pub(crate) runtime: R,
    pub(crate) connector: Connector,
    pub(crate) config: WebSocketConfig,
    /// Bound on the close handshake: the peer may be half-open.
    pub(crate) close_timeout: Duration,
}

impl<R: Runtime> WsSetup<R> {
    /// Opens `url` in the background; the result arrives as a [`Report`].
    pub(crate) fn open(
        &self,
        conn: ConnId,
        url: String,
        mut reports: mpsc::Sender<Report>,
        token: TaskToken,
    ) -> Opening {
        let (cancel, cancelled) = oneshot::channel::<()>();
        let setup = self.clone();
        let span = tracing::info_span!("slack_conn", conn = conn.get());
        self.runtime.spawn(Box::pin(
            async move {
                // The session may give up before the socket opens (hello timeout, shutdown).
                let report = match select(pin!(open(&setup, &url)), cancelled).await {
                    Either::Left((Ok(ws), _)) => {
                        tracing::debug!("connected");
                        Report::Opened(conn, Box::new(ws))
                    }
                    Either::Left((Err(detail), _)) => {
                        let detail = redact_tokens(&detail).into_owned();
                        tracing::warn!(%detail, "connect failed");
                        Report::ConnectFailed(conn, detail)
                    }
                    Either::Right(_) => return,
                };
                drop(url);
                // If the loop is gone, so is the socket (dropped with the report).
                let _ = reports.send(report).await;
                drop(token);
            }
            .instrument(span),
        ));
        Opening { _cancel: cancel }
    }

    /// Closes an open link with `code` in the background: what it still had to write goes
    /// first, then the close handshake, bounded by the close timeout.
    pub(crate) fn close(
        &self,
        conn: ConnId,
        link: Link,
        code: u16,
        reason: &'static str,
        token: TaskToken,
    ) {
        let setup = self.clone();
        let span = tracing::info_span!("slack_conn", conn = conn.get());
        self.runtime.spawn(Box::pin(
            async move {
                tracing::debug!(code, reason, "closing");
                let (mut ws, queued) = link.into_parts();
                let closing = async move {
                    for message in queued {
                        if ws.feed(message).await.is_err() {
                            return;
                        }
                    }
                    close_handshake(ws, code, reason).await;
                };
                bounded(&setup, closing).await;
                drop(token);
            }
            .instrument(span),
        ));
    }

    /// Completes the close handshake of a link the peer or the network ended (writes the
    /// close reply tungstenite queued, if any), bounded by the close timeout.
    pub(crate) fn finish(&self, link: Link, token: TaskToken) {
        let setup = self.clone();
        self.runtime.spawn(Box::pin(async move {
            let (mut ws, _) = link.into_parts();
            bounded(&setup, async move {
                let _ = ws.close(None).await;
            })
            .await;
            drop(token);
        }));
    }
}

async fn open<R: Runtime>(setup: &WsSetup<R>, url: &str) -> Result<Ws, String> {
    let target = check(url, Protocol::WebSocket).map_err(|e| e.to_string())?;
    let io = setup
        .connector
        .connect(&setup.runtime, &target)
        .await
        .map_err(|e| format!("connecting to {}: {e}", target.server_name))?;
    let io: BoxedIo = Box::new(BufReader::with_capacity(READ_AHEAD, io));
    let (ws, _) = async_tungstenite::client_async_with_config(url, io, Some(setup.config))
        .await
        .map_err(|e| format!("WebSocket handshake with {}: {e}", target.server_name))?;
    Ok(ws)
}

async fn bounded<R: Runtime, F: std::future::Future>(setup: &WsSetup<R>, work: F) {
    let deadline = setup.runtime.now() + setup.close_timeout;
    select(pin!(work), setup.runtime.sleep_until(deadline)).await;
}

async fn close_handshake(mut ws: Ws, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: Utf8Bytes::from_static(reason),
    };
    if ws.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    // Wait for the peer's close frame (or the end of the stream).
    while let Some(Ok(message)) = ws.next().await {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}
