//! A small scripted Slack for the end-to-end tests: a Web API over HTTP and a WebSocket
//! endpoint on loopback, driven step by step by each test.
//!
//! TEMPORARY: the project's FakeSlack (sans-IO, transcript-driven) replaces this once it lands;
//! keep this file small and test-only.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_tungstenite::tungstenite::handshake::server::{Request as WsRequest, Response};
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::CloseFrame;
use async_tungstenite::tungstenite::Message;
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use slackline_tokio::{Event, EventStream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::compat::{FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};

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

/// Every wait in the tests is bounded by this: a hang fails the test instead of blocking CI.
pub const PATIENCE: Duration = Duration::from_secs(5);

pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
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

enum ToClient {
    Text(String),
    Close(u16),
    /// Stop reading and writing, keep the socket open: a half-open connection.
    Freeze,
}

/// One accepted WebSocket, controlled by the test.
pub struct ServerConn {
    pub path: String,
    to_client: mpsc::Sender<ToClient>,
    from_client: mpsc::Receiver<FromClient>,
}

impl ServerConn {
    pub async fn send(&self, text: impl Into<String>) {
        let _ = self.to_client.send(ToClient::Text(text.into())).await;
    }

    pub async fn close(&self, code: u16) {
        let _ = self.to_client.send(ToClient::Close(code)).await;
    }

    pub async fn freeze(&self) {
        let _ = self.to_client.send(ToClient::Freeze).await;
    }

    pub async fn next(&mut self) -> FromClient {
        within("a frame from the client", self.from_client.recv())
            .await
            .unwrap_or(FromClient::Ended)
    }

    /// The next text frame, skipping nothing: anything else fails the test.
    pub async fn next_text(&mut self) -> String {
        match self.next().await {
            FromClient::Text(text) => text,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Waits for the client's close frame, skipping text frames; returns its code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match self.next().await {
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

pub struct FakeSlack {
    pub api_url: String,
    ws_base: String,
    script: Arc<Mutex<Script>>,
    requests: mpsc::Receiver<ApiRequest>,
    conns: mpsc::Receiver<ServerConn>,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        Self::start_with(None).await
    }

    /// Serves `https://` and `wss://` with this TLS configuration.
    pub async fn start_tls(config: Arc<rustls::ServerConfig>) -> FakeSlack {
        Self::start_with(Some(futures_rustls::TlsAcceptor::from(config))).await
    }

    async fn start_with(tls: Option<futures_rustls::TlsAcceptor>) -> FakeSlack {
        let (http_scheme, ws_scheme) = if tls.is_some() {
            ("https", "wss")
        } else {
            ("http", "ws")
        };
        let acceptor = Acceptor(tls);
        let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_base = format!("{ws_scheme}://{}", ws.local_addr().unwrap());
        let api_url = format!("{http_scheme}://{}/api/", http.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let (requests_tx, requests) = mpsc::channel(1024);
        let (conns_tx, conns) = mpsc::channel(64);
        tokio::spawn(serve_http(
            http,
            acceptor.clone(),
            script.clone(),
            requests_tx,
            ws_base.clone(),
        ));
        tokio::spawn(serve_ws(ws, acceptor, conns_tx));
        FakeSlack {
            api_url,
            ws_base,
            script,
            requests,
            conns,
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

    pub async fn request(&mut self) -> ApiRequest {
        within("a Web API request", self.requests.recv())
            .await
            .expect("server gone")
    }

    pub async fn accept(&mut self) -> ServerConn {
        within("a WebSocket connection", self.conns.recv())
            .await
            .expect("server gone")
    }

    /// Accepts the next connection and greets it.
    pub async fn accept_hello(&mut self) -> ServerConn {
        let conn = self.accept().await;
        conn.send(hello()).await;
        conn
    }

    pub fn ws_url(&self) -> String {
        format!("{}/link/", self.ws_base)
    }
}

async fn serve_http(
    listener: TcpListener,
    acceptor: Acceptor,
    script: Arc<Mutex<Script>>,
    requests: mpsc::Sender<ApiRequest>,
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
                let _ = requests
                    .send(ApiRequest {
                        method: method.clone(),
                        authorization,
                        content_type,
                        body,
                        at: Instant::now(),
                    })
                    .await;
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
        "rtm.connect" => format!(
            r#"{{"ok":true,"url":"{url}","self":{{"id":"UBOT","name":"bot"}},"team":{{"id":"T1","domain":"test"}}}}"#
        ),
        "auth.test" => r#"{"ok":true,"user_id":"UBOT","team_id":"T1","user":"bot"}"#.into(),
        "chat.postMessage" => r#"{"ok":true,"channel":"C1","ts":"1700000000.000100"}"#.into(),
        _ => r#"{"ok":true}"#.into(),
    })
}

async fn serve_ws(listener: TcpListener, acceptor: Acceptor, conns: mpsc::Sender<ServerConn>) {
    while let Ok((tcp, _)) = listener.accept().await {
        let conns = conns.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Some(io) = acceptor.accept(tcp).await else {
                return;
            };
            let path = Arc::new(Mutex::new(String::new()));
            let seen = path.clone();
            // The callback's signature is tungstenite's, large error type included.
            #[allow(clippy::result_large_err)]
            let callback = move |req: &WsRequest, resp: Response| {
                *seen.lock().unwrap() = req.uri().to_string();
                Ok(resp)
            };
            let Ok(ws) = async_tungstenite::accept_hdr_async(io.compat(), callback).await else {
                return;
            };
            let (to_client_tx, to_client) = mpsc::channel(64);
            let (from_client, from_client_rx) = mpsc::channel(1024);
            let path = path.lock().unwrap().clone();
            let conn = ServerConn {
                path,
                to_client: to_client_tx,
                from_client: from_client_rx,
            };
            if conns.send(conn).await.is_ok() {
                pump(ws, to_client, from_client).await;
            }
        });
    }
}

async fn pump<S>(
    mut ws: async_tungstenite::WebSocketStream<S>,
    mut to_client: mpsc::Receiver<ToClient>,
    from_client: mpsc::Sender<FromClient>,
) where
    S: futures_util::AsyncRead + futures_util::AsyncWrite + Unpin,
{
    let mut frozen = false;
    loop {
        tokio::select! {
            command = to_client.recv() => match command {
                Some(ToClient::Text(text)) => {
                    if ws.send(Message::text(text)).await.is_err() { break; }
                }
                Some(ToClient::Close(code)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: "".into() };
                    let _ = ws.send(Message::Close(Some(frame))).await;
                }
                Some(ToClient::Freeze) => frozen = true,
                None => break,
            },
            message = ws.next(), if !frozen => match message {
                Some(Ok(Message::Text(text))) => {
                    let _ = from_client.send(FromClient::Text(text.as_str().to_owned())).await;
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map(|f| u16::from(f.code));
                    let _ = from_client.send(FromClient::Close(code)).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    let _ = from_client.send(FromClient::Ended).await;
                    break;
                }
            },
        }
    }
}

// ----- frames -----

pub fn hello() -> String {
    r#"{"type":"hello","num_connections":1,"debug_info":{"host":"applink-test","build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}}"#.into()
}

pub fn disconnect(reason: &str) -> String {
    format!(r#"{{"type":"disconnect","reason":"{reason}","debug_info":{{"host":"wss-test"}}}}"#)
}

pub fn events_api(id: &str, event_type: &str) -> String {
    format!(
        r#"{{"envelope_id":"{id}","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"","payload":{{"type":"event_callback","event_id":"Ev-{id}","event":{{"type":"{event_type}","text":"hi","channel":"C1","ts":"1.1"}}}}}}"#
    )
}

pub fn slash_command(id: &str, command: &str, text: &str) -> String {
    format!(
        r#"{{"envelope_id":"{id}","type":"slash_commands","accepts_response_payload":true,"payload":{{"command":"{command}","text":"{text}","channel_id":"C1"}}}}"#
    )
}

pub fn ack(id: &str) -> String {
    format!(r#"{{"envelope_id":"{id}"}}"#)
}

/// The ack's envelope id, and its payload if any.
pub fn parse_ack(frame: &str) -> (String, Option<serde_json::Value>) {
    let value: serde_json::Value = serde_json::from_str(frame).expect("ack is JSON");
    let id = value["envelope_id"]
        .as_str()
        .expect("envelope_id")
        .to_owned();
    (id, value.get("payload").cloned())
}

// ----- client side -----

pub async fn next_event(
    events: &mut EventStream,
    what: &str,
    wanted: impl Fn(&Event) -> bool,
) -> Event {
    within(what, async {
        loop {
            match events.next().await {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    })
    .await
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
