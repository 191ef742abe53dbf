//! The Web API, without IO: build requests, classify responses.
//!
//! A driver performs an [`HttpRequest`] (POST to `url()`, headers `Authorization` and
//! `Content-Type`, body `body()`) and hands the status, `Retry-After` and body back as an
//! [`HttpResponse`]; [`classify`] turns that into an [`ApiResponse`] or an [`ApiError`] by Slack's
//! rules: `ok:false` is an error with a code, 429 carries `Retry-After`, a body that is not JSON is
//! an error of its own, and tokens never appear in any of it.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{RtmConnectOptions, RtmStartOptions};
use crate::ids::RequestId;
use crate::secret::{redact_tokens, Token};

/// How a request body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded`: what every method accepts.
    Form,
    /// `application/json; charset=utf-8`: what write methods such as `chat.postMessage` accept.
    Json,
}

/// A Web API request for a driver to send: always `POST`, token in the `Authorization` header.
#[derive(Clone)]
pub struct HttpRequest {
    id: RequestId,
    method: Cow<'static, str>,
    url: String,
    body: String,
    kind: BodyKind,
    token: Token,
}

impl HttpRequest {
    /// Which request this is, to match the response to it.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The Slack method, e.g. `apps.connections.open`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The full URL to POST to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The encoded body.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// How the body is encoded.
    pub fn body_kind(&self) -> BodyKind {
        self.kind
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> &'static str {
        match self.kind {
            BodyKind::Form => "application/x-www-form-urlencoded",
            BodyKind::Json => "application/json; charset=utf-8",
        }
    }

    /// The `Authorization` header value. This is the secret: put it in the header and nowhere else.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token.expose())
    }

    /// The token the request is made with.
    pub fn token(&self) -> &Token {
        &self.token
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("id", &self.id)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("body_bytes", &self.body.len())
            .field("token", &self.token)
            .finish()
    }
}

/// What came back for an [`HttpRequest`].
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<Duration>,
    /// The body, as received.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response with no `Retry-After`.
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        HttpResponse {
            status,
            retry_after: None,
            body: body.into(),
        }
    }

    /// Sets `retry_after` from the header's text (Slack sends whole seconds; anything else is ignored).
    pub fn with_retry_after_header(mut self, value: &str) -> Self {
        self.retry_after = value.trim().parse::<u64>().ok().map(Duration::from_secs);
        self
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// A successful (`ok: true`) Web API response.
#[derive(Clone)]
pub struct ApiResponse {
    body: Bytes,
    warning: Option<String>,
    messages: Vec<String>,
}

impl ApiResponse {
    /// The raw JSON body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as shared bytes (cheap to clone).
    pub fn body_bytes(&self) -> Bytes {
        self.body.clone()
    }

    /// Slack's `warning` field (comma-separated codes such as `missing_charset`), if any.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// `response_metadata.messages`, if any.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    /// The body parsed into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::InvalidBody {
            status: 200,
            detail: e.to_string(),
        })
    }
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("body_bytes", &self.body.len())
            .field("warning", &self.warning)
            .field("messages", &self.messages)
            .finish()
    }
}

/// Why a Web API call did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// HTTP 429 (or `error: ratelimited`): wait `retry_after` before calling this method again.
    RateLimited {
        /// From the `Retry-After` header.
        retry_after: Option<Duration>,
    },
    /// `ok: false` with Slack's error code.
    Platform {
        /// The `error` field, e.g. `invalid_auth`.
        code: String,
        /// `needed` scope, for `missing_scope`.
        needed: Option<String>,
        /// `provided` scopes, for `missing_scope`.
        provided: Option<String>,
        /// `response_metadata.messages`.
        messages: Vec<String>,
        /// `warning`.
        warning: Option<String>,
    },
    /// An HTTP status other than 200 without a Slack error body.
    Http {
        /// The status code.
        status: u16,
        /// The start of the body, tokens redacted.
        excerpt: String,
    },
    /// The body is not the JSON object Slack sends (HTML error page, truncated, empty...).
    InvalidBody {
        /// The status code it came with.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// The request never completed (connection refused, DNS, TLS, reset...), as the driver reports it.
    Transport {
        /// The driver's description.
        detail: String,
    },
    /// The request took longer than allowed.
    Timeout,
}

/// Error codes after which retrying cannot help: the token, the app or the request must change.
const FATAL_CODES: [&str; 26] = [
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "not_allowed_token_type",
    "user_removed_from_team",
    "team_disabled",
    "missing_scope",
    "no_permission",
    "ekm_access_denied",
    "org_login_required",
    "invalid_token",
    "access_denied",
    "two_factor_setup_required",
    "team_added_to_org",
    "rtm_connect_required",
    "method_deprecated",
    "deprecated_endpoint",
    "invalid_arguments",
    "invalid_arg_name",
    "invalid_array_arg",
    "invalid_charset",
    "invalid_form_data",
    "invalid_post_type",
    "missing_post_type",
];

impl ApiError {
    /// Slack's error code, when there is one (`ratelimited` for 429).
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Platform { code, .. } => Some(code),
            ApiError::RateLimited { .. } => Some("ratelimited"),
            _ => None,
        }
    }

    /// True when retrying the same call with the same token cannot succeed: authentication and
    /// permission errors, and HTTP 401/403/404/410 (a wrong token or API URL).
    pub fn is_fatal(&self) -> bool {
        match self {
            ApiError::Platform { code, .. } => FATAL_CODES.contains(&code.as_str()),
            ApiError::Http { status, .. } => matches!(status, 401 | 403 | 404 | 410),
            _ => false,
        }
    }

    /// How long Slack asked us to wait, for rate limits.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::RateLimited {
                retry_after: Some(d),
            } => write!(f, "rate limited, retry after {}s", d.as_secs()),
            ApiError::RateLimited { retry_after: None } => f.write_str("rate limited"),
            ApiError::Platform { code, needed, .. } => {
                write!(f, "Slack error `{code}`")?;
                if let Some(needed) = needed {
                    write!(f, " (needs scope {needed})")?;
                }
                Ok(())
            }
            ApiError::Http { status, excerpt } if excerpt.is_empty() => write!(f, "HTTP {status}"),
            ApiError::Http { status, excerpt } => write!(f, "HTTP {status}: {excerpt}"),
            ApiError::InvalidBody { status, detail } => {
                write!(f, "invalid response body (HTTP {status}): {detail}")
            }
            ApiError::Transport { detail } => write!(f, "request failed: {detail}"),
            ApiError::Timeout => f.write_str("request timed out"),
        }
    }
}

impl std::error::Error for ApiError {}

#[derive(Deserialize)]
struct Envelope {
    ok: Option<bool>,
    error: Option<String>,
    warning: Option<String>,
    needed: Option<String>,
    provided: Option<String>,
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    messages: Vec<String>,
}

const EXCERPT_CHARS: usize = 200;

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text: String = text.chars().take(EXCERPT_CHARS).collect();
    redact_tokens(text.trim()).into_owned()
}

/// Classifies a response by Slack's rules.
pub fn classify(response: &HttpResponse) -> Result<ApiResponse, ApiError> {
    if response.status == 429 {
        return Err(ApiError::RateLimited {
            retry_after: response.retry_after,
        });
    }
    let parsed: Result<Envelope, _> = serde_json::from_slice(&response.body);
    let envelope = match parsed {
        Ok(envelope) => envelope,
        Err(_) if response.status != 200 => {
            return Err(ApiError::Http {
                status: response.status,
                excerpt: excerpt(&response.body),
            })
        }
        Err(e) => {
            return Err(ApiError::InvalidBody {
                status: response.status,
                detail: redact_tokens(&e.to_string()).into_owned(),
            })
        }
    };
    // Every text taken from the body is shown in errors and logs: a server that echoes a token
    // (in an error code, even glued to other text) must not get it printed.
    let messages = envelope
        .response_metadata
        .map(|m| m.messages.into_iter().map(from_body).collect())
        .unwrap_or_default();
    let (warning, needed, provided) = (
        envelope.warning.map(from_body),
        envelope.needed.map(from_body),
        envelope.provided.map(from_body),
    );
    match (envelope.ok, envelope.error.map(from_body)) {
        (Some(true), _) if response.status == 200 => Ok(ApiResponse {
            body: response.body.clone(),
            warning,
            messages,
        }),
        (_, Some(code)) if code == "ratelimited" => Err(ApiError::RateLimited {
            retry_after: response.retry_after,
        }),
        (_, Some(code)) => Err(ApiError::Platform {
            code,
            needed,
            provided,
            messages,
            warning,
        }),
        _ if response.status != 200 => Err(ApiError::Http {
            status: response.status,
            excerpt: excerpt(&response.body),
        }),
        (None, None) => Err(ApiError::InvalidBody {
            status: 200,
            detail: "no `ok` field".into(),
        }),
        (Some(_), None) => Err(ApiError::Platform {
            code: "unknown_error".into(),
            needed: None,
            provided: None,
            messages,
            warning,
        }),
    }
}

/// A string from a response body, with any token in it redacted.
fn from_body(text: String) -> String {
    redact_tokens(&text).into_owned()
}

/// `apps.connections.open` / `rtm.connect` / `rtm.start`: the WebSocket URL.
#[derive(Clone, Deserialize)]
pub struct ConnectionUrl {
    /// `wss://…` (single use).
    pub url: String,
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionUrl")
            .field("url", &redact_url(&self.url))
            .finish()
    }
}

/// A WebSocket URL with its secret parts hidden: `wss://host/…`. Socket Mode tickets and RTM
/// paths are single-use credentials, so they stay out of logs too; so do a password in the
/// URL (`user:password@` becomes `<redacted>@`) and any Slack token (a token given where a
/// URL was expected is still a token).
pub fn redact_url(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let (authority, rest) = match url[after_scheme..].find(['/', '?', '#']) {
        Some(i) => url[after_scheme..].split_at(i),
        None => (&url[after_scheme..], ""),
    };
    let authority = match authority.rfind('@') {
        Some(at) => format!("<redacted>{}", &authority[at..]),
        None => authority.to_owned(),
    };
    let rest = if rest.len() > 1 { "/…" } else { rest };
    let shown = format!("{}{authority}{rest}", &url[..after_scheme]);
    crate::secret::redact_tokens(&shown).into_owned()
}

/// Builds Web API requests for one token and base URL, numbering them.
#[derive(Clone, Debug)]
pub struct WebApi {
    api_url: String,
    token: Token,
    next_id: u64,
}

impl WebApi {
    /// Requests against `api_url` (ending in `/`, as `https://slack.com/api/`) with `token`.
    pub fn new(api_url: impl Into<String>, token: Token) -> Self {
        let mut api_url = api_url.into();
        if !api_url.ends_with('/') {
            api_url.push('/');
        }
        WebApi {
            api_url,
            token,
            next_id: 1,
        }
    }

    fn request(
        &mut self,
        method: impl Into<Cow<'static, str>>,
        body: String,
        kind: BodyKind,
    ) -> HttpRequest {
        let method = method.into();
        let id = RequestId(self.next_id);
        self.next_id += 1;
        HttpRequest {
            id,
            url: format!("{}{}", self.api_url, method),
            method,
            body,
            kind,
            token: self.token.clone(),
        }
    }

    /// Any method, with form parameters (values that are arrays or objects go as JSON text, which
    /// Slack accepts for fields such as `blocks`).
    pub fn call<'a>(
        &mut self,
        method: impl Into<Cow<'static, str>>,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> HttpRequest {
        let body = form_encode(params);
        self.request(method, body, BodyKind::Form)
    }

    /// Any write method, with a JSON body.
    pub fn call_json<T: Serialize + ?Sized>(
        &mut self,
        method: impl Into<Cow<'static, str>>,
        body: &T,
    ) -> Result<HttpRequest, serde_json::Error> {
        let body = serde_json::to_string(body)?;
        Ok(self.request(method, body, BodyKind::Json))
    }

    /// `apps.connections.open` (app-level token).
    pub fn apps_connections_open(&mut self) -> HttpRequest {
        self.call("apps.connections.open", [])
    }

    /// `rtm.connect`.
    pub fn rtm_connect(&mut self, options: &RtmConnectOptions) -> HttpRequest {
        let mut params = Vec::new();
        if options.batch_presence_aware {
            params.push(("batch_presence_aware", "true"));
        }
        if options.presence_sub {
            params.push(("presence_sub", "true"));
        }
        self.call("rtm.connect", params)
    }

    /// `rtm.start`.
    pub fn rtm_start(&mut self, options: &RtmStartOptions) -> HttpRequest {
        let params = options.params();
        self.call("rtm.start", params.iter().map(|(k, v)| (*k, v.as_str())))
    }
}

/// `application/x-www-form-urlencoded`. Small enough to keep here rather than add a dependency
/// to the core (which is kept to serde, serde_json and bytes).
fn form_encode<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in params {
        if !out.is_empty() {
            out.push('&');
        }
        encode_component(name, &mut out);
        out.push('=');
        encode_component(value, &mut out);
    }
    out
}

fn encode_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> WebApi {
        WebApi::new("https://slack.com/api", Token::new("xoxb-secret-1"))
    }

    #[test]
    fn requests_carry_the_token_only_in_the_header() {
        let req = api().call(
            "reactions.add",
            [
                ("channel", "C1"),
                ("timestamp", "1.2"),
                ("name", "thumbs up&"),
            ],
        );
        assert_eq!(req.url(), "https://slack.com/api/reactions.add");
        assert_eq!(req.body(), "channel=C1&timestamp=1.2&name=thumbs+up%26");
        assert_eq!(req.authorization(), "Bearer xoxb-secret-1");
        assert!(!format!("{req:?}").contains("secret"));
        let post = api()
            .call_json(
                "chat.postMessage",
                &serde_json::json!({ "channel": "C1", "text": "héllo \"x\"" }),
            )
            .unwrap();
        assert_eq!(post.content_type(), "application/json; charset=utf-8");
        let v: serde_json::Value = serde_json::from_str(post.body()).unwrap();
        assert_eq!(v["text"], "héllo \"x\"");
    }

    #[test]
    fn tokens_echoed_in_a_body_never_reach_an_error() {
        // Found by the web_api_response fuzz target: a token glued into the error code.
        let body = r#"{"ok":false,"error":"notxapp-1_au;the#","needed":"xoxb-2","warning":"w xoxp-3","response_metadata":{"messages":["xapp-4"]}}"#;
        let err = classify(&HttpResponse::new(307, body)).unwrap_err();
        let shown = format!("{err} {err:?}");
        for token in ["xapp-1", "xoxb-2", "xoxp-3", "xapp-4"] {
            assert!(!shown.contains(token), "{shown}");
        }
        assert_eq!(err.code(), Some("notxapp-<redacted>;the#"));
    }

    #[test]
    fn ids_increase() {
        let mut api = api();
        let a = api.call("auth.test", []);
        let b = api.call("auth.test", []);
        assert!(b.id() > a.id());
    }

    #[test]
    fn classification_follows_slack_rules() {
        let ok = classify(&HttpResponse::new(200, r#"{"ok":true,"url":"wss://x/link/?ticket=1","warning":"superfluous_charset","response_metadata":{"messages":["m"]}}"#)).unwrap();
        assert_eq!(ok.warning(), Some("superfluous_charset"));
        assert_eq!(ok.messages(), ["m"]);
        assert!(ok
            .json::<ConnectionUrl>()
            .unwrap()
            .url
            .starts_with("wss://"));

        let err = classify(&HttpResponse::new(
            200,
            r#"{"ok":false,"error":"invalid_auth"}"#,
        ))
        .unwrap_err();
        assert!(err.is_fatal());
        assert_eq!(err.code(), Some("invalid_auth"));

        let limited =
            classify(&HttpResponse::new(429, "").with_retry_after_header("17")).unwrap_err();
        assert_eq!(
            limited,
            ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(17))
            }
        );

        let html = classify(&HttpResponse::new(503, "<html>down</html>")).unwrap_err();
        assert!(matches!(html, ApiError::Http { status: 503, .. }));
        assert!(!html.is_fatal());

        let truncated = classify(&HttpResponse::new(200, r#"{"ok":true,"url":"ws"#)).unwrap_err();
        assert!(
            matches!(truncated, ApiError::InvalidBody { .. }),
            "{truncated:?}"
        );

        let not_found = classify(&HttpResponse::new(404, "not found xoxb-123")).unwrap_err();
        assert!(not_found.is_fatal());
        assert!(!not_found.to_string().contains("xoxb-123"));

        let retryable = classify(&HttpResponse::new(
            200,
            r#"{"ok":false,"error":"internal_error"}"#,
        ))
        .unwrap_err();
        assert!(!retryable.is_fatal());
    }

    #[test]
    fn a_token_glued_to_other_text_is_still_redacted_from_errors() {
        // Found by the `web_api_response` fuzz target.
        let error = classify(&HttpResponse::new(
            596,
            b"   \"So\xff\xff\xff\xffkxapp-1\"".to_vec(),
        ))
        .unwrap_err();
        assert!(!error.to_string().contains("xapp-1"), "{error}");
    }

    #[test]
    fn urls_are_redacted_for_display() {
        assert_eq!(
            redact_url("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1"),
            "wss://wss-primary.slack.com/…"
        );
        assert_eq!(redact_url("ws://127.0.0.1:9/"), "ws://127.0.0.1:9/");
        assert_eq!(
            redact_url("http://user:pa55word@127.0.0.1:9/api/"),
            "http://<redacted>@127.0.0.1:9/…"
        );
        assert_eq!(
            redact_url("https://u:p@w@slack.com"),
            "https://<redacted>@slack.com"
        );
        assert_eq!(redact_url("xapp-1-A0-1-sécret"), "xapp-<redacted>");
        assert_eq!(
            redact_url("https://xoxb-1-secret.example.com/api"),
            "https://xoxb-<redacted>"
        );
    }
}
