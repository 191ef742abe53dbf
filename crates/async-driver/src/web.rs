//! The Web API on an async runtime: `slackline-client`'s [`WebClient`] (typed requests,
//! classification, 429s waited out per method), whose calls here are futures, and its
//! pagination as a [`Stream`] of pages.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use slackline::ApiError;
use slackline_client::types::web::Paginated;
use slackline_client::{BoxFuture, Pager, Step};

use crate::client::AsyncKind;
use crate::http::HttpClient;
use crate::runtime::Runtime;

/// Calls Slack's Web API on runtime `R`; each call is a future. See
/// [`slackline_client::WebClient`].
pub type WebClient<R> = slackline_client::WebClient<AsyncKind<R>>;
/// Builds a [`WebClient`].
pub type WebClientBuilder<R> = slackline_client::WebClientBuilder<AsyncKind<R>>;

/// Carries out one Web API call (or `response_url` post): the IO for the shared
/// [`Exchange`](slackline_client::Exchange), on the runtime's clock and timer.
pub(crate) async fn exchange<R: Runtime>(
    http: HttpClient<R>,
    mut exchange: slackline_client::Exchange,
) -> Result<slackline::ApiResponse, ApiError> {
    let runtime = http.runtime().clone();
    loop {
        match exchange.next(runtime.now()) {
            Step::Wait(wait) => runtime.sleep_until(runtime.now() + wait).await,
            Step::Send => {
                let result = http.post(exchange.request()).await;
                exchange.answer(runtime.now(), result);
            }
            Step::Done(result) => return result,
            _ => unreachable!("a step this driver does not know"),
        }
    }
}

/// The pages of a paginated method, one request each, as a [`Stream`] of
/// `Result<M::Response, ApiError>` (from [`WebClient::paginate`](slackline_client::WebClient::paginate)).
pub struct Pages<R: Runtime, M: Paginated> {
    web: WebClient<R>,
    pager: Pager<M>,
    pending: Option<BoxFuture<'static, Result<M::Response, ApiError>>>,
}

impl<R: Runtime, M: Paginated> Pages<R, M> {
    pub(crate) fn new(web: WebClient<R>, first: M) -> Self {
        Pages {
            web,
            pager: Pager::new(first),
            pending: None,
        }
    }
}

// Nothing is pinned structurally: the request in flight is a boxed future.
impl<R: Runtime, M: Paginated> Unpin for Pages<R, M> {}

impl<R, M> Stream for Pages<R, M>
where
    R: Runtime,
    M: Paginated + Send + Sync + 'static,
    M::Response: Send + 'static,
{
    type Item = Result<M::Response, ApiError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.pending.is_none() {
            let Some(request) = this.pager.request() else {
                return Poll::Ready(None);
            };
            this.pending = Some(this.web.send(request));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        let result = futures_util::ready!(pending.as_mut().poll(cx));
        this.pending = None;
        Poll::Ready(Some(this.pager.finish(result)))
    }
}

impl<R: Runtime, M: Paginated> fmt::Debug for Pages<R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("method", &M::NAME)
            .field("in_flight", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}
