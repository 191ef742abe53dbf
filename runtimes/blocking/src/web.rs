//! The Web API on plain threads: `slackline-client`'s [`WebClient`] (typed requests,
//! classification, 429s waited out per method), whose calls here block the calling thread,
//! and its pagination as an [`Iterator`] of pages.

use std::fmt;
use std::time::Instant;

use slackline::{ApiError, ApiResponse};
use slackline_client::types::web::Paginated;
use slackline_client::{Exchange, Pager, Step};

use crate::client::Blocking;
use crate::http::HttpClient;

/// Calls Slack's Web API from any thread; each call blocks until it is answered. See
/// [`slackline_client::WebClient`].
pub type WebClient = slackline_client::WebClient<Blocking>;
/// Builds a [`WebClient`].
pub type WebClientBuilder = slackline_client::WebClientBuilder<Blocking>;

/// Carries out one Web API call (or `response_url` post) on the calling thread: the IO for
/// the shared [`Exchange`]; a 429's wait sleeps this thread.
pub(crate) fn exchange(http: &HttpClient, mut exchange: Exchange) -> Result<ApiResponse, ApiError> {
    loop {
        match exchange.next(Instant::now()) {
            Step::Wait(wait) => std::thread::sleep(wait),
            Step::Send => {
                let result = http.post(exchange.request());
                exchange.answer(Instant::now(), result);
            }
            Step::Done(result) => return result,
            _ => unreachable!("a step this driver does not know"),
        }
    }
}

/// The pages of a paginated method, one request each, as an [`Iterator`] of
/// `Result<M::Response, ApiError>` (from [`WebClient::paginate`](slackline_client::WebClient::paginate)).
pub struct Pages<M: Paginated> {
    web: WebClient,
    pager: Pager<M>,
}

impl<M: Paginated> Pages<M> {
    pub(crate) fn new(web: WebClient, first: M) -> Self {
        Pages {
            web,
            pager: Pager::new(first),
        }
    }
}

impl<M> Iterator for Pages<M>
where
    M: Paginated + Send + Sync + 'static,
    M::Response: Send + 'static,
{
    type Item = Result<M::Response, ApiError>;

    fn next(&mut self) -> Option<Self::Item> {
        let result = self.web.send(self.pager.request()?);
        Some(self.pager.finish(result))
    }
}

impl<M: Paginated> fmt::Debug for Pages<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("method", &M::NAME)
            .finish_non_exhaustive()
    }
}
