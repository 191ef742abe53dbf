//! The Web API through `FakeSlack`'s inputs: token checks before the workspace, scripted stubs
//! and waits, call records, posted messages, ack payloads and uploads in the verdict.

use serde_json::{json, Value};

use super::*;

const APP: &str = "xapp-1-A0FAKE-1-secretsecret";
const BOT: &str = "xoxb-1-2-botsecret";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON_TYPE: &str = "application/json; charset=utf-8";

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn fake(script: &str) -> FakeSlack {
    FakeSlack::new(
        Script::parse(script).unwrap(),
        FakeConfig::new().with_ws_base_url("ws://127.0.0.1:9"),
        Instant::ZERO,
    )
}

fn drain(fake: &mut FakeSlack) -> Vec<Output> {
    std::iter::from_fn(|| fake.poll_output()).collect()
}

fn send(
    fake: &mut FakeSlack,
    now: Instant,
    method: &str,
    token: &str,
    content_type: &str,
    body: &str,
) -> FakeResponse {
    let auth = format!("Bearer {token}");
    let call = fake.handle_http_request(
        now,
        ApiRequest {
            method,
            authorization: Some(&auth),
            content_type: Some(content_type),
            body: body.as_bytes(),
        },
    );
    response_to(fake, call)
}

fn response_to(fake: &mut FakeSlack, call: CallId) -> FakeResponse {
    drain(fake)
        .into_iter()
        .find_map(|o| match o {
            Output::HttpResponse { call: c, response } if c == call => Some(response),
            _ => None,
        })
        .expect("a response")
}

fn json_call(fake: &mut FakeSlack, now: Instant, method: &str, body: Value) -> Value {
    let response = send(fake, now, method, BOT, JSON_TYPE, &body.to_string());
    serde_json::from_str(&response.body).unwrap()
}

fn form_call(fake: &mut FakeSlack, now: Instant, method: &str, body: &str) -> Value {
    let response = send(fake, now, method, BOT, FORM, body);
    serde_json::from_str(&response.body).unwrap()
}

const ENDLESS: &str = "{\"slackline_script\":1}\n{\"after\":\"1h\",\"end\":true}";

#[test]
fn stubs_answer_in_place_of_the_fake() {
    let mut fake = fake(
        "{\"slackline_script\":1}\n\
         {\"stub\":\"views.open\",\"answer\":{\"view\":{\"id\":\"V0STUB\",\"type\":\"modal\"}},\"times\":1}\n\
         {\"stub\":\"users.info\",\"error\":\"user_not_visible\",\"with\":{\"user\":\"U0BOB\"}}\n\
         {\"stub\":\"chat.postMessage\",\"retry_after\":2,\"times\":1}\n\
         {\"stub\":\"no.such\",\"answer\":{\"anything\":1}}\n\
         {\"after\":\"1h\",\"end\":true}",
    );
    let opened = json_call(
        &mut fake,
        at(10),
        "views.open",
        json!({"trigger_id": "t", "view": {}}),
    );
    assert_eq!(
        opened,
        json!({"ok": true, "view": {"id": "V0STUB", "type": "modal"}}),
        "the stub answers, unchecked"
    );
    let real = json_call(
        &mut fake,
        at(20),
        "views.open",
        json!({"trigger_id": "t", "view": {}}),
    );
    assert_eq!(real["error"], "invalid_arguments", "then the fake again");
    assert_eq!(
        form_call(&mut fake, at(30), "users.info", "user=U0BOB")["error"],
        "user_not_visible"
    );
    assert_eq!(
        form_call(&mut fake, at(30), "users.info", "user=U0ALICE")["user"]["id"],
        "U0ALICE"
    );
    let limited = send(
        &mut fake,
        at(40),
        "chat.postMessage",
        BOT,
        FORM,
        "channel=C0GENERAL&text=hi",
    );
    assert_eq!(
        (limited.status, limited.retry_after_header().as_deref()),
        (429, Some("2"))
    );
    let early = send(
        &mut fake,
        at(1040),
        "chat.postMessage",
        BOT,
        FORM,
        "channel=C0GENERAL&text=hi",
    );
    assert_eq!(early.status, 200, "the stub was used up");
    assert_eq!(
        json_call(&mut fake, at(50), "no.such", json!({}))["anything"],
        1,
        "any method can be stubbed"
    );
    let v = fake.verdict();
    assert!(
        matches!(&v.violations[..], [Violation { kind: ViolationKind::IgnoredRetryAfter { method, .. }, .. }] if method == "chat.postMessage")
    );
    assert_eq!(v.http["views.open"].stubbed, 1);
    assert_eq!(v.http["users.info"].stubbed, 1);
    assert_eq!(v.http["users.info"].errors, 1);
    let stubbed: Vec<bool> = v.calls.iter().map(|c| c.stubbed).collect();
    assert_eq!(stubbed, [true, false, true, false, true, false, true]);
    assert_eq!(v.posted.len(), 1, "the rate-limited post was not posted");
}

#[test]
fn a_wait_for_a_call_holds_the_script_until_it_comes() {
    let mut fake = fake(
        "{\"slackline_script\":1}\n\
         {\"wait\":\"call\",\"method\":\"chat.postMessage\",\"count\":2,\"with\":{\"channel\":\"C0GENERAL\"}}\n\
         {\"end\":true}",
    );
    drain(&mut fake);
    assert_eq!(
        fake.poll_timeout(),
        None,
        "blocked until a call, not a timer"
    );
    json_call(
        &mut fake,
        at(5),
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "one"}),
    );
    json_call(
        &mut fake,
        at(6),
        "chat.postMessage",
        json!({"channel": "C0RANDOM", "text": "not a member"}),
    );
    assert!(!fake.is_finished());
    // As a form this time: the arguments are compared as text.
    form_call(
        &mut fake,
        at(7),
        "chat.postMessage",
        "channel=C0GENERAL&text=two",
    );
    assert!(fake.is_finished());
}

#[test]
fn read_methods_ignore_json_bodies_as_slack_does() {
    let mut fake = fake(ENDLESS);
    let ignored = json_call(
        &mut fake,
        at(1),
        "conversations.history",
        json!({"channel": "C0GENERAL"}),
    );
    assert_eq!(ignored["error"], "channel_not_found");
    let read = form_call(
        &mut fake,
        at(2),
        "conversations.history",
        "channel=C0GENERAL",
    );
    assert_eq!(read["ok"], true);
    let v = fake.verdict();
    assert!(v.calls[0]
        .note
        .as_deref()
        .unwrap()
        .contains("reads form arguments only"));
    assert_eq!(
        (v.calls[0].encoding.as_str(), v.calls[1].encoding.as_str()),
        ("json", "form")
    );
    assert_eq!(v.calls[1].note, None);
}

#[test]
fn every_call_is_recorded_with_its_arguments() {
    let mut fake = fake(ENDLESS);
    form_call(
        &mut fake,
        at(1),
        "users.info",
        "user=U0ALICE&include_locale=true",
    );
    json_call(
        &mut fake,
        at(2),
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "leaks xoxb-9-9-oops"}),
    );
    let r = send(
        &mut fake,
        at(3),
        "chat.postMessage",
        APP,
        JSON_TYPE,
        r#"{"channel":"C0GENERAL","text":"x"}"#,
    );
    assert!(r.body.contains("not_allowed_token_type"));
    let unknown = send(&mut fake, at(4), "pins.list", BOT, FORM, "channel=C1");
    assert!(unknown.body.contains("unknown_method"));
    let v = fake.verdict();
    let c = &v.calls;
    assert_eq!(c.len(), 4);
    assert_eq!((c[0].method.as_str(), c[0].at_ms), ("users.info", 1));
    assert_eq!(
        c[0].args,
        json!({"user": "U0ALICE", "include_locale": "true"}),
        "form values are strings"
    );
    assert_eq!((c[0].status, c[0].error.as_deref()), (200, None));
    assert_eq!(c[1].args["text"], "leaks xoxb-<redacted>");
    assert_eq!(c[2].error.as_deref(), Some("not_allowed_token_type"));
    assert_eq!(c[3].error.as_deref(), Some("unknown_method"));
    assert_eq!(
        (v.http["pins.list"].calls, v.http["pins.list"].errors),
        (1, 1),
        "unknown methods are counted"
    );
    let report = serde_json::to_string(&v).unwrap();
    assert!(
        !report.contains("oops") && !report.contains("botsecret"),
        "{report}"
    );
}

#[test]
fn posted_messages_keep_their_arguments() {
    let mut fake = fake(ENDLESS);
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]);
    let first = json_call(
        &mut fake,
        at(1),
        "chat.postMessage",
        json!({"channel": "#general", "text": "hi", "blocks": blocks}),
    );
    let ts = first["ts"].as_str().unwrap();
    let form = format!("channel=C0GENERAL&text=in+thread&thread_ts={ts}&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D");
    form_call(&mut fake, at(2), "chat.postMessage", &form);
    json_call(
        &mut fake,
        at(3),
        "chat.postEphemeral",
        json!({"channel": "C0GENERAL", "user": "U0ALICE", "text": "psst"}),
    );
    json_call(
        &mut fake,
        at(4),
        "chat.scheduleMessage",
        json!({"channel": "C0GENERAL", "text": "later", "post_at": 1_700_000_100}),
    );
    json_call(
        &mut fake,
        at(5),
        "chat.postMessage",
        json!({"channel": "C0RANDOM", "text": "refused"}),
    );
    let p = fake.verdict().posted;
    assert_eq!(p.len(), 4, "refused posts are not posted");
    assert_eq!(
        (p[0].via.as_str(), p[0].channel.as_str(), p[0].text.as_str()),
        ("chat.postMessage", "C0GENERAL", "hi")
    );
    assert_eq!(p[0].blocks.as_ref(), Some(&blocks));
    assert_eq!(p[0].ts, ts);
    assert_eq!(p[1].thread_ts.as_deref(), Some(ts));
    assert_eq!(
        p[1].blocks,
        Some(json!([{"type": "divider"}])),
        "form blocks are JSON text, decoded"
    );
    assert_eq!(
        (p[2].via.as_str(), p[2].user.as_deref()),
        ("chat.postEphemeral", Some("U0ALICE"))
    );
    assert_eq!(
        (p[3].post_at, p[3].ts.starts_with('Q')),
        (Some(1_700_000_100), true)
    );
    let report = serde_json::to_value(fake.verdict()).unwrap();
    assert_eq!(report["posted"][1]["thread_ts"], ts);
    assert_eq!(report["posted"][0]["blocks"], blocks);
    assert!(
        report["posted"][0].get("user").is_none(),
        "absent fields are left out"
    );
}

#[test]
fn ack_payloads_are_in_the_verdict_and_payloads_teach_the_workspace() {
    let mut fake = fake(
        "{\"slackline_script\":1,\"workspace\":{\"strict\":true}}\n\
         {\"label\":\"cmd\",\"envelope\":{\"envelope_id\":\"e1\",\"type\":\"slash_commands\",\"payload\":{\"command\":\"/form\",\"user_id\":\"U0ALICE\",\"channel_id\":\"C0GENERAL\",\"trigger_id\":\"1.2.t\"}}}\n\
         {\"label\":\"mention\",\"envelope\":{\"envelope_id\":\"e2\",\"type\":\"events_api\",\"payload\":{\"event\":{\"type\":\"app_mention\",\"user\":\"U0ALICE\",\"text\":\"hi\",\"channel\":\"C0GENERAL\",\"ts\":\"1700000000.000500\"}}}}\n\
         {\"after\":\"1h\",\"end\":true}",
    );
    let url = json_call(&mut fake, at(0), "apps.connections.open", json!({}));
    assert_eq!(url["ok"], false, "a bot token cannot open a connection");
    let response = send(&mut fake, at(0), "apps.connections.open", APP, FORM, "");
    let url: Value = serde_json::from_str(&response.body).unwrap();
    let socket = fake
        .handle_ws_connect(at(1), url["url"].as_str().unwrap())
        .unwrap();
    drain(&mut fake);
    fake.handle_text(
        at(2),
        socket,
        br#"{"envelope_id":"e1","payload":{"text":"echo xoxp-1-2-3"}}"#,
    );
    fake.handle_text(at(3), socket, br#"{"envelope_id":"e2"}"#);
    let modal =
        json!({"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": []});
    let opened = json_call(
        &mut fake,
        at(100),
        "views.open",
        json!({"trigger_id": "1.2.t", "view": modal}),
    );
    assert_eq!(opened["ok"], true, "{opened}");
    let late = json_call(
        &mut fake,
        at(200),
        "views.open",
        json!({"trigger_id": "1.2.t", "view": modal}),
    );
    assert_eq!(late["error"], "exchanged_trigger_id");
    let reacted = json_call(
        &mut fake,
        at(300),
        "reactions.add",
        json!({"channel": "C0GENERAL", "timestamp": "1700000000.000500", "name": "eyes"}),
    );
    assert_eq!(reacted["ok"], true, "the mention exists: {reacted}");
    let v = fake.verdict();
    assert_eq!(
        v.envelopes[0].response_payload,
        Some(json!({"text": "echo xoxp-<redacted>"}))
    );
    assert_eq!(v.envelopes[1].response_payload, None);
    let report = serde_json::to_value(&v).unwrap();
    assert_eq!(
        report["envelopes"][0]["response_payload"]["text"],
        "echo xoxp-<redacted>"
    );
    assert!(report["envelopes"][1].get("response_payload").is_none());
}

#[test]
fn uploads_go_to_the_url_handed_out() {
    let mut fake = fake(ENDLESS);
    let url = form_call(
        &mut fake,
        at(1),
        "files.getUploadURLExternal",
        "filename=notes.txt&length=5",
    );
    let upload_url = url["upload_url"].as_str().unwrap().to_owned();
    assert!(
        upload_url.starts_with("http://127.0.0.1:9/upload/v1/"),
        "{upload_url}"
    );
    let call = fake.handle_upload(at(2), &upload_url, b"hello");
    let answer = response_to(&mut fake, call);
    assert_eq!((answer.status, answer.body.as_str()), (200, "OK - 5"));
    let call = fake.handle_upload(at(3), "/upload/v1/nope", b"x");
    assert_eq!(response_to(&mut fake, call).status, 404);
    let done = json_call(
        &mut fake,
        at(4),
        "files.completeUploadExternal",
        json!({"files": [{"id": url["file_id"], "title": "Notes"}], "channel_id": "C0GENERAL"}),
    );
    assert_eq!(done["files"][0]["title"], "Notes");
    let v = fake.verdict();
    assert_eq!(v.uploads.len(), 1);
    let u = &v.uploads[0];
    assert_eq!(
        (u.filename.as_str(), u.length, u.received, u.completed),
        ("notes.txt", 5, Some(5), true)
    );
    assert_eq!(u.channel.as_deref(), Some("C0GENERAL"));
    assert_eq!(v.http["upload"].calls, 2);
    assert_eq!(v.http["upload"].errors, 1);
    assert_eq!(v.calls[1].method, "upload");
    assert_eq!(
        v.calls[1].args,
        json!({"file_id": url["file_id"], "bytes": 5})
    );
}

#[test]
fn files_base_url_follows_the_websocket_one() {
    assert_eq!(
        FakeConfig::new().files_base_url(),
        "https://wss-fake.slack.invalid"
    );
    assert_eq!(
        FakeConfig::new()
            .with_ws_base_url("ws://127.0.0.1:5/")
            .files_base_url(),
        "http://127.0.0.1:5"
    );
    assert_eq!(
        FakeConfig::new()
            .with_files_base_url("http://files.test/")
            .files_base_url(),
        "http://files.test"
    );
}
