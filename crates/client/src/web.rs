//! The Web API client, written once for every driver: requests built from typed
//! [`Method`]s (form or JSON by [`Method::ENCODING`]), responses classified and decoded, 429s
//! waited out per method, cursor pagination. What a driver adds is the IO: an HTTP POST, a
//! sleep, and how a caller waits (`.await`, or a blocking call), through its [`Kind`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;
use slackline::{classify, ApiError, ApiResponse, Config, HttpResponse, Token, WebApi};
use slackline_types::response::MessageResponse;
use slackline_types::view::View;
use slackline_types::web::{
    auth, chat, files, reactions, views, Encoding, Method, Page, Paginated,
};

use crate::builder::Kind;
use crate::error::Error;
use crate::http::{HttpFailure, HttpPost};
use crate::proxy::{Proxy, ProxyChoice};
use crate::target::{check, Protocol};
use crate::tls::TlsConfig;

/// Rate-limited calls are retried this many times by default.
pub const DEFAULT_RATE_LIMIT_RETRIES: u32 = 2;
/// Longest `Retry-After` the client waits out by itself; longer ones return the error.
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
/// Wait after a 429 that carries no `Retry-After`.
const FALLBACK_RETRY_WAIT: Duration = Duration::from_secs(1);

/// When a rate-limited Web API call is tried again.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries allowed per call.
    pub retries: u32,
    /// Longest `Retry-After` waited out; longer ones return the error.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: DEFAULT_RATE_LIMIT_RETRIES,
            max_wait: DEFAULT_MAX_RETRY_WAIT,
        }
    }
}

/// How a driver's HTTP client connects: TLS, proxy, and the limit on each request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Transport {
    /// TLS for every connection.
    pub tls: TlsConfig,
    /// The proxy, if any.
    pub proxy: Option<Proxy>,
    /// Limit on each request.
    pub timeout: Duration,
}

/// Until when each method is rate limited: Slack limits per method (and workspace), so a 429
/// for `chat.postMessage` holds back the other `chat.postMessage` calls of this client, not its
/// `auth.test`.
#[derive(Debug, Default)]
struct RateLimits(Mutex<HashMap<String, Instant>>);

impl RateLimits {
    fn remaining(&self, method: &str, now: Instant) -> Option<Duration> {
        let limits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let until = *limits.get(method)?;
        (until > now).then(|| until - now)
    }

    fn hold(&self, method: &str, until: Instant) {
        let mut limits = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let slot = limits.entry(method.to_owned()).or_insert(until);
        *slot = (*slot).max(until);
    }
}

/// How an answer is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// Slack's Web API rules (`ok`, `error`, `needed`...).
    WebApi,
    /// A `response_url` or a file upload URL: any 200 is a success (Slack answers `ok`,
    /// `OK - 1234` or `{"ok":true}`), unless it is a JSON `ok: false`.
    Plain,
}

/// What a driver does next for an [`Exchange`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Step {
    /// Sleep this long, then ask again.
    Wait(Duration),
    /// POST [`Exchange::request`] and hand the answer to [`Exchange::answer`].
    Send,
    /// The call's result.
    Done(Result<ApiResponse, ApiError>),
}

/// One call, from the first POST to its result: the decisions (classification, whether and
/// when to try again after a 429, waiting out another call's 429 for the same method) without
/// the IO. A driver loops on [`next`](Self::next).
#[derive(Debug)]
pub struct Exchange {
    post: HttpPost,
    answer: Answer,
    retry: RetryPolicy,
    retries: u32,
    limits: Arc<RateLimits>,
    done: Option<Result<ApiResponse, ApiError>>,
}

impl Exchange {
    fn new(post: HttpPost, answer: Answer, retry: RetryPolicy, limits: Arc<RateLimits>) -> Self {
        Exchange {
            post,
            answer,
            retry,
            retries: 0,
            limits,
            done: None,
        }
    }

    /// The request to POST.
    pub fn request(&self) -> &HttpPost {
        &self.post
    }

    /// What to do now (`now` from the driver's clock).
    pub fn next(&mut self, now: Instant) -> Step {
        if let Some(result) = self.done.take() {
            return Step::Done(result);
        }
        match self.limits.remaining(self.post.what(), now) {
            // Retries off (or a wait too long): the caller gets the 429 it would have got.
            Some(wait) if self.retry.retries == 0 || wait > self.retry.max_wait => {
                Step::Done(Err(ApiError::RateLimited {
                    retry_after: Some(wait),
                }))
            }
            Some(wait) => Step::Wait(wait),
            None => Step::Send,
        }
    }

    /// The answer to the request (`now` when it arrived).
    pub fn answer(&mut self, now: Instant, result: Result<HttpResponse, HttpFailure>) {
        let result = match result {
            Ok(response) => match self.answer {
                Answer::WebApi => classify(&response),
                Answer::Plain => classify_plain(&response),
            },
            Err(failure) => Err(failure.into_api_error()),
        };
        if let Err(ApiError::RateLimited { retry_after }) = &result {
            let wait = retry_after.unwrap_or(FALLBACK_RETRY_WAIT);
            self.limits.hold(self.post.what(), now + wait);
            if self.retries < self.retry.retries && wait <= self.retry.max_wait {
                self.retries += 1;
                tracing::info!(method = self.post.what(), ?wait, "rate limited; retrying");
                return;
            }
        }
        self.done = Some(result);
    }
}

/// A `response_url`'s or an upload URL's answer: Slack says `ok` in plain text (or
/// `{"ok":true}`); errors come as a status (404 `expired_url`...) or a JSON `ok: false`.
fn classify_plain(response: &HttpResponse) -> Result<ApiResponse, ApiError> {
    let failed = response.status != 200
        || serde_json::from_slice::<serde_json::Value>(&response.body)
            .is_ok_and(|v| v.get("ok") == Some(&serde_json::Value::Bool(false)));
    if failed {
        return classify(response);
    }
    classify(&HttpResponse::new(200, &br#"{"ok":true}"#[..]))
}

fn unserialisable(error: serde_json::Error) -> ApiError {
    ApiError::Transport {
        detail: format!("the request body could not be serialised: {error}"),
    }
}

/// The typed response of `M`, from a successful answer (Slack's warnings are logged).
fn decode<M: Method>(response: ApiResponse) -> Result<M::Response, ApiError> {
    if let Some(warning) = response.warning() {
        tracing::warn!(method = M::NAME, warning, "Slack's warning");
    }
    response.json()
}

/// What every clone of a [`WebClient`] shares.
#[derive(Debug)]
struct Shared {
    api_url: String,
    token: Token,
    retry: RetryPolicy,
    limits: Arc<RateLimits>,
}

/// Calls Slack's Web API, with a bot (`xoxb-`) or user (`xoxp-`) token, on driver family `K`:
/// on the async drivers each call returns a future to `.await`, on the blocking driver the
/// result itself. Cheap to clone; every clone shares the settings and the rate limits seen.
///
/// - [`send`](Self::send) any typed request of `slackline_types::web` (form or JSON as the
///   method wants), and get its typed response;
/// - [`paginate`](Self::paginate) a cursor-paginated one: a `Stream` of pages (async) or an
///   `Iterator` (blocking);
/// - [`call`](Self::call) / [`call_json`](Self::call_json) any other method, untyped.
///
/// Errors are [`ApiError`]s: Slack's code with `needed` / `provided` scopes and warnings, HTTP
/// and transport failures. A 429 is waited out (its `Retry-After`, at most
/// [`rate_limit_retries`](WebClientBuilder::rate_limit_retries) times), and until it has
/// passed the other calls of this client to the same method wait too.
pub struct WebClient<K: Kind> {
    http: K::Http,
    shared: Arc<Shared>,
}

impl<K: Kind> Clone for WebClient<K> {
    fn clone(&self) -> Self {
        WebClient {
            http: self.http.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<K: Kind> fmt::Debug for WebClient<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebClient")
            .field("api_url", &self.shared.api_url)
            .field("token", &self.shared.token)
            .finish_non_exhaustive()
    }
}

impl<K: Kind> WebClient<K>
where
    K::Runtime: Default,
{
    /// A builder for a bot (`xoxb-`) or user (`xoxp-`) token.
    pub fn builder(token: impl Into<String>) -> WebClientBuilder<K> {
        Self::builder_on(K::Runtime::default(), token)
    }
}

impl<K: Kind> WebClient<K> {
    /// A builder on a given runtime value.
    pub fn builder_on(runtime: K::Runtime, token: impl Into<String>) -> WebClientBuilder<K> {
        WebClientBuilder {
            runtime,
            token: Token::new(token),
            api_url: Config::DEFAULT_API_URL.to_owned(),
            timeout: Config::DEFAULT_HTTP_TIMEOUT,
            tls: None,
            proxy: ProxyChoice::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// Calls method `M` with `request`'s arguments; its typed response.
    ///
    /// ```ignore
    /// let posted = web.send(&chat::PostMessage::new("C123").text("hi")).await?;
    /// ```
    pub fn send<M>(&self, request: &M) -> K::Io<Result<M::Response, ApiError>>
    where
        M: Method,
        M::Response: Send + 'static,
    {
        match self.post(request) {
            Ok(post) => K::map(self.exchange(post, Answer::WebApi), |result| {
                result.and_then(decode::<M>)
            }),
            Err(error) => K::ready(Err(error)),
        }
    }

    /// Every page of a cursor-paginated method (`conversations.history`, `users.list`...),
    /// one request per page, from `request` (its `limit` sets the page size) until Slack gives
    /// no further cursor; a failed page is the last item.
    pub fn paginate<M>(&self, request: M) -> K::Pages<M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static,
    {
        K::pages(self.clone(), request)
    }

    /// Any method, with form fields; the untyped answer.
    pub fn call(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> K::Io<Result<ApiResponse, ApiError>> {
        let request = self.api().call(method.to_owned(), params.iter().copied());
        self.exchange(HttpPost::from(&request), Answer::WebApi)
    }

    /// Any method, with a JSON body; the untyped answer.
    pub fn call_json<T: Serialize + ?Sized>(
        &self,
        method: &str,
        body: &T,
    ) -> K::Io<Result<ApiResponse, ApiError>> {
        match self.api().call_json(method.to_owned(), body) {
            Ok(request) => self.exchange(HttpPost::from(&request), Answer::WebApi),
            Err(error) => K::ready(Err(unserialisable(error))),
        }
    }

    /// Posts `message` to a payload's `response_url` (no token: the URL is the credential).
    /// The same URL rules as every connection: `https://`, or `http://` to loopback only.
    pub fn respond(
        &self,
        response_url: &str,
        message: &MessageResponse,
    ) -> K::Io<Result<(), ApiError>> {
        respond::<K>(&self.http, response_url, message)
    }

    /// `auth.test`: who the token belongs to.
    pub fn auth_test(&self) -> K::Io<Result<auth::TestResponse, ApiError>> {
        self.send(&auth::Test::new())
    }

    /// `chat.postMessage` with plain text.
    pub fn chat_post_message(
        &self,
        channel: &str,
        text: &str,
    ) -> K::Io<Result<chat::MessageResponse, ApiError>> {
        use slackline_types::compose::Compose;
        self.send(&chat::PostMessage::new(channel).text(text))
    }

    /// `chat.postMessage` with any fields (a [`chat::PostMessage`], or any serialisable object
    /// with `channel` and the content).
    pub fn chat_post_message_with<T: Serialize + ?Sized>(
        &self,
        message: &T,
    ) -> K::Io<Result<chat::MessageResponse, ApiError>> {
        let io = self.call_json(<chat::PostMessage as Method>::NAME, message);
        K::map(io, |result| result.and_then(decode::<chat::PostMessage>))
    }

    /// `reactions.add`: react with `name` (no colons) to message `timestamp` in `channel`.
    pub fn reactions_add(
        &self,
        channel: &str,
        timestamp: &str,
        name: &str,
    ) -> K::Io<Result<(), ApiError>> {
        let add = reactions::Reaction::new(channel, timestamp, name).add();
        K::map(self.send(&add), |result| result.map(drop))
    }

    /// `views.open`: opens `view` for `trigger_id` (within 3 seconds of the payload that
    /// brought it).
    pub fn views_open(
        &self,
        trigger_id: &str,
        view: View,
    ) -> K::Io<Result<views::ViewResponse, ApiError>> {
        self.send(&views::Open::new(trigger_id, view))
    }

    /// File upload v2 in one call: reserves an upload for `filename` and the size of `bytes`
    /// (`files.getUploadURLExternal`), POSTs the bytes to the URL it gives (no token: the URL
    /// is signed), then completes it with what `complete` makes of the reservation
    /// (`files.completeUploadExternal`: title, and where to share it).
    ///
    /// ```ignore
    /// web.upload_file("report.csv", csv, |upload| upload.complete("Report").channel_id("C1"))
    /// ```
    pub fn upload_file(
        &self,
        filename: &str,
        bytes: impl Into<Bytes>,
        complete: impl FnOnce(files::UploadUrl) -> files::CompleteUploadExternal + Send + 'static,
    ) -> K::Io<Result<files::CompleteUploadResponse, ApiError>> {
        let bytes: Bytes = bytes.into();
        let reserve = files::GetUploadUrlExternal::new(filename, bytes.len() as u64);
        let (web, http) = (self.clone(), self.http.clone());
        K::then(self.send(&reserve), move |reserved| {
            let reserved = match reserved {
                Ok(reserved) => reserved,
                Err(error) => return K::ready(Err(error)),
            };
            if let Err(error) = check(&reserved.upload_url, Protocol::Http) {
                return K::ready(Err(ApiError::Transport {
                    detail: error.to_string(),
                }));
            }
            let post = HttpPost::upload(&reserved.upload_url, bytes);
            let upload = Exchange::new(post, Answer::Plain, RetryPolicy::default(), Arc::default());
            K::then(K::exchange(&http, upload), move |uploaded| match uploaded {
                Ok(_) => web.send(&complete(reserved)),
                Err(error) => K::ready(Err(error)),
            })
        })
    }

    fn api(&self) -> WebApi {
        WebApi::new(self.shared.api_url.clone(), self.shared.token.clone())
    }

    fn post<M: Method>(&self, request: &M) -> Result<HttpPost, ApiError> {
        let mut api = self.api();
        let request = match M::ENCODING {
            Encoding::Form => {
                let fields = request.form_fields().map_err(unserialisable)?;
                api.call(
                    M::NAME,
                    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                )
            }
            Encoding::Json => api.call_json(M::NAME, request).map_err(unserialisable)?,
        };
        Ok(HttpPost::from(&request))
    }

    fn exchange(&self, post: HttpPost, answer: Answer) -> K::Io<Result<ApiResponse, ApiError>> {
        let limits = self.shared.limits.clone();
        K::exchange(
            &self.http,
            Exchange::new(post, answer, self.shared.retry, limits),
        )
    }
}

/// Posts `message` to `response_url` over `http` (see [`WebClient::respond`]).
pub(crate) fn respond<K: Kind>(
    http: &K::Http,
    response_url: &str,
    message: &MessageResponse,
) -> K::Io<Result<(), ApiError>> {
    if let Err(error) = check(response_url, Protocol::Http) {
        return K::ready(Err(ApiError::Transport {
            detail: error.to_string(),
        }));
    }
    let body = match serde_json::to_string(message) {
        Ok(body) => body,
        Err(error) => return K::ready(Err(unserialisable(error))),
    };
    let post = HttpPost::response_url(response_url, body);
    // A URL of its own: its 429s hold back nothing else.
    let limits = Arc::default();
    let exchange = Exchange::new(post, Answer::Plain, RetryPolicy::default(), limits);
    K::map(K::exchange(http, exchange), |result| result.map(drop))
}

/// Builds a [`WebClient`].
pub struct WebClientBuilder<K: Kind> {
    runtime: K::Runtime,
    token: Token,
    api_url: String,
    timeout: Duration,
    tls: Option<TlsConfig>,
    proxy: ProxyChoice,
    retry: RetryPolicy,
}

impl<K: Kind> fmt::Debug for WebClientBuilder<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebClientBuilder")
            .field("runtime", &self.runtime)
            .field("token", &self.token)
            .field("api_url", &self.api_url)
            .field("timeout", &self.timeout)
            .field("proxy", &self.proxy)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<K: Kind> WebClientBuilder<K> {
    /// Base URL (default `https://slack.com/api/`); plain `http://` only to loopback. A
    /// missing trailing `/` is added.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// Limit on each request (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    crate::builder::transport_setters!();

    /// How often a 429 is retried after its `Retry-After` (default 2), and the longest wait
    /// accepted. With 0, a 429 is returned at once, and so is a call to a method still held
    /// back by an earlier 429 (without reaching Slack).
    pub fn rate_limit_retries(mut self, retries: u32, max_wait: Duration) -> Self {
        self.retry = RetryPolicy { retries, max_wait };
        self
    }

    /// Checks the URL and the proxy and builds the client.
    pub fn build(self) -> Result<WebClient<K>, Error> {
        let tls = match self.tls {
            Some(tls) => tls,
            None => TlsConfig::webpki_roots()?,
        };
        let transport = Transport {
            tls,
            proxy: self.proxy.resolve()?,
            timeout: self.timeout,
        };
        web_client(
            self.runtime,
            transport,
            self.api_url,
            self.token,
            self.retry,
        )
    }
}

/// A client on these settings (the builder's, or a real-time client's for its `bot_token`).
pub(crate) fn web_client<K: Kind>(
    runtime: K::Runtime,
    transport: Transport,
    api_url: String,
    token: Token,
    retry: RetryPolicy,
) -> Result<WebClient<K>, Error> {
    check(&api_url, Protocol::Http)?;
    Ok(WebClient {
        http: K::http(runtime, transport),
        shared: Arc::new(Shared {
            api_url,
            token,
            retry,
            limits: Arc::default(),
        }),
    })
}

/// Where a walk over pages stands: the request for the next page, until Slack gives no cursor
/// (or gives back the one just used, which would walk in a circle), or a page fails. The
/// drivers' `paginate` streams and iterators send what [`request`](Self::request) says and
/// hand each result to [`finish`](Self::finish).
#[derive(Debug)]
pub struct Pager<M> {
    next: Option<M>,
    cursor: Option<String>,
}

impl<M: Paginated> Pager<M> {
    /// A walk from `first`.
    pub fn new(first: M) -> Self {
        Pager {
            next: Some(first),
            cursor: None,
        }
    }

    /// The request for the next page; `None` once the walk is over.
    pub fn request(&self) -> Option<&M> {
        self.next.as_ref()
    }

    /// Takes the answer to [`request`](Self::request), moves on, and gives the answer back.
    pub fn finish(
        &mut self,
        result: Result<M::Response, ApiError>,
    ) -> Result<M::Response, ApiError> {
        let sent = self.next.take();
        if let (Some(sent), Ok(page)) = (sent, &result) {
            let cursor = page.next_cursor().map(str::to_owned);
            if cursor.is_some() && cursor == self.cursor {
                tracing::warn!(
                    method = M::NAME,
                    "Slack repeated a cursor; stopping the walk"
                );
            } else {
                self.next = sent.next_request(page);
                self.cursor = cursor;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slackline_types::web::conversations;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body.as_bytes().to_vec())
    }

    fn exchange(retries: u32, limits: &Arc<RateLimits>) -> Exchange {
        let request = WebApi::new("https://slack.com/api/", Token::new("xoxb-1-secret"))
            .call("chat.postMessage", []);
        Exchange::new(
            HttpPost::from(&request),
            Answer::WebApi,
            RetryPolicy {
                retries,
                max_wait: Duration::from_secs(10),
            },
            limits.clone(),
        )
    }

    #[test]
    fn a_429_is_waited_out_for_every_call_to_that_method() {
        let t0 = Instant::now();
        let limits = Arc::default();
        let mut first = exchange(2, &limits);
        assert!(matches!(first.next(t0), Step::Send));
        let limited = response(429, "").with_retry_after_header("3");
        first.answer(t0, Ok(limited));
        // This call waits, and so does another call to the same method...
        assert!(matches!(first.next(t0), Step::Wait(w) if w == Duration::from_secs(3)));
        let mut second = exchange(2, &limits);
        let later = t0 + Duration::from_secs(1);
        assert!(matches!(second.next(later), Step::Wait(w) if w == Duration::from_secs(2)));
        // ...but not a call to another method.
        let other = WebApi::new("https://slack.com/api/", Token::new("xoxb-1-secret"))
            .call("auth.test", []);
        let mut other = Exchange::new(
            HttpPost::from(&other),
            Answer::WebApi,
            RetryPolicy::default(),
            limits.clone(),
        );
        assert!(matches!(other.next(later), Step::Send));
        let after = t0 + Duration::from_secs(3);
        assert!(matches!(first.next(after), Step::Send));
        first.answer(after, Ok(response(200, r#"{"ok":true,"ts":"1.0"}"#)));
        assert!(matches!(first.next(after), Step::Done(Ok(_))));
    }

    #[test]
    fn retries_run_out_and_long_waits_are_returned_not_slept() {
        let t0 = Instant::now();
        let limits = Arc::default();
        let mut once = exchange(0, &limits);
        once.answer(t0, Ok(response(429, "").with_retry_after_header("2")));
        assert!(matches!(
            once.next(t0),
            Step::Done(Err(ApiError::RateLimited { retry_after: Some(w) })) if w == Duration::from_secs(2)
        ));
        // With retries off, a call to the held method is answered at once, unsent.
        let mut held = exchange(0, &limits);
        assert!(matches!(
            held.next(t0 + Duration::from_secs(1)),
            Step::Done(Err(ApiError::RateLimited { retry_after: Some(w) })) if w == Duration::from_secs(1)
        ));
        let mut long = exchange(5, &Arc::default());
        long.answer(t0, Ok(response(429, "").with_retry_after_header("600")));
        assert!(matches!(
            long.next(t0),
            Step::Done(Err(ApiError::RateLimited { .. }))
        ));
    }

    #[test]
    fn response_urls_accept_plain_ok_and_report_errors() {
        assert!(classify_plain(&response(200, "ok")).is_ok());
        assert!(classify_plain(&response(200, r#"{"ok":true}"#)).is_ok());
        let expired = classify_plain(&response(404, "expired_url")).unwrap_err();
        assert!(
            matches!(expired, ApiError::Http { status: 404, .. }),
            "{expired:?}"
        );
        let refused =
            classify_plain(&response(200, r#"{"ok":false,"error":"no_text"}"#)).unwrap_err();
        assert_eq!(refused.code(), Some("no_text"));
    }

    #[test]
    fn the_pager_follows_cursors_and_stops_on_the_last_page_an_error_or_a_repeat() {
        let page = |cursor: &str| -> conversations::MessagesPage {
            serde_json::from_value(serde_json::json!({"ok": true, "messages": [],
                "response_metadata": {"next_cursor": cursor}}))
            .unwrap()
        };
        let mut pager = Pager::new(conversations::History::new("C1").limit(2));
        assert_eq!(pager.request().unwrap().cursor, None);
        pager.finish(Ok(page("c2"))).unwrap();
        assert_eq!(pager.request().unwrap().cursor.as_deref(), Some("c2"));
        assert_eq!(pager.request().unwrap().limit, Some(2));
        pager.finish(Ok(page(""))).unwrap();
        assert!(pager.request().is_none());

        let mut failing = Pager::new(conversations::History::new("C1"));
        assert!(failing.finish(Err(ApiError::Timeout)).is_err());
        assert!(failing.request().is_none());

        let mut circle = Pager::new(conversations::History::new("C1"));
        circle.finish(Ok(page("same"))).unwrap();
        circle.finish(Ok(page("same"))).unwrap();
        assert!(
            circle.request().is_none(),
            "a repeated cursor ends the walk"
        );
    }
}
