//! Handler tables: which application function gets an envelope or an RTM event.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use slackline::{AckState, Envelope, EnvelopeType, RtmEvent};

use crate::command::ClientHandle;
use crate::responder::Responder;
use crate::rtm_handle::RtmHandle;
use crate::runtime::BoxFuture;

type EnvelopeHandler = Arc<dyn Fn(Envelope, Responder) -> BoxFuture<'static, ()> + Send + Sync>;
type RtmHandler = Arc<dyn Fn(RtmEvent, RtmHandle) -> BoxFuture<'static, ()> + Send + Sync>;

pub(crate) fn envelope_handler<F, Fut>(f: F) -> EnvelopeHandler
where
    F: Fn(Envelope, Responder) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |envelope, responder| Box::pin(f(envelope, responder)))
}

pub(crate) fn rtm_handler<F, Fut>(f: F) -> RtmHandler
where
    F: Fn(RtmEvent, RtmHandle) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |event, handle| Box::pin(f(event, handle)))
}

/// Socket Mode handlers: by `payload.event.type` (Events API), `payload.type` (interactive),
/// `payload.command` (slash commands), then the catch-all.
#[derive(Clone, Default)]
pub struct SocketModeRoutes {
    pub(crate) events: HashMap<String, EnvelopeHandler>,
    pub(crate) interactive: HashMap<String, EnvelopeHandler>,
    pub(crate) commands: HashMap<String, EnvelopeHandler>,
    pub(crate) fallback: Option<EnvelopeHandler>,
}

impl SocketModeRoutes {
    fn find(&self, envelope: &Envelope) -> Option<&EnvelopeHandler> {
        let table = match envelope.kind() {
            EnvelopeType::EventsApi => Some(&self.events),
            EnvelopeType::Interactive => Some(&self.interactive),
            EnvelopeType::SlashCommands => Some(&self.commands),
            _ => None,
        };
        // `route()` parses the payload: skipped when no table could match anyway.
        let specific = table
            .filter(|t| !t.is_empty())
            .and_then(|t| envelope.route().and_then(|key| t.get(&key)));
        specific.or(self.fallback.as_ref())
    }
}

impl fmt::Debug for SocketModeRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketModeRoutes")
            .field("events", &self.events.keys().collect::<Vec<_>>())
            .field("interactive", &self.interactive.keys().collect::<Vec<_>>())
            .field("commands", &self.commands.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

/// RTM handlers: by event `type`, then the catch-all.
#[derive(Clone, Default)]
pub struct RtmRoutes {
    pub(crate) by_type: HashMap<String, RtmHandler>,
    pub(crate) fallback: Option<RtmHandler>,
}

impl fmt::Debug for RtmRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtmRoutes")
            .field("by_type", &self.by_type.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

/// Work for the handlers, in arrival order.
#[derive(Debug)]
pub(crate) enum Work {
    Envelope(Envelope),
    Rtm(RtmEvent),
}

/// The handler tables of either protocol.
#[derive(Clone, Debug)]
pub(crate) enum Router {
    SocketMode(SocketModeRoutes),
    Rtm(RtmRoutes),
}

impl Router {
    /// The handler call for `work`, or `None` if no handler wants it (a deferred envelope's
    /// responder is dropped, which acks it at once).
    pub(crate) fn start(
        &self,
        work: Work,
        client: &ClientHandle,
    ) -> Option<BoxFuture<'static, ()>> {
        match (self, work) {
            (Router::SocketMode(routes), Work::Envelope(envelope)) => {
                let pending = matches!(envelope.ack_state(), AckState::AwaitingApp { .. });
                let responder =
                    Responder::new(envelope.envelope_id().into_owned(), pending, client.clone());
                let handler = routes.find(&envelope)?;
                Some(handler(envelope, responder))
            }
            (Router::Rtm(routes), Work::Rtm(event)) => {
                let handler = routes
                    .by_type
                    .get(event.kind().as_ref())
                    .or(routes.fallback.as_ref())?;
                let handle = RtmHandle {
                    client: client.clone(),
                };
                Some(handler(event, handle))
            }
            _ => None,
        }
    }
}
