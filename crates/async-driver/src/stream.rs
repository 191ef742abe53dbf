//! Opens the byte stream under a WebSocket or an HTTP request: TCP from the runtime (to the
//! host, or to a CONNECT proxy and through its tunnel), then TLS to the real host unless the
//! target is a plain loopback URL.

use std::io;

use bytes::Bytes;
use futures_rustls::TlsConnector;
use futures_util::future::{select, Either};
use http::header::{HOST, PROXY_AUTHORIZATION};
use http_body_util::Empty;
use rustls::pki_types::ServerName;

use slackline_client::{Proxy, ProxyEndpoint, Target, TlsConfig};

use crate::hyper_io::HyperIo;
use crate::runtime::Runtime;

/// TCP or TLS-over-TCP, erased so the layers above are compiled once per runtime.
pub(crate) use crate::runtime::BoxedIo;

/// How connections are opened: the TLS settings and the proxy, if any.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    pub(crate) tls: TlsConfig,
    pub(crate) proxy: Option<Proxy>,
}

impl Connector {
    pub(crate) async fn connect<R: Runtime>(
        &self,
        runtime: &R,
        target: &Target,
    ) -> io::Result<BoxedIo> {
        // NO_PROXY is matched against the name in the URL (`localhost`, not 127.0.0.1).
        let via = self
            .proxy
            .as_ref()
            .and_then(|proxy| proxy.route(&target.server_name, target.port));
        let io: BoxedIo = match via {
            None => match runtime.connect_tcp(&target.connect_host, target.port).await {
                Ok(tcp) => Box::new(tcp),
                Err(e) => match target.fallback_host {
                    Some(host) => Box::new(runtime.connect_tcp(host, target.port).await?),
                    None => return Err(e),
                },
            },
            Some(proxy) => {
                let tcp = runtime.connect_tcp(proxy.host(), proxy.port()).await?;
                tunnel(Box::new(tcp), proxy.clone(), target.tunnel_authority()).await?
            }
        };
        if !target.tls {
            return Ok(io);
        }
        let name = ServerName::try_from(target.server_name.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let stream = TlsConnector::from(self.tls.rustls().clone())
            .connect(name, io)
            .await?;
        Ok(Box::new(stream))
    }
}

/// Asks the proxy for a tunnel to `authority` (`host:port`) with hyper's CONNECT support,
/// and returns the raw stream once the proxy has agreed.
async fn tunnel(io: BoxedIo, proxy: ProxyEndpoint, authority: String) -> io::Result<BoxedIo> {
    let fail = |what: String| tunnel_error(&proxy, &authority, what);
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(HyperIo(io))
            .await
            .map_err(|e| fail(e.to_string()))?;
    let mut request = http::Request::connect(authority.as_str()).header(HOST, authority.as_str());
    if let Some(credentials) = proxy.authorization() {
        request = request.header(PROXY_AUTHORIZATION, credentials.clone());
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| fail(e.to_string()))?;
    let connection = Box::pin(connection.with_upgrades());
    let sending = Box::pin(sender.send_request(request));
    // The connection reads the answer; on a 2xx it hands its stream to the upgrade and ends,
    // possibly in the same poll that completes the response.
    let response = match select(sending, connection).await {
        Either::Left((response, connection)) => {
            let response = response.map_err(|e| fail(e.to_string()))?;
            if response.status().is_success() {
                connection.await.map_err(|e| fail(e.to_string()))?;
            }
            response
        }
        Either::Right((Ok(()), sending)) => sending.await.map_err(|e| fail(e.to_string()))?,
        Either::Right((Err(e), _)) => return Err(fail(e.to_string())),
    };
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("refused with {status}")));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let parts = upgraded
        .downcast::<HyperIo<BoxedIo>>()
        .map_err(|_| fail("the tunnel stream could not be recovered".into()))?;
    // Nothing may come before our TLS handshake; bytes here would be the proxy's, not the host's.
    if !parts.read_buf.is_empty() {
        return Err(fail("sent data before the tunnel was used".into()));
    }
    Ok(parts.io.0)
}

/// Names the proxy and the destination, never the credentials.
fn tunnel_error(proxy: &ProxyEndpoint, authority: &str, what: String) -> io::Error {
    io::Error::other(format!(
        "proxy {}:{} (CONNECT {authority}): {what}",
        proxy.host(),
        proxy.port()
    ))
}
