//! RTM on the fake's side: every client message needs a positive integer `id`, unique on its
//! connection; pings get pongs, messages get `{"ok":true,"reply_to":…}` answers; size and rate
//! limits are enforced as Slack documents them.

use serde_json::{json, Map, Value};

use super::{FakeSlack, PostedMessage, ViolationKind, MAX_RTM_MESSAGE};
use crate::secret::redact_tokens;
use crate::time::Instant;

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
        let mut message: Map<String, Value> = match serde_json::from_slice(text) {
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
            message.remove("id");
            message.insert("type".into(), "pong".into());
            message.insert("reply_to".into(), id.into());
            return self.rtm_reply(i, Value::Object(message));
        }
        if !self.sockets[i].rtm_rate.take(now) {
            self.violation(
                now,
                ViolationKind::RtmRateExceeded {
                    socket: socket.0,
                    id: Some(id),
                },
            );
            let error = json!({ "code": -1, "msg": "slow down, too many messages..." });
            return self.rtm_reply(i, json!({ "ok": false, "reply_to": id, "error": error }));
        }
        match kind.as_str() {
            "message" => self.rtm_post(now, i, id, &message),
            // Slack answers these only on error.
            "typing" | "presence_sub" | "presence_query" => {}
            "" => {
                let error = json!({ "code": 3, "msg": "message type is missing" });
                self.rtm_reply(i, json!({ "ok": false, "reply_to": id, "error": error }));
            }
            _ => {
                let error = json!({ "code": 3, "msg": format!("unsupported type {kind}") });
                self.rtm_reply(i, json!({ "ok": false, "reply_to": id, "error": error }));
            }
        }
    }

    fn rtm_post(&mut self, now: Instant, i: usize, id: u64, message: &Map<String, Value>) {
        let field = |name: &str| match message.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let Some(channel) = field("channel") else {
            let error = json!({ "code": 1, "msg": "channel is missing" });
            return self.rtm_reply(i, json!({ "ok": false, "reply_to": id, "error": error }));
        };
        let Some(text) = field("text") else {
            let error = json!({ "code": 2, "msg": "message text is missing" });
            return self.rtm_reply(i, json!({ "ok": false, "reply_to": id, "error": error }));
        };
        let ts = self.ids.ts(self.script.header().epoch, self.start, now);
        self.rtm_reply(
            i,
            json!({ "ok": true, "reply_to": id, "ts": ts, "text": text }),
        );
        let at_ms = self.elapsed_ms(now);
        self.posted.push(PostedMessage {
            via: "rtm".into(),
            channel: channel.clone(),
            text: redact_tokens(&text).into_owned(),
            ts: ts.clone(),
            at_ms,
        });
        if self.script.header().rtm_echo {
            let team = &self.script.header().team;
            let echo = json!({
                "type": "message",
                "channel": channel,
                "user": team.bot_user_id,
                "text": text,
                "ts": ts,
                "team": team.team_id,
            });
            let socket = self.sockets[i].id;
            self.send_text(socket, echo.to_string());
        }
    }

    fn rtm_reply(&mut self, i: usize, reply: Value) {
        self.rtm.replies += 1;
        let socket = self.sockets[i].id;
        self.send_text(socket, reply.to_string());
    }
}
