//! What the fake concluded about the client: per envelope delivery, per connection, per Web API
//! method, and every rule the client broke. Serialises to JSON for `slackline serve --report`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The fake's report on a client. `ok` is true when the script finished and no rule was broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// The script finished and the client broke no rule.
    pub ok: bool,
    /// The script played to its end and outstanding acks were settled.
    pub finished: bool,
    /// The script's name.
    pub script: Option<String>,
    /// Virtual (or real) time from the start to now, in milliseconds.
    pub elapsed_ms: u64,
    /// Counts over all envelope deliveries.
    pub summary: Summary,
    /// One entry per delivery (redeliveries included), in delivery order.
    pub envelopes: Vec<DeliveryReport>,
    /// WebSocket connections.
    pub connections: ConnectionSummary,
    /// Web API calls per method.
    pub http: BTreeMap<String, MethodSummary>,
    /// RTM traffic.
    pub rtm: RtmSummary,
    /// Messages posted with `chat.postMessage`, `chat.postEphemeral`, `chat.scheduleMessage`
    /// (and RTM `message`), in order: the ones the fake accepted.
    pub posted: Vec<PostedMessage>,
    /// Every Web API call, in order, with its arguments (tokens redacted) and answer; at most
    /// [`MAX_RECORDED_CALLS`](crate::MAX_RECORDED_CALLS).
    #[serde(default)]
    pub calls: Vec<CallRecord>,
    /// Calls made once `calls` was full (counted in `http`, not listed).
    #[serde(default)]
    pub calls_unrecorded: u64,
    /// File uploads (`files.getUploadURLExternal`, the POST of the bytes, `files.completeUploadExternal`).
    #[serde(default)]
    pub uploads: Vec<UploadReport>,
    /// Every rule the client broke, in the order noticed (missing acks last); with report
    /// limits ([`FakeConfig::with_report_limits`](crate::FakeConfig::with_report_limits)),
    /// only the first few.
    pub violations: Vec<Violation>,
    /// How many violations there were in all, kept or not.
    #[serde(default)]
    pub violations_total: u64,
    /// Violations by kind (`missing_ack`, `unknown_ack`, ...), kept or not.
    #[serde(default)]
    pub violation_counts: BTreeMap<String, u64>,
}

impl Verdict {
    /// A few lines for people: the outcome, the counts and each violation.
    pub fn summary_text(&self) -> String {
        let s = &self.summary;
        let mut out = format!(
            "{}: {} envelope deliveries, {} acked in time, {} late, {} missing, {} lost with their socket; {} connections (max {} at once); {} violations",
            if self.ok { "ok" } else if self.finished { "FAILED" } else { "UNFINISHED" },
            s.delivered,
            s.acked,
            s.late,
            s.missing,
            s.lost,
            self.connections.opened,
            self.connections.max_concurrent,
            self.violations_total.max(self.violations.len() as u64)
        );
        for v in self.violations.iter().take(SHOWN_VIOLATIONS) {
            out.push_str(&format!(
                "\n  at {:.3}s: {}",
                v.at_ms as f64 / 1000.0,
                v.kind
            ));
        }
        let shown = self.violations.len().min(SHOWN_VIOLATIONS) as u64;
        let total = self.violations_total.max(self.violations.len() as u64);
        if total > shown {
            let counts: Vec<String> = self
                .violation_counts
                .iter()
                .map(|(kind, n)| format!("{kind} {n}"))
                .collect();
            out.push_str(&format!(
                "\n  … and {} more (by kind: {})",
                total - shown,
                counts.join(", ")
            ));
        }
        out
    }
}

/// Violations listed one per line in [`Verdict::summary_text`]; the rest are counted.
const SHOWN_VIOLATIONS: usize = 20;

/// Counts over all deliveries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Envelope frames sent (redeliveries included).
    pub delivered: u64,
    /// Acked within the deadline.
    pub acked: u64,
    /// Acked after the deadline.
    pub late: u64,
    /// Never acked although its socket stayed up past the deadline.
    pub missing: u64,
    /// Never acked, and the socket went silent or was closed before the deadline (lost with
    /// it; Slack's redelivery is what covers it).
    pub lost: u64,
    /// Not yet acked, deadline not yet passed.
    pub pending: u64,
    /// Redeliveries sent (by the fake's own retry or a `redeliver` step).
    pub redeliveries: u64,
    /// Acks that carried a response payload.
    pub acks_with_payload: u64,
    /// Acks for an envelope already acked.
    pub duplicate_acks: u64,
    /// Acks for an envelope id never delivered.
    pub unknown_acks: u64,
}

/// What became of one delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AckOutcome {
    /// Acked within the deadline.
    Acked,
    /// Acked after the deadline.
    Late,
    /// Never acked.
    Missing,
    /// Never acked; its socket went silent or was closed before the deadline.
    Lost,
    /// Not acked yet, deadline ahead.
    Pending,
    /// Not acked, and none was owed: a malformed frame whose `envelope_id` a client may
    /// salvage (acking it is fine, not doing so too).
    NotOwed,
}

/// One envelope delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// `envelope_id`.
    pub envelope_id: String,
    /// The script's label for the envelope.
    pub label: String,
    /// `type`.
    pub kind: String,
    /// `payload.event_id`, if any.
    pub event_id: Option<String>,
    /// `retry_attempt` sent.
    pub retry_attempt: u64,
    /// `accepts_response_payload` sent.
    pub accepts_response_payload: bool,
    /// The socket it went out on.
    pub socket: u32,
    /// When, in ms since the start.
    pub delivered_ms: u64,
    /// What became of it.
    pub outcome: AckOutcome,
    /// When the ack arrived, in ms since the start.
    pub acked_ms: Option<u64>,
    /// Delivery to ack, in ms.
    pub ack_latency_ms: Option<u64>,
    /// The socket the ack came on (Slack expects the same socket; another open one works).
    pub ack_socket: Option<u32>,
    /// The ack carried a response payload.
    pub ack_payload: bool,
    /// That payload (tokens redacted): the slash command's answer, the view submission's
    /// `response_action`, the options of a `block_suggestion`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_payload: Option<serde_json::Value>,
    /// Further acks for it.
    pub duplicate_acks: u32,
}

/// WebSocket connections.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectionSummary {
    /// Sockets accepted.
    pub opened: u64,
    /// Handshakes refused (unknown, reused or expired URL, or a scripted failure).
    pub rejected: u64,
    /// Most sockets open at once (silent ones not counted).
    pub max_concurrent: u64,
    /// Closed by the client.
    pub closed_by_client: u64,
    /// Closed by the fake.
    pub closed_by_server: u64,
    /// Made silent (half-open).
    pub silenced: u64,
    /// Server pings sent.
    pub server_pings: u64,
    /// Client pings answered.
    pub client_pings: u64,
    /// Frames dropped because they arrived on a silent socket or after the server closed it.
    pub dropped_frames: u64,
}

/// Web API calls of one method.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MethodSummary {
    /// Calls.
    pub calls: u64,
    /// Answered with an error (`ok:false` or a non-200 status).
    pub errors: u64,
    /// Answered by a script's `stub` (or `fail`) instead of the fake.
    #[serde(default)]
    pub stubbed: u64,
}

/// RTM traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RtmSummary {
    /// Client messages received (pings included).
    pub messages: u64,
    /// Of which pings.
    pub pings: u64,
    /// `reply_to` answers sent (pongs included).
    pub replies: u64,
    /// Events sent by the script.
    pub events: u64,
}

/// A message the client posted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostedMessage {
    /// `chat.postMessage`, `chat.postEphemeral`, `chat.scheduleMessage` or `rtm`.
    pub via: String,
    /// The channel (its id, even if the client named it or gave a user id).
    pub channel: String,
    /// The text (tokens redacted).
    pub text: String,
    /// The thread it was posted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Its blocks, as sent (tokens redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<serde_json::Value>,
    /// `chat.postEphemeral`: who sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `chat.scheduleMessage`: when it is to be posted (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_at: Option<i64>,
    /// The `ts` the fake gave it (the `scheduled_message_id` of a scheduled one).
    pub ts: String,
    /// When, in ms since the start.
    pub at_ms: u64,
}

/// One Web API call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallRecord {
    /// The method (or `upload` for bytes POSTed to an upload URL).
    pub method: String,
    /// When, in ms since the start.
    pub at_ms: u64,
    /// How the arguments came: `json`, `form` (the query string too) or `none`.
    pub encoding: String,
    /// The arguments, a JSON object (form values are strings); tokens redacted.
    pub args: serde_json::Value,
    /// The HTTP status answered.
    pub status: u16,
    /// The `error` answered, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Answered by a script's `stub` or `fail` step.
    #[serde(default)]
    pub stubbed: bool,
    /// Something worth knowing, e.g. that a method reading form arguments only got a JSON
    /// body (and so, like Slack, saw no arguments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One file upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadReport {
    /// The file id `files.getUploadURLExternal` gave.
    pub file_id: String,
    /// Its `filename`.
    pub filename: String,
    /// The `length` announced.
    pub length: u64,
    /// The bytes POSTed to the upload URL (`None`: never).
    pub received: Option<u64>,
    /// `files.completeUploadExternal` finished it.
    pub completed: bool,
    /// Where it was shared, if anywhere.
    pub channel: Option<String>,
    /// When the URL was handed out, in ms since the start.
    pub reserved_ms: u64,
}

/// A rule the client broke, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// When it was noticed, in ms since the start.
    pub at_ms: u64,
    /// What.
    #[serde(flatten)]
    pub kind: ViolationKind,
}

/// The rules the fake checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ViolationKind {
    /// An envelope was never acked although its socket stayed up.
    MissingAck {
        /// Which.
        envelope_id: String,
        /// Its label.
        label: String,
    },
    /// An ack came after Slack's deadline.
    LateAck {
        /// Which.
        envelope_id: String,
        /// Its label.
        label: String,
        /// Delivery to ack.
        latency_ms: u64,
    },
    /// An envelope was acked more than once.
    DuplicateAck {
        /// Which.
        envelope_id: String,
        /// Where the extra ack came.
        socket: u32,
    },
    /// An ack for an envelope id never delivered.
    UnknownAck {
        /// The id.
        envelope_id: String,
        /// Where.
        socket: u32,
    },
    /// An ack frame over Slack's 20,480 bytes (Slack closes the socket with 1009).
    AckTooLarge {
        /// Where.
        socket: u32,
        /// Its size.
        bytes: usize,
    },
    /// A Socket Mode client frame that is not an ack.
    UnexpectedFrame {
        /// Where.
        socket: u32,
        /// What was wrong.
        detail: String,
    },
    /// An RTM message without a positive integer `id`.
    RtmBadId {
        /// Where.
        socket: u32,
        /// The `id` as sent (or `missing`).
        id: String,
    },
    /// An RTM message id used twice on one connection.
    RtmIdReused {
        /// Where.
        socket: u32,
        /// The id.
        id: u64,
    },
    /// An RTM message over 16 KB (Slack disconnects the client).
    RtmTooLarge {
        /// Where.
        socket: u32,
        /// Its size.
        bytes: usize,
    },
    /// RTM messages faster than one per second (beyond a small burst).
    RtmRateExceeded {
        /// Where.
        socket: u32,
        /// The message's id.
        id: Option<u64>,
    },
    /// A frame after the client itself closed the socket.
    FrameAfterClose {
        /// Where.
        socket: u32,
    },
    /// A binary frame (Slack speaks text only).
    BinaryFrame {
        /// Where.
        socket: u32,
    },
    /// More than 10 sockets open at once.
    TooManySockets {
        /// How many.
        open: u64,
    },
    /// A Web API call without a token.
    MissingToken {
        /// The method.
        method: String,
    },
    /// A token of the wrong kind for the method (the kind only; tokens are never echoed).
    WrongTokenKind {
        /// The method.
        method: String,
        /// What it needs.
        expected: String,
        /// What came.
        found: String,
    },
    /// A token in the request body instead of the `Authorization` header.
    TokenInBody {
        /// The method.
        method: String,
    },
    /// A call made before the `Retry-After` of a 429 for the same method had passed.
    IgnoredRetryAfter {
        /// The method.
        method: String,
        /// How early, in ms.
        early_ms: u64,
    },
    /// A WebSocket URL used twice (tickets and RTM URLs are single-use).
    ReusedUrl {
        /// Which kind of URL.
        url_kind: String,
    },
    /// An RTM URL used after its 30 s validity.
    ExpiredUrl {
        /// Which kind of URL.
        url_kind: String,
    },
    /// A WebSocket URL the fake never issued.
    UnknownUrl,
}

impl ViolationKind {
    /// The kind's name, as in the report (`missing_ack`, ...).
    pub fn name(&self) -> &'static str {
        use ViolationKind::*;
        match self {
            MissingAck { .. } => "missing_ack",
            LateAck { .. } => "late_ack",
            DuplicateAck { .. } => "duplicate_ack",
            UnknownAck { .. } => "unknown_ack",
            AckTooLarge { .. } => "ack_too_large",
            UnexpectedFrame { .. } => "unexpected_frame",
            RtmBadId { .. } => "rtm_bad_id",
            RtmIdReused { .. } => "rtm_id_reused",
            RtmTooLarge { .. } => "rtm_too_large",
            RtmRateExceeded { .. } => "rtm_rate_exceeded",
            FrameAfterClose { .. } => "frame_after_close",
            BinaryFrame { .. } => "binary_frame",
            TooManySockets { .. } => "too_many_sockets",
            MissingToken { .. } => "missing_token",
            WrongTokenKind { .. } => "wrong_token_kind",
            TokenInBody { .. } => "token_in_body",
            IgnoredRetryAfter { .. } => "ignored_retry_after",
            ReusedUrl { .. } => "reused_url",
            ExpiredUrl { .. } => "expired_url",
            UnknownUrl => "unknown_url",
        }
    }

    /// The same, with every text it holds cut to at most `limit` bytes (a client chooses
    /// them: an ack's id can be 20 KB).
    pub fn clipped(mut self, limit: usize) -> Self {
        use ViolationKind::*;
        let clip = |text: &mut String| {
            if text.len() > limit {
                let mut end = limit;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                text.push('…');
            }
        };
        match &mut self {
            MissingAck { envelope_id, label }
            | LateAck {
                envelope_id, label, ..
            } => {
                clip(envelope_id);
                clip(label);
            }
            DuplicateAck { envelope_id, .. } | UnknownAck { envelope_id, .. } => clip(envelope_id),
            UnexpectedFrame { detail, .. } => clip(detail),
            RtmBadId { id, .. } => clip(id),
            MissingToken { method }
            | TokenInBody { method }
            | IgnoredRetryAfter { method, .. }
            | WrongTokenKind { method, .. } => clip(method),
            _ => {}
        }
        self
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ViolationKind::*;
        match self {
            MissingAck { envelope_id, label } => {
                write!(f, "envelope {envelope_id} ({label}) was never acked")
            }
            LateAck {
                envelope_id,
                label,
                latency_ms,
            } => write!(
                f,
                "envelope {envelope_id} ({label}) was acked after {latency_ms} ms, past the deadline"
            ),
            DuplicateAck {
                envelope_id,
                socket,
            } => write!(f, "envelope {envelope_id} acked again (socket {socket})"),
            UnknownAck {
                envelope_id,
                socket,
            } => write!(
                f,
                "ack for envelope {envelope_id}, which was never delivered (socket {socket})"
            ),
            AckTooLarge { socket, bytes } => write!(
                f,
                "ack frame of {bytes} bytes on socket {socket} exceeds Slack's 20480"
            ),
            UnexpectedFrame { socket, detail } => {
                write!(f, "unexpected frame on socket {socket}: {detail}")
            }
            RtmBadId { socket, id } => write!(
                f,
                "RTM message on socket {socket} without a positive integer id ({id})"
            ),
            RtmIdReused { socket, id } => {
                write!(f, "RTM message id {id} used twice on socket {socket}")
            }
            RtmTooLarge { socket, bytes } => write!(
                f,
                "RTM message of {bytes} bytes on socket {socket} exceeds Slack's 16 KB"
            ),
            RtmRateExceeded { socket, id } => match id {
                Some(id) => write!(
                    f,
                    "RTM message {id} on socket {socket} exceeds one message per second"
                ),
                None => write!(
                    f,
                    "RTM message on socket {socket} exceeds one message per second"
                ),
            },
            FrameAfterClose { socket } => {
                write!(f, "frame on socket {socket} after the client closed it")
            }
            BinaryFrame { socket } => write!(f, "binary frame on socket {socket}"),
            TooManySockets { open } => {
                write!(f, "{open} sockets open at once, more than Slack's 10")
            }
            MissingToken { method } => write!(f, "{method} called without a token"),
            WrongTokenKind {
                method,
                expected,
                found,
            } => write!(f, "{method} called with {found}, needs {expected}"),
            TokenInBody { method } => {
                write!(f, "{method} called with a token in the body")
            }
            IgnoredRetryAfter { method, early_ms } => write!(
                f,
                "{method} called {early_ms} ms before its Retry-After had passed"
            ),
            ReusedUrl { url_kind } => write!(f, "{url_kind} URL used twice"),
            ExpiredUrl { url_kind } => write!(f, "{url_kind} URL used after it expired"),
            UnknownUrl => f.write_str("WebSocket URL the fake never issued"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_serialise_flat_with_their_kind() {
        let v = Violation {
            at_ms: 1500,
            kind: ViolationKind::LateAck {
                envelope_id: "e1".into(),
                label: "x".into(),
                latency_ms: 3200,
            },
        };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"at_ms":1500,"kind":"late_ack","envelope_id":"e1","label":"x","latency_ms":3200}"#
        );
        let back: Violation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            serde_json::to_string(&Violation {
                at_ms: 0,
                kind: ViolationKind::UnknownUrl
            })
            .unwrap(),
            r#"{"at_ms":0,"kind":"unknown_url"}"#
        );
    }
}
