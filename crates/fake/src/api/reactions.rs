//! `reactions.add` / `reactions.remove` and `pins.add`: marks on a message, shown by
//! `conversations.history`.

use serde_json::json;

use super::args::Args;
use super::reply::{Answer, ApiError};
use super::workspace::{ts_key, Workspace};
use super::Ctx;

/// Distinct reactions a message may carry.
const MAX_REACTIONS: usize = 50;

pub(super) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    Some(match method {
        "reactions.add" => react(ws, cx, args, true),
        "reactions.remove" => react(ws, cx, args, false),
        "pins.add" => pin(ws, cx, args),
        _ => return None,
    })
}

/// The message `channel` + `timestamp` names: `no_item_specified` without a timestamp,
/// `bad_timestamp` for one that is not a `ts`.
fn item(ws: &mut Workspace, cx: &Ctx<'_>, args: &Args) -> Result<(String, String), ApiError> {
    let Some(channel) = args.string("channel") else {
        return Err(ApiError::new(if args.value("timestamp").is_some() {
            "channel_not_found"
        } else {
            "no_item_specified"
        }));
    };
    let channel = ws.conversation(&channel, &cx.caller)?;
    let Some(ts) = args.string("timestamp") else {
        return Err(ApiError::new("no_item_specified"));
    };
    if ts_key(&ts).is_none() {
        return Err(ApiError::new("bad_timestamp"));
    }
    ws.message(&channel, &ts)?;
    Ok((channel, ts))
}

/// An emoji name as Slack takes it: lowercase letters, digits, `_+-'`, an optional
/// `::skin-tone-N`; colons around it are tolerated.
fn emoji_name(args: &Args) -> Result<String, ApiError> {
    let name = args.string("name").unwrap_or_default();
    let name = name.trim().trim_matches(':').to_owned();
    let base = name.split("::").next().unwrap_or_default();
    let valid = !base.is_empty()
        && base.len() <= 100
        && base
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_+-'".contains(c));
    if valid {
        Ok(name)
    } else {
        Err(ApiError::new("invalid_name"))
    }
}

fn react(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args, add: bool) -> Answer {
    ws.require(&cx.caller, "reactions:write")?;
    let (channel, ts) = item(ws, cx, args)?;
    let name = emoji_name(args)?;
    let user = cx.caller.user.clone();
    let message = ws.message_mut(&channel, &ts)?;
    let existing = message.reactions.iter().position(|(n, _)| *n == name);
    if add {
        match existing {
            Some(i) if message.reactions[i].1.contains(&user) => {
                return Err(ApiError::new("already_reacted"))
            }
            Some(i) => message.reactions[i].1.push(user),
            None if message.reactions.len() >= MAX_REACTIONS => {
                return Err(ApiError::new("too_many_reactions"))
            }
            None => message.reactions.push((name, vec![user])),
        }
    } else {
        let Some(i) = existing.filter(|&i| message.reactions[i].1.contains(&user)) else {
            return Err(ApiError::new("no_reaction"));
        };
        message.reactions[i].1.retain(|u| *u != user);
        if message.reactions[i].1.is_empty() {
            message.reactions.remove(i);
        }
    }
    Ok(json!({}))
}

fn pin(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "pins:write")?;
    let (channel, ts) = item(ws, cx, args)?;
    if !ws.channel(&channel)?.members.contains(&cx.caller.user) {
        return Err(ApiError::new("not_in_channel"));
    }
    let message = ws.message_mut(&channel, &ts)?;
    if message.pinned {
        return Err(ApiError::new("already_pinned"));
    }
    message.pinned = true;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use serde_json::json;

    #[test]
    fn reactions_show_in_history() {
        let mut h = Harness::new();
        let ts = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "hi"}),
        )["ts"]
            .clone();
        let add = json!({"channel": "C0GENERAL", "timestamp": ts, "name": "wave"});
        assert_eq!(h.ok("reactions.add", add.clone()), json!({}));
        assert_eq!(h.error("reactions.add", add.clone()), "already_reacted");
        h.ok(
            "reactions.add",
            json!({"channel": "C0GENERAL", "timestamp": ts, "name": ":+1::skin-tone-2:"}),
        );
        let m =
            h.ok("conversations.history", json!({"channel": "C0GENERAL"}))["messages"][0].clone();
        assert_eq!(
            m["reactions"],
            json!([{"name": "wave", "users": ["U0FAKEBOT"], "count": 1}, {"name": "+1::skin-tone-2", "users": ["U0FAKEBOT"], "count": 1}])
        );
        h.ok("reactions.remove", add.clone());
        assert_eq!(h.error("reactions.remove", add), "no_reaction");
        let m =
            h.ok("conversations.history", json!({"channel": "C0GENERAL"}))["messages"][0].clone();
        assert_eq!(m["reactions"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn reaction_and_pin_errors() {
        let mut h = Harness::new();
        let ts = h.ok(
            "chat.postMessage",
            json!({"channel": "C0GENERAL", "text": "hi"}),
        )["ts"]
            .clone();
        let e = |h: &mut Harness, m: &str, a| h.error(m, a);
        assert_eq!(
            e(&mut h, "reactions.add", json!({"name": "x"})),
            "no_item_specified"
        );
        assert_eq!(
            e(
                &mut h,
                "reactions.add",
                json!({"timestamp": ts, "name": "x"})
            ),
            "channel_not_found"
        );
        assert_eq!(
            e(
                &mut h,
                "reactions.add",
                json!({"channel": "C0GENERAL", "timestamp": "yesterday", "name": "x"})
            ),
            "bad_timestamp"
        );
        assert_eq!(
            e(
                &mut h,
                "reactions.add",
                json!({"channel": "C0GENERAL", "timestamp": "1.2", "name": "x"})
            ),
            "message_not_found"
        );
        assert_eq!(
            e(
                &mut h,
                "reactions.add",
                json!({"channel": "C0GENERAL", "timestamp": ts})
            ),
            "invalid_name"
        );
        assert_eq!(
            e(
                &mut h,
                "reactions.add",
                json!({"channel": "C0GENERAL", "timestamp": ts, "name": "Not An Emoji"})
            ),
            "invalid_name"
        );
        h.ok("pins.add", json!({"channel": "C0GENERAL", "timestamp": ts}));
        assert_eq!(
            e(
                &mut h,
                "pins.add",
                json!({"channel": "C0GENERAL", "timestamp": ts})
            ),
            "already_pinned"
        );
        let history = h.ok("conversations.history", json!({"channel": "C0GENERAL"}));
        assert_eq!(history["messages"][0]["pinned_to"], json!(["C0GENERAL"]));
        assert_eq!(history["pin_count"], 1);
    }
}
