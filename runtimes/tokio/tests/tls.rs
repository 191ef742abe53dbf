//! The TLS path: `https://` and `wss://` through rustls with certificates verified, against the
//! scripted server on loopback with a certificate made for the test.

mod support;

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use slackline_tokio::{ApiError, Event, SocketModeClient, TlsConfig, WebClient};
use support::*;

struct TestPki {
    server: Arc<rustls::ServerConfig>,
    /// A client configuration that trusts the test certificate (and nothing else).
    client: TlsConfig,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pki() -> TestPki {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = CertificateDer::from(certified.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let mut server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![b"http/1.1".to_vec()];
    TestPki {
        server: Arc::new(server),
        client: TlsConfig::from_rustls(Arc::new(client)),
    }
}

#[tokio::test]
async fn socket_mode_runs_over_https_and_wss() {
    init_tracing();
    let pki = pki();
    let mut slack = FakeSlack::start_tls(pki.server.clone()).await;
    assert!(slack.api_url.starts_with("https://127.0.0.1:"));
    let mut client = SocketModeClient::builder("xapp-1-A1-1-secret")
        .api_url(&slack.api_url)
        .tls(pki.client.clone())
        .build()
        .unwrap();
    let mut events = client.events();
    let handle = client.handle();
    let run = tokio::spawn(client.run());

    assert_eq!(slack.request().await.method, "apps.connections.open");
    let mut conn = slack.accept_hello().await;
    next_event(&mut events, "hello", |e| matches!(e, Event::Hello(_))).await;
    conn.send(events_api("t1", "message")).await;
    assert_eq!(conn.next_text().await, ack("t1"));
    handle.shutdown().await;
    assert_eq!(conn.closed().await, Some(1000));
    within("run to return", run).await.unwrap().unwrap();
}

#[tokio::test]
async fn certificates_are_verified_by_default() {
    let pki = pki();
    let slack = FakeSlack::start_tls(pki.server.clone()).await;

    // The default roots (webpki-roots) do not know the test certificate: refused.
    let web = WebClient::builder("xoxb-1-secret")
        .api_url(&slack.api_url)
        .build()
        .unwrap();
    let error = within("a refused handshake", web.auth_test())
        .await
        .unwrap_err();
    let ApiError::Transport { detail } = &error else {
        panic!("{error:?}")
    };
    assert!(detail.to_lowercase().contains("certificate"), "{detail}");

    // Trusting it works.
    let web = WebClient::builder("xoxb-1-secret")
        .api_url(&slack.api_url)
        .tls(pki.client)
        .build()
        .unwrap();
    within("auth.test over TLS", web.auth_test()).await.unwrap();
}
