//! Performs HTTP POSTs (the session's Web API requests, the [`WebClient`](crate::WebClient)'s
//! calls, `response_url` posts): one connection per request over the same route and TLS as
//! the WebSockets, bounded by a timeout and a body size limit.

use std::time::{Duration, Instant};

use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER, USER_AGENT};
use slackline::HttpResponse;
use slackline_client::{check, HttpFailure, HttpPost, Protocol};

use crate::http1;
use crate::net::Connector;

/// Larger bodies are refused (`rtm.start` on a big workspace is the largest Slack sends).
const MAX_BODY: usize = 64 << 20;
const AGENT: &str = concat!("slackline-blocking/", env!("CARGO_PKG_VERSION"));

/// Makes HTTP POSTs with the TLS, proxy and timeout it was made with (what the
/// [`WebClient`](crate::WebClient) and the handlers' helpers call through).
#[derive(Clone, Debug)]
pub struct HttpClient {
    pub(crate) connector: Connector,
    pub(crate) timeout: Duration,
}

impl HttpClient {
    /// POSTs `request`; any status (429 included) is a response, for the core to classify.
    pub(crate) fn post(&self, request: &HttpPost) -> Result<HttpResponse, HttpFailure> {
        let deadline = Instant::now() + self.timeout;
        let target = check(request.url(), Protocol::Http).map_err(HttpFailure::transport)?;
        let io_error = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => HttpFailure::Timeout,
            _ => HttpFailure::transport(e),
        };
        let mut stream = self
            .connector
            .connect(&target, deadline)
            .map_err(io_error)?;
        let body: &[u8] = request.body();
        let uri = format!(
            "{}://{}{}",
            if target.tls { "https" } else { "http" },
            target.authority,
            target.path_and_query
        );
        let mut http_request = http::Request::post(uri).header(HOST, target.authority.as_str());
        if let Some(authorization) = request.authorization()? {
            http_request = http_request.header(AUTHORIZATION, authorization);
        }
        let http_request = http_request
            .header(CONTENT_TYPE, request.content_type())
            .header(CONTENT_LENGTH, body.len())
            .header(USER_AGENT, AGENT)
            .body(())
            .map_err(HttpFailure::transport)?;
        let response = http1::exchange(&mut stream, http_request, body, MAX_BODY, deadline)
            .map_err(io_error)?;
        let mut answer =
            HttpResponse::new(response.status.as_u16(), bytes::Bytes::from(response.body));
        if let Some(value) = response
            .headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
        {
            answer = answer.with_retry_after_header(value);
        }
        Ok(answer)
    }
}
