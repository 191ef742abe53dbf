//! Who and where: `auth.test`, `team.info`, `bots.info`, `emoji.list`, `usergroups.list`.

use serde_json::json;
use slackline::TokenKind;

use super::args::Args;
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
        "auth.test" => auth_test(ws, cx),
        "team.info" => team_info(ws, cx, args),
        "bots.info" => bots_info(ws, cx, args),
        "emoji.list" => emoji_list(ws, cx, args),
        "usergroups.list" => usergroups_list(ws, cx, args),
        _ => return None,
    })
}

fn auth_test(ws: &mut Workspace, cx: &mut Ctx<'_>) -> Answer {
    let team = &ws.team;
    let user = ws
        .users
        .get(&cx.caller.user)
        .map_or(team.bot_name.as_str(), |u| u.name.as_str());
    let mut body = json!({
        "url": format!("https://{}.slack.com/", team.team_domain),
        "team": team.team_name,
        "user": user,
        "team_id": team.team_id,
        "user_id": cx.caller.user,
    });
    if let Some(bot_id) = &cx.caller.bot_id {
        body["bot_id"] = json!(bot_id);
    }
    body["is_enterprise_install"] = json!(false);
    Ok(body)
}

fn team_info(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "team:read")?;
    if args.string("team").is_some_and(|t| t != ws.team.team_id) {
        return Err(ApiError::new("team_not_found"));
    }
    Ok(json!({ "team": ws.team_json() }))
}

fn bots_info(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "users:read")?;
    let bot = match args.string("bot") {
        Some(bot) => bot,
        // Without `bot`, a bot token asks about itself.
        None if cx.caller.kind == TokenKind::Bot => ws.team.bot_id.clone(),
        None => return Err(ApiError::new("bot_not_found")),
    };
    if bot != ws.team.bot_id {
        return Err(ApiError::new("bot_not_found"));
    }
    Ok(json!({ "bot": ws.bot_json() }))
}

fn emoji_list(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "emoji:read")?;
    let mut body = json!({
        "emoji": ws.emoji,
        "cache_ts": format!("{}.000000", ws.epoch.saturating_sub(86_400)),
    });
    if args.flag("include_categories") {
        body["categories_version"] = json!("5");
        body["categories"] = json!([
            {"name": "smileys_and_people", "emoji_names": ["grinning", "smiley", "wave", "+1"]},
            {"name": "nature", "emoji_names": ["squirrel", "evergreen_tree"]},
            {"name": "objects", "emoji_names": ["package", "rocket"]},
        ]);
    }
    Ok(body)
}

fn usergroups_list(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    ws.require(&cx.caller, "usergroups:read")?;
    let groups = ws.usergroups_json(
        args.flag("include_users"),
        args.flag("include_count"),
        args.flag("include_disabled"),
    );
    Ok(json!({ "usergroups": groups }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use serde_json::json;
    use slackline::TokenKind;

    #[test]
    fn who_and_where() {
        let mut h = Harness::new();
        let me = h.ok("auth.test", json!({}));
        assert_eq!(
            (me["user_id"].clone(), me["bot_id"].clone()),
            (json!("U0FAKEBOT"), json!("B0FAKEBOT"))
        );
        assert_eq!(me["url"], "https://fake-workspace.slack.com/");
        h.kind = TokenKind::User;
        let me = h.ok("auth.test", json!({}));
        assert_eq!(
            (me["user_id"].clone(), me.get("bot_id")),
            (json!("U0ALICE"), None)
        );
        assert_eq!(h.error("bots.info", json!({})), "bot_not_found");
        h.kind = TokenKind::Bot;
        assert_eq!(
            h.ok("team.info", json!({}))["team"]["domain"],
            "fake-workspace"
        );
        assert_eq!(
            h.error("team.info", json!({"team": "T0OTHER"})),
            "team_not_found"
        );
        assert_eq!(
            h.ok("bots.info", json!({"bot": "B0FAKEBOT"}))["bot"]["user_id"],
            "U0FAKEBOT"
        );
        assert_eq!(h.ok("bots.info", json!({}))["bot"]["app_id"], "A0FAKEAPP01");
        assert_eq!(
            h.error("bots.info", json!({"bot": "B0NOPE"})),
            "bot_not_found"
        );
        let emoji = h.ok("emoji.list", json!({"include_categories": true}));
        assert_eq!(emoji["emoji"]["shipit"], "alias:squirrel");
        assert!(emoji["categories"].is_array());
        let groups = h.ok(
            "usergroups.list",
            json!({"include_users": true, "include_count": true}),
        );
        let groups = groups["usergroups"].as_array().unwrap();
        assert_eq!(groups.len(), 2, "the disabled one is left out");
        assert_eq!(groups[0]["users"], json!(["U0ALICE"]));
        assert_eq!(groups[0]["user_count"], "1");
        let all = h.ok("usergroups.list", json!({"include_disabled": true}));
        assert_eq!(all["usergroups"].as_array().unwrap().len(), 3);
        assert!(all["usergroups"][0].get("users").is_none());
    }
}
