//! `views.*`: modals opened and pushed with a trigger id (good for 3 seconds, once), updated by
//! id or `external_id` (guarded by `hash`), Home tabs published per user.

use serde_json::{json, Value};

use super::args::Args;
use super::blocks::check_view;
use super::reply::{Answer, ApiError};
use super::workspace::{View, Workspace, TRIGGER_LIFETIME};
use super::Ctx;

/// Modals stack at most three deep.
const MAX_STACK: u32 = 3;

pub(super) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    Some(match method {
        "views.open" => open(ws, cx, args, false),
        "views.push" => open(ws, cx, args, true),
        "views.update" => update(ws, cx, args),
        "views.publish" => publish(ws, cx, args),
        _ => return None,
    })
}

/// The `view` argument, checked (`invalid_arguments` with Slack's messages).
fn view_arg(args: &Args, modal_only: bool, home_only: bool) -> Result<Value, ApiError> {
    let view = match args.json("view") {
        Ok(Some(view)) => view,
        Ok(None) => return Err(ApiError::missing("view")),
        Err(_) => return Err(ApiError::invalid("view", "must be a JSON object")),
    };
    let errors = check_view(&view, modal_only, home_only);
    if errors.is_empty() {
        Ok(view)
    } else {
        Err(ApiError::with_messages("invalid_arguments", errors))
    }
}

/// Uses trigger `id`: `expired_trigger_id` after 3 s, `exchanged_trigger_id` the second time,
/// `invalid_trigger_id` if the fake never sent it (strict workspaces only). The view it came
/// from, if any.
fn use_trigger(ws: &mut Workspace, cx: &Ctx<'_>, id: &str) -> Result<Option<String>, ApiError> {
    let Some(trigger) = ws.triggers.get_mut(id) else {
        return if ws.strict {
            Err(ApiError::new("invalid_trigger_id"))
        } else {
            Ok(None)
        };
    };
    if trigger.used {
        return Err(ApiError::new("exchanged_trigger_id"));
    }
    if cx.now.saturating_duration_since(trigger.issued_at) > TRIGGER_LIFETIME {
        return Err(ApiError::new("expired_trigger_id"));
    }
    trigger.used = true;
    Ok(trigger.view_id.clone())
}

/// `external_id` must be unique among the views.
fn check_external_id(ws: &Workspace, view: &Value, except: Option<&str>) -> Result<(), ApiError> {
    let Some(external) = view
        .get("external_id")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
    else {
        return Ok(());
    };
    let taken = ws
        .views
        .values()
        .any(|v| v.external_id.as_deref() == Some(external) && Some(v.id.as_str()) != except);
    if taken {
        Err(ApiError::new("duplicate_external_id"))
    } else {
        Ok(())
    }
}

/// The view as Slack returns it: the app's view with `id`, `team_id`, `state`, `hash` and the
/// stack's ids filled in.
fn stored(
    ws: &mut Workspace,
    cx: &Ctx<'_>,
    id: &str,
    mut view: Value,
    previous: Option<&str>,
    root: &str,
) -> View {
    let hash = ws.new_hash(cx.unix());
    let defaults = [
        ("callback_id", json!("")),
        ("private_metadata", json!("")),
        ("external_id", json!("")),
        ("clear_on_close", json!(false)),
        ("notify_on_close", json!(false)),
        ("submit_disabled", json!(false)),
    ];
    if let Value::Object(v) = &mut view {
        for (name, value) in defaults {
            v.entry(name).or_insert(value);
        }
        v.insert("id".into(), json!(id));
        v.insert("team_id".into(), json!(ws.team.team_id));
        v.insert("state".into(), json!({"values": {}}));
        v.insert("hash".into(), json!(hash));
        v.insert("previous_view_id".into(), json!(previous));
        v.insert("root_view_id".into(), json!(root));
        v.insert("app_id".into(), json!(ws.app_id));
        v.insert("app_installed_team_id".into(), json!(ws.team.team_id));
        v.insert("bot_id".into(), json!(ws.team.bot_id));
    }
    let external_id = view
        .get("external_id")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .map(str::to_owned);
    View {
        id: id.to_owned(),
        body: view,
        hash,
        external_id,
        depth: 0,
        root_view_id: root.to_owned(),
        home_of: None,
    }
}

fn open(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args, push: bool) -> Answer {
    let Some(trigger) = args.string("trigger_id") else {
        return Err(ApiError::missing("trigger_id"));
    };
    let view = view_arg(args, true, false)?;
    check_external_id(ws, &view, None)?;
    let source = use_trigger(ws, cx, &trigger)?;
    let under = if push {
        source
            .and_then(|id| ws.views.get(&id))
            .map(|v| (v.id.clone(), v.root_view_id.clone(), v.depth))
    } else {
        None
    };
    if under
        .as_ref()
        .is_some_and(|(_, _, depth)| depth + 1 >= MAX_STACK)
    {
        return Err(ApiError::new("push_limit_reached"));
    }
    let id = ws.new_id('V');
    let (previous, root, depth) = match &under {
        Some((previous, root, depth)) => (Some(previous.as_str()), root.clone(), depth + 1),
        None => (None, id.clone(), 0),
    };
    let mut stored = stored(ws, cx, &id, view, previous, &root);
    stored.depth = depth;
    let body = stored.body.clone();
    ws.views.insert(id, stored);
    Ok(json!({ "view": body }))
}

fn update(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let by_id = args.string("view_id");
    let by_external = args.string("external_id");
    let id = match (&by_id, &by_external) {
        (Some(id), _) => {
            if !ws.views.contains_key(id) {
                if ws.strict || !id.starts_with('V') {
                    return Err(ApiError::new("not_found"));
                }
                // A view the fake never saw, from a payload it did not script: taken as open.
                let adopted = stored(ws, cx, id, json!({"type": "modal"}), None, id);
                ws.views.insert(id.clone(), adopted);
            }
            id.clone()
        }
        (None, Some(external)) => ws
            .views
            .values()
            .find(|v| v.external_id.as_deref() == Some(external.as_str()))
            .map(|v| v.id.clone())
            .ok_or_else(|| ApiError::new("not_found"))?,
        (None, None) => return Err(ApiError::missing("view_id")),
    };
    let (current_hash, is_home, previous, root, depth, home_of) = match ws.views.get(&id) {
        Some(v) => (
            v.hash.clone(),
            v.home_of.is_some(),
            v.body
                .get("previous_view_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            v.root_view_id.clone(),
            v.depth,
            v.home_of.clone(),
        ),
        None => return Err(ApiError::new("not_found")),
    };
    if args.string("hash").is_some_and(|h| h != current_hash) {
        return Err(ApiError::new("hash_conflict"));
    }
    let view = view_arg(args, !is_home, is_home)?;
    check_external_id(ws, &view, Some(&id))?;
    let mut stored = stored(ws, cx, &id, view, previous.as_deref(), &root);
    stored.depth = depth;
    stored.home_of = home_of;
    let body = stored.body.clone();
    ws.views.insert(id, stored);
    Ok(json!({ "view": body }))
}

fn publish(ws: &mut Workspace, cx: &mut Ctx<'_>, args: &Args) -> Answer {
    let Some(user) = args.string("user_id") else {
        return Err(ApiError::missing("user_id"));
    };
    ws.user(&user)?;
    let view = view_arg(args, false, true)?;
    let existing = ws
        .views
        .values()
        .find(|v| v.home_of.as_deref() == Some(user.as_str()))
        .map(|v| (v.id.clone(), v.hash.clone()));
    if let (Some(hash), Some((_, current))) = (args.string("hash"), &existing) {
        if hash != *current {
            return Err(ApiError::new("hash_conflict"));
        }
    }
    let id = match existing {
        Some((id, _)) => id,
        None => ws.new_id('V'),
    };
    check_external_id(ws, &view, Some(&id))?;
    let mut stored = stored(ws, cx, &id, view, None, &id);
    stored.home_of = Some(user);
    let body = stored.body.clone();
    ws.views.insert(id, stored);
    Ok(json!({ "view": body }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::super::workspace::Trigger;
    use serde_json::{json, Value};

    fn modal(title: &str) -> Value {
        json!({"type": "modal", "callback_id": "feedback", "title": {"type": "plain_text", "text": title},
               "submit": {"type": "plain_text", "text": "Send"},
               "blocks": [{"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "Say"},
                           "element": {"type": "plain_text_input", "action_id": "a"}}]})
    }

    fn trigger(h: &mut Harness, id: &str, view: Option<&str>) {
        h.ws.triggers.insert(
            id.into(),
            Trigger {
                issued_at: h.now,
                used: false,
                view_id: view.map(str::to_owned),
            },
        );
    }

    #[test]
    fn open_push_update() {
        let mut h = Harness::new();
        trigger(&mut h, "1.2.a", None);
        let opened = h.ok(
            "views.open",
            json!({"trigger_id": "1.2.a", "view": modal("Feedback")}),
        );
        let view = &opened["view"];
        let id = view["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with('V'));
        assert_eq!(view["root_view_id"], id.as_str());
        assert_eq!(view["callback_id"], "feedback");
        assert_eq!(view["state"], json!({"values": {}}));
        assert_eq!(view["team_id"], "T0FAKETEAM");
        assert_eq!(
            h.error(
                "views.open",
                json!({"trigger_id": "1.2.a", "view": modal("Again")})
            ),
            "exchanged_trigger_id"
        );

        trigger(&mut h, "1.2.b", Some(&id));
        let pushed = h.ok(
            "views.push",
            json!({"trigger_id": "1.2.b", "view": modal("Second")}),
        );
        assert_eq!(pushed["view"]["previous_view_id"], id.as_str());
        assert_eq!(pushed["view"]["root_view_id"], id.as_str());
        trigger(&mut h, "1.2.c", pushed["view"]["id"].as_str());
        h.ok(
            "views.push",
            json!({"trigger_id": "1.2.c", "view": modal("Third")}),
        );
        let third =
            h.ws.views
                .values()
                .max_by_key(|v| v.depth)
                .unwrap()
                .id
                .clone();
        trigger(&mut h, "1.2.d", Some(&third));
        assert_eq!(
            h.error(
                "views.push",
                json!({"trigger_id": "1.2.d", "view": modal("Fourth")})
            ),
            "push_limit_reached"
        );

        let hash = view["hash"].as_str().unwrap().to_owned();
        let updated = h.ok(
            "views.update",
            json!({"view_id": id, "hash": hash, "view": modal("Updated")}),
        );
        assert_eq!(updated["view"]["title"]["text"], "Updated");
        assert_ne!(updated["view"]["hash"], hash.as_str());
        assert_eq!(
            h.error(
                "views.update",
                json!({"view_id": id, "hash": hash, "view": modal("Stale")})
            ),
            "hash_conflict"
        );
        assert_eq!(
            h.error("views.update", json!({"view": modal("Nobody")})),
            "invalid_arguments"
        );
        assert_eq!(
            h.error(
                "views.update",
                json!({"external_id": "nope", "view": modal("x")})
            ),
            "not_found"
        );
    }

    #[test]
    fn trigger_ids_expire_and_views_are_checked() {
        let mut h = Harness::new();
        trigger(&mut h, "t", None);
        h.advance_ms(3001);
        assert_eq!(
            h.error(
                "views.open",
                json!({"trigger_id": "t", "view": modal("Late")})
            ),
            "expired_trigger_id"
        );
        assert_eq!(
            h.error("views.open", json!({"view": modal("x")})),
            "invalid_arguments"
        );
        assert_eq!(
            h.error("views.open", json!({"trigger_id": "u"})),
            "invalid_arguments"
        );
        let e = h
            .call(
                "views.open",
                json!({"trigger_id": "u", "view": {"type": "modal", "blocks": []}}),
            )
            .unwrap_err();
        assert_eq!(e.code, "invalid_arguments");
        assert_eq!(
            e.extra["response_metadata"]["messages"][0],
            "[ERROR] must provide an object [json-pointer:/view/title]"
        );
        // Lenient: a trigger id the fake never sent is accepted; strict: refused.
        h.ok(
            "views.open",
            json!({"trigger_id": "made.up", "view": modal("x")}),
        );
        let mut strict =
            Harness::with_header(r#"{"slackline_script":1,"workspace":{"strict":true}}"#);
        assert_eq!(
            strict.error(
                "views.open",
                json!({"trigger_id": "made.up", "view": modal("x")})
            ),
            "invalid_trigger_id"
        );
        assert_eq!(
            strict.error(
                "views.update",
                json!({"view_id": "V0NOPE", "view": modal("x")})
            ),
            "not_found"
        );
    }

    #[test]
    fn external_ids_and_home_tabs() {
        let mut h = Harness::new();
        let mut with_external = modal("Ext");
        with_external["external_id"] = json!("order-1");
        h.ok(
            "views.open",
            json!({"trigger_id": "a", "view": with_external}),
        );
        assert_eq!(
            h.error(
                "views.open",
                json!({"trigger_id": "b", "view": with_external})
            ),
            "duplicate_external_id"
        );
        let updated = h.ok(
            "views.update",
            json!({"external_id": "order-1", "view": with_external}),
        );
        assert_eq!(updated["view"]["external_id"], "order-1");

        let home = json!({"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]});
        let first = h.ok("views.publish", json!({"user_id": "U0ALICE", "view": home}));
        assert_eq!(first["view"]["type"], "home");
        let again = h.ok(
            "views.publish",
            json!({"user_id": "U0ALICE", "view": home, "hash": first["view"]["hash"]}),
        );
        assert_eq!(
            again["view"]["id"], first["view"]["id"],
            "one Home tab per user"
        );
        assert_eq!(
            h.error(
                "views.publish",
                json!({"user_id": "U0ALICE", "view": home, "hash": "1.old"})
            ),
            "hash_conflict"
        );
        assert_eq!(
            h.error(
                "views.publish",
                json!({"user_id": "U0ALICE", "view": modal("x")})
            ),
            "invalid_arguments"
        );
        assert_eq!(
            h.error("views.publish", json!({"user_id": "nobody", "view": home})),
            "user_not_found"
        );
        assert_eq!(
            h.error("views.open", json!({"trigger_id": "c", "view": home})),
            "invalid_arguments"
        );
    }
}
