//! The HTTP side, on hyper: `/api/<method>` calls go to the core as [`ApiCall`]s, file bytes
//! POSTed to `/upload/v1/…` as uploads; WebSocket
//! upgrades (`/link/?ticket=…`, `/websocket/…`) are checked by the core before the `101`, then
//! handed to a socket task.

use std::convert::Infallible;
use std::sync::Arc;

use async_tungstenite::tokio::TokioAdapter;
use async_tungstenite::tungstenite::handshake::derive_accept_key;
use async_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use async_tungstenite::WebSocketStream;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use slackline_fake::method_from_path;
use std::sync::atomic::Ordering;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit, Semaphore};

use crate::core::{stopped, ApiCall, Input};
use crate::flood::{is_socket_mode, FloodSlot, FloodSocket};
use crate::socket;

/// Largest Web API request body read (Slack's own limits are far below).
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Largest WebSocket message read from a client (Slack refuses acks over 20 KB; the fake
/// reports those itself, so it must be able to read them).
const MAX_MESSAGE: usize = 1024 * 1024;

type Body = Full<Bytes>;

/// What every connection's service needs.
pub(crate) struct Shared {
    pub(crate) core: mpsc::Sender<Input>,
    pub(crate) stop: watch::Receiver<bool>,
    /// Flood mode: the flood, until the first Socket Mode connection takes it.
    pub(crate) flood: Option<FloodSlot>,
    /// The server's clock starts here (the core's too).
    pub(crate) started: std::time::Instant,
    pub(crate) limits: crate::Limits,
    /// One permit per open TCP connection (an upgraded one keeps its own until its socket
    /// ends).
    pub(crate) connections: Arc<Semaphore>,
    pub(crate) counters: Arc<crate::Counters>,
}

/// Accepts connections until the server stops. Beyond the connection limit a connection is
/// closed at once (and counted): a client that opens sockets without end cannot grow the
/// server.
pub(crate) async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.stop.clone();
    loop {
        let tcp = tokio::select! {
            () = stopped(&mut stop) => return,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&shared.connections).try_acquire_owned() else {
            shared.counters.refused.fetch_add(1, Ordering::Relaxed);
            drop(tcp);
            continue;
        };
        let permit = Arc::new(permit);
        // Every frame is written as soon as it is ready; Nagle would add up to 40 ms.
        let _ = tcp.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut stop = shared.stop.clone();
            let counters = Arc::clone(&shared.counters);
            let header_timeout = shared.limits.header_read_timeout;
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                let permit = Arc::clone(&permit);
                async move { Ok::<_, Infallible>(route(request, &shared, permit).await) }
            });
            // The header timeout runs whenever a request is awaited, so it is also how long an
            // idle kept-alive connection may wait for its next request.
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            tokio::select! {
                ended = connection => {
                    if ended.is_err_and(|e| e.is_timeout()) {
                        counters.header_timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                }
                // Upgraded connections live on in their socket task; plain HTTP ones end here.
                () = stopped(&mut stop) => {}
            }
        });
    }
}

async fn route(
    request: Request<Incoming>,
    shared: &Shared,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<Body> {
    let path = request.uri().path();
    if is_upgrade(request.headers()) {
        return upgrade(request, shared, permit).await;
    }
    if let Some(rest) = path.strip_prefix("/api/") {
        let method = method_from_path(rest).to_owned();
        if method.is_empty() {
            return json(
                StatusCode::NOT_FOUND,
                r#"{"ok":false,"error":"unknown_method"}"#,
            );
        }
        return api(method, request, shared).await;
    }
    if path.starts_with("/upload/") && request.method() == Method::POST {
        return upload(request, shared).await;
    }
    match path {
        "/" | "/health" => json(StatusCode::OK, r#"{"ok":true,"fake":"slackline"}"#),
        _ => json(StatusCode::NOT_FOUND, r#"{"ok":false,"error":"not_found"}"#),
    }
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    has(header::UPGRADE, "websocket") && has(header::CONNECTION, "upgrade")
}

async fn api(method: String, request: Request<Incoming>, shared: &Shared) -> Response<Body> {
    let text = |name: header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = text(header::AUTHORIZATION);
    let content_type = text(header::CONTENT_TYPE);
    // Parameters may come in the query string (GET, or POST with an empty body).
    let query = request.uri().query().map(str::to_owned);
    let body = Limited::new(request.into_body(), MAX_BODY).collect();
    let body = match tokio::time::timeout(shared.limits.body_read_timeout, body).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(_)) => {
            return json(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"ok":false,"error":"request_too_large"}"#,
            )
        }
        Err(_) => {
            shared
                .counters
                .body_timeouts
                .fetch_add(1, Ordering::Relaxed);
            return json(
                StatusCode::REQUEST_TIMEOUT,
                r#"{"ok":false,"error":"request_timeout"}"#,
            );
        }
    };
    let (body, content_type) = match query {
        Some(query) if body.is_empty() => (
            Bytes::from(query),
            Some("application/x-www-form-urlencoded".to_owned()),
        ),
        _ => (body, content_type),
    };
    let (reply, answer) = oneshot::channel();
    let call = ApiCall {
        method,
        authorization,
        content_type,
        body,
    };
    if shared.core.send(Input::Http { call, reply }).await.is_err() {
        return unavailable();
    }
    let Ok(response) = answer.await else {
        return unavailable();
    };
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, response.content_type);
    if let Some(seconds) = response.retry_after_header() {
        builder = builder.header(header::RETRY_AFTER, seconds);
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| unavailable())
}

/// The bytes of a file, POSTed to an upload URL `files.getUploadURLExternal` handed out.
async fn upload(request: Request<Incoming>, shared: &Shared) -> Response<Body> {
    let target = request.uri().path().to_owned();
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "file too large"),
    };
    let (reply, answer) = oneshot::channel();
    if shared
        .core
        .send(Input::Upload {
            target,
            body,
            reply,
        })
        .await
        .is_err()
    {
        return unavailable();
    }
    let Ok(response) = answer.await else {
        return unavailable();
    };
    let mut answered = Response::new(Full::new(Bytes::from(response.body)));
    *answered.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    answered.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(response.content_type),
    );
    answered
}

async fn upgrade(
    mut request: Request<Incoming>,
    shared: &Shared,
    permit: Arc<OwnedSemaphorePermit>,
) -> Response<Body> {
    let key = request
        .headers()
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| derive_accept_key(k.as_bytes()));
    let version_ok = request
        .headers()
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13");
    let (Some(accept), true, &Method::GET) = (key, version_ok, request.method()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "a WebSocket upgrade needs GET, Sec-WebSocket-Key and Sec-WebSocket-Version: 13",
        );
    };
    let target = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let wants_flood = is_socket_mode(&target);
    let (reply, answer) = oneshot::channel();
    if shared
        .core
        .send(Input::WsConnect { target, reply })
        .await
        .is_err()
    {
        return unavailable();
    }
    let (socket, queue) = match answer.await {
        Ok(Ok(accepted)) => accepted,
        Ok(Err(rejected)) => {
            let status = StatusCode::from_u16(rejected.status).unwrap_or(StatusCode::BAD_REQUEST);
            return text(status, &rejected.reason);
        }
        Err(_) => return unavailable(),
    };
    let on_upgrade = hyper::upgrade::on(&mut request);
    let core = shared.core.clone();
    let stop = shared.stop.clone();
    let flood = shared
        .flood
        .as_ref()
        .filter(|_| wants_flood)
        .and_then(|slot| Some((slot.take()?, slot.done.clone())));
    let started = shared.started;
    tokio::spawn(async move {
        // The socket counts against the connection limit until it ends.
        let _permit = permit;
        match on_upgrade.await {
            Ok(upgraded) => {
                // The flood's socket takes the TCP stream itself (see `flood::socket`).
                let upgraded = match flood {
                    Some((flood, done)) => match upgraded.downcast::<TokioIo<TcpStream>>() {
                        Ok(parts) => {
                            let task = FloodSocket {
                                socket,
                                flood,
                                queue,
                                core,
                                stop,
                                started,
                                done,
                            };
                            task.run(parts.io.into_inner(), parts.read_buf).await;
                            return;
                        }
                        Err(upgraded) => {
                            tracing::error!("flood: the upgraded connection is not plain TCP");
                            done.send_replace(Some(flood.report()));
                            upgraded
                        }
                    },
                    None => upgraded,
                };
                let io = TokioAdapter::new(TokioIo::new(upgraded));
                let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE));
                let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
                socket::serve(ws, socket, queue, core, stop).await;
            }
            Err(e) => {
                if let Some((flood, done)) = flood {
                    // Its connection never opened: the flood is over, with nothing sent.
                    done.send_replace(Some(flood.report()));
                }
                let _ = core
                    .send(Input::Closed {
                        socket,
                        code: None,
                        reason: format!("upgrade failed: {e}"),
                    })
                    .await;
            }
        }
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}

fn json(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn unavailable() -> Response<Body> {
    json(
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"ok":false,"error":"fake_server_stopped"}"#,
    )
}
