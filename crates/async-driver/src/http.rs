//! Performs HTTP POSTs (the session's Web API requests, the [`WebClient`](crate::WebClient)'s
//! calls, `response_url` posts): one hyper HTTP/1.1 client connection per request over the
//! runtime's TCP (and rustls), bounded by a timeout and a body size limit.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER, USER_AGENT};
use http_body_util::{BodyExt, Full, Limited};
use slackline::HttpResponse;
use slackline_client::{check, HttpFailure, HttpPost, Protocol};

use crate::hyper_io::HyperIo;
use crate::runtime::Runtime;
use crate::stream::Connector;

/// Larger bodies are refused (`rtm.start` on a big workspace is the largest Slack sends).
const MAX_BODY: usize = 64 << 20;
const AGENT: &str = concat!("slackline/", env!("CARGO_PKG_VERSION"));

/// Makes HTTP POSTs on runtime `R`, with the TLS, proxy and timeout it was made with (what
/// the [`WebClient`](crate::WebClient) and the handlers' helpers call through).
#[derive(Clone, Debug)]
pub struct HttpClient<R> {
    runtime: R,
    connector: Connector,
    timeout: Duration,
}

impl<R: Runtime> HttpClient<R> {
    pub(crate) fn new(runtime: R, connector: Connector, timeout: Duration) -> Self {
        HttpClient {
            runtime,
            connector,
            timeout,
        }
    }

    pub(crate) fn runtime(&self) -> &R {
        &self.runtime
    }

    /// POSTs `request`; any status (429 included) is a response, for the core to classify.
    pub(crate) async fn post(&self, request: &HttpPost) -> Result<HttpResponse, HttpFailure> {
        let deadline = self.runtime.now() + self.timeout;
        let exchange = pin!(self.exchange(request));
        match select(exchange, self.runtime.sleep_until(deadline)).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => Err(HttpFailure::Timeout),
        }
    }

    async fn exchange(&self, request: &HttpPost) -> Result<HttpResponse, HttpFailure> {
        let target = check(request.url(), Protocol::Http).map_err(HttpFailure::transport)?;
        let io = self
            .connector
            .connect(&self.runtime, &target)
            .await
            .map_err(HttpFailure::transport)?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(HyperIo(io))
            .await
            .map_err(HttpFailure::transport)?;
        let mut http_request = http::Request::post(target.path_and_query.as_str())
            .header(HOST, target.authority.as_str());
        if let Some(authorization) = request.authorization()? {
            http_request = http_request.header(AUTHORIZATION, authorization);
        }
        let http_request = http_request
            .header(CONTENT_TYPE, request.content_type())
            .header(USER_AGENT, AGENT)
            .body(Full::new(request.body().clone()))
            .map_err(HttpFailure::transport)?;
        let response = async move {
            let response = sender
                .send_request(http_request)
                .await
                .map_err(HttpFailure::transport)?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(HttpFailure::transport)?
                .to_bytes();
            let mut response = HttpResponse::new(status, body);
            if let Some(value) = retry_after {
                response = response.with_retry_after_header(&value);
            }
            Ok(response)
        };
        // The connection future does the IO; the response future waits on it.
        match select(connection, pin!(response)).await {
            Either::Right((result, _)) => result,
            Either::Left((Err(e), _)) => Err(HttpFailure::transport(e)),
            Either::Left((Ok(()), response)) => response.await,
        }
    }
}
