//! RTM on the fake's side: every client message needs a positive integer `id`, unique on its
//! connection; pings get pongs, messages get `{"ok":true,"reply_to":…}` answers; size and rate
//! limits are enforced as Slack documents them.

use serde_json::{Map, Value};

use super::{FakeSlack, PostedMessage, ViolationKind, MAX_RTM_MESSAGE};
use crate::frames;
use slackline::redact_tokens;
use slackline::Instant;

impl FakeSlack {
    pub(crate) fn on_rtm_message(&mut self, now: Instant, i: usize, text: &[u8]) {
        let socket = self.sockets[i].id;
        self.rtm.messages += 1;
        if text.len() > MAX_RTM_MESSAGE {
            self.violation(
                now,
                ViolationKind::RtmTooLarge {
                    socket: socket.0,
                    bytes: text.len(),
                },
            );
            // Slack disconnects clients that send more than 16 KB.
            self.close_socket(now, i, 1009, "message too long");
            return;
        }
        let message: Map<String, Value> = match serde_json::from_slice(text) {
            Ok(m) => m,
            Err(e) => {
                let detail = format!("RTM message is not a JSON object: {e}");
                return self.violation(
                    now,
                    ViolationKind::UnexpectedFrame {
                        socket: socket.0,
                        detail,
                    },
                );
            }
        };
        let id = match message.get("id") {
            Some(Value::Number(n)) => n.as_u64().filter(|&id| id > 0),
            _ => None,
        };
        let Some(id) = id else {
            let shown = message.get("id").map_or_else(
                || "missing".to_owned(),
                |id| redact_tokens(&id.to_string()).into_owned(),
            );
            return self.violation(
                now,
                ViolationKind::RtmBadId {
                    socket: socket.0,
                    id: shown,
                },
            );
        };
        if !self.sockets[i].rtm_ids.insert(id) {
            self.violation(
                now,
                ViolationKind::RtmIdReused {
                    socket: socket.0,
                    id,
                },
            );
        }
        let kind = match message.get("type") {
            Some(Value::String(t)) => t.clone(),
            _ => String::new(),
        };
        if kind == "ping" {
            self.rtm.pings += 1;
            // The pong carries the ping's other fields back, as Slack documents.
            return self.rtm_reply_text(i, frames::rtm_pong(id, &message));
        }
        if !self.sockets[i].rtm_rate.take(now) {
            self.violation(
                now,
                ViolationKind::RtmRateExceeded {
                    socket: socket.0,
                    id: Some(id),
                },
            );
            return self.rtm_error(i, id, -1, "slow down, too many messages...");
        }
        match kind.as_str() {
            "message" => self.rtm_post(now, i, id, &message),
            // Slack answers these only on error.
            "typing" | "presence_sub" | "presence_query" => {}
            "" => self.rtm_error(i, id, 3, "message type is missing"),
            _ => self.rtm_error(i, id, 3, &format!("unsupported type {kind}")),
        }
    }

    fn rtm_post(&mut self, now: Instant, i: usize, id: u64, message: &Map<String, Value>) {
        let field = |name: &str| match message.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let Some(channel) = field("channel") else {
            return self.rtm_error(i, id, 1, "channel is missing");
        };
        let Some(text) = field("text") else {
            return self.rtm_error(i, id, 2, "message text is missing");
        };
        let ts = self.ids.ts(self.script.header().epoch, self.start, now);
        self.rtm_reply_text(i, frames::rtm_posted(id, &ts, &text));
        // Readable with conversations.history like any post.
        let caller = self.workspace.caller(slackline::TokenKind::Bot);
        if let Ok(conversation) = self.workspace.conversation(&channel, &caller) {
            let message = crate::api::workspace::Message {
                ts: ts.clone(),
                user: caller.user,
                text: text.clone(),
                ..Default::default()
            };
            let _ = self.workspace.add_message(&conversation, message);
        }
        let at_ms = self.elapsed_ms(now);
        self.posted.push(PostedMessage {
            via: "rtm".into(),
            channel: redact_tokens(&channel).into_owned(),
            text: redact_tokens(&text).into_owned(),
            thread_ts: None,
            blocks: None,
            user: None,
            post_at: None,
            ts: ts.clone(),
            at_ms,
        });
        if self.script.header().rtm_echo {
            let team = &self.script.header().team;
            let echo = frames::rtm_message(&channel, &team.bot_user_id, &text, &ts, &team.team_id);
            let socket = self.sockets[i].id;
            self.send_text(socket, echo);
        }
    }

    /// An `ok:false` answer to message `id`.
    fn rtm_error(&mut self, i: usize, id: u64, code: i64, msg: &str) {
        self.rtm_reply_text(i, frames::rtm_error(id, code, msg));
    }

    fn rtm_reply_text(&mut self, i: usize, reply: String) {
        self.rtm.replies += 1;
        let socket = self.sockets[i].id;
        self.send_text(socket, reply);
    }
}
