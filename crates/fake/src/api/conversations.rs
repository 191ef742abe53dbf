//! `conversations.*`: history and threads (paginated by `ts`), info, the list and members
//! (paginated by id), joining and opening DMs.

use std::ops::Bound;

use serde_json::{json, Value};
use slackline::TokenKind;

use super::args::Args;
use super::page::{cursor, metadata, PageRequest};
use super::reply::{Answer, ApiError};
use super::workspace::{key_ts, ts_key, ConvKind, Message, Workspace};
use super::Ctx;

pub(super) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    Some(match method {
        "conversations.history" => history(ws, cx, args),
        "conversations.replies" => replies(ws, cx, args),
        "conversations.info" => info(ws, cx, args),
        "conversations.list" => list(ws, cx, args),
        "conversations.members" => members(ws, cx, args),
        "conversations.join" => join(ws, cx, args),
        "conversations.open" => open(ws, cx, args),
        _ => return None,
    })
}

/// The conversation named by `channel`, with the caller's `<family>:<access>` scope checked.
fn readable(
    ws: &mut Workspace,
    cx: &Ctx<'_>,
    args: &Args,
    access: &str,
) -> Result<String, ApiError> {
    let Some(name) = args.string("channel") else {
        return Err(ApiError::new("channel_not_found"));
    };
    let id = ws.conversation(&name, &cx.caller)?;
    let family = ws.channel(&id)?.kind.scope_family();
    ws.require(&cx.caller, &format!("{family}:{access}"))?;
    Ok(id)
}

/// `oldest` / `latest` bounds (`invalid_ts_oldest` / `invalid_ts_latest`), with `inclusive`.
fn bounds(args: &Args) -> Result<(Bound<u64>, Bound<u64>), ApiError> {
    let inclusive = args.flag("inclusive");
    let read = |name: &str, error: &str| -> Result<Option<u64>, ApiError> {
        match args.string(name) {
            None => Ok(None),
            Some(ts) => ts_key(&ts).map(Some).ok_or_else(|| ApiError::new(error)),
        }
    };
    let bound = |key: Option<u64>| match key {
        None => Bound::Unbounded,
        Some(k) if inclusive => Bound::Included(k),
        Some(k) => Bound::Excluded(k),
    };
    let oldest = read("oldest", "invalid_ts_oldest")?.filter(|&k| k > 0);
    let latest = read("latest", "invalid_ts_latest")?;
    Ok((bound(oldest), bound(latest)))
}

fn within(key: u64, (low, high): (Bound<u64>, Bound<u64>)) -> bool {
    let above = match low {
        Bound::Included(l) => key >= l,
        Bound::Excluded(l) => key > l,
        Bound::Unbounded => true,
    };
    let below = match high {
        Bound::Included(h) => key <= h,
        Bound::Excluded(h) => key < h,
        Bound::Unbounded => true,
    };
    above && below
}

fn history(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let id = readable(ws, cx, args, "history")?;
    let channel = ws.channel(&id)?;
    if cx.caller.kind != TokenKind::User && !channel.members.contains(&cx.caller.user) {
        return Err(ApiError::new("not_in_channel"));
    }
    let range = bounds(args)?;
    let page = PageRequest::read(args, "next_ts", 100, 999)?;
    let start = match &page.start {
        None => u64::MAX,
        Some(ts) => ts_key(ts).ok_or_else(|| ApiError::new("invalid_cursor"))?,
    };
    let mut shown = channel
        .messages
        .range(..=start)
        .rev()
        .filter(|(k, m)| m.in_history() && within(**k, range));
    let messages: Vec<Value> = shown
        .by_ref()
        .take(page.limit)
        .map(|(_, m)| ws.message_json(channel, m))
        .collect();
    let next = shown.next().map(|(k, _)| cursor("next_ts", &key_ts(*k)));
    let pins = channel.messages.values().filter(|m| m.pinned).count();
    let mut body = json!({
        "messages": messages,
        "has_more": next.is_some(),
        "pin_count": pins,
        "channel_actions_ts": null,
        "channel_actions_count": 0,
    });
    if next.is_some() {
        body["response_metadata"] = metadata(next);
    }
    Ok(body)
}

fn replies(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let id = readable(ws, cx, args, "history")?;
    let Some(ts) = args.string("ts") else {
        return Err(ApiError::missing("ts"));
    };
    let channel = ws.channel(&id)?;
    if cx.caller.kind != TokenKind::User && !channel.members.contains(&cx.caller.user) {
        return Err(ApiError::new("not_in_channel"));
    }
    let found: Option<&Message> = ts_key(&ts).and_then(|k| channel.messages.get(&k));
    // The ts of a reply stands for its thread.
    let parent = match found {
        Some(m) if m.is_reply() => m
            .thread_ts
            .as_deref()
            .and_then(ts_key)
            .and_then(|k| channel.messages.get(&k)),
        other => other,
    };
    let Some(parent) = parent else {
        return Err(ApiError::new("thread_not_found"));
    };
    let range = bounds(args)?;
    let page = PageRequest::read(args, "next_ts", 1000, 1000)?;
    let start = match &page.start {
        None => 0,
        Some(ts) => ts_key(ts).ok_or_else(|| ApiError::new("invalid_cursor"))?,
    };
    let mut messages = Vec::new();
    if page.start.is_none() {
        messages.push(ws.message_json(channel, parent));
    }
    let mut replies = parent
        .replies
        .range(start..)
        .filter(|k| within(**k, range))
        .filter_map(|k| channel.messages.get(k).map(|m| (*k, m)));
    let room = page.limit.saturating_sub(messages.len()).max(1);
    messages.extend(
        replies
            .by_ref()
            .take(room)
            .map(|(_, m)| ws.message_json(channel, m)),
    );
    let next = replies.next().map(|(k, _)| cursor("next_ts", &key_ts(k)));
    let mut body = json!({ "messages": messages, "has_more": next.is_some() });
    if next.is_some() {
        body["response_metadata"] = metadata(next);
    }
    Ok(body)
}

fn info(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let id = readable(ws, cx, args, "read")?;
    let num_members = args.flag("include_num_members");
    let mut channel = ws.channel_json(ws.channel(&id)?, &cx.caller, num_members);
    if args.flag("include_locale") {
        channel["locale"] = json!("en-US");
    }
    Ok(json!({ "channel": channel }))
}

fn list(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let types = args
        .string("types")
        .unwrap_or_else(|| "public_channel".into());
    let mut kinds = Vec::new();
    for name in types.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let kind = [
            ConvKind::Public,
            ConvKind::Private,
            ConvKind::Im,
            ConvKind::Mpim,
        ]
        .into_iter()
        .find(|k| k.type_name() == name)
        .ok_or_else(|| ApiError::new("invalid_types"))?;
        ws.require(&cx.caller, &format!("{}:read", kind.scope_family()))?;
        kinds.push(kind);
    }
    let exclude_archived = args.flag("exclude_archived");
    let page = PageRequest::read(args, "team", 100, 1000)?;
    let start = page.start.clone().unwrap_or_default();
    let caller = &cx.caller;
    let mut shown = ws.channels.range(start..).map(|(_, c)| c).filter(|c| {
        kinds.contains(&c.kind)
            && !(exclude_archived && c.archived)
            && (c.kind == ConvKind::Public || c.members.contains(&caller.user))
    });
    let channels: Vec<Value> = shown
        .by_ref()
        .take(page.limit)
        .map(|c| ws.channel_json(c, caller, true))
        .collect();
    let next = shown.next().map(|c| cursor("team", &c.id));
    Ok(json!({ "channels": channels, "response_metadata": metadata(next) }))
}

fn members(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let id = readable(ws, cx, args, "read")?;
    let page = PageRequest::read(args, "user", 100, 1000)?;
    let channel = ws.channel(&id)?;
    let start = page.start.clone().unwrap_or_default();
    let mut shown = channel.members.range(start..);
    let members: Vec<&String> = shown.by_ref().take(page.limit).collect();
    let next = shown.next().map(|u| cursor("user", u));
    Ok(json!({ "members": members, "response_metadata": metadata(next) }))
}

fn join(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let Some(name) = args.string("channel") else {
        return Err(ApiError::new("channel_not_found"));
    };
    let scope = if cx.caller.kind == TokenKind::User {
        "channels:write"
    } else {
        "channels:join"
    };
    ws.require(&cx.caller, scope)?;
    let id = ws.conversation(&name, &cx.caller)?;
    let channel = ws.channel(&id)?;
    if channel.kind != ConvKind::Public {
        return Err(ApiError::new("method_not_supported_for_channel_type"));
    }
    if channel.archived {
        return Err(ApiError::new("is_archived"));
    }
    let already = channel.members.contains(&cx.caller.user);
    if !already {
        let user = cx.caller.user.clone();
        let message = Message {
            ts: cx.ts(),
            user: user.clone(),
            text: format!("<@{user}> has joined the channel"),
            subtype: Some("channel_join".into()),
            ..Message::default()
        };
        ws.channel_mut(&id)?.members.insert(user);
        ws.add_message(&id, message)?;
    }
    let mut body = json!({ "channel": ws.channel_json(ws.channel(&id)?, &cx.caller, false) });
    if already {
        body["warning"] = json!("already_in_channel");
        body["response_metadata"] = json!({ "warnings": ["already_in_channel"] });
    }
    Ok(body)
}

fn open(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let return_im = args.flag("return_im");
    let prevent_creation = args.flag("prevent_creation");
    let (id, already) = if let Some(channel) = args.string("channel") {
        let id = ws.conversation(&channel, &cx.caller)?;
        let kind = ws.channel(&id)?.kind;
        if !matches!(kind, ConvKind::Im | ConvKind::Mpim) {
            return Err(ApiError::new("method_not_supported_for_channel_type"));
        }
        ws.require(&cx.caller, &format!("{}:write", kind.scope_family()))?;
        (id, true)
    } else {
        let Some(users) = args.string("users") else {
            return Err(ApiError::new("users_list_not_supplied"));
        };
        let users: Vec<String> = users
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        if users.is_empty() {
            return Err(ApiError::new("users_list_not_supplied"));
        }
        if users.len() > 8 {
            return Err(ApiError::new("too_many_users"));
        }
        for user in &users {
            if ws.user(user)?.deleted {
                return Err(ApiError::new("user_disabled"));
            }
        }
        let others = users.iter().filter(|u| **u != cx.caller.user).count();
        ws.require(
            &cx.caller,
            if others > 1 { "mpim:write" } else { "im:write" },
        )?;
        let mut key = users.clone();
        key.push(cx.caller.user.clone());
        key.sort();
        key.dedup();
        if prevent_creation && !ws.dms.contains_key(&key) {
            return Err(ApiError::new("channel_not_found"));
        }
        ws.open_dm(&cx.caller, &users)
    };
    let channel = if return_im {
        ws.channel_json(ws.channel(&id)?, &cx.caller, false)
    } else {
        json!({ "id": id })
    };
    let mut body = json!({ "channel": channel });
    if already {
        body["no_op"] = json!(true);
        body["already_open"] = json!(true);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use serde_json::{json, Value};

    fn texts(page: &Value) -> Vec<String> {
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn history_pages_newest_first() {
        let mut h =
            Harness::with_header(r#"{"slackline_script":1,"workspace":{"fill":{"messages":250}}}"#);
        let mut cursor: Option<String> = None;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let mut args = json!({"channel": "C0GENERAL", "limit": 100});
            if let Some(c) = &cursor {
                args["cursor"] = json!(c);
            }
            let page = h.ok("conversations.history", args);
            pages += 1;
            seen.extend(texts(&page));
            match page["response_metadata"]["next_cursor"].as_str() {
                Some(c) if !c.is_empty() => {
                    assert_eq!(page["has_more"], true);
                    cursor = Some(c.to_owned());
                }
                _ => {
                    assert_eq!(page["has_more"], false);
                    break;
                }
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 250);
        assert_eq!(seen[0], "message 250");
        assert_eq!(seen[249], "message 1");
        assert_eq!(
            h.error(
                "conversations.history",
                json!({"channel": "C0GENERAL", "cursor": "bm9wZQ=="})
            ),
            "invalid_cursor"
        );
        assert_eq!(
            h.error(
                "conversations.history",
                json!({"channel": "C0GENERAL", "limit": "many"})
            ),
            "invalid_limit"
        );
    }

    #[test]
    fn history_bounds_and_errors() {
        let mut h = Harness::new();
        let ts: Vec<String> = (0..3)
            .map(|i| {
                h.ok(
                    "chat.postMessage",
                    json!({"channel": "C0GENERAL", "text": format!("m{i}")}),
                )["ts"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let page = h.ok(
            "conversations.history",
            json!({"channel": "C0GENERAL", "oldest": ts[0], "latest": ts[2]}),
        );
        assert_eq!(texts(&page), ["m1"]);
        let page = h.ok(
            "conversations.history",
            json!({"channel": "C0GENERAL", "oldest": ts[0], "latest": ts[2], "inclusive": true}),
        );
        assert_eq!(texts(&page), ["m2", "m1", "m0"]);
        assert_eq!(
            h.error(
                "conversations.history",
                json!({"channel": "C0GENERAL", "latest": "soon"})
            ),
            "invalid_ts_latest"
        );
        assert_eq!(
            h.error(
                "conversations.history",
                json!({"channel": "C0GENERAL", "oldest": "x"})
            ),
            "invalid_ts_oldest"
        );
        assert_eq!(
            h.error("conversations.history", json!({})),
            "channel_not_found"
        );
        assert_eq!(
            h.error("conversations.history", json!({"channel": "C0RANDOM"})),
            "not_in_channel"
        );
        h.ok("conversations.join", json!({"channel": "C0RANDOM"}));
        let page = h.ok("conversations.history", json!({"channel": "C0RANDOM"}));
        assert_eq!(page["messages"][0]["subtype"], "channel_join");
    }

    #[test]
    fn form_values_are_read_as_slack_reads_them() {
        let mut h = Harness::new();
        let page = h.ok(
            "conversations.history",
            json!({"channel": "C0GENERAL", "limit": "5", "inclusive": "1"}),
        );
        assert_eq!(page["has_more"], false);
    }

    #[test]
    fn replies_page_oldest_first_with_the_parent_on_the_first_page() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"fill":{"messages":1,"replies":5}}}"#,
        );
        let parent =
            h.ok("conversations.history", json!({"channel": "C0GENERAL"}))["messages"][0].clone();
        assert_eq!(parent["reply_count"], 5);
        let ts = parent["ts"].as_str().unwrap();
        let first = h.ok(
            "conversations.replies",
            json!({"channel": "C0GENERAL", "ts": ts, "limit": 3}),
        );
        assert_eq!(texts(&first), ["message 1", "reply 1", "reply 2"]);
        let cursor = first["response_metadata"]["next_cursor"].as_str().unwrap();
        let second = h.ok(
            "conversations.replies",
            json!({"channel": "C0GENERAL", "ts": ts, "limit": 3, "cursor": cursor}),
        );
        assert_eq!(texts(&second), ["reply 3", "reply 4", "reply 5"]);
        assert_eq!(second["has_more"], false);
        // A reply's ts stands for its thread.
        let reply_ts = first["messages"][1]["ts"].as_str().unwrap();
        assert_eq!(first["messages"][1]["parent_user_id"], parent["user"]);
        let again = h.ok(
            "conversations.replies",
            json!({"channel": "C0GENERAL", "ts": reply_ts}),
        );
        assert_eq!(texts(&again).len(), 6);
        assert_eq!(
            h.error(
                "conversations.replies",
                json!({"channel": "C0GENERAL", "ts": "1.0"})
            ),
            "thread_not_found"
        );
        assert_eq!(
            h.error("conversations.replies", json!({"channel": "C0GENERAL"})),
            "invalid_arguments"
        );
    }

    #[test]
    fn list_and_members_page_by_id() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"fill":{"channels":7,"users":5},"channels":[{"id":"G0SECRET","name":"secret","private":true,"member":false},{"id":"C0OLD","archived":true}]}}"#,
        );
        let mut ids = Vec::new();
        let mut cursor = String::new();
        loop {
            let mut args = json!({"limit": 4, "exclude_archived": true});
            if !cursor.is_empty() {
                args["cursor"] = json!(cursor);
            }
            let page = h.ok("conversations.list", args);
            for c in page["channels"].as_array().unwrap() {
                assert_eq!(c["is_channel"], true);
                assert!(c["num_members"].is_u64());
                ids.push(c["id"].as_str().unwrap().to_owned());
            }
            cursor = page["response_metadata"]["next_cursor"]
                .as_str()
                .unwrap()
                .to_owned();
            if cursor.is_empty() {
                break;
            }
        }
        assert_eq!(ids.len(), 9, "general, random and 7 fill channels: {ids:?}");
        assert!(!ids.contains(&"G0SECRET".to_owned()) && !ids.contains(&"C0OLD".to_owned()));
        let private = h.ok("conversations.list", json!({"types": "private_channel"}));
        assert_eq!(
            private["channels"],
            json!([]),
            "not a member of the private one"
        );
        assert_eq!(
            h.error(
                "conversations.list",
                json!({"types": "public_channel,nope"})
            ),
            "invalid_types"
        );

        let first = h.ok(
            "conversations.members",
            json!({"channel": "C0GENERAL", "limit": 5}),
        );
        assert_eq!(first["members"].as_array().unwrap().len(), 5);
        let cursor = first["response_metadata"]["next_cursor"].as_str().unwrap();
        let rest = h.ok(
            "conversations.members",
            json!({"channel": "C0GENERAL", "cursor": cursor}),
        );
        // Alice, Bob, the bot and five generated users.
        assert_eq!(rest["members"].as_array().unwrap().len(), 3);
        assert_eq!(rest["response_metadata"]["next_cursor"], "");
    }

    #[test]
    fn info_join_and_open() {
        let mut h = Harness::new();
        let info = h.ok(
            "conversations.info",
            json!({"channel": "C0GENERAL", "include_num_members": true}),
        );
        assert_eq!(info["channel"]["name"], "general");
        assert_eq!(info["channel"]["is_general"], true);
        assert_eq!(info["channel"]["num_members"], 3);
        assert_eq!(
            h.error("conversations.info", json!({"channel": "nope"})),
            "channel_not_found"
        );
        let joined = h.ok("conversations.join", json!({"channel": "C0RANDOM"}));
        assert_eq!(joined["channel"]["is_member"], true);
        assert!(joined.get("warning").is_none());
        let again = h.ok("conversations.join", json!({"channel": "C0RANDOM"}));
        assert_eq!(again["warning"], "already_in_channel");
        let dm = h.ok(
            "conversations.open",
            json!({"users": "U0ALICE", "return_im": true}),
        );
        assert_eq!(dm["channel"]["is_im"], true);
        assert_eq!(dm["channel"]["user"], "U0ALICE");
        assert_eq!(
            h.error(
                "conversations.join",
                json!({"channel": dm["channel"]["id"]})
            ),
            "method_not_supported_for_channel_type"
        );
        let again = h.ok("conversations.open", json!({"users": "U0ALICE"}));
        assert_eq!(
            (
                again["already_open"].clone(),
                again["channel"]["id"].clone()
            ),
            (json!(true), dm["channel"]["id"].clone())
        );
        let group = h.ok(
            "conversations.open",
            json!({"users": "U0ALICE,U0BOB", "return_im": true}),
        );
        assert_eq!(group["channel"]["is_mpim"], true);
        assert_eq!(
            h.error("conversations.open", json!({})),
            "users_list_not_supplied"
        );
        assert_eq!(
            h.error(
                "conversations.open",
                json!({"users": "U1,U2,U3,U4,U5,U6,U7,U8,U9"})
            ),
            "too_many_users"
        );
        assert_eq!(
            h.error("conversations.open", json!({"users": "alice"})),
            "user_not_found"
        );
        assert_eq!(
            h.error(
                "conversations.open",
                json!({"users": "U0CAROL", "prevent_creation": true})
            ),
            "channel_not_found"
        );
    }
}
