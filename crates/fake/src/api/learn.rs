//! What the workspace learns from the envelopes the fake delivers: the messages events talk
//! about exist (a bot may react to a mention, or read it back in history), trigger ids are
//! issued (good for 3 seconds, once), views in payloads are open, users and channels named in
//! them exist. Only first deliveries teach; a redelivery is the same news.

use serde_json::Value;
use slackline::Instant;

use super::workspace::{key_ts, ts_key, ConvKind, Message, Trigger, View, Workspace};
use crate::script::{is_conversation_id, is_user_id};

/// Message subtypes that are messages someone can see and react to.
const VISIBLE_SUBTYPES: [&str; 5] = [
    "bot_message",
    "thread_broadcast",
    "file_share",
    "me_message",
    "channel_join",
];

/// Learns from the payload of an envelope of `kind` delivered at `now`.
pub(crate) fn learn_from_payload(ws: &mut Workspace, now: Instant, kind: &str, payload: &str) {
    let Ok(payload) = serde_json::from_str::<Value>(payload) else {
        return;
    };
    match kind {
        "events_api" => {
            if let Some(event) = payload.get("event") {
                learn_event(ws, event);
            }
        }
        "interactive" | "slash_commands" => learn_interaction(ws, now, &payload),
        _ => {}
    }
}

fn text<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A channel named in a payload exists (whatever `strict` says: Slack sent it), with the bot
/// and `user` in it.
fn ensure_channel(ws: &mut Workspace, id: &str, user: Option<&str>) -> bool {
    if ws.channels.contains_key(id) {
        return true;
    }
    if !is_conversation_id(id) {
        return false;
    }
    let kind = match id.chars().next() {
        Some('D') => ConvKind::Im,
        Some('G') => ConvKind::Private,
        _ => ConvKind::Public,
    };
    let mut channel = super::workspace::seed_channel(id, kind, ws.start_secs() - 86_400);
    channel.members.insert(ws.team.bot_user_id.clone());
    channel.members.extend(user.map(str::to_owned));
    ws.channels.insert(id.to_owned(), channel);
    true
}

/// A user named in a payload exists.
fn ensure_user(ws: &mut Workspace, id: &str) {
    if !ws.users.contains_key(id) && is_user_id(id) {
        let user = super::workspace::seed_user(id, ws.epoch);
        ws.users.insert(id.to_owned(), user);
    }
}

fn learn_event(ws: &mut Workspace, event: &Value) {
    if let Some(user) = text(event, "user") {
        ensure_user(ws, user);
    }
    let kind = text(event, "type").unwrap_or_default();
    let visible = match text(event, "subtype") {
        None => true,
        Some(subtype) => VISIBLE_SUBTYPES.contains(&subtype),
    };
    if !matches!(kind, "message" | "app_mention") || !visible {
        return;
    }
    let (Some(channel), Some(ts)) = (text(event, "channel"), text(event, "ts")) else {
        return;
    };
    let Some(key) = ts_key(ts) else {
        return;
    };
    if !ensure_channel(ws, channel, text(event, "user")) {
        return;
    }
    if ws
        .channels
        .get(channel)
        .is_some_and(|c| c.messages.contains_key(&key))
    {
        return;
    }
    let message = Message {
        ts: key_ts(key),
        user: text(event, "user").unwrap_or("USLACKBOT").to_owned(),
        bot_id: text(event, "bot_id").map(str::to_owned),
        text: text(event, "text").unwrap_or_default().to_owned(),
        blocks: event.get("blocks").cloned(),
        attachments: event.get("attachments").cloned(),
        thread_ts: text(event, "thread_ts").map(str::to_owned),
        subtype: text(event, "subtype")
            .filter(|s| *s != "thread_broadcast")
            .map(str::to_owned),
        broadcast: text(event, "subtype") == Some("thread_broadcast"),
        ..Message::default()
    };
    let _ = ws.add_message(channel, message);
}

fn learn_interaction(ws: &mut Workspace, now: Instant, payload: &Value) {
    let user = payload
        .get("user")
        .and_then(|u| text(u, "id"))
        .or_else(|| text(payload, "user_id"));
    if let Some(user) = user {
        ensure_user(ws, user);
    }
    let channel = payload
        .get("channel")
        .and_then(|c| text(c, "id"))
        .or_else(|| text(payload, "channel_id"));
    if let Some(channel) = channel {
        ensure_channel(ws, channel, user);
    }
    let view = payload.get("view").filter(|v| v.is_object());
    let view_id = view.and_then(|v| text(v, "id")).map(str::to_owned);
    if let (Some(view), Some(id)) = (view, &view_id) {
        if !ws.views.contains_key(id) {
            let hash =
                text(view, "hash").map_or_else(|| ws.new_hash(ws.start_secs()), str::to_owned);
            let root = text(view, "root_view_id").unwrap_or(id).to_owned();
            let home_of =
                (text(view, "type") == Some("home")).then(|| user.unwrap_or_default().to_owned());
            let depth = u32::from(text(view, "previous_view_id").is_some());
            let external_id = text(view, "external_id").map(str::to_owned);
            ws.views.insert(
                id.clone(),
                View {
                    id: id.clone(),
                    body: view.clone(),
                    hash,
                    external_id,
                    depth,
                    root_view_id: root,
                    home_of,
                },
            );
        }
    }
    if let Some(trigger) = text(payload, "trigger_id") {
        ws.triggers.entry(trigger.to_owned()).or_insert(Trigger {
            issued_at: now,
            used: false,
            view_id,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::*;
    use serde_json::json;

    #[test]
    fn events_teach_messages_channels_and_users() {
        let mut h = Harness::with_header(r#"{"slackline_script":1,"workspace":{"strict":true}}"#);
        let mention = json!({"type": "event_callback", "event": {"type": "app_mention", "user": "U0DAVE",
            "text": "<@U0FAKEBOT> hi", "channel": "C0OPS", "ts": "1700000001.000100"}});
        learn_from_payload(&mut h.ws, h.now, "events_api", &mention.to_string());
        // Even a strict workspace knows what Slack itself said.
        assert_eq!(
            h.ok("users.info", json!({"user": "U0DAVE"}))["user"]["id"],
            "U0DAVE"
        );
        let react = json!({"channel": "C0OPS", "timestamp": "1700000001.000100", "name": "eyes"});
        h.ok("reactions.add", react);
        let reply = h.ok(
            "chat.postMessage",
            json!({"channel": "C0OPS", "text": "hello", "thread_ts": "1700000001.000100"}),
        );
        assert_eq!(reply["message"]["parent_user_id"], "U0DAVE");
        let edit = json!({"type": "event_callback", "event": {"type": "message", "subtype": "message_changed",
            "channel": "C0OPS", "ts": "1700000002.000100"}});
        learn_from_payload(&mut h.ws, h.now, "events_api", &edit.to_string());
        assert_eq!(
            h.error(
                "reactions.add",
                json!({"channel": "C0OPS", "timestamp": "1700000002.000100", "name": "x"})
            ),
            "message_not_found"
        );
        learn_from_payload(&mut h.ws, h.now, "events_api", "not json");
    }

    #[test]
    fn interactions_issue_triggers_and_open_views() {
        let mut h = Harness::with_header(r#"{"slackline_script":1,"workspace":{"strict":true}}"#);
        let command = json!({"command": "/form", "user_id": "U0ALICE", "channel_id": "C0GENERAL", "trigger_id": "13.42.abc"});
        learn_from_payload(&mut h.ws, h.now, "slash_commands", &command.to_string());
        let modal =
            json!({"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": []});
        let opened = h.ok(
            "views.open",
            json!({"trigger_id": "13.42.abc", "view": modal}),
        );
        let submission = json!({"type": "view_submission", "user": {"id": "U0ALICE"}, "trigger_id": "13.43.def",
            "view": {"id": "V0SCRIPTED", "type": "modal", "hash": "1.abc"}});
        learn_from_payload(&mut h.ws, h.now, "interactive", &submission.to_string());
        h.ok(
            "views.update",
            json!({"view_id": "V0SCRIPTED", "hash": "1.abc", "view": modal}),
        );
        let pushed = h.ok(
            "views.push",
            json!({"trigger_id": "13.43.def", "view": modal}),
        );
        assert_eq!(pushed["view"]["previous_view_id"], "V0SCRIPTED");
        assert_ne!(opened["view"]["id"], pushed["view"]["id"]);
    }
}
