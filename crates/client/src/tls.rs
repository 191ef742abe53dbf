//! TLS client settings: rustls with the `ring` provider chosen explicitly (never the
//! process-wide default, which panics when two providers are linked in) and certificates
//! verified against the Mozilla root store shipped in `webpki-roots`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};

/// TLS settings shared by the WebSocket and HTTP connections of a client.
#[derive(Clone)]
pub struct TlsConfig(pub(crate) Arc<ClientConfig>);

impl TlsConfig {
    /// Verification against the `webpki-roots` store with the `ring` provider: the default.
    pub fn webpki_roots() -> Result<Self, rustls::Error> {
        static DEFAULT: OnceLock<Result<TlsConfig, rustls::Error>> = OnceLock::new();
        DEFAULT.get_or_init(Self::build_default).clone()
    }

    /// Your own rustls configuration (private roots, client certificates, another provider).
    /// Its ALPN list should allow `http/1.1`, the only protocol spoken.
    pub fn from_rustls(config: Arc<ClientConfig>) -> Self {
        TlsConfig(config)
    }

    /// The rustls configuration, for the blocking driver's connections.
    pub fn rustls(&self) -> &Arc<ClientConfig> {
        &self.0
    }

    fn build_default() -> Result<Self, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig(Arc::new(config)))
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("alpn", &self.0.alpn_protocols.len())
            .finish_non_exhaustive()
    }
}
