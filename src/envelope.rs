//! Socket Mode frames: a header-only scan that never parses the payload on the hot path.
//!
//! Only the envelope's own fields are read (`type`, `envelope_id`, `accepts_response_payload`,
//! `retry_attempt`, `retry_reason`, and `payload.event_id` for Events API envelopes). The payload
//! stays as bytes inside the frame; [`Envelope::payload`] deserialises it on demand into the app's
//! own type. Unknown fields are skipped, and a field of an unexpected type is read leniently, so
//! nothing a new Slack release adds can block an ack.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;

use crate::ids::ConnId;
use crate::json::{
    as_bool, as_str, as_u64, decode, find, find_with_inner, has_escapes, is_echoable, member,
    quoted, span_of,
};
use crate::time::Instant;

/// The `type` of an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvelopeType {
    /// `events_api`: an Events API callback (`payload` is the `event_callback` body).
    EventsApi,
    /// `interactive`: block actions, shortcuts, view submissions, suggestions...
    Interactive,
    /// `slash_commands`: a slash command's form fields.
    SlashCommands,
    /// A type this version does not know; still acked and dispatched.
    Other(Box<str>),
}

impl EnvelopeType {
    /// From the contents of the `type` string as they appear on the wire.
    fn from_wire(contents: &[u8]) -> Self {
        Self::known(contents).unwrap_or_else(|| {
            // An escaped spelling of a known name (`events\u005fapi`) is still that name.
            let name = decode(contents);
            Self::known(name.as_bytes()).unwrap_or_else(|| EnvelopeType::Other(name.into()))
        })
    }

    fn known(name: &[u8]) -> Option<Self> {
        match name {
            b"events_api" => Some(EnvelopeType::EventsApi),
            b"interactive" => Some(EnvelopeType::Interactive),
            b"slash_commands" => Some(EnvelopeType::SlashCommands),
            _ => None,
        }
    }

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EnvelopeType::EventsApi => "events_api",
            EnvelopeType::Interactive => "interactive",
            EnvelopeType::SlashCommands => "slash_commands",
            EnvelopeType::Other(other) => other,
        }
    }
}

impl fmt::Display for EnvelopeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an envelope was already acked by the session, or waits for the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckState {
    /// The ack was queued before this envelope was dispatched.
    Acked,
    /// The app acks it with [`Session::ack`](crate::Session::ack), by `deadline`.
    AwaitingApp {
        /// When the session's late-ack policy applies.
        deadline: Instant,
    },
}

/// Where a field sits in its envelope's frame, or that it is absent: two `u32`s without a tag
/// (frames over 4 GiB are refused), so that an envelope stays within 128 bytes and moves
/// between the session, the driver's queue and the handler without a call to `memcpy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const ABSENT: Span = Span { start: 1, end: 0 };

    /// A range of a frame no larger than `u32::MAX` bytes (which `parse_frame` ensures).
    fn of(range: Range<usize>) -> Span {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) if start <= end => Span { start, end },
            _ => Span::ABSENT,
        }
    }

    fn of_option(range: Option<Range<usize>>) -> Span {
        range.map_or(Span::ABSENT, Span::of)
    }

    fn get(self) -> Option<Range<usize>> {
        (self.start <= self.end).then_some(self.start as usize..self.end as usize)
    }

    /// The range, empty if absent.
    fn range(self) -> Range<usize> {
        self.get().unwrap_or(0..0)
    }
}

/// One Socket Mode envelope, holding the received frame and the positions of its fields.
/// Cloning is cheap (the frame is reference-counted).
#[derive(Clone)]
pub struct Envelope {
    conn: ConnId,
    frame: Bytes,
    kind: EnvelopeType,
    id: Span,
    payload: Span,
    event_id: Span,
    retry_reason: Span,
    /// Slack retries three times; a larger count saturates (it keeps the envelope small).
    retry_attempt: u16,
    accepts_response_payload: bool,
    received_at: Instant,
    ack: AckState,
}

impl Envelope {
    /// An envelope read back from a frame kept elsewhere (a queue, a Redis stream): what a
    /// worker handles after a listener acked it and passed the frame on. It counts as acked
    /// ([`AckState::Acked`]), as arrived on `conn` at `received_at`. `None` if the frame is
    /// not an envelope (no `envelope_id`, or not JSON).
    pub fn from_frame(frame: impl Into<Bytes>, conn: ConnId, received_at: Instant) -> Option<Self> {
        match parse_frame(conn, frame.into(), received_at) {
            Ok(Frame::Envelope(envelope)) => Some(envelope),
            _ => None,
        }
    }

    /// The connection it arrived on.
    pub fn conn(&self) -> ConnId {
        self.conn
    }

    /// `envelope_id`.
    pub fn envelope_id(&self) -> Cow<'_, str> {
        decode(self.raw(&self.id.range()))
    }

    /// `envelope_id` as shared bytes (UTF-8): a slice of the frame, without a copy, unless the
    /// id had escapes to decode. For handing the id on once per envelope at no cost.
    pub fn envelope_id_bytes(&self) -> Bytes {
        match self.unescaped(&self.id.range()) {
            Cow::Borrowed(_) => self.frame.slice(self.id.range()),
            Cow::Owned(id) => Bytes::from(id),
        }
    }

    /// `type`.
    pub fn kind(&self) -> &EnvelopeType {
        &self.kind
    }

    /// `accepts_response_payload`.
    pub fn accepts_response_payload(&self) -> bool {
        self.accepts_response_payload
    }

    /// `retry_attempt` (0 on first delivery or when absent).
    pub fn retry_attempt(&self) -> u32 {
        u32::from(self.retry_attempt)
    }

    /// `retry_reason` (e.g. `timeout`), when present and not empty.
    pub fn retry_reason(&self) -> Option<Cow<'_, str>> {
        self.retry_reason
            .get()
            .map(|r| decode(self.raw(&r)))
            .filter(|r| !r.is_empty())
    }

    /// `payload.event_id`, for Events API envelopes.
    pub fn event_id(&self) -> Option<Cow<'_, str>> {
        self.event_id.get().map(|r| decode(self.raw(&r)))
    }

    /// The payload's JSON text, exactly as received (`None` if the envelope had none, or if it
    /// is not UTF-8: the ack path does not check the payload, [`payload`](Self::payload) says why).
    pub fn payload_json(&self) -> Option<&str> {
        self.payload
            .get()
            .and_then(|r| std::str::from_utf8(self.raw(&r)).ok())
    }

    /// The payload's JSON text exactly as received, as bytes, without the UTF-8 check of
    /// [`payload_json`](Self::payload_json) (for a reader that validates it anyway); `None` if
    /// the envelope had none.
    pub fn payload_bytes(&self) -> Option<&[u8]> {
        self.payload.get().map(|r| self.raw(&r))
    }

    /// The payload deserialised into `T` (borrowing from the frame where `T` allows). This is
    /// where the payload is validated, UTF-8 included.
    pub fn payload<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        let json = self.payload.get().map_or(&b"null"[..], |r| self.raw(&r));
        serde_json::from_slice(json)
    }

    /// The whole frame as received (empty if it is not UTF-8, which a WebSocket text message
    /// always is).
    pub fn frame(&self) -> &str {
        std::str::from_utf8(&self.frame).unwrap_or_default()
    }

    /// The whole frame as shared bytes.
    pub fn frame_bytes(&self) -> &Bytes {
        &self.frame
    }

    /// When it was received.
    pub fn received_at(&self) -> Instant {
        self.received_at
    }

    /// Whether the session already acked it or the app must.
    pub fn ack_state(&self) -> AckState {
        self.ack
    }

    /// The payload's routing key: `payload.event.type` for Events API, `payload.type` for
    /// interactive, `payload.command` for slash commands; `None` if that member is absent, is
    /// not a string, or an object on the way to it is not readable. Found by the frame scanner
    /// (the objects on the path are checked member by member, their other values only stepped
    /// over), not by parsing the payload: routing costs a fraction of a full parse, and the
    /// payload is still validated where a handler deserialises it.
    pub fn route(&self) -> Option<String> {
        // One walk of the payload, into `event` when it is an object; only the key found is
        // checked for UTF-8 (a text frame's payload always is).
        let ([kind, command], [event_type]) = find_with_inner(
            self.payload_bytes()?,
            ["type", "command"],
            "event",
            ["type"],
        )
        .ok()?;
        let key = match self.kind {
            EnvelopeType::EventsApi => event_type?,
            EnvelopeType::SlashCommands => command?,
            _ => kind?,
        };
        as_str(std::str::from_utf8(key).ok()?).map(Cow::into_owned)
    }

    /// The id as it appeared on the wire: valid JSON string contents, so an ack can echo it
    /// without escaping.
    pub(crate) fn raw_id(&self) -> &str {
        crate::json::text_at(&self.frame, self.id.range())
    }

    /// The id's bytes, unescaped: what deduplication keys on.
    pub(crate) fn id_bytes(&self) -> Cow<'_, [u8]> {
        self.unescaped(&self.id.range())
    }

    /// `payload.event_id`'s bytes, unescaped.
    pub(crate) fn event_id_bytes(&self) -> Option<Cow<'_, [u8]>> {
        self.event_id.get().map(|r| self.unescaped(&r))
    }

    /// Where the raw id sits in the frame (pending acks keep the frame, not a copy of the id).
    pub(crate) fn raw_id_range(&self) -> Range<usize> {
        self.id.range()
    }

    pub(crate) fn set_ack(&mut self, ack: AckState) {
        self.ack = ack;
    }

    /// The bytes at a range the scanner found in this frame.
    fn raw(&self, range: &Range<usize>) -> &[u8] {
        self.frame.get(range.clone()).unwrap_or_default()
    }

    /// Ids are compared as bytes; only one with escapes needs decoding (and a copy).
    fn unescaped(&self, range: &Range<usize>) -> Cow<'_, [u8]> {
        let raw = self.raw(range);
        if has_escapes(raw) {
            Cow::Owned(decode(raw).into_owned().into_bytes())
        } else {
            Cow::Borrowed(raw)
        }
    }
}

impl fmt::Debug for Envelope {
    // The payload holds user content (and, in Events API bodies, a verification token): not printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("conn", &self.conn)
            .field("envelope_id", &self.envelope_id())
            .field("type", &self.kind)
            .field("event_id", &self.event_id())
            .field("retry_attempt", &self.retry_attempt)
            .field("accepts_response_payload", &self.accepts_response_payload)
            .field("frame_bytes", &self.frame.len())
            .field("ack", &self.ack)
            .finish()
    }
}

/// `hello`: the connection is ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The connection that said it.
    pub conn: ConnId,
    /// How many connections Slack counts for this app (ghosts included).
    pub num_connections: Option<u32>,
    /// When Slack expects to refresh this connection.
    pub approximate_connection_time: Option<Duration>,
    /// `connection_info.app_id`.
    pub app_id: Option<String>,
    /// `debug_info.host`.
    pub host: Option<String>,
    /// `debug_info.build_number`.
    pub build_number: Option<u64>,
}

/// Why Slack sent `disconnect`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// About ten seconds before a disconnect.
    Warning,
    /// A routine refresh.
    RefreshRequested,
    /// More than ten connections (ghosts included).
    TooManyWebsockets,
    /// Socket Mode was turned off for the app: nothing to reconnect to.
    LinkDisabled,
    /// A reason this version does not know (treated like a refresh).
    Other(String),
}

impl DisconnectReason {
    fn from_wire(reason: &str) -> Self {
        match reason {
            "warning" => DisconnectReason::Warning,
            "refresh_requested" => DisconnectReason::RefreshRequested,
            "too_many_websockets" => DisconnectReason::TooManyWebsockets,
            "link_disabled" => DisconnectReason::LinkDisabled,
            other => DisconnectReason::Other(other.to_owned()),
        }
    }

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            DisconnectReason::Warning => "warning",
            DisconnectReason::RefreshRequested => "refresh_requested",
            DisconnectReason::TooManyWebsockets => "too_many_websockets",
            DisconnectReason::LinkDisabled => "link_disabled",
            DisconnectReason::Other(other) => other,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Socket Mode frame, as far as the session cares.
#[derive(Debug)]
pub(crate) enum Frame {
    Hello(Hello),
    Disconnect(DisconnectReason),
    Envelope(Envelope),
    /// A frame with a `type` but no `envelope_id`, or no `type` at all (an `envelope_id`
    /// without a `type` is the shape of an ack, not an envelope).
    Unknown(Option<String>),
}

/// Why a frame could not be read. `envelope_id` is set when it could still be found, so the
/// envelope can be acked anyway.
#[derive(Debug)]
pub(crate) struct FrameError {
    pub(crate) detail: String,
    pub(crate) envelope_id: Option<String>,
}

/// The top-level members the session reads (everything else is skipped, not parsed).
const MEMBERS: [&str; 10] = [
    "type",
    "envelope_id",
    "payload",
    "accepts_response_payload",
    "retry_attempt",
    "retry_reason",
    "reason",
    "num_connections",
    "debug_info",
    "connection_info",
];

/// Reads one Socket Mode frame.
pub(crate) fn parse_frame(conn: ConnId, frame: Bytes, now: Instant) -> Result<Frame, FrameError> {
    let salvage = |detail: String| {
        let envelope_id = salvage_envelope_id(&frame).map(str::to_owned);
        FrameError {
            detail,
            envelope_id,
        }
    };
    // Positions in an envelope are `u32`s; no server sends a frame this large (the session's
    // own limit is far below), but an envelope read back from elsewhere might be anything.
    if u32::try_from(frame.len()).is_err() {
        return Err(FrameError {
            detail: format!("a frame of {} bytes is over 4 GiB", frame.len()),
            envelope_id: None,
        });
    }
    // The frame is not checked for UTF-8 as a whole: the scanner reads only ASCII structure,
    // the id is checked below, the payload where the application deserialises it.
    let (
        [kind, envelope_id, payload, accepts, retry_attempt, retry_reason, reason, num_connections, debug_info, connection_info],
        [event_id],
    ) = find_with_inner(&frame, MEMBERS, "payload", ["event_id"])
        .map_err(|e| salvage(e.to_string()))?;
    // An empty `type` is no type.
    let kind = kind.and_then(quoted).filter(|k| !k.is_empty());
    if let Some(id) = envelope_id {
        // Slack's ids are strings; an ack must echo the id exactly as it came, so one of another
        // type (a number) is reported and not acked.
        let Some(contents) = quoted(id).filter(|c| !c.is_empty() && is_echoable(c)) else {
            return Err(FrameError {
                detail: "`envelope_id` is not a valid non-empty string".into(),
                envelope_id: None,
            });
        };
        // `{"envelope_id":…}` without a `type` is what an ack looks like (a server echoing the
        // client's frames sends them back), not an envelope: acking it would feed the echo.
        let Some(kind) = kind else {
            return Ok(Frame::Unknown(None));
        };
        let kind = EnvelopeType::from_wire(kind);
        let event_id = match kind {
            EnvelopeType::EventsApi => event_id
                .and_then(quoted)
                // An empty id (schema samples, broken senders) must never make envelopes collide.
                .filter(|s| !s.is_empty())
                .map(|s| span_of(&frame, s)),
            _ => None,
        };
        let envelope = Envelope {
            conn,
            id: Span::of(span_of(&frame, contents)),
            payload: Span::of_option(payload.map(|p| span_of(&frame, p))),
            event_id: Span::of_option(event_id),
            retry_reason: Span::of_option(
                retry_reason.and_then(quoted).map(|s| span_of(&frame, s)),
            ),
            retry_attempt: retry_attempt
                .and_then(as_u64)
                .map_or(0, |n| u16::try_from(n).unwrap_or(u16::MAX)),
            accepts_response_payload: accepts.and_then(as_bool).unwrap_or(false),
            kind,
            received_at: now,
            ack: AckState::Acked,
            frame,
        };
        return Ok(Frame::Envelope(envelope));
    }
    match kind.map(decode).as_deref() {
        Some("hello") => {
            let [host, build_number, lifetime] = debug_info
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .and_then(|d| find(d, ["host", "build_number", "approximate_connection_time"]).ok())
                .unwrap_or_default();
            let app_id = connection_info
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .and_then(|c| member(c, "app_id"));
            Ok(Frame::Hello(Hello {
                conn,
                num_connections: num_connections
                    .and_then(as_u64)
                    .and_then(|n| u32::try_from(n).ok()),
                approximate_connection_time: lifetime
                    .map(str::as_bytes)
                    .and_then(as_u64)
                    .map(Duration::from_secs),
                app_id: app_id.and_then(as_str).map(Cow::into_owned),
                host: host.and_then(as_str).map(Cow::into_owned),
                build_number: build_number.map(str::as_bytes).and_then(as_u64),
            }))
        }
        Some("disconnect") => {
            let reason = reason.and_then(quoted).map(decode).unwrap_or_default();
            Ok(Frame::Disconnect(DisconnectReason::from_wire(&reason)))
        }
        other => Ok(Frame::Unknown(other.map(str::to_owned))),
    }
}

/// The envelope id a [`Session`](crate::Session) still acks in a frame it cannot otherwise read
/// (malformed JSON, binary, oversized): found textually, and only if it can be echoed verbatim
/// inside a JSON string. Fake servers and test harnesses use it to know which broken frames a
/// careful client acks.
pub fn salvage_envelope_id(frame: &[u8]) -> Option<&str> {
    crate::json::salvage_string_field(frame, "envelope_id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routing_key_is_read_from_the_payload_by_the_scanner() {
        let route = |kind: &str, payload: &str| {
            let frame = format!(r#"{{"envelope_id":"e","type":"{kind}","payload":{payload}}}"#);
            Envelope::from_frame(frame, ConnId(1), Instant::ZERO)
                .unwrap()
                .route()
        };
        let events = |payload: &str| route("events_api", payload);
        assert_eq!(
            events(r#"{"event":{"text":"hi","type":"app_mention"}}"#).as_deref(),
            Some("app_mention")
        );
        assert_eq!(
            events(r#"{ "event" : { "type" : "mess\u0061ge" } }"#).as_deref(),
            Some("message"),
            "escapes decoded, whitespace allowed"
        );
        for unroutable in [
            r#"{"event":{"type":7}}"#,
            r#"{"event":{"type":null}}"#,
            r#"{"event":"app_mention"}"#,
            r#"{"event":{"type":"a","type":"b"}}"#,
            r#"{"event":{"type":"a",}}"#,
            r#"{"type":"event_callback"}"#,
        ] {
            assert_eq!(events(unroutable), None, "{unroutable}");
        }
        assert_eq!(
            route(
                "interactive",
                r#"{"actions":[{"type":"button"}],"type":"block_actions"}"#
            )
            .as_deref(),
            Some("block_actions"),
            "only the payload's own member counts"
        );
        assert_eq!(
            route("slash_commands", r#"{"text":"y","command":"/x"}"#).as_deref(),
            Some("/x")
        );
        assert_eq!(route("interactive", r#"{"actions":[]}"#), None);
    }

    #[test]
    fn an_envelope_moves_as_one_small_block() {
        // Beyond 128 bytes every move between the session, the driver's queue and a handler
        // is a call to memcpy (measured: 2% of the drive loop's instructions under a flood).
        assert!(std::mem::size_of::<Envelope>() <= 128);
        assert_eq!(Span::of(3..7).get(), Some(3..7));
        assert_eq!(Span::of_option(None).get(), None);
        assert_eq!(Span::of(usize::MAX - 1..usize::MAX).get(), None); // past u32: absent
    }

    #[test]
    fn an_envelope_reads_back_from_its_frame_and_anything_else_does_not() {
        let frame = r#"{"type":"events_api","envelope_id":"e-1","retry_attempt":2,"payload":{"event_id":"Ev1","event":{"type":"app_mention"}}}"#;
        let envelope = Envelope::from_frame(frame, ConnId(7), Instant::from_secs(3)).unwrap();
        assert_eq!(envelope.envelope_id(), "e-1");
        assert_eq!(envelope.event_id().as_deref(), Some("Ev1"));
        assert_eq!((envelope.retry_attempt(), envelope.conn()), (2, ConnId(7)));
        assert_eq!(envelope.ack_state(), AckState::Acked);
        assert_eq!(envelope.route().as_deref(), Some("app_mention"));
        assert!(Envelope::from_frame(r#"{"type":"hello"}"#, ConnId(1), Instant::ZERO).is_none());
        assert!(Envelope::from_frame("not json", ConnId(1), Instant::ZERO).is_none());
    }

    fn parse(text: &str) -> Result<Frame, FrameError> {
        parse_frame(
            ConnId(1),
            Bytes::copy_from_slice(text.as_bytes()),
            Instant::ZERO,
        )
    }

    fn envelope(text: &str) -> Envelope {
        match parse(text) {
            Ok(Frame::Envelope(e)) => e,
            other => panic!("not an envelope: {other:?}"),
        }
    }

    #[test]
    fn reads_the_header_and_leaves_the_payload_raw() {
        let e = envelope(
            r#"{"envelope_id":"e-1","payload":{"event_id":"Ev1","event":{"type":"app_mention"}},"type":"events_api","accepts_response_payload":false,"retry_attempt":2,"retry_reason":"timeout"}"#,
        );
        assert_eq!(e.envelope_id(), "e-1");
        assert_eq!(e.kind(), &EnvelopeType::EventsApi);
        assert_eq!(e.event_id().as_deref(), Some("Ev1"));
        assert_eq!(e.retry_attempt(), 2);
        assert_eq!(e.retry_reason().as_deref(), Some("timeout"));
        assert_eq!(
            e.payload_json(),
            Some(r#"{"event_id":"Ev1","event":{"type":"app_mention"}}"#)
        );
        assert_eq!(e.route().as_deref(), Some("app_mention"));
        let v: serde_json::Value = e.payload().unwrap();
        assert_eq!(v["event"]["type"], "app_mention");
    }

    #[test]
    fn order_whitespace_and_odd_types_do_not_matter() {
        let e = envelope("{\n\t\"type\" : \"slash_commands\",\n\t\"accepts_response_payload\": \"true\",\n\t\"retry_attempt\": \"1\", \"payload\": {\"command\":\"/x\"}, \"envelope_id\": \"a\\u0062c\"}");
        assert_eq!(e.envelope_id(), "abc");
        assert_eq!(e.raw_id(), "a\\u0062c");
        assert!(e.accepts_response_payload());
        assert_eq!(e.retry_attempt(), 1);
        assert_eq!(e.route().as_deref(), Some("/x"));
    }

    #[test]
    fn an_empty_event_id_is_no_event_id() {
        let e = envelope(r#"{"envelope_id":"x","type":"events_api","payload":{"event_id":""}}"#);
        assert_eq!(e.event_id(), None);
    }

    #[test]
    fn unknown_envelope_types_are_envelopes() {
        let e = envelope(r#"{"envelope_id":"x","type":"brand_new","payload":null}"#);
        assert_eq!(e.kind(), &EnvelopeType::Other("brand_new".into()));
        assert_eq!(e.payload_json(), Some("null"));
    }

    #[test]
    fn hello_and_disconnect() {
        let Ok(Frame::Hello(h)) = parse(
            r#"{"type":"hello","num_connections":4,"debug_info":{"host":"applink-1","build_number":54,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}}"#,
        ) else {
            panic!()
        };
        assert_eq!(h.num_connections, Some(4));
        assert_eq!(
            h.approximate_connection_time,
            Some(Duration::from_secs(18060))
        );
        assert_eq!(h.app_id.as_deref(), Some("A1"));
        assert_eq!(h.host.as_deref(), Some("applink-1"));
        assert!(matches!(parse(r#"{"type":"hello"}"#), Ok(Frame::Hello(_))));
        assert!(matches!(
            parse(
                r#"{"type":"disconnect","reason":"link_disabled","debug_info":{"host":"wss-111"}}"#
            ),
            Ok(Frame::Disconnect(DisconnectReason::LinkDisabled))
        ));
        assert!(matches!(
            parse(r#"{"type":"disconnect","reason":"new_one"}"#),
            Ok(Frame::Disconnect(DisconnectReason::Other(_)))
        ));
    }

    #[test]
    fn bad_frames_are_errors_with_a_salvaged_id_when_possible() {
        let err = parse(r#"{"envelope_id":"keep-me","payload":{"#).unwrap_err();
        assert_eq!(err.envelope_id.as_deref(), Some("keep-me"));
        assert!(parse("[1,2]").is_err());
        assert!(parse(r#"{"envelope_id":42}"#).is_err());
        assert!(parse(r#"{"envelope_id":"a","envelope_id":"b"}"#).is_err());
        assert!(
            matches!(parse(r#"{"type":"mystery"}"#), Ok(Frame::Unknown(Some(t))) if t == "mystery")
        );
        assert!(matches!(parse("{}"), Ok(Frame::Unknown(None))));
    }

    #[test]
    fn an_envelope_id_without_a_type_is_not_an_envelope() {
        // The shape of the client's own acks, as a server that echoes frames sends them back.
        for frame in [
            r#"{"envelope_id":"e-1"}"#,
            r#"{"envelope_id":"e-1","payload":{"text":"pong"}}"#,
            r#"{"envelope_id":"e-1","type":""}"#,
            r#"{"envelope_id":"e-1","type":null,"payload":{}}"#,
        ] {
            assert!(matches!(parse(frame), Ok(Frame::Unknown(None))), "{frame}");
        }
        // A numeric id is refused whatever the type: no ack could echo it as Slack sent it.
        let error = parse(r#"{"envelope_id":17,"type":"events_api","payload":{}}"#).unwrap_err();
        assert!(error.detail.contains("envelope_id"), "{}", error.detail);
        assert_eq!(error.envelope_id, None);
    }

    fn parse_bytes(frame: &[u8]) -> Result<Frame, FrameError> {
        parse_frame(ConnId(1), Bytes::copy_from_slice(frame), Instant::ZERO)
    }

    #[test]
    fn text_that_is_not_utf8_is_caught_where_it_is_read() {
        // In the payload: the envelope is still acked and handled; deserialising says why not.
        let Ok(Frame::Envelope(e)) = parse_bytes(
            b"{\"envelope_id\":\"e-1\",\"type\":\"interactive\",\"payload\":{\"t\":\"\xff\"}}",
        ) else {
            panic!("the header is readable")
        };
        assert_eq!(e.envelope_id(), "e-1");
        assert_eq!(e.payload_json(), None);
        let error = e.payload::<serde_json::Value>().unwrap_err();
        assert!(error.to_string().contains("unicode"), "{error}");
        // In the id: no ack could carry it.
        let Err(error) = parse_bytes(b"{\"envelope_id\":\"e\xff\",\"payload\":{}}") else {
            panic!("an id that is not UTF-8 is refused")
        };
        assert!(error.detail.contains("envelope_id"), "{}", error.detail);
    }

    #[test]
    fn the_id_as_shared_bytes_is_a_slice_of_the_frame_unless_escaped() {
        let e = envelope(r#"{"envelope_id":"e-1","type":"interactive","payload":{}}"#);
        let id = e.envelope_id_bytes();
        assert_eq!(&id[..], b"e-1");
        let frame = e.frame_bytes().as_ptr_range();
        assert!(frame.contains(&id.as_ptr()), "no copy");
        let e = envelope(r#"{"envelope_id":"a\u0062c","type":"interactive","payload":{}}"#);
        assert_eq!(&e.envelope_id_bytes()[..], b"abc");
        assert_eq!(&e.id_bytes()[..], b"abc");
    }
}
