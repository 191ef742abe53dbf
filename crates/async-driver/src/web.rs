//! A Web API client on the same runtime and transport as the real-time clients: requests
//! built and responses classified by the core's [`WebApi`] and [`classify`], 429s retried
//! after their `Retry-After`.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use slackline::classify;
use slackline::{ApiError, ApiResponse, Config, HttpRequest, Token, WebApi};
use slackline::{AuthTest, PostedMessage};

use slackline_client::{
    check, Error, Protocol, ProxyChoice, RetryPolicy, TlsConfig, DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_RATE_LIMIT_RETRIES,
};

use crate::http::HttpClient;
use crate::runtime::Runtime;
use crate::stream::Connector;

/// Calls Slack's Web API. Cheap to clone; every clone shares the settings.
#[derive(Clone)]
pub struct WebClient<R: Runtime> {
    http: HttpClient<R>,
    api_url: String,
    token: Token,
    retry: RetryPolicy,
}

/// Builds a [`WebClient`].
#[derive(Debug)]
pub struct WebClientBuilder<R> {
    runtime: R,
    token: Token,
    api_url: String,
    timeout: Duration,
    tls: Option<TlsConfig>,
    proxy: ProxyChoice,
    rate_limit_retries: u32,
    max_retry_wait: Duration,
}

impl<R: Runtime> WebClientBuilder<R> {
    /// Base URL (default `https://slack.com/api/`); plain `http://` only to loopback.
    /// [`WebApi`] adds the trailing `/` if it is missing.
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

    /// An HTTP CONNECT proxy, `http://[user:password@]host[:port]` (default: `HTTPS_PROXY`
    /// from the environment, never for loopback); see [`ClientBuilder::proxy`](crate::ClientBuilder::proxy).
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

    /// Checks the URL and builds the client.
    pub fn build(self) -> Result<WebClient<R>, Error> {
        check(&self.api_url, Protocol::Http)?;
        let tls = match self.tls {
            Some(tls) => tls,
            None => TlsConfig::webpki_roots()?,
        };
        let connector = Connector {
            tls,
            proxy: self.proxy.resolve()?,
        };
        Ok(WebClient {
            http: HttpClient::new(self.runtime, connector, self.timeout),
            api_url: self.api_url,
            token: self.token,
            retry: RetryPolicy {
                retries: self.rate_limit_retries,
                max_wait: self.max_retry_wait,
            },
        })
    }
}

impl<R: Runtime + Default> WebClient<R> {
    /// A builder for a bot (`xoxb-`) or user (`xoxp-`) token.
    pub fn builder(token: impl Into<String>) -> WebClientBuilder<R> {
        Self::builder_on(R::default(), token)
    }
}

impl<R: Runtime> WebClient<R> {
    /// A builder on a given runtime value.
    pub fn builder_on(runtime: R, token: impl Into<String>) -> WebClientBuilder<R> {
        WebClientBuilder {
            runtime,
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
    pub async fn auth_test(&self) -> Result<AuthTest, ApiError> {
        self.send(|api| Ok(api.auth_test())).await?.json()
    }

    /// `chat.postMessage` with plain text.
    pub async fn chat_post_message(
        &self,
        channel: &str,
        text: &str,
    ) -> Result<PostedMessage, ApiError> {
        self.send(|api| Ok(api.chat_post_message(channel, text)))
            .await?
            .json()
    }

    /// `chat.postMessage` with any fields (`blocks`, `thread_ts`, ...).
    pub async fn chat_post_message_with<T: Serialize + ?Sized>(
        &self,
        message: &T,
    ) -> Result<PostedMessage, ApiError> {
        self.send(|api| api.chat_post_message_with(message))
            .await?
            .json()
    }

    /// `reactions.add`: react with `name` (no colons) to message `timestamp` in `channel`.
    pub async fn reactions_add(
        &self,
        channel: &str,
        timestamp: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        self.send(|api| Ok(api.reactions_add(channel, timestamp, name)))
            .await
            .map(drop)
    }

    /// Any method with form parameters.
    pub async fn call(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> Result<ApiResponse, ApiError> {
        self.send(|api| Ok(api.call(method.to_owned(), params.iter().copied())))
            .await
    }

    /// Any method with a JSON body.
    pub async fn call_json<T: Serialize + ?Sized>(
        &self,
        method: &str,
        body: &T,
    ) -> Result<ApiResponse, ApiError> {
        self.send(|api| api.call_json(method.to_owned(), body))
            .await
    }

    async fn send(
        &self,
        build: impl Fn(&mut WebApi) -> Result<HttpRequest, serde_json::Error>,
    ) -> Result<ApiResponse, ApiError> {
        let mut api = WebApi::new(self.api_url.clone(), self.token.clone());
        let mut retries = 0;
        loop {
            let request = build(&mut api).map_err(|e| ApiError::Transport {
                detail: format!("the request body could not be serialised: {e}"),
            })?;
            let result = match self.http.post(&request).await {
                Ok(response) => classify(&response),
                Err(failure) => Err(failure.into_api_error()),
            };
            let Some(wait) = self.retry.wait(&result, retries) else {
                return result;
            };
            retries += 1;
            tracing::info!(method = request.method(), ?wait, "rate limited; retrying");
            let runtime = self.http.runtime();
            runtime.sleep_until(runtime.now() + wait).await;
        }
    }
}

impl<R: Runtime> fmt::Debug for WebClient<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebClient")
            .field("api_url", &self.api_url)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}
