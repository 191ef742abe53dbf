//! A Web API client on plain threads: requests built and responses classified by the core's
//! [`WebApi`] and [`classify`], 429s retried after their `Retry-After` (the calling thread
//! sleeps), over the same route and TLS as the real-time clients.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use slackline::{classify, AuthTest, PostedMessage};
use slackline::{ApiError, ApiResponse, Config, HttpRequest, Token, WebApi};
use slackline_client::{
    check, Error, Protocol, ProxyChoice, RetryPolicy, TlsConfig, DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_RATE_LIMIT_RETRIES,
};

use crate::http::HttpClient;
use crate::net::Connector;

/// Calls Slack's Web API from any thread. Cheap to clone.
#[derive(Clone)]
pub struct WebClient {
    http: HttpClient,
    api_url: String,
    token: Token,
    retry: RetryPolicy,
}

/// Builds a [`WebClient`].
#[derive(Debug)]
pub struct WebClientBuilder {
    token: Token,
    api_url: String,
    timeout: Duration,
    tls: Option<TlsConfig>,
    proxy: ProxyChoice,
    rate_limit_retries: u32,
    max_retry_wait: Duration,
}

impl WebClientBuilder {
    /// Base URL (default `https://slack.com/api/`); plain `http://` only to loopback.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// Limit on each request (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// TLS settings (default: [`TlsConfig::webpki_roots`]).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// An HTTP CONNECT proxy (default: `HTTPS_PROXY`, never for loopback).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy.url(url.into());
        self
    }

    /// Destinations that bypass the proxy, in `NO_PROXY` syntax.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.proxy.no_proxy(list.into());
        self
    }

    /// Connect directly, ignoring `HTTPS_PROXY`.
    pub fn without_proxy(mut self) -> Self {
        self.proxy.direct();
        self
    }

    /// How often a 429 is retried after its `Retry-After` (default 2; 0 returns it at once),
    /// and the longest wait accepted.
    pub fn rate_limit_retries(mut self, retries: u32, max_wait: Duration) -> Self {
        self.rate_limit_retries = retries;
        self.max_retry_wait = max_wait;
        self
    }

    /// Checks the URL and the proxy and builds the client.
    pub fn build(self) -> Result<WebClient, Error> {
        check(&self.api_url, Protocol::Http)?;
        let connector = Connector {
            tls: match self.tls {
                Some(tls) => tls,
                None => TlsConfig::webpki_roots()?,
            },
            proxy: self.proxy.resolve()?,
        };
        Ok(WebClient {
            http: HttpClient {
                connector,
                timeout: self.timeout,
            },
            api_url: self.api_url,
            token: self.token,
            retry: RetryPolicy {
                retries: self.rate_limit_retries,
                max_wait: self.max_retry_wait,
            },
        })
    }
}

impl WebClient {
    /// A builder for a bot (`xoxb-`) or user (`xoxp-`) token.
    pub fn builder(token: impl Into<String>) -> WebClientBuilder {
        WebClientBuilder {
            token: Token::new(token),
            api_url: Config::DEFAULT_API_URL.to_owned(),
            timeout: slackline::Config::DEFAULT_HTTP_TIMEOUT,
            tls: None,
            proxy: ProxyChoice::default(),
            rate_limit_retries: DEFAULT_RATE_LIMIT_RETRIES,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
        }
    }

    /// `auth.test`: who the token belongs to.
    pub fn auth_test(&self) -> Result<AuthTest, ApiError> {
        self.send(|api| Ok(api.auth_test()))?.json()
    }

    /// `chat.postMessage` with plain text.
    pub fn chat_post_message(&self, channel: &str, text: &str) -> Result<PostedMessage, ApiError> {
        self.send(|api| Ok(api.chat_post_message(channel, text)))?
            .json()
    }

    /// `chat.postMessage` with any fields (`blocks`, `thread_ts`, ...).
    pub fn chat_post_message_with<T: Serialize + ?Sized>(
        &self,
        message: &T,
    ) -> Result<PostedMessage, ApiError> {
        self.send(|api| api.chat_post_message_with(message))?.json()
    }

    /// `reactions.add`: react with `name` (no colons) to message `timestamp` in `channel`.
    pub fn reactions_add(
        &self,
        channel: &str,
        timestamp: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        self.send(|api| Ok(api.reactions_add(channel, timestamp, name)))
            .map(drop)
    }

    /// Any method with form parameters.
    pub fn call(&self, method: &str, params: &[(&str, &str)]) -> Result<ApiResponse, ApiError> {
        self.send(|api| Ok(api.call(method.to_owned(), params.iter().copied())))
    }

    /// Any method with a JSON body.
    pub fn call_json<T: Serialize + ?Sized>(
        &self,
        method: &str,
        body: &T,
    ) -> Result<ApiResponse, ApiError> {
        self.send(|api| api.call_json(method.to_owned(), body))
    }

    fn send(
        &self,
        build: impl Fn(&mut WebApi) -> Result<HttpRequest, serde_json::Error>,
    ) -> Result<ApiResponse, ApiError> {
        let mut api = WebApi::new(self.api_url.clone(), self.token.clone());
        let mut retries = 0;
        loop {
            let request = build(&mut api).map_err(|e| ApiError::Transport {
                detail: format!("the request body could not be serialised: {e}"),
            })?;
            let result = match self.http.post(&request) {
                Ok(response) => classify(&response),
                Err(failure) => Err(failure.into_api_error()),
            };
            let Some(wait) = self.retry.wait(&result, retries) else {
                return result;
            };
            retries += 1;
            tracing::info!(method = request.method(), ?wait, "rate limited; retrying");
            std::thread::sleep(wait);
        }
    }
}

impl fmt::Debug for WebClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebClient")
            .field("api_url", &self.api_url)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}
