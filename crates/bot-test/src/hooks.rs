//! What the test puts under the client's runtime ([`Hooks`]): every connection the client
//! opens goes to the virtual Slack over an in-memory pipe, and every handler call is watched:
//! when it started and ended, whether it panicked, and (while it is polled) which Web API
//! calls it made.

use std::future::Future;
use std::io;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use slackline::{Envelope, RtmEvent};
use slackline_async_driver::{BoxFuture, BoxedIo, Dispatched, Hooks, WrapHandler};

use crate::pipe::{self, lock, Signal};
use crate::report::Work;
use crate::server::Server;

/// The virtual Slack's address: the only one the in-memory network reaches.
pub(crate) const HOST: &str = "127.0.0.1";
/// Its port (any number would do: nothing listens on a real one).
pub(crate) const PORT: u16 = 7357;

/// A handler call as it was watched.
#[derive(Debug)]
pub(crate) struct RunRecord {
    pub(crate) work: Work,
    pub(crate) started: Duration,
    pub(crate) ended: Option<Duration>,
    pub(crate) panic: Option<String>,
}

/// Something handed to the handlers, with or without one to take it.
#[derive(Debug)]
pub(crate) struct DispatchRecord {
    pub(crate) at: Duration,
    pub(crate) work: Work,
    /// The handler run, if a handler took it.
    pub(crate) run: Option<usize>,
}

/// What the hooks saw.
#[derive(Debug)]
pub(crate) struct Observed {
    start: tokio::time::Instant,
    /// The handler run being polled right now, if any.
    current: Option<usize>,
    pub(crate) runs: Vec<RunRecord>,
    pub(crate) dispatched: Vec<DispatchRecord>,
}

impl Observed {
    pub(crate) fn new(start: tokio::time::Instant) -> Self {
        Observed {
            start,
            current: None,
            runs: Vec::new(),
            dispatched: Vec::new(),
        }
    }

    /// Virtual time since the start (read inside the test's runtime only).
    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// The test's [`Hooks`].
#[derive(Debug)]
pub(crate) struct VirtualHooks {
    pub(crate) server: Arc<Mutex<Server>>,
    pub(crate) signal: Arc<Signal>,
    pub(crate) observed: Arc<Mutex<Observed>>,
}

impl Hooks for VirtualHooks {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<BoxedIo>> {
        let handler = lock(&self.observed).current;
        if host != HOST || port != PORT {
            let target = format!("{host}:{port}");
            lock(&self.server)
                .log
                .refused
                .push((target.clone(), handler));
            return Box::pin(std::future::ready(Err(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!(
                    "{target} is not reachable in a bot test: only the fake Slack at {HOST}:{PORT} is (build clients from the test's `Slack`)"
                ),
            ))));
        }
        let mut server = lock(&self.server);
        let id = server.next_pipe_id();
        let (pipe, client) = pipe::pair(id, Arc::clone(&self.signal));
        server.accept(pipe, handler);
        drop(server);
        self.signal.mark(id);
        Box::pin(std::future::ready(Ok(Box::new(client) as BoxedIo)))
    }

    fn watch_handler(&self, work: Dispatched<'_>, routed: bool) -> Option<WrapHandler> {
        let work = match work {
            Dispatched::Envelope(envelope) => describe_envelope(envelope),
            Dispatched::Rtm(event) => describe_rtm(event),
            _ => return None,
        };
        let mut observed = lock(&self.observed);
        let at = observed.elapsed();
        let run = routed.then(|| {
            observed.runs.push(RunRecord {
                work: work.clone(),
                started: at,
                ended: None,
                panic: None,
            });
            observed.runs.len() - 1
        });
        observed.dispatched.push(DispatchRecord { at, work, run });
        let id = run?;
        let observed = Arc::clone(&self.observed);
        Some(Box::new(move |call: BoxFuture<'static, ()>| {
            Box::pin(Watched { id, call, observed }) as BoxFuture<'static, ()>
        }))
    }
}

fn describe_envelope(envelope: &Envelope) -> Work {
    Work {
        kind: envelope.kind().as_str().to_owned(),
        route: envelope.route(),
        envelope_id: Some(envelope.envelope_id().into_owned()),
        event_id: envelope.event_id().map(|e| e.into_owned()),
        retry_attempt: envelope.retry_attempt(),
        label: None,
    }
}

fn describe_rtm(event: &RtmEvent) -> Work {
    Work {
        kind: "rtm".to_owned(),
        route: Some(event.kind().into_owned()),
        envelope_id: None,
        event_id: None,
        retry_attempt: 0,
        label: None,
    }
}

/// A handler's future, watched: the run is current while it is polled (its Web API calls are
/// its own), its end and any panic are noted (the panic goes on to the driver, which logs it).
struct Watched {
    id: usize,
    call: BoxFuture<'static, ()>,
    observed: Arc<Mutex<Observed>>,
}

impl Future for Watched {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let before = lock(&this.observed).current.replace(this.id);
        let polled = catch_unwind(AssertUnwindSafe(|| this.call.as_mut().poll(cx)));
        let mut observed = lock(&this.observed);
        observed.current = before;
        let at = observed.elapsed();
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => {
                observed.runs[this.id].ended = Some(at);
                Poll::Ready(())
            }
            Err(panic) => {
                let run = &mut observed.runs[this.id];
                run.ended = Some(at);
                run.panic = Some(panic_message(&*panic));
                drop(observed);
                resume_unwind(panic)
            }
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with a payload that is not text)".to_owned()
    }
}
