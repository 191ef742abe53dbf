//! Handler tables: which application function gets an envelope or an RTM event.

use std::collections::HashMap;
use std::fmt;

use slackline::{Envelope, EnvelopeType, Event, RtmEvent};
use slackline_types::payload::Payload;

use crate::listen::{Hit, Matcher, Table};
use crate::stats::HandlerStats;

/// A typed route in its table: what must match, and its handler.
#[derive(Clone)]
struct Listening<H> {
    matcher: Matcher,
    handler: H,
}

/// Socket Mode handlers. Untyped ones by `payload.event.type` (Events API), `payload.type`
/// (interactive), `payload.command` (slash commands), then the catch-all; typed ones
/// ([`listen`](crate::listen)) under the same keys, tried first, in the order they were added.
/// Generic over the handler type so every driver routes with the same rules.
#[derive(Clone)]
pub struct SocketModeRoutes<H> {
    pub(crate) events: HashMap<String, H>,
    pub(crate) interactive: HashMap<String, H>,
    pub(crate) commands: HashMap<String, H>,
    pub(crate) fallback: Option<H>,
    /// Typed routes by table (`Table as usize`), then routing key.
    listeners: [HashMap<String, Vec<Listening<H>>>; 3],
}

impl<H> Default for SocketModeRoutes<H> {
    fn default() -> Self {
        SocketModeRoutes {
            events: HashMap::default(),
            interactive: HashMap::default(),
            commands: HashMap::default(),
            fallback: None,
            listeners: Default::default(),
        }
    }
}

/// A handler for an envelope, and the payload decoded for it when a typed route matched.
pub(crate) type Found<'a, H> = (&'a H, Option<Box<(Payload, Hit)>>);

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

    /// Adds a typed route, after those already under its key.
    pub(crate) fn listen(&mut self, table: Table, key: String, matcher: Matcher, handler: H) {
        self.listeners[table as usize]
            .entry(key)
            .or_default()
            .push(Listening { matcher, handler });
    }

    fn plain(&self, table: Table) -> &HashMap<String, H> {
        match table {
            Table::Events => &self.events,
            Table::Interactive => &self.interactive,
            Table::Commands => &self.commands,
        }
    }

    /// The handler for `envelope` among routes that hold no typed ones (the untyped route for
    /// its key, else the catch-all): for tables of other handler types, such as
    /// slackline-redis's worker.
    pub fn find(&self, envelope: &Envelope) -> Option<&H> {
        // Without typed routes nothing can fail to decode: there is nothing to count.
        self.route(envelope, None).map(|(handler, _)| handler)
    }

    /// The handler for `envelope`, if any: the first typed route whose key and matcher fit
    /// (with the payload decoded, once, for it), else the untyped route for the key, else the
    /// catch-all. The payload is parsed only when some table could match: for the routing
    /// key (as before typed routes), and whole only when a typed route is filed under that
    /// key. A payload a typed route cannot decode is counted and goes the untyped way.
    pub(crate) fn route(
        &self,
        envelope: &Envelope,
        stats: Option<&HandlerStats>,
    ) -> Option<Found<'_, H>> {
        let fallback = || self.fallback.as_ref().map(|h| (h, None));
        let table = match envelope.kind() {
            EnvelopeType::EventsApi => Table::Events,
            EnvelopeType::Interactive => Table::Interactive,
            EnvelopeType::SlashCommands => Table::Commands,
            _ => return fallback(),
        };
        let (plain, typed) = (self.plain(table), &self.listeners[table as usize]);
        if plain.is_empty() && typed.is_empty() {
            return fallback();
        }
        // `route()` reads the payload (the frame scanner, not a parse): skipped when no table
        // could match anyway.
        let Some(key) = envelope.route() else {
            return fallback();
        };
        if let Some(listening) = typed.get(&key) {
            match decode(envelope) {
                Ok(payload) => {
                    let found = listening
                        .iter()
                        .find_map(|l| l.matcher.hit(&payload).map(|hit| (l, hit)));
                    if let Some((l, hit)) = found {
                        return Some((&l.handler, Some(Box::new((payload, hit)))));
                    }
                }
                Err(error) => {
                    if let Some(stats) = stats {
                        stats.undecodable(envelope.kind().as_str(), &error);
                    }
                }
            }
        }
        match plain.get(&key) {
            Some(handler) => Some((handler, None)),
            None => fallback(),
        }
    }
}

/// The envelope's payload, typed by its envelope type.
fn decode(envelope: &Envelope) -> serde_json::Result<Payload> {
    match envelope.payload_json() {
        Some(text) => Payload::decode(envelope.kind().as_str(), text),
        None => Err(serde::de::Error::custom("no payload, or not UTF-8")),
    }
}

impl<H> fmt::Debug for SocketModeRoutes<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let typed: Vec<(&String, Vec<&Matcher>)> = self
            .listeners
            .iter()
            .flat_map(|table| table.iter())
            .map(|(key, ls)| (key, ls.iter().map(|l| &l.matcher).collect()))
            .collect();
        f.debug_struct("SocketModeRoutes")
            .field("events", &self.events.keys().collect::<Vec<_>>())
            .field("interactive", &self.interactive.keys().collect::<Vec<_>>())
            .field("commands", &self.commands.keys().collect::<Vec<_>>())
            .field("typed", &typed)
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
    /// A lifecycle event, when the driver delivers them in order with the handlers' work
    /// ([`SessionHost::events_in_order`](crate::SessionHost::events_in_order)).
    Event(Event),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen;
    use slackline::{Action, Config, Event, HttpResponse, Instant, Session};

    /// Envelopes as a session dispatches them, from frames.
    fn envelopes(frames: &[String]) -> Vec<Envelope> {
        let config = Config::socket_mode("xapp-1-A1-1-secret").with_seed(1);
        let mut session = Session::new(config, Instant::ZERO).unwrap();
        let now = Instant::ZERO;
        let mut out = Vec::new();
        let mut pending: Vec<&String> = frames.iter().collect();
        pending.reverse();
        while let Some(action) = session.poll_action() {
            match action {
                Action::Http(request) => {
                    let body = r#"{"ok":true,"url":"wss://x.example/link/?ticket=t"}"#;
                    let response = HttpResponse::new(200, body);
                    session.handle_http_response(now, request.id(), response);
                }
                Action::Connect { conn, .. } => {
                    session.handle_connected(now, conn);
                    session.handle_text(now, conn, r#"{"type":"hello","num_connections":1}"#);
                    while let Some(frame) = pending.pop() {
                        session.handle_text(now, conn, frame.clone());
                    }
                }
                Action::Dispatch(Event::Envelope(envelope)) => out.push(envelope),
                _ => {}
            }
        }
        out
    }

    fn frame(id: &str, kind: &str, payload: serde_json::Value) -> String {
        serde_json::json!({"envelope_id": id, "type": kind, "payload": payload,
                           "accepts_response_payload": kind != "events_api"})
        .to_string()
    }

    fn event(id: &str, event: serde_json::Value) -> String {
        frame(
            id,
            "events_api",
            serde_json::json!({"type": "event_callback", "event_id": format!("Ev{id}"), "event": event}),
        )
    }

    fn actions(id: &str, action_id: &str) -> String {
        frame(
            id,
            "interactive",
            serde_json::json!({"type": "block_actions", "user": {"id": "U1"},
                "actions": [{"type": "button", "action_id": action_id, "block_id": "b"}]}),
        )
    }

    /// Which handler each envelope goes to, and whether it came with a decoded payload.
    fn routed(routes: &SocketModeRoutes<&'static str>, frames: &[String]) -> Vec<String> {
        let stats = HandlerStats::default();
        envelopes(frames)
            .iter()
            .map(|e| match routes.route(e, Some(&stats)) {
                Some((label, Some(_))) => format!("{label} typed"),
                Some((label, None)) => label.to_string(),
                None => "-".into(),
            })
            .collect()
    }

    fn add<P>(routes: &mut SocketModeRoutes<&'static str>, l: listen::Listen<P>, h: &'static str) {
        routes.listen(l.table, l.key, l.matcher, h);
    }

    #[test]
    fn typed_routes_come_first_in_order_then_untyped_then_the_catch_all() {
        let mut routes = SocketModeRoutes::default();
        add(&mut routes, listen::action("approve"), "approve");
        add(
            &mut routes,
            listen::action(regex::Regex::new("^app").unwrap()),
            "app*",
        );
        routes.insert_interactive("block_actions".into(), "any button");
        add(&mut routes, listen::message("deploy"), "deploy");
        routes.set_fallback("fallback");
        let frames = [
            actions("1", "approve"),
            actions("2", "append"),
            actions("3", "deny"),
            event(
                "4",
                serde_json::json!({"type": "message", "text": "deploy now", "channel": "C1"}),
            ),
            event(
                "5",
                serde_json::json!({"type": "message", "text": "hello", "channel": "C1"}),
            ),
            event(
                "6",
                serde_json::json!({"type": "reaction_added", "user": "U1", "reaction": "x"}),
            ),
        ];
        assert_eq!(
            routed(&routes, &frames),
            [
                "approve typed",
                "app* typed",
                "any button",
                "deploy typed",
                "fallback",
                "fallback"
            ]
        );
        assert_eq!(routed(&SocketModeRoutes::default(), &frames[..1]), ["-"]);
    }

    #[test]
    fn payloads_are_decoded_only_under_a_typed_key_and_a_broken_one_goes_the_untyped_way() {
        // `channel` must be a string: this `message` event does not decode into its type.
        let broken = event(
            "1",
            serde_json::json!({"type": "message", "channel": 5, "text": "x"}),
        );
        let stats = HandlerStats::default();
        let mut routes = SocketModeRoutes::default();
        add(&mut routes, listen::event("app_mention"), "mention");
        routes.insert_event("message".into(), "messages");
        let envelope = &envelopes(std::slice::from_ref(&broken))[0];
        assert!(matches!(
            routes.route(envelope, Some(&stats)),
            Some((&"messages", None))
        ));
        assert_eq!(
            stats.snapshot().undecodable,
            0,
            "nothing typed under `message`"
        );

        add(&mut routes, listen::message("x"), "typed messages");
        assert!(matches!(
            routes.route(envelope, Some(&stats)),
            Some((&"messages", None))
        ));
        assert_eq!(stats.snapshot().undecodable, 1);
    }
}
