//! Handler tables: which application function gets an envelope or an RTM event.

use std::collections::HashMap;
use std::fmt;

use slackline::{Envelope, EnvelopeType, RtmEvent};

/// Socket Mode handlers: by `payload.event.type` (Events API), `payload.type` (interactive),
/// `payload.command` (slash commands), then the catch-all. Generic over the handler type so
/// the blocking driver routes its plain functions with the same rules.
#[derive(Clone)]
pub struct SocketModeRoutes<H> {
    pub(crate) events: HashMap<String, H>,
    pub(crate) interactive: HashMap<String, H>,
    pub(crate) commands: HashMap<String, H>,
    pub(crate) fallback: Option<H>,
}

impl<H> Default for SocketModeRoutes<H> {
    fn default() -> Self {
        SocketModeRoutes {
            events: HashMap::default(),
            interactive: HashMap::default(),
            commands: HashMap::default(),
            fallback: None,
        }
    }
}

impl<H> SocketModeRoutes<H> {
    /// Adds a handler for an Events API event type.
    pub fn insert_event(&mut self, event_type: String, handler: H) {
        self.events.insert(event_type, handler);
    }

    /// Adds a handler for an interactive payload type.
    pub fn insert_interactive(&mut self, payload_type: String, handler: H) {
        self.interactive.insert(payload_type, handler);
    }

    /// Adds a handler for a slash command.
    pub fn insert_command(&mut self, command: String, handler: H) {
        self.commands.insert(command, handler);
    }

    /// Sets the catch-all.
    pub fn set_fallback(&mut self, handler: H) {
        self.fallback = Some(handler);
    }

    /// The handler for `envelope`, if any.
    pub fn find(&self, envelope: &Envelope) -> Option<&H> {
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

impl<H> fmt::Debug for SocketModeRoutes<H> {
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
#[derive(Clone)]
pub struct RtmRoutes<H> {
    pub(crate) by_type: HashMap<String, H>,
    pub(crate) fallback: Option<H>,
}

impl<H> Default for RtmRoutes<H> {
    fn default() -> Self {
        RtmRoutes {
            by_type: HashMap::default(),
            fallback: None,
        }
    }
}

impl<H> RtmRoutes<H> {
    /// Adds a handler for an event type.
    pub(crate) fn insert(&mut self, event_type: String, handler: H) {
        self.by_type.insert(event_type, handler);
    }

    /// Sets the catch-all.
    pub(crate) fn set_fallback(&mut self, handler: H) {
        self.fallback = Some(handler);
    }

    /// The handler for `event`, if any.
    pub fn find(&self, event: &RtmEvent) -> Option<&H> {
        self.by_type
            .get(event.kind().as_ref())
            .or(self.fallback.as_ref())
    }
}

impl<H> fmt::Debug for RtmRoutes<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtmRoutes")
            .field("by_type", &self.by_type.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

/// Work for the handlers, in arrival order.
#[derive(Debug)]
#[non_exhaustive]
pub enum Work {
    /// A Socket Mode envelope (already acked unless it awaits the app's ack).
    Envelope(Envelope),
    /// An RTM event.
    Rtm(RtmEvent),
}
