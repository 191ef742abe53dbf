//! What a driver's HTTP exchange comes to, in the session's and the Web API's terms.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use slackline::{redact_tokens, ApiError, HttpRequest, HttpResponse, Input, RequestId, Token};

/// Why a request produced no response (tokens redacted).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpFailure {
    /// The request took longer than the HTTP timeout.
    Timeout,
    /// Refused URL, DNS, connect, TLS, protocol or body errors.
    Transport(String),
}

impl HttpFailure {
    /// A transport failure from any error, its text redacted.
    pub fn transport(error: impl fmt::Display) -> HttpFailure {
        HttpFailure::Transport(redact_tokens(&error.to_string()).into_owned())
    }

    /// The Web API error a caller sees.
    pub fn into_api_error(self) -> ApiError {
        match self {
            HttpFailure::Timeout => ApiError::Timeout,
            HttpFailure::Transport(detail) => ApiError::Transport { detail },
        }
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpFailure::Timeout => f.write_str("request timed out"),
            HttpFailure::Transport(detail) => f.write_str(detail),
        }
    }
}

/// The session's input for the answer to `request`.
pub fn http_input(request: RequestId, result: Result<HttpResponse, HttpFailure>) -> Input {
    match result {
        Ok(response) => Input::HttpResponse { request, response },
        Err(failure) => Input::HttpFailed {
            request,
            detail: failure.to_string(),
        },
    }
}

/// An HTTP POST for a driver to make: a Web API call (the token in the `Authorization` header
/// and nowhere else) or a message to a `response_url` (no token: the URL is the credential, and
/// it is never logged).
#[derive(Clone)]
pub struct HttpPost {
    url: String,
    content_type: &'static str,
    body: Bytes,
    token: Option<Token>,
    what: Cow<'static, str>,
}

impl HttpPost {
    /// JSON to a `response_url`, without a token.
    pub(crate) fn response_url(url: &str, body: String) -> HttpPost {
        HttpPost {
            url: url.to_owned(),
            content_type: JSON,
            body: Bytes::from(body),
            token: None,
            what: Cow::Borrowed("response_url"),
        }
    }

    /// A file's bytes to the upload URL `files.getUploadURLExternal` gave (no token: the URL
    /// is signed).
    pub(crate) fn upload(url: &str, body: Bytes) -> HttpPost {
        HttpPost {
            url: url.to_owned(),
            content_type: "application/octet-stream",
            body,
            token: None,
            what: Cow::Borrowed("file upload"),
        }
    }

    /// The URL to POST to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The body (shared: cloning it copies nothing).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `Authorization` header (the secret: put it there and nowhere else), if any, marked
    /// sensitive so that HTTP libraries keep it out of their logs.
    pub fn authorization(&self) -> Result<Option<http::HeaderValue>, HttpFailure> {
        let Some(token) = &self.token else {
            return Ok(None);
        };
        let mut value = http::HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| HttpFailure::Transport("the token is not a valid header value".into()))?;
        value.set_sensitive(true);
        Ok(Some(value))
    }

    /// What it is, for logs: the Web API method, or `response_url`.
    pub fn what(&self) -> &str {
        &self.what
    }
}

const JSON: &str = "application/json; charset=utf-8";

impl From<&HttpRequest> for HttpPost {
    fn from(request: &HttpRequest) -> Self {
        HttpPost {
            url: request.url().to_owned(),
            content_type: request.content_type(),
            body: Bytes::copy_from_slice(request.body().as_bytes()),
            token: Some(request.token().clone()),
            what: Cow::Owned(request.method().to_owned()),
        }
    }
}

impl fmt::Debug for HttpPost {
    // The URL of a `response_url` is a credential, and bodies hold user content: neither shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpPost")
            .field("what", &self.what)
            .field("body_bytes", &self.body.len())
            .field("token", &self.token)
            .finish()
    }
}
