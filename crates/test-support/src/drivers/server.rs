//! A scripted Slack for what the fake Slack (`slackline-fake-server`) cannot serve: TLS, Web
//! API answers with exact request inspection, URLs the fake would never hand out, and a
//! WebSocket the test writes to and reads from frame by frame (for back-pressure). A Web API
//! over HTTP and a WebSocket endpoint on loopback, plain or TLS, on the testkit's own tokio
//! runtime; tests drive it from plain threads with blocking calls, each bounded by
//! [`PATIENCE`](crate::drivers::PATIENCE).

use std::collections::{HashMap, VecDeque};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::Instant;

use async_tungstenite::tungstenite::Message;
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::compat::{FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};

use crate::drivers::{background, hello, recv};

/// A server-side stream, plain or TLS, in tokio form.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Accepts plain TCP, or TLS with the given server configuration.
#[derive(Clone)]
struct Acceptor(Option<futures_rustls::TlsAcceptor>);

impl Acceptor {
    async fn accept(&self, tcp: TcpStream) -> Option<Box<dyn Io>> {
        match &self.0 {
            None => Some(Box::new(tcp)),
            Some(tls) => Some(Box::new(tls.accept(tcp.compat()).await.ok()?.compat())),
        }
    }
}

/// A scripted Web API answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    pub body: String,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Self {
        Reply {
            status: 200,
            retry_after: None,
            body: body.into(),
        }
    }

    pub fn rate_limited(retry_after: &'static str) -> Self {
        Reply {
            status: 429,
            retry_after: Some(retry_after),
            body: r#"{"ok":false,"error":"ratelimited"}"#.into(),
        }
    }
}

/// A Web API request as the server saw it.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    pub at: Instant,
}

/// What the client sent on a WebSocket.
#[derive(Clone, Debug, PartialEq)]
pub enum FromClient {
    Text(String),
    Close(Option<u16>),
    /// The TCP stream ended.
    Ended,
}

/// One accepted WebSocket, controlled by the test.
pub struct ServerConn {
    to_client: mpsc::UnboundedSender<String>,
    from_client: std_mpsc::Receiver<FromClient>,
}

impl ServerConn {
    pub fn send(&self, text: impl Into<String>) {
        let _ = self.to_client.send(text.into());
    }

    pub fn next(&self) -> FromClient {
        recv(&self.from_client, "a frame from the client").unwrap_or(FromClient::Ended)
    }

    /// The next frame within `wait`, if any (for counting what arrives while the client is
    /// expected to have stopped reading).
    pub fn next_within(&self, wait: std::time::Duration) -> Option<FromClient> {
        self.from_client.recv_timeout(wait).ok()
    }

    /// The next text frame: anything else fails the test.
    pub fn next_text(&self) -> String {
        match self.next() {
            FromClient::Text(text) => text,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Waits for the client's close frame, skipping text frames; returns its code.
    pub fn closed(&self) -> Option<u16> {
        loop {
            match self.next() {
                FromClient::Text(_) => continue,
                FromClient::Close(code) => return code,
                FromClient::Ended => return None,
            }
        }
    }
}

#[derive(Default)]
struct Script {
    replies: HashMap<String, VecDeque<Reply>>,
    tickets: u32,
}

/// The scripted Slack. Dropping it stops its runtime and every connection.
pub struct ScriptedSlack {
    pub api_url: String,
    ws_base: String,
    script: Arc<Mutex<Script>>,
    requests: std_mpsc::Receiver<ApiRequest>,
    conns: std_mpsc::Receiver<ServerConn>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ScriptedSlack {
    pub fn start() -> ScriptedSlack {
        Self::start_with(None)
    }

    /// Serves `https://` and `wss://` with this TLS configuration.
    pub fn start_tls(config: Arc<rustls::ServerConfig>) -> ScriptedSlack {
        Self::start_with(Some(futures_rustls::TlsAcceptor::from(config)))
    }

    fn start_with(tls: Option<futures_rustls::TlsAcceptor>) -> ScriptedSlack {
        let (http_scheme, ws_scheme) = if tls.is_some() {
            ("https", "wss")
        } else {
            ("http", "ws")
        };
        let runtime = background();
        let acceptor = Acceptor(tls);
        let (http, ws) = runtime.block_on(async {
            let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let ws = TcpListener::bind("127.0.0.1:0").await.unwrap();
            (http, ws)
        });
        let ws_base = format!("{ws_scheme}://{}", ws.local_addr().unwrap());
        let api_url = format!("{http_scheme}://{}/api/", http.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let (requests_tx, requests) = std_mpsc::channel();
        let (conns_tx, conns) = std_mpsc::channel();
        runtime.spawn(serve_http(
            http,
            acceptor.clone(),
            script.clone(),
            requests_tx,
            ws_base.clone(),
        ));
        runtime.spawn(serve_ws(ws, acceptor, conns_tx));
        ScriptedSlack {
            api_url,
            ws_base,
            script,
            requests,
            conns,
            runtime: Some(runtime),
        }
    }

    /// The next answers for `method`, in order; when they run out the default answer applies.
    pub fn script(&self, method: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut script = self.script.lock().unwrap();
        script
            .replies
            .entry(method.to_owned())
            .or_default()
            .extend(replies);
    }

    pub fn request(&self) -> ApiRequest {
        recv(&self.requests, "a Web API request").expect("server gone")
    }

    pub fn accept(&self) -> ServerConn {
        recv(&self.conns, "a WebSocket connection").expect("server gone")
    }

    /// Accepts the next connection and greets it.
    pub fn accept_hello(&self) -> ServerConn {
        let conn = self.accept();
        conn.send(hello());
        conn
    }

    pub fn ws_url(&self) -> String {
        format!("{}/link/", self.ws_base)
    }
}

impl Drop for ScriptedSlack {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve_http(
    listener: TcpListener,
    acceptor: Acceptor,
    script: Arc<Mutex<Script>>,
    requests: std_mpsc::Sender<ApiRequest>,
    ws_base: String,
) {
    while let Ok((tcp, _)) = listener.accept().await {
        let ws_base = ws_base.clone();
        let script = script.clone();
        let requests = requests.clone();
        let service = service_fn(move |req: hyper::Request<Incoming>| {
            let script = script.clone();
            let requests = requests.clone();
            let ws_base = ws_base.clone();
            async move {
                let method = req.uri().path().trim_start_matches("/api/").to_owned();
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let authorization = header("authorization");
                let content_type = header("content-type");
                let body = req.into_body().collect().await?.to_bytes();
                let body = String::from_utf8_lossy(&body).into_owned();
                let _ = requests.send(ApiRequest {
                    method: method.clone(),
                    authorization,
                    content_type,
                    body,
                    at: Instant::now(),
                });
                let reply = {
                    let mut script = script.lock().unwrap();
                    let scripted = script
                        .replies
                        .get_mut(&method)
                        .and_then(VecDeque::pop_front);
                    scripted.unwrap_or_else(|| {
                        script.tickets += 1;
                        default_reply(&method, &ws_base, script.tickets)
                    })
                };
                let mut response = hyper::Response::builder()
                    .status(reply.status)
                    .header("content-type", "application/json");
                if let Some(retry_after) = reply.retry_after {
                    response = response.header("retry-after", retry_after);
                }
                Ok::<_, hyper::Error>(response.body(Full::new(Bytes::from(reply.body))).unwrap())
            }
        });
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Some(io) = acceptor.accept(tcp).await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(io), service)
                .await;
        });
    }
}

fn default_reply(method: &str, ws_base: &str, ticket: u32) -> Reply {
    let url = format!("{ws_base}/link/?ticket={ticket}");
    Reply::ok(match method {
        "apps.connections.open" => format!(r#"{{"ok":true,"url":"{url}"}}"#),
        "auth.test" => r#"{"ok":true,"user_id":"UBOT","team_id":"T1","user":"bot"}"#.into(),
        "chat.postMessage" => r#"{"ok":true,"channel":"C1","ts":"1700000000.000100"}"#.into(),
        _ => r#"{"ok":true}"#.into(),
    })
}

async fn serve_ws(listener: TcpListener, acceptor: Acceptor, conns: std_mpsc::Sender<ServerConn>) {
    while let Ok((tcp, _)) = listener.accept().await {
        let conns = conns.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Some(io) = acceptor.accept(tcp).await else {
                return;
            };
            let Ok(ws) = async_tungstenite::accept_async(io.compat()).await else {
                return;
            };
            let (to_client_tx, to_client) = mpsc::unbounded_channel();
            let (from_client, from_client_rx) = std_mpsc::channel();
            let conn = ServerConn {
                to_client: to_client_tx,
                from_client: from_client_rx,
            };
            if conns.send(conn).is_ok() {
                pump(ws, to_client, from_client).await;
            }
        });
    }
}

async fn pump<S>(
    mut ws: async_tungstenite::WebSocketStream<S>,
    mut to_client: mpsc::UnboundedReceiver<String>,
    from_client: std_mpsc::Sender<FromClient>,
) where
    S: futures_util::AsyncRead + futures_util::AsyncWrite + Unpin,
{
    loop {
        tokio::select! {
            text = to_client.recv() => match text {
                Some(text) => {
                    if ws.send(Message::text(text)).await.is_err() {
                        // The stream is gone: said as when a read finds it so.
                        let _ = from_client.send(FromClient::Ended);
                        break;
                    }
                }
                None => break,
            },
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let _ = from_client.send(FromClient::Text(text.as_str().to_owned()));
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map(|f| u16::from(f.code));
                    let _ = from_client.send(FromClient::Close(code));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    let _ = from_client.send(FromClient::Ended);
                    break;
                }
            },
        }
    }
}
