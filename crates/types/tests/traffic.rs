//! Every recorded payload in `tests/data/traffic` decodes into its typed form: Socket Mode
//! envelopes' payloads, RTM events and Web API bodies. For each: the kinds this crate models
//! land in their typed variant with their key fields read right, the kinds it does not land in
//! `Other` with the JSON as received, and nothing is lost: encoding the typed value again gives
//! back every non-null field of the original.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use slackline_types::events::{Event, EventCallback};
use slackline_types::interactive::Interactive;
use slackline_types::payload::Payload;
use slackline_types::view::InputValue;
use slackline_types::web::{self, Method};

fn traffic() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/traffic")
}

/// The JSON files under `folder`, sorted, with their parsed contents.
fn files(folder: &str) -> Vec<(String, Value)> {
    let mut paths = Vec::new();
    let mut dirs = vec![traffic().join(folder)];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {folder}");
    paths
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(traffic()).unwrap().display().to_string();
            let json = serde_json::from_slice(&fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, json)
        })
        .collect()
}

/// Every non-null value of `original` is in `encoded`, at the same place.
fn assert_covers(name: &str, original: &Value, encoded: &Value, at: &str) {
    match (original, encoded) {
        (Value::Null, _) => {}
        (Value::Object(original), Value::Object(encoded)) => {
            for (key, value) in original {
                let place = format!("{at}/{key}");
                match encoded.get(key) {
                    Some(found) => assert_covers(name, value, found, &place),
                    None => assert!(value.is_null(), "{name}: {place} was lost"),
                }
            }
        }
        (Value::Array(original), Value::Array(encoded)) => {
            assert_eq!(original.len(), encoded.len(), "{name}: {at} changed length");
            for (i, (original, encoded)) in original.iter().zip(encoded).enumerate() {
                assert_covers(name, original, encoded, &format!("{at}/{i}"));
            }
        }
        _ => assert_eq!(original, encoded, "{name}: {at} changed"),
    }
}

fn decode<T: DeserializeOwned + Serialize>(name: &str, json: &Value) -> T {
    let text = json.to_string();
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_covers(name, json, &serde_json::to_value(&typed).unwrap(), "");
    typed
}

fn str_at<'a>(json: &'a Value, pointer: &str) -> Option<&'a str> {
    json.pointer(pointer).and_then(Value::as_str)
}

/// The event types modelled by [`Event`].
const EVENT_TYPES: &[&str] = &[
    "message",
    "app_mention",
    "reaction_added",
    "reaction_removed",
    "member_joined_channel",
    "member_left_channel",
    "app_home_opened",
    "team_join",
    "user_change",
    "channel_created",
    "channel_rename",
    "channel_archive",
    "file_shared",
    "link_shared",
    "app_uninstalled",
    "tokens_revoked",
    "function_executed",
];

/// Checks a decoded event against its JSON; returns whether it was a modelled type.
fn check_event(name: &str, event: &Event, json: &Value) -> bool {
    let kind = json.get("type").and_then(Value::as_str).unwrap_or("");
    if !EVENT_TYPES.contains(&kind) {
        assert_eq!(
            event,
            &Event::Other(json.clone()),
            "{name}: {kind} is not Other"
        );
        return false;
    }
    assert!(
        !matches!(event, Event::Other(_)),
        "{name}: {kind} decoded as Other"
    );
    assert_eq!(event.type_name(), kind, "{name}");
    match event {
        Event::Message(_) | Event::AppMention(_) => {
            let current = match json.get("message") {
                Some(inner) if json["subtype"] == "message_changed" => inner,
                _ => json,
            };
            assert_eq!(event.channel(), str_at(json, "/channel"), "{name}: channel");
            assert_eq!(event.user(), str_at(current, "/user"), "{name}: user");
            assert_eq!(event.text(), str_at(current, "/text"), "{name}: text");
            assert_eq!(event.ts(), str_at(current, "/ts"), "{name}: ts");
            let thread = str_at(current, "/thread_ts").or(str_at(current, "/ts"));
            assert_eq!(event.thread_ts(), thread, "{name}: thread_ts");
            assert_eq!(
                event.subtype(),
                str_at(json, "/subtype").filter(|_| kind == "message")
            );
        }
        Event::ReactionAdded(r) | Event::ReactionRemoved(r) => {
            assert_eq!(
                Some(r.reaction.as_str()),
                str_at(json, "/reaction"),
                "{name}"
            );
            assert_eq!(event.channel(), str_at(json, "/item/channel"), "{name}");
            assert_eq!(event.ts(), str_at(json, "/item/ts"), "{name}");
        }
        Event::TeamJoin(u) | Event::UserChange(u) => {
            assert_eq!(u.user.id, str_at(json, "/user/id").unwrap_or(""), "{name}");
        }
        Event::ChannelCreated(c) | Event::ChannelRename(c) => {
            assert_eq!(
                Some(c.channel.id.as_str()),
                str_at(json, "/channel/id"),
                "{name}"
            );
        }
        Event::TokensRevoked(t) => {
            assert_eq!(
                t.tokens.bot.len() + t.tokens.oauth.len(),
                ["bot", "oauth"]
                    .iter()
                    .map(|k| json["tokens"][k].as_array().map_or(0, Vec::len))
                    .sum::<usize>(),
                "{name}"
            );
        }
        Event::FileShared(_) => {
            assert_eq!(
                event.channel(),
                str_at(json, "/channel_id"),
                "{name}: channel"
            );
            assert_eq!(event.user(), str_at(json, "/user_id"), "{name}: user");
        }
        _ => {
            assert_eq!(event.channel(), str_at(json, "/channel"), "{name}: channel");
            assert_eq!(event.user(), str_at(json, "/user"), "{name}: user");
        }
    }
    true
}

/// The interactive payload types modelled by [`Interactive`].
const INTERACTIVE_TYPES: &[&str] = &[
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
    "interactive_message",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
];

fn check_interactive(name: &str, payload: &Interactive, json: &Value) {
    let kind = json["type"].as_str().unwrap();
    assert!(
        INTERACTIVE_TYPES.contains(&kind),
        "{name}: a new interactive type {kind}"
    );
    assert!(
        !matches!(payload, Interactive::Other(_)),
        "{name}: {kind} decoded as Other"
    );
    assert_eq!(payload.type_name(), kind, "{name}");
    assert_eq!(payload.user_id(), str_at(json, "/user/id"), "{name}: user");
    assert_eq!(
        payload.trigger_id(),
        str_at(json, "/trigger_id"),
        "{name}: trigger_id"
    );
    let callback_id = str_at(json, "/callback_id").or(str_at(json, "/view/callback_id"));
    assert_eq!(payload.callback_id(), callback_id, "{name}: callback_id");
    if kind != "view_submission" {
        assert_eq!(
            payload.response_url(),
            str_at(json, "/response_url"),
            "{name}"
        );
    }
    match payload {
        Interactive::BlockActions(actions) => {
            let raw = json["actions"].as_array().unwrap();
            assert_eq!(actions.actions.len(), raw.len(), "{name}");
            for (action, raw) in actions.actions.iter().zip(raw) {
                assert_eq!(Some(action.action_id.as_str()), str_at(raw, "/action_id"));
                assert_eq!(Some(action.block_id.as_str()), str_at(raw, "/block_id"));
                assert_eq!(Some(action.kind()), str_at(raw, "/type"));
                if action.kind() == "button" {
                    assert_eq!(
                        action.value(),
                        InputValue::Text(raw["value"].as_str().unwrap())
                    );
                }
            }
        }
        Interactive::ViewSubmission(submission) => {
            let values = json
                .pointer("/view/state/values")
                .and_then(Value::as_object);
            for (block, actions) in values.into_iter().flatten() {
                for (action, raw) in actions.as_object().unwrap() {
                    let state = submission
                        .view
                        .state
                        .as_ref()
                        .unwrap()
                        .get(block, action)
                        .unwrap();
                    assert_eq!(Some(state.kind.as_str()), str_at(raw, "/type"), "{name}");
                    let value = submission.value(block, action).unwrap();
                    if let Some(text) = str_at(raw, "/value") {
                        assert_eq!(value, InputValue::Text(text), "{name}");
                    }
                }
            }
        }
        Interactive::BlockSuggestion(suggestion) => {
            assert_eq!(
                Some(suggestion.value.as_str()),
                str_at(json, "/value"),
                "{name}"
            );
            assert_eq!(
                Some(suggestion.action_id.as_str()),
                str_at(json, "/action_id")
            );
        }
        Interactive::DialogSubmission(dialog) => {
            for (key, value) in json["submission"].as_object().unwrap() {
                assert_eq!(dialog.submitted(key), value.as_str(), "{name}");
            }
        }
        _ => {}
    }
}

#[test]
fn every_socket_mode_frame_decodes_into_its_typed_payload() {
    let (mut envelopes, mut unknown_events) = (0, 0);
    for (name, frame) in files("socket-mode") {
        let kind = frame["type"].as_str().unwrap();
        let Some(payload) = frame.get("payload") else {
            // Control frames (`hello`, `disconnect`) are the core's; they carry no payload.
            assert!(["hello", "disconnect"].contains(&kind), "{name}: {kind}");
            continue;
        };
        envelopes += 1;
        let typed =
            Payload::decode(kind, &payload.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_covers(&name, payload, &payload_json(&typed), "");
        match (&typed, kind) {
            (Payload::EventCallback(callback), "events_api") => {
                assert_eq!(
                    callback.event_id,
                    payload["event_id"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    callback.team_id,
                    payload["team_id"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(callback.api_app_id, payload["api_app_id"].as_str().unwrap());
                assert_eq!(
                    Some(callback.event_time),
                    payload["event_time"].as_i64(),
                    "{name}"
                );
                assert_eq!(
                    callback.authorizations.len(),
                    payload["authorizations"].as_array().map_or(0, Vec::len)
                );
                if !check_event(&name, &callback.event, &payload["event"]) {
                    unknown_events += 1;
                }
                assert_eq!(typed.route(), payload["event"]["type"].as_str().unwrap());
            }
            (Payload::Interactive(interactive), "interactive") => {
                check_interactive(&name, interactive, payload)
            }
            (Payload::SlashCommand(command), "slash_commands") => {
                for (field, value) in [
                    ("command", &command.command),
                    ("text", &command.text),
                    ("user_id", &command.user_id),
                    ("channel_id", &command.channel_id),
                    ("response_url", &command.response_url),
                    ("trigger_id", &command.trigger_id),
                ] {
                    assert_eq!(
                        value,
                        payload.get(field).and_then(Value::as_str).unwrap_or(""),
                        "{name}"
                    );
                }
                // The verification token is kept but never shown.
                assert!(command.extra.contains_key("token"), "{name}");
                assert!(!format!("{command:?}").contains(payload["token"].as_str().unwrap()));
            }
            _ => panic!("{name}: {kind} decoded as {typed:?}"),
        }
    }
    eprintln!("{envelopes} envelopes, {unknown_events} events of unmodelled types");
    assert!(envelopes >= 60, "only {envelopes} envelopes");
    // call_rejected, channel_shared, pin_added... are not modelled and must stay whole.
    assert!(unknown_events >= 10, "only {unknown_events} unknown events");
}

fn payload_json(payload: &Payload) -> Value {
    match payload {
        Payload::EventCallback(callback) => serde_json::to_value(callback),
        Payload::Interactive(interactive) => serde_json::to_value(interactive),
        Payload::SlashCommand(command) => serde_json::to_value(command),
        Payload::Other(raw) => Ok(raw.clone()),
        _ => unreachable!(),
    }
    .unwrap()
}

#[test]
fn every_rtm_frame_decodes_as_an_event_or_stays_whole() {
    let (mut typed, mut other) = (0, 0);
    for (name, frame) in files("rtm") {
        let event: Event = decode(&name, &frame);
        if check_event(&name, &event, &frame) {
            typed += 1;
        } else {
            other += 1;
        }
    }
    // Messages of every subtype, reactions, joins, team_join, user_change, channel events...
    eprintln!("{typed} typed events, {other} kept whole");
    assert!(typed >= 30, "{typed} typed");
    // ... and the RTM-only frames (hello, presence_change, reply_to acks...) kept as they came.
    assert!(other >= 50, "{other} other");
}

/// Decodes a Web API body into `M::Response` (as a client would once the core said `ok`).
fn check_response<M: Method>(name: &str, body: &Value) -> M::Response
where
    M::Response: Serialize,
{
    decode::<M::Response>(name, body)
}

#[test]
fn every_web_api_body_of_a_modelled_method_decodes() {
    let mut decoded = 0;
    for (name, body) in files("web-api") {
        let file = name.rsplit('/').next().unwrap();
        let method = file
            .split("__")
            .nth(1)
            .unwrap()
            .split(['-', '.'])
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        let method = method.trim_end_matches(".json");
        let error = body
            .get("error")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty());
        if body["ok"] == false && error.is_some() || method.starts_with("error.") {
            // Errors are the core's (`slackline::ApiError`): they never reach these types.
            assert!(error.is_some(), "{name}");
            continue;
        }
        match method {
            "auth.test" => {
                let test = check_response::<web::auth::Test>(&name, &body);
                assert_eq!(test.user_id, body["user_id"].as_str().unwrap(), "{name}");
                assert_eq!(test.team_id, body["team_id"].as_str().unwrap(), "{name}");
                assert_eq!(test.bot_id.as_deref(), str_at(&body, "/bot_id"), "{name}");
            }
            "chat.postMessage" => {
                let posted = check_response::<web::chat::PostMessage>(&name, &body);
                assert_eq!(posted.ts, body["ts"].as_str().unwrap());
                assert_eq!(posted.channel, body["channel"].as_str().unwrap());
                let message = posted.message.unwrap();
                assert_eq!(message.text.as_deref(), str_at(&body, "/message/text"));
                assert!(message.is_from_bot());
            }
            "reactions.add" => {
                check_response::<web::reactions::Add>(&name, &body);
            }
            // The core's own connection methods: not a bot's calls, not modelled here.
            "rtm.connect" | "rtm.start" | "apps.connections" => continue,
            other => panic!("{name}: no decision for {other}"),
        }
        decoded += 1;
    }
    eprintln!("{decoded} Web API bodies decoded");
    assert!(decoded >= 8, "{decoded} decoded");
}

#[test]
fn an_unknown_envelope_type_keeps_its_payload() {
    let payload = r#"{"type":"something_new","x":[1,2]}"#;
    let decoded = Payload::decode("workflow_things", payload).unwrap();
    assert_eq!(
        decoded,
        Payload::Other(serde_json::from_str(payload).unwrap())
    );
    assert_eq!(decoded.route(), "");
}

#[test]
fn the_event_callback_of_a_real_frame_reads_like_a_bot_needs() {
    let frame: Value = serde_json::from_slice(
        &fs::read(traffic().join("socket-mode/pysdk__events_api-message.json")).unwrap(),
    )
    .unwrap();
    let callback: EventCallback = serde_json::from_value(frame["payload"].clone()).unwrap();
    assert_eq!(callback.bot_user_id(), Some("U333"));
    assert_eq!(
        callback.event_context.as_deref(),
        Some("1-message-T111-C111")
    );
    let Event::Message(message) = &callback.event else {
        panic!()
    };
    assert_eq!(message.channel_type.as_deref(), Some("channel"));
    assert_eq!(callback.event.thread_ts(), Some("1610241741.000200"));
    assert!(!message.is_from_bot());
}
