//! RTM frames and the types the application sees for them.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::Deserialize;

use crate::ids::ConnId;
use crate::json::{as_bool, as_i64, as_str, as_u64, find, span_of, string_contents, unescape};
use crate::time::Instant;

/// The `rtm.connect` / `rtm.start` response that granted a connection: `self`, `team`, and for
/// `rtm.start` the whole workspace state, kept as bytes and parsed only when asked.
#[derive(Clone)]
pub struct RtmConnected {
    conn: ConnId,
    body: Bytes,
    self_id: Option<String>,
    self_name: Option<String>,
    team_id: Option<String>,
    team_domain: Option<String>,
}

impl RtmConnected {
    pub(crate) fn parse(conn: ConnId, body: Bytes) -> Self {
        #[derive(Deserialize, Default)]
        struct Named {
            id: Option<String>,
            name: Option<String>,
            domain: Option<String>,
        }
        #[derive(Deserialize)]
        struct Head {
            #[serde(rename = "self", default)]
            me: Option<Named>,
            #[serde(default)]
            team: Option<Named>,
        }
        let head: Option<Head> = serde_json::from_slice(&body).ok();
        let (me, team) = head.map_or((None, None), |h| (h.me, h.team));
        let me = me.unwrap_or_default();
        let team = team.unwrap_or_default();
        RtmConnected {
            conn,
            body,
            self_id: me.id,
            self_name: me.name,
            team_id: team.id,
            team_domain: team.domain,
        }
    }

    /// The connection this grant was for.
    pub fn conn(&self) -> ConnId {
        self.conn
    }

    /// `self.id`: the connected user (for a bot token, the bot user).
    pub fn self_id(&self) -> Option<&str> {
        self.self_id.as_deref()
    }

    /// `self.name`.
    pub fn self_name(&self) -> Option<&str> {
        self.self_name.as_deref()
    }

    /// `team.id`.
    pub fn team_id(&self) -> Option<&str> {
        self.team_id.as_deref()
    }

    /// `team.domain`.
    pub fn team_domain(&self) -> Option<&str> {
        self.team_domain.as_deref()
    }

    /// The response body as received (the `url` inside is spent; it is single-use).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, or part of it, parsed into `T` (for `rtm.start`: users, channels, groups, ims,
    /// mpims, bots...). Borrowing types avoid copies.
    pub fn state<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl fmt::Debug for RtmConnected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtmConnected")
            .field("conn", &self.conn)
            .field("self_id", &self.self_id)
            .field("team_id", &self.team_id)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// An RTM event: the frame plus where its `type` and `subtype` are.
#[derive(Clone)]
pub struct RtmEvent {
    conn: ConnId,
    frame: Bytes,
    kind: Range<usize>,
    subtype: Option<Range<usize>>,
    received_at: Instant,
}

impl RtmEvent {
    /// The connection it arrived on.
    pub fn conn(&self) -> ConnId {
        self.conn
    }

    /// `type`, e.g. `message`, `reaction_added`, or one this version has never heard of.
    pub fn kind(&self) -> Cow<'_, str> {
        unescape(self.slice(&self.kind))
    }

    /// `subtype`, e.g. `bot_message`, `message_changed`.
    pub fn subtype(&self) -> Option<Cow<'_, str>> {
        self.subtype.as_ref().map(|r| unescape(self.slice(r)))
    }

    /// The whole event parsed into `T`.
    pub fn payload<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.frame)
    }

    /// The frame as received.
    pub fn frame(&self) -> &str {
        std::str::from_utf8(&self.frame).unwrap_or_default()
    }

    /// The frame as shared bytes.
    pub fn frame_bytes(&self) -> &Bytes {
        &self.frame
    }

    /// When it was received.
    pub fn received_at(&self) -> Instant {
        self.received_at
    }

    fn slice(&self, range: &Range<usize>) -> &str {
        crate::json::text_at(&self.frame, range.clone())
    }
}

impl fmt::Debug for RtmEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtmEvent")
            .field("conn", &self.conn)
            .field("type", &self.kind())
            .field("subtype", &self.subtype())
            .field("frame_bytes", &self.frame.len())
            .finish()
    }
}

/// The outcome of an RTM message the session sent with an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtmReply {
    /// The id returned when it was queued.
    pub id: u64,
    /// What happened.
    pub outcome: RtmOutcome,
}

/// What happened to a sent RTM message.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtmOutcome {
    /// `ok: true`: posted (for pings: the pong, extra fields included in `raw`).
    Ok {
        /// `ts` of the posted message.
        ts: Option<String>,
        /// `text` as Slack stored it.
        text: Option<String>,
        /// The reply frame.
        raw: Bytes,
    },
    /// `ok: false` with Slack's error (`code` -1 means "slow down").
    Failed {
        /// `error.code`.
        code: i64,
        /// `error.msg`.
        msg: String,
    },
    /// The connection it was sent on dropped and no reply came after reconnecting: it may or
    /// may not have been posted.
    Lost,
    /// No reply within the reply timeout.
    TimedOut,
    /// Never sent: the session stopped first.
    NotSent,
}

impl fmt::Debug for RtmOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtmOutcome::Ok { ts, text, .. } => f
                .debug_struct("Ok")
                .field("ts", ts)
                .field("text_len", &text.as_ref().map(String::len))
                .finish(),
            RtmOutcome::Failed { code, msg } => f
                .debug_struct("Failed")
                .field("code", code)
                .field("msg", msg)
                .finish(),
            RtmOutcome::Lost => f.write_str("Lost"),
            RtmOutcome::TimedOut => f.write_str("TimedOut"),
            RtmOutcome::NotSent => f.write_str("NotSent"),
        }
    }
}

/// Why an RTM send was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The frame would exceed Slack's 16 KB limit (Slack disconnects clients that send more).
    TooLarge {
        /// The frame's size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The pacing queue is full.
    QueueFull,
    /// The session is not an RTM session.
    NotRtm,
    /// The session has stopped or is shutting down.
    Stopped,
    /// The extra fields could not be serialised as a JSON object.
    Invalid(String),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::TooLarge { len, limit } => {
                write!(f, "message of {len} bytes exceeds Slack's limit of {limit}")
            }
            SendError::QueueFull => f.write_str("the RTM send queue is full"),
            SendError::NotRtm => f.write_str("not an RTM session"),
            SendError::Stopped => f.write_str("the session has stopped"),
            SendError::Invalid(e) => write!(f, "invalid message: {e}"),
        }
    }
}

impl std::error::Error for SendError {}

/// An RTM frame, as far as the session cares.
#[derive(Debug)]
pub(crate) enum RtmFrame {
    Hello,
    Goodbye,
    /// `reply_to`: a pong, or the answer to a message.
    Reply {
        reply_to: u64,
        outcome: RtmOutcome,
    },
    Error {
        code: i64,
        msg: String,
    },
    ReconnectUrl,
    Event(RtmEvent),
    /// No `type` and no `reply_to`.
    Untyped,
}

/// The top-level members the session reads from an RTM frame.
const MEMBERS: [&str; 8] = [
    "type", "subtype", "reply_to", "ok", "ts", "text", "error", "user",
];

fn error_body(raw: Option<&str>) -> (i64, String) {
    let [code, msg] = raw
        .and_then(|r| find(r, ["code", "msg"]).ok())
        .unwrap_or_default();
    let code = code.and_then(as_i64).unwrap_or(0);
    let msg = msg
        .and_then(as_str)
        .map(Cow::into_owned)
        .unwrap_or_default();
    (code, msg)
}

/// Reads one RTM frame; also returns its `user`, for the self-event filter.
pub(crate) fn parse_frame(
    conn: ConnId,
    frame: Bytes,
    now: Instant,
) -> Result<(RtmFrame, Option<String>), String> {
    let text = std::str::from_utf8(&frame).map_err(|_| "not UTF-8".to_owned())?;
    let [kind, subtype, reply_to, ok, ts, text_member, error, user] =
        find(text, MEMBERS).map_err(|e| e.to_string())?;
    // The scan reads the top level only; an RTM event is the whole frame (there is no ack to
    // hurry), so it is checked whole: what is dispatched always parses.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| format!("not JSON: {e}"))?;
    let user = user.and_then(as_str).map(Cow::into_owned);
    if let Some(reply_to) = reply_to.map(str::as_bytes).and_then(as_u64) {
        let ok = ok.map(str::as_bytes).and_then(as_bool);
        let is_pong = kind.and_then(as_str).as_deref() == Some("pong");
        let outcome = if ok == Some(false) || (ok.is_none() && error.is_some() && !is_pong) {
            let (code, msg) = error_body(error);
            RtmOutcome::Failed { code, msg }
        } else {
            RtmOutcome::Ok {
                ts: ts.and_then(as_str).map(Cow::into_owned),
                text: text_member.and_then(as_str).map(Cow::into_owned),
                raw: frame.clone(),
            }
        };
        return Ok((RtmFrame::Reply { reply_to, outcome }, user));
    }
    let Some(kind_raw) = kind.and_then(string_contents) else {
        return Ok((RtmFrame::Untyped, user));
    };
    let parsed = match kind_raw {
        "hello" => RtmFrame::Hello,
        "goodbye" => RtmFrame::Goodbye,
        "reconnect_url" => RtmFrame::ReconnectUrl,
        "error" => {
            let (code, msg) = error_body(error);
            RtmFrame::Error { code, msg }
        }
        _ => RtmFrame::Event(RtmEvent {
            conn,
            kind: span_of(&frame, kind_raw.as_bytes()),
            subtype: subtype
                .and_then(string_contents)
                .map(|s| span_of(&frame, s.as_bytes())),
            received_at: now,
            frame: frame.clone(),
        }),
    };
    Ok((parsed, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> RtmFrame {
        parse_frame(
            ConnId(1),
            Bytes::copy_from_slice(text.as_bytes()),
            Instant::ZERO,
        )
        .unwrap()
        .0
    }

    #[test]
    fn replies_pongs_errors_and_events() {
        let RtmFrame::Reply {
            reply_to,
            outcome: RtmOutcome::Ok { ts, text, .. },
        } = parse(r#"{"ok":true,"reply_to":1553324756489,"ts":"1553324756.000700","text":"Hi!"}"#)
        else {
            panic!()
        };
        assert_eq!(reply_to, 1553324756489);
        assert_eq!(ts.as_deref(), Some("1553324756.000700"));
        assert_eq!(text.as_deref(), Some("Hi!"));

        let RtmFrame::Reply {
            outcome: RtmOutcome::Failed { code, msg },
            ..
        } = parse(
            r#"{"ok":false,"reply_to":1,"error":{"code":2,"msg":"message text is missing"}}"#,
        )
        else {
            panic!()
        };
        assert_eq!((code, msg.as_str()), (2, "message text is missing"));

        assert!(matches!(
            parse(r#"{"type":"pong","reply_to":7,"time":1}"#),
            RtmFrame::Reply {
                reply_to: 7,
                outcome: RtmOutcome::Ok { .. }
            }
        ));
        assert!(matches!(parse(r#"{"type": "hello"}"#), RtmFrame::Hello));
        assert!(matches!(parse(r#"{"type":"goodbye"}"#), RtmFrame::Goodbye));
        assert!(matches!(
            parse(
                r#"{"type":"error","error":{"msg":"Cannot create connection","code":3,"source":"gs-pdx-8k9l"}}"#
            ),
            RtmFrame::Error { code: 3, .. }
        ));
        let RtmFrame::Event(e) = parse(r#"{"type":"message","subtype":"bot_message","text":"x"}"#)
        else {
            panic!()
        };
        assert_eq!(e.kind(), "message");
        assert_eq!(e.subtype().as_deref(), Some("bot_message"));
        assert!(matches!(parse(r#"{"foo":1}"#), RtmFrame::Untyped));
    }
}
