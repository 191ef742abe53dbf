//! One line per dispatched event, for transcripts (people read them; `replay --check`
//! compares them).

use slackline::redact_tokens;
use slackline::AckState;
use slackline::Event;

/// A one-line description of `event`, with tokens redacted and without payloads.
pub fn summarize(event: &Event) -> String {
    let line = match event {
        Event::Hello(h) => {
            let mut s = format!("hello {}", h.conn);
            if let Some(n) = h.num_connections {
                s.push_str(&format!(" num_connections={n}"));
            }
            if let Some(t) = h.approximate_connection_time {
                s.push_str(&format!(" approximate_connection_time={}s", t.as_secs()));
            }
            s
        }
        Event::Envelope(e) => {
            let ack = match e.ack_state() {
                AckState::Acked => "acked",
                AckState::AwaitingApp { .. } => "awaiting_app",
                _ => "unknown",
            };
            let mut s = format!(
                "envelope {} {} {} retry={} {ack}",
                e.conn(),
                e.kind(),
                e.envelope_id(),
                e.retry_attempt()
            );
            if let Some(event_id) = e.event_id() {
                s.push_str(&format!(" event_id={event_id}"));
            }
            s
        }
        Event::Disconnect { conn, reason } => format!("disconnect {conn} {reason}"),
        Event::ConnectionClosed { conn, cause } => format!("connection_closed {conn} {cause}"),
        Event::Reconnecting {
            attempt,
            delay,
            cause,
        } => format!("reconnecting attempt={attempt} delay={delay:?} cause={cause}"),
        Event::ProtocolError(e) => format!("protocol_error {e}"),
        Event::Duplicate {
            conn,
            envelope_id,
            retry_attempt,
            ..
        } => format!("duplicate {conn} {envelope_id} retry={retry_attempt}"),
        Event::AckOverdue {
            envelope_id,
            auto_acked,
        } => format!("ack_overdue {envelope_id} auto_acked={auto_acked}"),
        Event::RtmConnected(c) => format!(
            "rtm_connected {} self={} team={}",
            c.conn(),
            c.self_id().unwrap_or("?"),
            c.team_id().unwrap_or("?")
        ),
        Event::Rtm(e) => match e.subtype() {
            Some(sub) => format!("rtm {} {}/{sub}", e.conn(), e.kind()),
            None => format!("rtm {} {}", e.conn(), e.kind()),
        },
        Event::RtmReply(r) => format!("rtm_reply {} {:?}", r.id, r.outcome),
        Event::Goodbye { conn } => format!("goodbye {conn}"),
        Event::RtmError {
            conn, code, msg, ..
        } => format!("rtm_error {conn} {code} {msg}"),
        Event::Stopped(reason) => format!("stopped {reason}"),
        other => format!("{other:?}"),
    };
    redact_tokens(&line).into_owned()
}
