//! Opens the byte stream under a WebSocket or an HTTP request: TCP from the runtime, then TLS
//! unless the target is a plain loopback URL.

use std::io;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use rustls::pki_types::ServerName;

use crate::runtime::Runtime;
use crate::target::Target;
use crate::tls::TlsConfig;

/// Any async byte stream the driver can speak over.
pub(crate) trait AsyncIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncIo for T {}

/// TCP or TLS-over-TCP, erased so the layers above are compiled once per runtime.
pub(crate) type BoxedIo = Box<dyn AsyncIo>;

pub(crate) async fn connect<R: Runtime>(
    runtime: &R,
    target: &Target,
    tls: &TlsConfig,
) -> io::Result<BoxedIo> {
    let tcp = runtime
        .connect_tcp(&target.connect_host, target.port)
        .await?;
    if !target.tls {
        return Ok(Box::new(tcp));
    }
    let name = ServerName::try_from(target.server_name.clone())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let stream = TlsConnector::from(tls.0.clone()).connect(name, tcp).await?;
    Ok(Box::new(stream))
}
