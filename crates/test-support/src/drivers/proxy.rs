//! A loopback HTTP CONNECT proxy (hyper), recording every tunnel it opens. It only tunnels to
//! loopback addresses: the tests must never reach out.

use std::net::SocketAddr;
use std::sync::mpsc as std_mpsc;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::drivers::{background, recv};

/// One CONNECT request as the proxy saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connect {
    /// `host:port` asked for.
    pub authority: String,
    /// The `Proxy-Authorization` header, if any.
    pub authorization: Option<String>,
}

/// The proxy; dropping it stops it.
pub struct TestProxy {
    addr: SocketAddr,
    connects: std_mpsc::Receiver<Connect>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestProxy {
    /// A proxy that wants `Proxy-Authorization: <expected>` when given (407 otherwise).
    pub fn start(expected: Option<&str>) -> TestProxy {
        let runtime = background();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, connects) = std_mpsc::channel();
        runtime.spawn(serve(listener, tx, expected.map(str::to_owned)));
        TestProxy {
            addr,
            connects,
            runtime: Some(runtime),
        }
    }

    /// `http://[credentials@]127.0.0.1:port`.
    pub fn url(&self, credentials: Option<&str>) -> String {
        match credentials {
            Some(credentials) => format!("http://{credentials}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// The next CONNECT seen.
    pub fn connect(&self) -> Connect {
        recv(&self.connects, "a CONNECT at the proxy").expect("proxy gone")
    }

    /// Every CONNECT seen so far, without waiting.
    pub fn seen(&self) -> Vec<Connect> {
        self.connects.try_iter().collect()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve(listener: TcpListener, seen: std_mpsc::Sender<Connect>, expected: Option<String>) {
    while let Ok((tcp, _)) = listener.accept().await {
        let seen = seen.clone();
        let expected = expected.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let seen = seen.clone();
            let expected = expected.clone();
            async move { Ok::<_, hyper::Error>(answer(req, &seen, expected.as_deref())) }
        });
        tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades(),
        );
    }
}

fn answer(
    req: Request<Incoming>,
    seen: &std_mpsc::Sender<Connect>,
    expected: Option<&str>,
) -> Response<Empty<Bytes>> {
    let status = |code| {
        let mut response = Response::new(Empty::new());
        *response.status_mut() = code;
        response
    };
    if req.method() != Method::CONNECT {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let authority = req.uri().to_string();
    let authorization = req
        .headers()
        .get("proxy-authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let _ = seen.send(Connect {
        authority: authority.clone(),
        authorization: authorization.clone(),
    });
    if expected.is_some() && authorization.as_deref() != expected {
        return status(StatusCode::PROXY_AUTHENTICATION_REQUIRED);
    }
    let Some(target) = loopback(&authority) else {
        return status(StatusCode::FORBIDDEN);
    };
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let Ok(mut upstream) = TcpStream::connect(target).await else {
            return;
        };
        let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(upgraded), &mut upstream).await;
    });
    status(StatusCode::OK)
}

fn loopback(authority: &str) -> Option<SocketAddr> {
    let addr: SocketAddr = authority.parse().ok()?;
    addr.ip().is_loopback().then_some(addr)
}
