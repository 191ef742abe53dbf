//! Opens the byte stream under a WebSocket or a Web API request: TCP (to the host, or to a
//! CONNECT proxy and through its tunnel), then rustls to the real host unless the target is a
//! plain loopback URL. The same rules as the async driver, with the pieces it shares.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};
use slackline_client::{Proxy, ProxyEndpoint, Target, TlsConfig, READ_AHEAD};

use crate::http1;

/// How connections are opened.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    pub(crate) tls: TlsConfig,
    pub(crate) proxy: Option<Proxy>,
}

/// Plain TCP or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref(),
        }
    }

    /// Bounds every later read and write (`None`: block).
    pub(crate) fn set_timeouts(
        &self,
        read: Option<Duration>,
        write: Option<Duration>,
    ) -> io::Result<()> {
        self.tcp().set_read_timeout(read)?;
        self.tcp().set_write_timeout(write)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// A WebSocket's stream, read ahead as in the async driver: tungstenite asks for what is left of
/// its buffer after the last frame (often a few KiB), so reading the socket directly cost a
/// system call per frame or two under load; one read here takes whatever the socket holds, up
/// to [`READ_AHEAD`].
#[derive(Debug)]
pub(crate) struct ReadAhead(io::BufReader<Stream>);

impl ReadAhead {
    pub(crate) fn new(stream: Stream) -> Self {
        ReadAhead(io::BufReader::with_capacity(READ_AHEAD, stream))
    }

    pub(crate) fn stream(&self) -> &Stream {
        self.0.get_ref()
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for ReadAhead {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.get_mut().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.get_mut().flush()
    }
}

/// Time left until `deadline`, or a timeout error once it has passed (a zero timeout would
/// mean "block forever" to std).
pub(crate) fn remaining(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
    } else {
        Ok(left)
    }
}

impl Connector {
    /// Connects, tunnels and shakes hands by `deadline`; the stream keeps timeouts that end
    /// at `deadline` until the caller sets others.
    pub(crate) fn connect(&self, target: &Target, deadline: Instant) -> io::Result<Stream> {
        // NO_PROXY is matched against the name in the URL (`localhost`, not 127.0.0.1).
        let via = self
            .proxy
            .as_ref()
            .and_then(|proxy| proxy.route(&target.server_name, target.port));
        let tcp = match via {
            None => match tcp(&target.connect_host, target.port, deadline) {
                Err(e) => match target.fallback_host {
                    Some(host) => tcp(host, target.port, deadline)?,
                    None => return Err(e),
                },
                ok => ok?,
            },
            Some(proxy) => {
                let mut tcp = tcp(proxy.host(), proxy.port(), deadline)?;
                tunnel(&mut tcp, proxy, &target.tunnel_authority(), deadline)?;
                tcp
            }
        };
        let stream = if target.tls {
            let name = ServerName::try_from(target.server_name.clone())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let connection = ClientConnection::new(Arc::clone(self.tls.rustls()), name)
                .map_err(io::Error::other)?;
            let mut tls = StreamOwned::new(connection, tcp);
            // Handshake now, so certificate errors surface here rather than on first use.
            while tls.conn.is_handshaking() {
                tls.conn.complete_io(&mut tls.sock)?;
            }
            Stream::Tls(Box::new(tls))
        } else {
            Stream::Plain(tcp)
        };
        Ok(stream)
    }
}

/// TCP with `TCP_NODELAY`, trying each resolved address until `deadline`.
fn tcp(host: &str, port: u16, deadline: Instant) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address");
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, remaining(deadline)?) {
            Ok(tcp) => {
                // Acks and pongs are small frames that must not wait for Nagle's algorithm.
                tcp.set_nodelay(true)?;
                let left = Some(remaining(deadline)?);
                tcp.set_read_timeout(left)?;
                tcp.set_write_timeout(left)?;
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// `CONNECT authority` on `tcp`; on a 2xx the socket carries the tunnel.
fn tunnel(
    tcp: &mut TcpStream,
    proxy: &ProxyEndpoint,
    authority: &str,
    deadline: Instant,
) -> io::Result<()> {
    let fail = |what: String| {
        io::Error::other(format!(
            "proxy {}:{} (CONNECT {authority}): {what}",
            proxy.host(),
            proxy.port()
        ))
    };
    let mut request = http::Request::connect(authority).header(http::header::HOST, authority);
    if let Some(credentials) = proxy.authorization() {
        request = request.header(http::header::PROXY_AUTHORIZATION, credentials.clone());
    }
    let request = request.body(()).map_err(|e| fail(e.to_string()))?;
    let response = http1::exchange(tcp, request, &[], usize::MAX, deadline)
        .map_err(|e| fail(e.to_string()))?;
    if !response.status.is_success() {
        return Err(fail(format!("refused with {}", response.status)));
    }
    // Nothing may come before our TLS handshake; bytes here would be the proxy's, not the host's.
    if response.leftover {
        return Err(fail("sent data before the tunnel was used".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use slackline_client::{check, Protocol};

    #[test]
    fn a_plain_localhost_falls_back_to_ipv6_loopback() {
        // A server listening on ::1 only (skipped where the machine has no IPv6 loopback).
        let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
            return;
        };
        let port = listener.local_addr().unwrap().port();
        let target = check(&format!("http://localhost:{port}/api/"), Protocol::Http).unwrap();
        let connector = Connector {
            tls: TlsConfig::webpki_roots().unwrap(),
            proxy: None,
        };
        let stream = connector
            .connect(&target, Instant::now() + Duration::from_secs(2))
            .expect("127.0.0.1 refuses, ::1 answers");
        assert!(stream.tcp().peer_addr().unwrap().is_ipv6());
    }
}
