//! `users.*`: one user, all users (paginated by id), a user by email.

use serde_json::{json, Value};

use super::args::Args;
use super::page::{cursor, metadata, PageRequest};
use super::reply::{Answer, ApiError};
use super::workspace::Workspace;
use super::Ctx;

pub(super) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    Some(match method {
        "users.info" => info(ws, cx, args),
        "users.list" => list(ws, cx, args),
        "users.lookupByEmail" => lookup_by_email(ws, cx, args),
        _ => return None,
    })
}

/// Emails are shown to tokens with `users:read.email` only.
fn shows_email(ws: &Workspace, cx: &Ctx<'_>) -> bool {
    ws.require(&cx.caller, "users:read.email").is_ok()
}

fn info(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "users:read")?;
    let Some(id) = args.string("user") else {
        return Err(ApiError::new("user_not_found"));
    };
    let email = shows_email(ws, cx);
    let user = ws.user(&id)?.clone();
    let mut user = ws.user_json(&user, email);
    if args.flag("include_locale") {
        user["locale"] = json!("en-US");
    }
    Ok(json!({ "user": user }))
}

fn list(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "users:read")?;
    // Without a limit, Slack gives every user at once.
    let page = PageRequest::read(args, "user", usize::MAX, 1000)?;
    let email = shows_email(ws, cx);
    let start = page.start.clone().unwrap_or_default();
    let mut shown = ws.users.range(start..).map(|(_, u)| u);
    let members: Vec<Value> = shown
        .by_ref()
        .take(page.limit)
        .map(|u| ws.user_json(u, email))
        .collect();
    let next = shown.next().map(|u| cursor("user", &u.id));
    Ok(json!({
        "members": members,
        "cache_ts": cx.unix(),
        "response_metadata": metadata(next),
    }))
}

fn lookup_by_email(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "users:read.email")?;
    let Some(email) = args.string("email") else {
        return Err(ApiError::missing("email"));
    };
    let user = ws
        .users
        .values()
        .find(|u| !u.email.is_empty() && u.email.eq_ignore_ascii_case(email.trim()))
        .ok_or_else(|| ApiError::new("users_not_found"))?;
    Ok(json!({ "user": ws.user_json(user, true) }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use serde_json::json;

    #[test]
    fn info_list_and_lookup() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"users":[{"id":"U0CAROL","name":"carol","real_name":"Carol Example","email":"carol@corp.example"}],"fill":{"users":6}}}"#,
        );
        let alice = h.ok("users.info", json!({"user": "U0ALICE"}));
        assert_eq!(alice["user"]["real_name"], "Alice Example");
        assert_eq!(alice["user"]["profile"]["email"], "alice@example.com");
        assert_eq!(alice["user"]["is_admin"], true);
        let bot = h.ok("users.info", json!({"user": "U0FAKEBOT"}));
        assert_eq!(bot["user"]["is_bot"], true);
        assert_eq!(bot["user"]["profile"]["bot_id"], "B0FAKEBOT");
        assert_eq!(
            h.error("users.info", json!({"user": "alice"})),
            "user_not_found"
        );
        assert_eq!(h.error("users.info", json!({})), "user_not_found");
        let carol = h.ok(
            "users.lookupByEmail",
            json!({"email": "Carol@Corp.Example"}),
        );
        assert_eq!(carol["user"]["id"], "U0CAROL");
        assert_eq!(
            h.error(
                "users.lookupByEmail",
                json!({"email": "nobody@example.com"})
            ),
            "users_not_found"
        );
        assert_eq!(
            h.error("users.lookupByEmail", json!({})),
            "invalid_arguments"
        );

        let all = h.ok("users.list", json!({}));
        // The bot, Slackbot, Alice, Bob, Carol and six generated users.
        assert_eq!(all["members"].as_array().unwrap().len(), 11);
        assert_eq!(all["response_metadata"]["next_cursor"], "");
        let mut ids = Vec::new();
        let mut cursor = String::new();
        loop {
            let mut args = json!({"limit": 3});
            if !cursor.is_empty() {
                args["cursor"] = json!(cursor);
            }
            let page = h.ok("users.list", args);
            ids.extend(
                page["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["id"].clone()),
            );
            cursor = page["response_metadata"]["next_cursor"]
                .as_str()
                .unwrap()
                .to_owned();
            if cursor.is_empty() {
                break;
            }
        }
        assert_eq!(ids.len(), 11);
        let mut sorted = ids.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 11, "no user twice");
    }

    #[test]
    fn emails_need_their_scope() {
        let mut h = Harness::with_header(
            r#"{"slackline_script":1,"workspace":{"scopes":{"bot":["users:read"]}}}"#,
        );
        let alice = h.ok("users.info", json!({"user": "U0ALICE"}));
        assert!(alice["user"]["profile"].get("email").is_none());
        let e = h
            .call("users.lookupByEmail", json!({"email": "alice@example.com"}))
            .unwrap_err();
        assert_eq!(
            (e.code.as_str(), &e.extra["needed"]),
            ("missing_scope", &json!("users:read.email"))
        );
    }
}
