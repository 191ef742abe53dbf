//! # slackline: a sans-IO Slack real-time client
//!
//! This crate is the protocol state machine for Slack's **Socket Mode** and **RTM** APIs, with
//! no IO, no clock, no randomness and no async: a [`Session`] takes bytes, HTTP responses and
//! the current time, and hands back [`Action`]s (make this HTTP request, open this WebSocket,
//! send this frame, close that connection, dispatch this event). Drivers for tokio, smol,
//! async-std and plain threads live in `runtimes/`; tests drive the same `Session` in virtual time.
//!
//! ## The drive loop: mutate, drain, wait
//!
//! 1. Feed **one** [`Input`] with [`Session::handle`]`(now, input)`: what the network brought
//!    (an HTTP answer, a socket opened, a frame, a pong, a close), that time passed
//!    ([`Input::Timeout`]), or what the application asked (an ack, an RTM message, a
//!    shutdown). The `handle_*`, `ack` and `send_*` methods are the same inputs one at a time.
//! 2. **Drain** [`Session::poll_action`] until it returns `None`, carrying each action out in
//!    order (acks are queued before the events they acknowledge are dispatched).
//! 3. **Wait** until [`Session::poll_timeout`] (or the next input, whichever comes first), then
//!    call `handle_timeout(now)`. Early or repeated calls are harmless.
//!
//! ```
//! use slackline::{Action, Config, Event, HttpResponse, Instant, Session};
//!
//! let config = Config::socket_mode("xapp-1-A111-1-secret").with_seed(7);
//! let mut session = Session::new(config, Instant::ZERO).unwrap();
//! let mut now = Instant::ZERO;
//!
//! // What a driver does with each action; here the "network" is scripted inline.
//! let mut conn = None;
//! while let Some(action) = session.poll_action() {
//!     match action {
//!         Action::Http(request) => {
//!             assert_eq!(request.method(), "apps.connections.open");
//!             let body = r#"{"ok":true,"url":"wss://wss.example/link/?ticket=t"}"#;
//!             session.handle_http_response(now, request.id(), HttpResponse::new(200, body));
//!         }
//!         Action::Connect { conn: id, .. } => {
//!             session.handle_connected(now, id);
//!             session.handle_text(now, id, r#"{"type":"hello","num_connections":1}"#);
//!             conn = Some(id);
//!         }
//!         Action::Dispatch(Event::Hello(hello)) => assert_eq!(hello.num_connections, Some(1)),
//!         _ => {}
//!     }
//! }
//!
//! // An envelope arrives: the ack comes out first, then the event.
//! now = Instant::from_millis(20);
//! let frame = r#"{"envelope_id":"e1","type":"events_api","payload":{"event_id":"Ev1"},"accepts_response_payload":false}"#;
//! session.handle_text(now, conn.unwrap(), frame);
//! let Some(Action::SendText { text, .. }) = session.poll_action() else { panic!() };
//! assert_eq!(text, r#"{"envelope_id":"e1"}"#);
//! let Some(Action::Dispatch(Event::Envelope(envelope))) = session.poll_action() else { panic!() };
//! assert_eq!(envelope.event_id().as_deref(), Some("Ev1"));
//!
//! // Nothing left to do until the next deadline (here: the first client ping).
//! assert!(session.poll_action().is_none());
//! assert!(session.poll_timeout().unwrap() > now);
//! ```
//!
//! ## What the session takes care of
//!
//! - **Acks**: `events_api` envelopes (and any that cannot take a response payload) are acked
//!   before dispatch. Envelopes with `accepts_response_payload` wait for [`Session::ack`] /
//!   [`Session::ack_with`]; at the deadline the [`LateAckPolicy`] applies. Ack frames over
//!   20,480 bytes are refused, never sent.
//! - **Redeliveries**: an `envelope_id` or `payload.event_id` seen within the dedupe window is
//!   acked again but not dispatched again.
//! - **Connections**: 1 to 10, each replaced make-before-break on `disconnect` (`warning`,
//!   `refresh_requested`) and ahead of `approximate_connection_time` (at least
//!   [`Config::MIN_APPROXIMATE_CONNECTION_TIME`]); replacements asked for again and again less than
//!   `stable_after` after `hello` back off like failures; `too_many_websockets` sheds one and
//!   backs off;
//!   `link_disabled` and fatal auth errors stop the session.
//! - **Liveness**: client pings, pong deadline, idle deadline, hello deadline.
//! - **Retries**: capped exponential backoff with seeded jitter, `Retry-After` honoured up to
//!   [`Config::DEFAULT_MAX_RETRY_AFTER`] (configurable).
//! - **RTM**: `rtm.connect` / `rtm.start`, message ids and `reply_to` correlation, pacing,
//!   goodbye, error frames, app-level ping.
//! - **Bad input** never panics: it becomes [`Event::ProtocolError`] and the connection goes on.
//!
//! Tokens never appear in `Debug` output or errors ([`Token`], [`redact_tokens`]).
//!
//! ## Beside the core
//!
//! Not compiled into this crate, each a crate of its own and as pure as this one:
//! `slackline-fake` (the server side: a scripted Slack that judges its client),
//! `slackline-sim` (a `Session` against the fake in virtual time, under fault plans, audited
//! after every step) and `slackline-transcript` (a session's traffic as redacted JSON lines,
//! replayed into a fresh `Session` to show where the client now behaves differently).

#![warn(missing_docs, unreachable_pub)]

mod action;
mod backoff;
mod config;
mod dedupe;
mod envelope;
mod event;
mod ids;
mod input;
mod json;
mod json_skip;
mod key_set;
mod rtm;
mod secret;
mod session;
mod time;
mod timer;
mod webapi;

pub use action::{Action, CLOSE_GOING_AWAY, CLOSE_NORMAL};
pub use config::{
    Config, ConfigError, LateAckPolicy, Mode, RtmConnect, RtmConnectOptions, RtmStartOptions,
};
pub use envelope::{
    salvage_envelope_id, AckState, DisconnectReason, Envelope, EnvelopeType, Hello,
};
pub use event::{CloseCause, Event, ProtocolError, ProtocolErrorKind, ReconnectCause, StopReason};
pub use ids::{ConnId, RequestId};
pub use input::{Handled, Input, Refused, RtmMessage};
pub use rtm::{RtmConnected, RtmEvent, RtmOutcome, RtmReply, SendError};
pub use secret::{redact_tokens, redact_tokens_keeping_length, Token, TokenKind};
pub use session::{AckError, ConnectionInfo, Phase, Session, Stats};
pub use time::Instant;
pub use timer::Timer;
pub use webapi::{
    classify, redact_url, ApiError, ApiResponse, BodyKind, ConnectionUrl, HttpRequest,
    HttpResponse, WebApi,
};
