//! Where a URL points, and the transport rule: TLS everywhere, plain text only to loopback.
//!
//! Plain `ws://` and `http://` exist for local test servers. Anything that could leave the
//! machine must be `wss://` / `https://`, so a mistyped API URL or a server handing out a plain
//! URL can never send a token or an envelope in clear text.

use std::net::IpAddr;

use http::Uri;
use slackline::redact_url;

/// Which protocol a URL is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `https://`, or `http://` to loopback.
    Http,
    /// `wss://`, or `ws://` to loopback.
    WebSocket,
}

/// A URL refused before any connection was attempted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL, or one without a host.
    #[error("invalid URL `{0}`")]
    Invalid(String),
    /// A scheme this client does not speak here.
    #[error("unsupported URL scheme in `{url}`: expected {expected}")]
    Scheme {
        /// The URL, redacted.
        url: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A user name or password in the URL (`user:password@host`): Slack's Web API and
    /// WebSocket URLs take none, and it would travel as the `Host` header.
    #[error("refusing `{url}`: credentials in a URL (user:password@) are not supported")]
    Credentials {
        /// The URL, credentials redacted.
        url: String,
    },
    /// Plain text to a host that is not loopback.
    #[error(
        "refusing plain {scheme}:// to `{host}`: unencrypted connections are only allowed to \
         loopback addresses (127.0.0.0/8, ::1, localhost, 0.0.0.0); use {secure}://"
    )]
    Insecure {
        /// `http` or `ws`.
        scheme: &'static str,
        /// The host that was refused.
        host: String,
        /// The scheme to use instead.
        secure: &'static str,
    },
}

/// A checked destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Wrap the TCP stream in TLS.
    pub tls: bool,
    /// What to connect to (IPv6 without brackets; `localhost` already mapped to 127.0.0.1
    /// for plain connections, so no resolver can send them elsewhere).
    pub connect_host: String,
    /// Where else to try if `connect_host` refuses: `::1` for a plain `localhost`, whose
    /// server may listen on IPv6 only.
    pub fallback_host: Option<&'static str>,
    /// The name TLS verifies (the URL's host, without brackets).
    pub server_name: String,
    /// The URL's port, or the scheme's default.
    pub port: u16,
    /// `host[:port]`, for the `Host` header.
    pub authority: String,
    /// Path and query (`/` if empty).
    pub path_and_query: String,
}

/// Parses `url` for `protocol` and applies the loopback rule.
pub fn check(url: &str, protocol: Protocol) -> Result<Target, UrlError> {
    let invalid = || UrlError::Invalid(redact_url(url));
    let uri: Uri = url.parse().map_err(|_| invalid())?;
    let (tls, default_port, plain, secure) = match (protocol, uri.scheme_str()) {
        (Protocol::Http, Some("https")) => (true, 443, "http", "https"),
        (Protocol::Http, Some("http")) => (false, 80, "http", "https"),
        (Protocol::WebSocket, Some("wss")) => (true, 443, "ws", "wss"),
        (Protocol::WebSocket, Some("ws")) => (false, 80, "ws", "wss"),
        (Protocol::Http, _) => return Err(scheme_error(url, "https://")),
        (Protocol::WebSocket, _) => return Err(scheme_error(url, "wss://")),
    };
    let authority = uri.authority().ok_or_else(invalid)?;
    if authority.as_str().contains('@') {
        return Err(UrlError::Credentials {
            url: redact_url(url),
        });
    }
    let host = authority.host();
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    if bare_host.is_empty() {
        return Err(invalid());
    }
    let local_name = bare_host.eq_ignore_ascii_case("localhost");
    let ip = bare_host.parse::<IpAddr>().ok();
    let connect_host = if tls {
        bare_host.to_owned()
    } else if local_name {
        "127.0.0.1".to_owned()
    } else if ip.is_some_and(|ip| ip.is_loopback()) {
        bare_host.to_owned()
    } else if let Some(IpAddr::V4(_)) = ip.filter(IpAddr::is_unspecified) {
        // `0.0.0.0` (what a mock listening on every interface hands out) means this machine:
        // connect to loopback, as the system would.
        "127.0.0.1".to_owned()
    } else if let Some(IpAddr::V6(_)) = ip.filter(IpAddr::is_unspecified) {
        "::1".to_owned()
    } else {
        return Err(UrlError::Insecure {
            scheme: plain,
            host: slackline::redact_tokens(bare_host).into_owned(),
            secure,
        });
    };
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    Ok(Target {
        tls,
        connect_host,
        fallback_host: (local_name && !tls).then_some("::1"),
        server_name: bare_host.to_owned(),
        port: authority.port_u16().unwrap_or(default_port),
        authority: authority.as_str().to_owned(),
        path_and_query,
    })
}

impl Target {
    /// `host:port` as a CONNECT request names it (IPv6 in brackets).
    pub fn tunnel_authority(&self) -> String {
        if self.connect_host.contains(':') {
            format!("[{}]:{}", self.connect_host, self.port)
        } else {
            format!("{}:{}", self.connect_host, self.port)
        }
    }
}

fn scheme_error(url: &str, expected: &'static str) -> UrlError {
    UrlError::Scheme {
        url: redact_url(url),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_urls_go_anywhere() {
        let t = check(
            "wss://wss-primary.slack.com/link/?ticket=x",
            Protocol::WebSocket,
        )
        .unwrap();
        assert!(t.tls);
        assert_eq!(t.connect_host, "wss-primary.slack.com");
        assert_eq!(t.port, 443);
        assert_eq!(t.path_and_query, "/link/?ticket=x");
        let t = check("https://slack.com/api/auth.test", Protocol::Http).unwrap();
        assert_eq!(
            (t.tls, t.port, t.authority.as_str()),
            (true, 443, "slack.com")
        );
    }

    #[test]
    fn plain_urls_only_to_loopback() {
        for url in [
            "ws://127.0.0.1:9000/link",
            "ws://127.8.9.10/",
            "ws://localhost:1/",
            "ws://LOCALHOST:1/",
            "ws://[::1]:8080/",
        ] {
            let t = check(url, Protocol::WebSocket).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!t.tls);
        }
        assert_eq!(
            check("ws://localhost:1/", Protocol::WebSocket)
                .unwrap()
                .connect_host,
            "127.0.0.1"
        );
        let v6 = check("http://[::1]:8080/api/", Protocol::Http).unwrap();
        assert_eq!(v6.connect_host, "::1");
        assert_eq!(v6.tunnel_authority(), "[::1]:8080");
        let local = check("ws://localhost:1/", Protocol::WebSocket).unwrap();
        assert_eq!(local.fallback_host, Some("::1"));
        assert_eq!(local.tunnel_authority(), "127.0.0.1:1");
        for url in [
            "ws://10.0.0.1/link",
            "ws://example.com/link?ticket=secret",
            "ws://localhost.example.com/",
            "ws://128.0.0.1/",
            "ws://[::2]/",
        ] {
            let err = check(url, Protocol::WebSocket).unwrap_err();
            assert!(matches!(err, UrlError::Insecure { .. }), "{url}: {err}");
            let text = err.to_string();
            assert!(
                text.contains("loopback") && text.contains("wss://"),
                "{text}"
            );
            assert!(!text.contains("secret"));
        }
        let err = check("http://slack.com/api/", Protocol::Http).unwrap_err();
        assert!(err.to_string().contains("https://"), "{err}");
    }

    #[test]
    fn the_unspecified_address_of_a_local_mock_is_loopback() {
        // python-slack-sdk's mock server hands out ws://0.0.0.0:PORT/link.
        let t = check("ws://0.0.0.0:3001/link", Protocol::WebSocket).unwrap();
        assert!(!t.tls);
        assert_eq!((t.connect_host.as_str(), t.port), ("127.0.0.1", 3001));
        assert_eq!(t.authority, "0.0.0.0:3001");
        let t = check("http://[::]:8080/api/", Protocol::Http).unwrap();
        assert_eq!(t.connect_host, "::1");
        assert!(check("ws://0.0.0.1/", Protocol::WebSocket).is_err());
    }

    #[test]
    fn credentials_in_a_url_are_refused_without_showing_them() {
        for url in [
            "http://user:pa55word@127.0.0.1:9/api/",
            "https://user:pa55word@slack.com/api/",
            "http://user:pa55word@slack.example.com/api/",
            "wss://xoxb-1-pa55word@wss-primary.slack.com/link",
        ] {
            let protocol = if url.starts_with("ws") {
                Protocol::WebSocket
            } else {
                Protocol::Http
            };
            let err = check(url, protocol).unwrap_err();
            assert!(matches!(err, UrlError::Credentials { .. }), "{url}: {err}");
            assert!(!err.to_string().contains("pa55word"), "{err}");
        }
        // A token given where the URL goes is not echoed either.
        let err = check("xapp-1-A0-1-pa55word", Protocol::Http).unwrap_err();
        assert!(!err.to_string().contains("pa55word"), "{err}");
        let err = check("http://xoxb-1-pa55word.example.com/", Protocol::Http).unwrap_err();
        assert!(!err.to_string().contains("pa55word"), "{err}");
    }

    #[test]
    fn wrong_schemes_and_garbage_are_refused() {
        assert!(matches!(
            check("https://slack.com/", Protocol::WebSocket),
            Err(UrlError::Scheme { .. })
        ));
        assert!(matches!(
            check("wss://slack.com/", Protocol::Http),
            Err(UrlError::Scheme { .. })
        ));
        assert!(check("not a url", Protocol::Http).is_err());
        assert!(check("ws:///nohost", Protocol::WebSocket).is_err());
    }
}
