use slackline::TokenKind;

use super::*;
use crate::script::Script;

fn workspace(header: &str) -> Workspace {
    // A header is one line; these are written over several.
    Workspace::new(Script::parse(&header.replace('\n', " ")).unwrap().header())
}

#[test]
fn timestamps_sort_as_numbers() {
    assert_eq!(ts_key("1700000000.000100"), Some(1_700_000_000_000_100));
    assert_eq!(ts_key("1.2"), Some(1_200_000));
    assert_eq!(ts_key("12"), Some(12_000_000));
    for bad in [
        "",
        ".5",
        "1.2.3",
        "1.1234567",
        "-1.0",
        "a.b",
        "99999999999999.0",
    ] {
        assert_eq!(ts_key(bad), None, "{bad}");
    }
    assert_eq!(key_ts(1_700_000_000_000_100), "1700000000.000100");
    assert!(ts_key("9.000001") < ts_key("10.0"));
}

#[test]
fn the_default_workspace() {
    let ws = workspace(r#"{"slackline_script":1}"#);
    let general = &ws.channels["C0GENERAL"];
    assert!(general.general && general.members.contains("U0FAKEBOT"));
    assert!(general.members.contains("U0ALICE") && general.members.contains("U0BOB"));
    assert!(!ws.channels["C0RANDOM"].members.contains("U0FAKEBOT"));
    assert_eq!(ws.users.len(), 4, "the bot, Slackbot, Alice, Bob");
    assert_eq!(ws.humans(), ["U0ALICE", "U0BOB"]);
    assert_eq!(ws.caller(TokenKind::User).user, "U0ALICE");
    assert_eq!(
        ws.caller(TokenKind::Bot).bot_id.as_deref(),
        Some("B0FAKEBOT")
    );
    assert!(ws
        .require(&ws.caller(TokenKind::Bot), "channels:join")
        .is_ok());
    assert!(ws
        .require(&ws.caller(TokenKind::User), "channels:join")
        .is_err());
    assert!(ws
        .require(&ws.caller(TokenKind::User), "channels:write")
        .is_ok());
}

#[test]
fn header_seeds_and_fill() {
    let ws = workspace(
        r#"{"slackline_script":1,"team":{"bot_user_id":"U0MYBOT"},"workspace":{
            "channels":[{"id":"C0OPS","name":"ops","members":["U0BOB"],"topic":"on call"},
                        {"id":"C0GENERAL","name":"everyone"}],
            "users":[{"id":"U0CAROL","name":"carol","is_admin":true},{"id":"U0GONE","deleted":true}],
            "messages":[{"channel":"C0OPS","user":"U0BOB","text":"deploy?","ts":"1699999000.000100"},
                        {"channel":"C0OPS","user":"U0CAROL","text":"yes","thread_ts":"1699999000.000100"}],
            "fill":{"channels":3,"users":2,"messages":4,"replies":2}}}"#,
    );
    let ops = &ws.channels["C0OPS"];
    assert_eq!(ops.topic, "on call");
    assert_eq!(ops.members.iter().collect::<Vec<_>>(), ["U0BOB", "U0MYBOT"]);
    assert_eq!(
        ws.channels["C0GENERAL"].name, "everyone",
        "a seed replaces a default"
    );
    assert_eq!(ops.messages.len(), 2);
    let parent = &ops.messages[&1_699_999_000_000_100];
    assert_eq!(parent.replies.len(), 1, "the seeded reply is threaded");
    assert!(ws.users["U0GONE"].deleted);
    assert!(!ws.humans().contains(&"U0GONE".to_owned()));
    assert!(ws.channels.contains_key("C0FILL00003") && ws.users.contains_key("U0FILL00002"));
    let general = &ws.channels["C0GENERAL"];
    assert!(general.members.contains("U0FILL00001"));
    // Four messages, the newest with two replies; all before the start.
    let parents: Vec<&Message> = general
        .messages
        .values()
        .filter(|m| !m.is_reply())
        .collect();
    assert_eq!(parents.len(), 4);
    assert_eq!(parents[3].replies.len(), 2);
    assert!(general.messages.keys().all(|k| *k < 1_700_000_000_000_000));
}

#[test]
fn visibility_adoption_and_strictness() {
    let mut ws = workspace(
        r#"{"slackline_script":1,"workspace":{"channels":[{"id":"G0PRIV","name":"priv","private":true,"member":false}]}}"#,
    );
    let bot = ws.caller(TokenKind::Bot);
    let alice = ws.caller(TokenKind::User);
    assert_eq!(ws.conversation("#general", &bot).unwrap(), "C0GENERAL");
    assert_eq!(ws.conversation("random", &bot).unwrap(), "C0RANDOM");
    assert_eq!(
        ws.conversation("G0PRIV", &bot).unwrap_err().code,
        "channel_not_found"
    );
    assert_eq!(
        ws.conversation("G0PRIV", &alice).unwrap(),
        "G0PRIV",
        "Alice is a member"
    );
    assert_eq!(
        ws.joined("C0RANDOM", &bot).unwrap_err().code,
        "not_in_channel"
    );
    assert_eq!(ws.conversation("C9NEW", &bot).unwrap(), "C9NEW", "adopted");
    assert!(ws.channels["C9NEW"].members.contains("U0FAKEBOT"));
    assert_eq!(
        ws.conversation("nope", &bot).unwrap_err().code,
        "channel_not_found"
    );
    assert_eq!(ws.user("U9NEW").unwrap().name, "u9new");
    assert_eq!(ws.user("bob").unwrap_err().code, "user_not_found");
    let mut strict = workspace(r#"{"slackline_script":1,"workspace":{"strict":true}}"#);
    let bot = strict.caller(TokenKind::Bot);
    assert_eq!(
        strict.conversation("C9NEW", &bot).unwrap_err().code,
        "channel_not_found"
    );
    assert_eq!(strict.user("U9NEW").unwrap_err().code, "user_not_found");
}

#[test]
fn dms_are_opened_once() {
    let mut ws = workspace(r#"{"slackline_script":1}"#);
    let bot = ws.caller(TokenKind::Bot);
    let (dm, was_open) = ws.open_dm(&bot, &["U0ALICE".into()]);
    assert!(!was_open && dm.starts_with('D'));
    assert_eq!(ws.open_dm(&bot, &["U0ALICE".into()]), (dm.clone(), true));
    assert_eq!(ws.channels[&dm].im_user.as_deref(), Some("U0ALICE"));
    let (group, _) = ws.open_dm(&bot, &["U0BOB".into(), "U0ALICE".into()]);
    assert_eq!(ws.channels[&group].kind, ConvKind::Mpim);
    assert_eq!(ws.channels[&group].name, "mpdm-alice--bob--slackline-bot-1");
}
