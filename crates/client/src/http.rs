//! What a driver's HTTP exchange comes to, in the session's and the Web API's terms.

use std::fmt;

use slackline::{redact_tokens, ApiError, HttpResponse, Input, RequestId};

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
