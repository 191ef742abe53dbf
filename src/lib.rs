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
//! 1. Feed **one** input: `handle_http_response`, `handle_connected`, `handle_text`,
//!    `handle_pong`, `handle_closed`, `handle_timeout`, ... or an app command (`ack`,
//!    `send_message`, `shutdown`). Every input carries `now`.
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
//!   [`MIN_APPROXIMATE_CONNECTION_TIME`]); replacements asked for again and again less than
//!   `stable_after` after `hello` back off like failures; `too_many_websockets` sheds one and
//!   backs off;
//!   `link_disabled` and fatal auth errors stop the session.
//! - **Liveness**: client pings, pong deadline, idle deadline, hello deadline.
//! - **Retries**: capped exponential backoff with seeded jitter, `Retry-After` honoured up to
//!   [`DEFAULT_MAX_RETRY_AFTER`] (configurable).
//! - **RTM**: `rtm.connect` / `rtm.start`, message ids and `reply_to` correlation, pacing,
//!   goodbye, error frames, app-level ping.
//! - **Bad input** never panics: it becomes [`Event::ProtocolError`] and the connection goes on.
//!
//! Tokens never appear in `Debug` output or errors ([`Token`], [`redact_tokens`]).
//!
//! ## Testing without Slack
//!
//! - [`fake::FakeSlack`] is the server side, also sans-IO: it plays a [`fake::Script`] (JSON
//!   lines, or a directory of envelope files) and reports a [`fake::Verdict`] on the client.
//! - [`testing::Harness`] wires a `Session` to a `FakeSlack` in virtual time for your bot's
//!   tests: hours of traffic in milliseconds, the same run every time; with a
//!   [`testing::FaultPlan`] the wire between them drops, delays, duplicates, corrupts and cuts,
//!   and Slack fails, and [`testing::Audit`] checks the session's invariants after every step.
//! - [`transcript`] records a session's traffic with every secret redacted, and replays it
//!   into a fresh `Session` to show where the client now behaves differently.

#![warn(missing_docs)]

mod action;
mod backoff;
mod config;
mod dedupe;
mod envelope;
mod event;
pub mod fake;
mod ids;
mod json;
mod json_object;
mod json_skip;
mod key_set;
mod rtm;
mod secret;
mod session;
pub mod testing;
mod time;
mod timer;
pub mod transcript;
pub mod webapi;

pub use action::{Action, CLOSE_GOING_AWAY, CLOSE_NORMAL};
pub use config::*;
pub use envelope::{AckState, DisconnectReason, Envelope, EnvelopeType, Hello};
pub use event::{CloseCause, Event, ProtocolError, ProtocolErrorKind, ReconnectCause, StopReason};
pub use ids::{ConnId, RequestId};
pub use rtm::{RtmConnected, RtmEvent, RtmOutcome, RtmReply, SendError};
pub use secret::{redact_tokens, Token, TokenKind};
pub use session::{AckError, ConnectionInfo, Phase, Session, Stats};
pub use time::Instant;
pub use timer::Timer;
pub use webapi::{ApiError, ApiResponse, HttpRequest, HttpResponse, WebApi};
