//! `chat.*`: posting (in threads too), updating, deleting, ephemeral and scheduled messages,
//! permalinks.

use serde_json::{json, Value};

use super::args::Args;
use super::blocks::check_message_blocks;
use super::reply::{Answer, ApiError};
use super::workspace::{ts_key, Message, Scheduled, Workspace};
use super::Ctx;
use crate::script::is_user_id;

/// Slack truncates nothing: longer texts are refused.
const MAX_TEXT: usize = 40_000;
/// `chat.scheduleMessage` looks at most 120 days ahead.
const MAX_SCHEDULE_AHEAD: i64 = 120 * 86_400;

pub(super) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    Some(match method {
        "chat.postMessage" => post_message(ws, cx, args),
        "chat.update" => update(ws, cx, args),
        "chat.delete" => delete(ws, cx, args),
        "chat.postEphemeral" => post_ephemeral(ws, cx, args),
        "chat.scheduleMessage" => schedule_message(ws, cx, args),
        "chat.getPermalink" => get_permalink(ws, cx, args),
        _ => return None,
    })
}

/// What a message says.
struct Content {
    text: Option<String>,
    blocks: Option<Value>,
    attachments: Option<Value>,
    metadata: Option<Value>,
}

impl Content {
    /// Reads and checks `text`, `blocks`, `attachments` and `metadata`; with `required`, one
    /// of the first three must be there (`no_text`).
    fn read(args: &Args, required: bool) -> Result<Content, ApiError> {
        let text = args.string("text");
        let blocks = args
            .json("blocks")
            .map_err(|_| ApiError::new("invalid_blocks_format"))?;
        if let Some(blocks) = &blocks {
            check_message_blocks(blocks)?;
        }
        let attachments = args
            .json("attachments")
            .map_err(|_| ApiError::new("invalid_attachments"))?;
        match &attachments {
            None => {}
            Some(Value::Array(list)) if list.len() > 100 => {
                return Err(ApiError::new("too_many_attachments"))
            }
            Some(Value::Array(_)) => {}
            Some(_) => return Err(ApiError::new("invalid_attachments")),
        }
        let metadata = args
            .json("metadata")
            .map_err(|_| ApiError::new("invalid_metadata_format"))?;
        if required && text.is_none() && blocks.is_none() && attachments.is_none() {
            return Err(ApiError::new("no_text"));
        }
        if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
            return Err(ApiError::new("msg_too_long"));
        }
        Ok(Content {
            text,
            blocks,
            attachments,
            metadata,
        })
    }

    fn message(self, cx: &Ctx<'_>, ts: String) -> Message {
        Message {
            ts,
            user: cx.caller.user.clone(),
            bot_id: cx.caller.bot_id.clone(),
            app_id: cx.caller.app_id.clone(),
            text: self.text.unwrap_or_default(),
            blocks: self.blocks,
            attachments: self.attachments,
            metadata: self.metadata,
            ..Message::default()
        }
    }
}

/// The conversation a message goes to: a channel the caller can post in, or a user id (the
/// app's DM with them). Archived: `is_archived`; not a member: `not_in_channel` (unless the
/// token has `chat:write.public` and the channel is public).
fn destination(ws: &mut Workspace, cx: &Ctx<'_>, args: &Args) -> Result<String, ApiError> {
    let Some(name) = args.string("channel") else {
        return Err(ApiError::new("channel_not_found"));
    };
    if is_user_id(&name) && !ws.channels.contains_key(&name) {
        ws.user(&name)?;
        return Ok(ws.open_dm(&cx.caller, &[name]).0);
    }
    let id = ws.conversation(&name, &cx.caller)?;
    let channel = ws.channel(&id)?;
    if channel.archived {
        return Err(ApiError::new("is_archived"));
    }
    let public_ok = channel.kind == super::workspace::ConvKind::Public
        && ws.require(&cx.caller, "chat:write.public").is_ok();
    if !channel.members.contains(&cx.caller.user) && !public_ok {
        return Err(ApiError::new("not_in_channel"));
    }
    Ok(id)
}

fn post_message(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "chat:write")?;
    let channel = destination(ws, cx, args)?;
    let content = Content::read(args, true)?;
    let broadcast = args
        .boolean("reply_broadcast")
        .map_err(|_| ApiError::invalid("reply_broadcast", "must be a boolean"))?
        .unwrap_or(false);
    let thread_ts = args.string("thread_ts");
    let ts = cx.ts();
    let mut message = content.message(cx, ts.clone());
    message.broadcast = broadcast && thread_ts.is_some();
    message.thread_ts = thread_ts;
    ws.add_message(&channel, message)?;
    let c = ws.channel(&channel)?;
    let message = ws.message(&channel, &ts)?;
    Ok(json!({
        "channel": channel,
        "ts": ts,
        "message": ws.message_json(c, message),
    }))
}

fn located(
    ws: &mut Workspace,
    cx: &Ctx<'_>,
    args: &Args,
    ts_name: &str,
) -> Result<(String, String), ApiError> {
    let Some(name) = args.string("channel") else {
        return Err(ApiError::new("channel_not_found"));
    };
    let channel = ws.conversation(&name, &cx.caller)?;
    let Some(ts) = args.string(ts_name) else {
        return Err(ApiError::new("message_not_found"));
    };
    ws.message(&channel, &ts)?;
    Ok((channel, ts))
}

fn update(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "chat:write")?;
    let (channel, ts) = located(ws, cx, args, "ts")?;
    if ws.message(&channel, &ts)?.user != cx.caller.user {
        return Err(ApiError::new("cant_update_message"));
    }
    let content = Content::read(args, true)?;
    let edited_ts = cx.ts();
    let editor = cx.caller.user.clone();
    let message = ws.message_mut(&channel, &ts)?;
    if let Some(text) = content.text {
        message.text = text;
    }
    if content.blocks.is_some() {
        message.blocks = content.blocks;
    }
    if content.attachments.is_some() {
        message.attachments = content.attachments;
    }
    if content.metadata.is_some() {
        message.metadata = content.metadata;
    }
    message.edited = Some((editor, edited_ts));
    let text = message.text.clone();
    let c = ws.channel(&channel)?;
    let message = ws.message(&channel, &ts)?;
    Ok(json!({
        "channel": channel,
        "ts": ts,
        "text": text,
        "message": ws.message_json(c, message),
    }))
}

fn delete(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "chat:write")?;
    let (channel, ts) = located(ws, cx, args, "ts")?;
    let admin = cx.caller.kind == slackline::TokenKind::User
        && ws.users.get(&cx.caller.user).is_some_and(|u| u.is_admin);
    if ws.message(&channel, &ts)?.user != cx.caller.user && !admin {
        return Err(ApiError::new("cant_delete_message"));
    }
    ws.delete_message(&channel, &ts)?;
    Ok(json!({ "channel": channel, "ts": ts }))
}

fn post_ephemeral(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "chat:write")?;
    let channel = destination(ws, cx, args)?;
    let Some(user) = args.string("user") else {
        return Err(ApiError::new("user_not_found"));
    };
    ws.user(&user)?;
    if !ws.channel(&channel)?.members.contains(&user) {
        return Err(ApiError::new("user_not_in_channel"));
    }
    Content::read(args, true)?;
    // Ephemeral messages are not kept: nobody but `user` ever sees them, and not in history.
    Ok(json!({ "message_ts": cx.ts() }))
}

fn schedule_message(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "chat:write")?;
    let channel = destination(ws, cx, args)?;
    let post_at = match args.integer("post_at") {
        Ok(Some(at)) => at,
        Ok(None) | Err(_) => return Err(ApiError::new("invalid_time")),
    };
    let now = cx.unix();
    if post_at < now {
        return Err(ApiError::new("time_in_past"));
    }
    if post_at > now.saturating_add(MAX_SCHEDULE_AHEAD) {
        return Err(ApiError::new("time_too_far"));
    }
    let content = Content::read(args, true)?;
    let thread_ts = args.string("thread_ts");
    let id = ws.new_id('Q');
    let mut message = content.message(cx, String::new());
    message.thread_ts = thread_ts;
    let mut shown = json!({
        "type": "delayed_message",
        "text": message.text,
        "user": message.user,
        "team": ws.team.team_id,
    });
    if let Some(bot_id) = &message.bot_id {
        shown["bot_id"] = json!(bot_id);
    }
    if let Some(blocks) = &message.blocks {
        shown["blocks"] = blocks.clone();
    }
    if let Some(attachments) = &message.attachments {
        shown["attachments"] = attachments.clone();
    }
    ws.scheduled.push(Scheduled {
        channel: channel.clone(),
        post_at,
        message,
    });
    Ok(json!({
        "channel": channel,
        "scheduled_message_id": id,
        "post_at": post_at,
        "message": shown,
    }))
}

fn get_permalink(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let (channel, ts) = located(ws, cx, args, "message_ts")?;
    let message = ws.message(&channel, &ts)?;
    let mut permalink = format!(
        "https://{}.slack.com/archives/{channel}/p{}",
        ws.team.team_domain,
        ts.replace('.', "")
    );
    if message.is_reply() {
        if let Some(thread) = message.thread_ts.as_deref().filter(|t| ts_key(t).is_some()) {
            permalink.push_str(&format!("?thread_ts={thread}&cid={channel}"));
        }
    }
    Ok(json!({ "channel": channel, "permalink": permalink }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use serde_json::json;
    use slackline::TokenKind;

    #[test]
    fn posts_land_in_history_and_threads() {
        let mut h = Harness::new();
        let posted = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "hello"}),
        );
        assert_eq!(posted["channel"], "C0GENERAL");
        let ts = posted["ts"].as_str().unwrap().to_owned();
        assert_eq!(posted["message"]["text"], "hello");
        assert_eq!(posted["message"]["user"], "U0FAKEBOT");
        assert_eq!(posted["message"]["bot_id"], "B0FAKEBOT");
        let reply = h.ok(
            "chat.postMessage",
            json!({"channel": "general", "text": "in a thread", "thread_ts": ts}),
        );
        assert_eq!(reply["message"]["thread_ts"], ts.as_str());
        assert_eq!(reply["message"]["parent_user_id"], "U0FAKEBOT");
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        let messages = history["messages"].as_array().unwrap();
        assert_eq!(
            messages.len(),
            1,
            "replies stay in their thread: {messages:?}"
        );
        assert_eq!(messages[0]["reply_count"], 1);
        assert_eq!(messages[0]["latest_reply"], reply["ts"]);
        let broadcast = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "also here", "thread_ts": ts, "reply_broadcast": true}),
        );
        assert_eq!(broadcast["message"]["subtype"], "thread_broadcast");
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        assert_eq!(history["messages"][0]["text"], "also here", "newest first");
    }

    #[test]
    fn post_errors() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"channels":[{"id":"C0OLD","name":"old","archived":true},{"id":"G0SECRET","name":"secret","private":true,"member":false}]}}"#,
        );
        let e = |h: &mut Harness, args| h.error("chat.postMessage", args);
        assert_eq!(e(&mut h, json!({"text": "x"})), "channel_not_found");
        assert_eq!(
            e(&mut h, json!({"channel": "#nope", "text": "x"})),
            "channel_not_found"
        );
        assert_eq!(
            e(&mut h, json!({"channel": "G0SECRET", "text": "x"})),
            "channel_not_found",
            "private and not a member"
        );
        assert_eq!(
            e(&mut h, json!({"channel": "C0RANDOM", "text": "x"})),
            "not_in_channel"
        );
        assert_eq!(
            e(&mut h, json!({"channel": "C0OLD", "text": "x"})),
            "is_archived"
        );
        assert_eq!(e(&mut h, json!({"channel": "C0GENERAL"})), "no_text");
        assert_eq!(
            e(
                &mut h,
                json!({"channel": "C0GENERAL", "text": "x".repeat(40_001)})
            ),
            "msg_too_long"
        );
        assert_eq!(
            e(&mut h, json!({"channel": "C0GENERAL", "blocks": "[{"})),
            "invalid_blocks_format"
        );
        assert_eq!(
            e(
                &mut h,
                json!({"channel": "C0GENERAL", "blocks": [{"type": "nope"}]})
            ),
            "invalid_blocks"
        );
        assert_eq!(
            e(
                &mut h,
                json!({"channel": "C0GENERAL", "text": "x", "attachments": vec![json!({}); 101]})
            ),
            "too_many_attachments"
        );
        // Blocks alone are enough.
        h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "blocks": [{"type": "divider"}]}),
        );
        // Joining makes `not_in_channel` go away.
        h.ok("conversations.join", json!({"channel": "C0RANDOM"}));
        h.ok(
            "chat.postMessage",
            json!({"channel": "C0RANDOM", "text": "x"}),
        );
    }

    #[test]
    fn lenient_ids_and_dms() {
        let mut h = Harness::new();
        let posted = h.ok(
            "chat.postMessage",
            json!({"channel": "C1", "text": "made-up ids are adopted"}),
        );
        assert_eq!(posted["channel"], "C1");
        let dm = h.ok(
            "chat.postMessage",
            json!({"channel": "U0ALICE", "text": "hi Alice"}),
        );
        let dm_id = dm["channel"].as_str().unwrap();
        assert!(dm_id.starts_with('D'), "{dm_id}");
        let opened = h.ok("conversations.open", json!({"users": "U0ALICE"}));
        assert_eq!(opened["channel"]["id"], dm_id, "the same DM");
        let mut strict =
            Harness::with_header(r#"{"slackline_script":1,"workspace":{"strict":true}}"#);
        assert_eq!(
            strict.error("chat.postMessage", json!({"channel": "C1", "text": "x"})),
            "channel_not_found"
        );
        assert_eq!(
            strict.error("chat.postMessage", json!({"channel": "U9", "text": "x"})),
            "user_not_found"
        );
    }

    #[test]
    fn update_and_delete_own_messages_only() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"messages":[{"channel":"C0GENERAL","user":"U0ALICE","text":"by alice","ts":"1699990000.000100"}]}}"#,
        );
        let ts = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "v1"}),
        )["ts"]
            .clone();
        let updated = h.ok(
            "chat.update",
            json!({"channel": "C0GENERAL", "ts": ts, "text": "v2"}),
        );
        assert_eq!(updated["text"], "v2");
        assert_eq!(updated["message"]["edited"]["user"], "U0FAKEBOT");
        let history = h.ok(
            "conversations.history",
            json!({"channel": "C0GENERAL", "limit": 1}),
        );
        assert_eq!(history["messages"][0]["text"], "v2");
        assert_eq!(
            h.error(
                "chat.update",
                json!({"channel": "C0GENERAL", "ts": "1.0", "text": "x"})
            ),
            "message_not_found"
        );
        assert_eq!(
            h.error(
                "chat.update",
                json!({"channel": "C0GENERAL", "ts": "1699990000.000100", "text": "x"})
            ),
            "cant_update_message"
        );
        assert_eq!(
            h.error("chat.update", json!({"channel": "C0GENERAL", "ts": ts})),
            "no_text"
        );
        assert_eq!(
            h.error(
                "chat.delete",
                json!({"channel": "C0GENERAL", "ts": "1699990000.000100"})
            ),
            "cant_delete_message"
        );
        let deleted = h.ok("chat.delete", json!({"channel": "C0GENERAL", "ts": ts}));
        assert_eq!(deleted["ts"], ts);
        assert_eq!(
            h.error("chat.delete", json!({"channel": "C0GENERAL", "ts": ts})),
            "message_not_found"
        );
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        assert_eq!(
            history["messages"].as_array().unwrap().len(),
            1,
            "only alice's is left"
        );
        // An admin's user token may delete anyone's.
        h.kind = TokenKind::User;
        h.ok(
            "chat.delete",
            json!({"channel": "C0GENERAL", "ts": "1699990000.000100"}),
        );
    }

    #[test]
    fn deleting_a_parent_leaves_a_tombstone_for_its_replies() {
        let mut h = Harness::new();
        let parent = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "parent"}),
        )["ts"]
            .clone();
        h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "r", "thread_ts": parent}),
        );
        h.ok("chat.delete", json!({"channel": "C0GENERAL", "ts": parent}));
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        assert_eq!(history["messages"][0]["subtype"], "tombstone");
        let thread = h.ok(
            "conversations.replies",
            json!({"channel": "C0GENERAL", "ts": parent}),
        );
        assert_eq!(thread["messages"].as_array().unwrap().len(), 2);
        let reply = thread["messages"][1]["ts"].clone();
        h.ok("chat.delete", json!({"channel": "C0GENERAL", "ts": reply}));
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        assert_eq!(
            history["messages"],
            json!([]),
            "the tombstone went with its last reply"
        );
    }

    #[test]
    fn ephemeral_scheduled_and_permalinks() {
        let mut h = Harness::new();
        let e = h.ok(
            "chat.postEphemeral",
            json!({"channel": "C0GENERAL", "user": "U0ALICE", "text": "psst"}),
        );
        assert!(e["message_ts"].as_str().unwrap().starts_with("1700000000."));
        assert_eq!(
            h.error(
                "chat.postEphemeral",
                json!({"channel": "C0GENERAL", "user": "U9NOPE", "text": "x"})
            ),
            "user_not_in_channel"
        );
        assert_eq!(
            h.error(
                "chat.postEphemeral",
                json!({"channel": "C0GENERAL", "user": "bob", "text": "x"})
            ),
            "user_not_found"
        );
        assert_eq!(
            h.ok("conversations.history", json!({"channel": "C0GENERAL"}))["messages"],
            json!([])
        );

        assert_eq!(
            h.error(
                "chat.scheduleMessage",
                json!({"channel": "C0GENERAL", "text": "x"})
            ),
            "invalid_time"
        );
        assert_eq!(
            h.error(
                "chat.scheduleMessage",
                json!({"channel": "C0GENERAL", "text": "x", "post_at": 1_600_000_000})
            ),
            "time_in_past"
        );
        assert_eq!(
            h.error(
                "chat.scheduleMessage",
                json!({"channel": "C0GENERAL", "text": "x", "post_at": 1_800_000_000})
            ),
            "time_too_far"
        );
        let s = h.ok(
            "chat.scheduleMessage",
            json!({"channel": "C0GENERAL", "text": "later", "post_at": 1_700_000_060}),
        );
        assert!(s["scheduled_message_id"].as_str().unwrap().starts_with('Q'));
        assert_eq!(s["post_at"], 1_700_000_060);
        assert_eq!(
            h.ok("conversations.history", json!({"channel": "C0GENERAL"}))["messages"],
            json!([])
        );
        h.advance_ms(60_000);
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        assert_eq!(
            history["messages"][0]["text"], "later",
            "posted at its time"
        );
        assert_eq!(history["messages"][0]["ts"], "1700000060.000000");

        let ts = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "p"}),
        )["ts"]
            .as_str()
            .unwrap()
            .to_owned();
        let link = h.ok(
            "chat.getPermalink",
            json!({"channel": "C0GENERAL", "message_ts": ts}),
        );
        assert_eq!(
            link["permalink"],
            format!(
                "https://fake-workspace.slack.com/archives/C0GENERAL/p{}",
                ts.replace('.', "")
            )
        );
        let reply = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "r", "thread_ts": ts}),
        )["ts"]
            .clone();
        let link = h.ok(
            "chat.getPermalink",
            json!({"channel": "C0GENERAL", "message_ts": reply}),
        );
        assert!(link["permalink"]
            .as_str()
            .unwrap()
            .ends_with(&format!("?thread_ts={ts}&cid=C0GENERAL")));
        assert_eq!(
            h.error(
                "chat.getPermalink",
                json!({"channel": "C0GENERAL", "message_ts": "1.5"})
            ),
            "message_not_found"
        );
    }

    #[test]
    fn scopes_are_checked() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"scopes":{"bot":["channels:read"]}}}"#,
        );
        let answer = h.call(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "x"}),
        );
        let e = answer.unwrap_err();
        assert_eq!(e.code, "missing_scope");
        assert_eq!(e.extra["needed"], "chat:write");
        assert_eq!(e.extra["provided"], "channels:read");
        // With chat:write.public a bot posts in public channels it is not in.
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"scopes":{"bot":["chat:write","chat:write.public"]}}}"#,
        );
        h.ok(
            "chat.postMessage",
            json!({"channel": "C0RANDOM", "text": "x"}),
        );
    }
}
