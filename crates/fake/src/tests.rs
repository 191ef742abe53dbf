//! Unit tests of the fake server, driven by hand (the `Session` pairing is in `tests/`).

use std::time::Duration;

use super::*;

const APP: &str = "xapp-1-A0FAKE-1-secretsecret";
const BOT: &str = "xoxb-1-2-botsecret";

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn fake(script: &str) -> FakeSlack {
    FakeSlack::new(
        Script::parse(script).unwrap(),
        FakeConfig::new(),
        Instant::ZERO,
    )
}

fn drain(fake: &mut FakeSlack) -> Vec<Output> {
    std::iter::from_fn(|| fake.poll_output()).collect()
}

fn call(fake: &mut FakeSlack, now: Instant, method: &str, token: Option<&str>) -> FakeResponse {
    let auth = token.map(|t| format!("Bearer {t}"));
    let call = fake.handle_http_request(
        now,
        ApiRequest {
            method,
            authorization: auth.as_deref(),
            content_type: None,
            body: b"",
        },
    );
    let outputs = drain(fake);
    outputs
        .into_iter()
        .find_map(|o| match o {
            Output::HttpResponse { call: c, response } if c == call => Some(response),
            _ => None,
        })
        .expect("a response")
}

fn url_of(response: &FakeResponse) -> String {
    let v: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    v["url"].as_str().unwrap().to_owned()
}

/// Opens a Socket Mode connection and returns it with the frames sent on it so far.
fn connect(fake: &mut FakeSlack, now: Instant) -> (SocketId, Vec<String>) {
    let url = url_of(&call(fake, now, "apps.connections.open", Some(APP)));
    let socket = fake.handle_ws_connect(now, &url).unwrap();
    (socket, texts(drain(fake), socket))
}

fn texts(outputs: Vec<Output>, socket: SocketId) -> Vec<String> {
    outputs
        .into_iter()
        .filter_map(|o| match o {
            Output::SendText { socket: s, text } if s == socket => Some(text),
            _ => None,
        })
        .collect()
}

fn envelope_id(frame: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(frame).unwrap();
    v["envelope_id"].as_str().unwrap().to_owned()
}

/// Advances the fake to each deadline up to `until`, collecting outputs.
fn run_until(fake: &mut FakeSlack, until: Instant) -> Vec<Output> {
    let mut out = Vec::new();
    while let Some(next) = fake.poll_timeout().filter(|&t| t <= until) {
        fake.handle_timeout(next);
        out.extend(drain(fake));
    }
    out
}

const ONE_ENVELOPE: &str = "{\"slackline_script\":1,\"name\":\"one\"}\n\
    {\"envelope\":{\"type\":\"events_api\",\"payload\":{\"event_id\":\"Ev1\"}},\"label\":\"e\"}";

#[test]
fn hello_envelope_ack_and_an_ok_verdict() {
    let mut fake = fake(ONE_ENVELOPE);
    assert!(fake.poll_timeout().is_none(), "waits for a connection");
    let (socket, frames) = connect(&mut fake, at(10));
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(frames[0].starts_with(
        r#"{"type":"hello","num_connections":1,"debug_info":{"host":"applink-fake-1""#
    ));
    let hello: serde_json::Value = serde_json::from_str(&frames[0]).unwrap();
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["num_connections"], 1);
    assert_eq!(hello["debug_info"]["approximate_connection_time"], 18060);
    let id = envelope_id(&frames[1]);
    assert!(frames[1].contains(r#""retry_attempt":0"#));
    assert!(!fake.is_finished());
    fake.handle_text(
        at(30),
        socket,
        format!(r#"{{"envelope_id":"{id}"}}"#).as_bytes(),
    );
    assert!(fake.is_finished());
    assert_eq!(drain(&mut fake), [Output::Finished]);
    let verdict = fake.verdict();
    assert!(verdict.ok, "{}", verdict.summary_text());
    assert_eq!(verdict.summary.acked, 1);
    let d = &verdict.envelopes[0];
    assert_eq!(
        (d.ack_latency_ms, d.ack_socket, d.label.as_str()),
        (Some(20), Some(1), "e")
    );
    assert_eq!(d.event_id.as_deref(), Some("Ev1"));
    let json = serde_json::to_string(&verdict).unwrap();
    assert!(json.starts_with(r#"{"ok":true,"finished":true,"script":"one""#));
}

#[test]
fn tokens_are_checked_by_kind_and_never_echoed() {
    let mut fake = fake("{\"slackline_script\":1}\n{\"wait\":\"connection\"}");
    let missing = call(&mut fake, at(0), "apps.connections.open", None);
    assert!(missing.body.contains("not_authed"));
    let wrong = call(&mut fake, at(0), "apps.connections.open", Some(BOT));
    assert!(wrong.body.contains("not_allowed_token_type"));
    let wrong_rtm = call(&mut fake, at(0), "rtm.connect", Some(APP));
    assert!(wrong_rtm.body.contains("not_allowed_token_type"));
    let garbage = call(&mut fake, at(0), "auth.test", Some("hunter2"));
    assert!(garbage.body.contains("invalid_auth"));
    let auth = call(&mut fake, at(0), "auth.test", Some(BOT));
    assert!(auth.body.contains(r#""user_id":"U0FAKEBOT""#));
    let unknown = call(&mut fake, at(0), "no.such.method", Some(BOT));
    assert!(unknown.body.contains("unknown_method"));
    let verdict = fake.verdict();
    let json = serde_json::to_string(&verdict).unwrap();
    for secret in ["secretsecret", "botsecret", "hunter2"] {
        assert!(!json.contains(secret));
        for body in [&missing.body, &wrong.body, &auth.body] {
            assert!(!body.contains(secret));
        }
    }
    let kinds: Vec<&ViolationKind> = verdict.violations.iter().map(|v| &v.kind).collect();
    assert!(matches!(kinds[0], ViolationKind::MissingToken { .. }));
    assert!(
        matches!(kinds[1], ViolationKind::WrongTokenKind { found, .. } if found.contains("bot token"))
    );
    assert_eq!(verdict.http["apps.connections.open"].errors, 2);
    assert!(!verdict.ok);
}

#[test]
fn only_accepted_tokens_pass_when_configured() {
    let config = FakeConfig::new().with_accepted_token(APP);
    let mut fake = FakeSlack::new(Script::default(), config, Instant::ZERO);
    let other = call(
        &mut fake,
        at(0),
        "apps.connections.open",
        Some("xapp-1-other"),
    );
    assert!(other.body.contains("invalid_auth"));
    let fine = call(&mut fake, at(0), "apps.connections.open", Some(APP));
    assert!(fine.body.contains(r#""ok":true"#));
}

#[test]
fn urls_are_single_use_and_point_at_the_configured_base() {
    let config = FakeConfig::new().with_ws_base_url("ws://127.0.0.1:4567/");
    let mut fake = FakeSlack::new(Script::default(), config, Instant::ZERO);
    let url = url_of(&call(&mut fake, at(0), "apps.connections.open", Some(APP)));
    assert!(
        url.starts_with("ws://127.0.0.1:4567/link/?ticket="),
        "{url}"
    );
    assert!(url.ends_with("&app_id=A0FAKEAPP01"));
    let path = &url["ws://127.0.0.1:4567".len()..];
    fake.handle_ws_connect(at(1), path).unwrap();
    let again = fake.handle_ws_connect(at(2), &url).unwrap_err();
    assert_eq!(again.status, 401);
    let unknown = fake
        .handle_ws_connect(at(2), "/link/?ticket=nope")
        .unwrap_err();
    assert_eq!(unknown.status, 404);
    let rtm = url_of(&call(&mut fake, at(0), "rtm.connect", Some(BOT)));
    assert!(rtm.starts_with("ws://127.0.0.1:4567/websocket/"));
    let late = fake.handle_ws_connect(at(31_000), &rtm).unwrap_err();
    assert_eq!(late.status, 401);
    let v = fake.verdict();
    let kinds: Vec<String> = v.violations.iter().map(|v| v.kind.to_string()).collect();
    assert_eq!(
        kinds,
        [
            "Socket Mode ticket URL used twice",
            "WebSocket URL the fake never issued",
            "RTM URL used after it expired"
        ]
    );
    assert_eq!(v.connections.rejected, 3);
}

#[test]
fn rate_limit_then_success_and_retry_after_is_checked() {
    let mut fake = fake(
        "{\"slackline_script\":1}\n{\"fail\":\"apps.connections.open\",\"retry_after\":3,\"times\":2}",
    );
    let limited = call(&mut fake, at(0), "apps.connections.open", Some(APP));
    assert_eq!(
        (limited.status, limited.retry_after_header().as_deref()),
        (429, Some("3"))
    );
    assert!(limited.body.contains("ratelimited"));
    assert_eq!(
        slackline::classify(&limited.to_http_response()).unwrap_err(),
        slackline::ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(3))
        }
    );
    let early = call(&mut fake, at(1000), "apps.connections.open", Some(APP));
    assert_eq!(early.status, 429);
    let fine = call(&mut fake, at(4500), "apps.connections.open", Some(APP));
    assert_eq!(fine.status, 200);
    let v = fake.verdict();
    assert_eq!(v.violations.len(), 1);
    assert!(matches!(
        &v.violations[0].kind,
        ViolationKind::IgnoredRetryAfter { early_ms: 2000, .. }
    ));
}

#[test]
fn server_errors_and_handshake_failures() {
    let mut fake = fake(
        "{\"slackline_script\":1}\n{\"fail\":\"rtm.connect\",\"status\":503}\n{\"fail\":\"websocket\"}\n{\"fail\":\"apps.connections.open\",\"error\":\"team_disabled\"}",
    );
    let down = call(&mut fake, at(0), "rtm.connect", Some(BOT));
    assert_eq!(down.status, 503);
    assert!(down.body.starts_with("<html>"));
    let disabled = call(&mut fake, at(0), "apps.connections.open", Some(APP));
    assert_eq!(
        (disabled.status, disabled.body.as_str()),
        (200, r#"{"ok":false,"error":"team_disabled"}"#)
    );
    let url = url_of(&call(&mut fake, at(0), "apps.connections.open", Some(APP)));
    assert_eq!(fake.handle_ws_connect(at(0), &url).unwrap_err().status, 409);
}

#[test]
fn an_unacked_envelope_is_redelivered_and_reported_missing() {
    let mut fake = fake(ONE_ENVELOPE);
    let (socket, frames) = connect(&mut fake, at(0));
    let id = envelope_id(&frames[1]);
    let out = run_until(&mut fake, at(3000));
    let again = texts(out, socket);
    assert_eq!(again.len(), 1);
    assert_eq!(envelope_id(&again[0]), id);
    assert!(again[0].contains(r#""retry_attempt":1,"retry_reason":"timeout""#));
    fake.handle_text(
        at(3100),
        socket,
        format!(r#"{{"envelope_id":"{id}"}}"#).as_bytes(),
    );
    fake.handle_text(
        at(3200),
        socket,
        format!(r#"{{"envelope_id":"{id}"}}"#).as_bytes(),
    );
    fake.handle_text(at(3300), socket, br#"{"envelope_id":"never-sent"}"#);
    run_until(&mut fake, at(60_000));
    let v = fake.verdict();
    assert!(v.finished);
    assert_eq!(
        v.envelopes.iter().map(|e| e.outcome).collect::<Vec<_>>(),
        [AckOutcome::Late, AckOutcome::Acked]
    );
    let kinds: Vec<&str> = v
        .violations
        .iter()
        .map(|v| match v.kind {
            ViolationKind::UnknownAck { .. } => "unknown",
            ViolationKind::LateAck { .. } => "late",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["unknown", "late"]);
    assert_eq!(v.summary.redeliveries, 1);
    assert!(!v.ok);
}

#[test]
fn oversized_and_unexpected_frames() {
    let mut fake = fake(ONE_ENVELOPE);
    let (socket, frames) = connect(&mut fake, at(0));
    let id = envelope_id(&frames[1]);
    fake.handle_text(at(1), socket, b"not json");
    fake.handle_text(at(1), socket, br#"{"type":"ping"}"#);
    fake.handle_binary(at(1), socket, b"\x00");
    let big = format!(
        r#"{{"envelope_id":"{id}","payload":{{"text":"{}"}}}}"#,
        "x".repeat(21_000)
    );
    fake.handle_text(at(2), socket, big.as_bytes());
    let out = drain(&mut fake);
    assert!(out.contains(&Output::Close {
        socket,
        code: 1009,
        reason: "Max frame length of 20480 has been exceeded.".into()
    }));
    fake.handle_text(
        at(3),
        socket,
        format!(r#"{{"envelope_id":"{id}"}}"#).as_bytes(),
    );
    let v = fake.verdict();
    assert_eq!(v.connections.dropped_frames, 1);
    assert_eq!(v.connections.closed_by_server, 1);
    let kinds: Vec<String> = v.violations.iter().map(|v| v.kind.to_string()).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(kinds[0].contains("not a JSON object"));
    assert!(kinds[1].contains("no `envelope_id`"));
    assert!(kinds[2].contains("binary"));
    assert!(kinds[3].contains("exceeds Slack's 20480"));
}

#[test]
fn frames_after_the_clients_close_are_violations() {
    let mut fake = fake(ONE_ENVELOPE);
    let (socket, frames) = connect(&mut fake, at(0));
    fake.handle_closed(at(1), socket, Some(1000), "bye");
    let ack = format!(r#"{{"envelope_id":"{}"}}"#, envelope_id(&frames[1]));
    fake.handle_text(at(2), socket, ack.as_bytes());
    let v = fake.verdict();
    assert_eq!(v.connections.closed_by_client, 1);
    assert!(matches!(
        v.violations[0].kind,
        ViolationKind::FrameAfterClose { socket: 1 }
    ));
}

#[test]
fn silence_stops_pongs_and_loses_deliveries() {
    let mut fake = fake(
        "{\"slackline_script\":1,\"redeliver\":false}\n\
         {\"envelope\":{\"type\":\"interactive\",\"payload\":{}}}\n\
         {\"after\":1,\"silence\":true}",
    );
    let (socket, _) = connect(&mut fake, at(0));
    assert_eq!(
        run_until(&mut fake, at(1000)),
        [Output::GoSilent { socket }]
    );
    fake.handle_ping(at(1), socket, b"p");
    assert!(drain(&mut fake).is_empty());
    run_until(&mut fake, at(60_000));
    let v = fake.verdict();
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(v.envelopes[0].outcome, AckOutcome::Lost);
    assert_eq!(v.connections.silenced, 1);
}

#[test]
fn pings_are_answered_and_the_connection_lifetime_is_played() {
    let mut fake = fake(
        "{\"slackline_script\":1,\"server_ping_interval\":\"30s\",\"hello\":{\"approximate_connection_time\":100}}\n\
         {\"wait\":\"connections\",\"count\":2}",
    );
    let (socket, _) = connect(&mut fake, at(0));
    fake.handle_ping(at(5), socket, b"abc");
    assert_eq!(
        drain(&mut fake),
        [Output::SendPong {
            socket,
            payload: b"abc".to_vec()
        }]
    );
    let out = run_until(&mut fake, at(95_000));
    let pings = out
        .iter()
        .filter(|o| matches!(o, Output::SendPing { .. }))
        .count();
    assert_eq!(pings, 3);
    let frames = texts(out, socket);
    assert_eq!(frames.len(), 1);
    assert!(frames[0].contains(r#""reason":"warning""#));
    let out = run_until(&mut fake, at(100_000));
    assert!(texts(out, socket)[0].contains("refresh_requested"));
    let out = run_until(&mut fake, at(110_000));
    assert!(out.contains(&Output::Close {
        socket,
        code: 1000,
        reason: "disconnected".into()
    }));
}

#[test]
fn debug_reconnects_shortens_the_lifetime() {
    let mut fake = fake("{\"slackline_script\":1}\n{\"wait\":\"connections\",\"count\":2}");
    let url = url_of(&call(&mut fake, at(0), "apps.connections.open", Some(APP)));
    let socket = fake
        .handle_ws_connect(at(0), &format!("{url}&debug_reconnects=true"))
        .unwrap();
    let hello = texts(drain(&mut fake), socket).remove(0);
    assert!(hello.contains(r#""approximate_connection_time":360"#));
}

#[test]
fn rtm_replies_pongs_ids_and_rate() {
    let mut fake = fake(
        "{\"slackline_script\":1,\"rtm_echo\":true}\n{\"rtm\":{\"type\":\"message\",\"text\":\"hi\",\"channel\":\"C1\",\"user\":\"U2\"}}",
    );
    let url = url_of(&call(&mut fake, at(0), "rtm.connect", Some(BOT)));
    let socket = fake.handle_ws_connect(at(0), &url).unwrap();
    let frames = texts(drain(&mut fake), socket);
    assert_eq!(frames[0], r#"{"type":"hello"}"#);
    assert!(frames[1].contains(r#""text":"hi""#));
    fake.handle_text(at(10), socket, br#"{"id":1,"type":"ping","time":7}"#);
    fake.handle_text(
        at(20),
        socket,
        br#"{"id":2,"type":"message","channel":"C1","text":"yo"}"#,
    );
    let frames = texts(drain(&mut fake), socket);
    assert_eq!(frames[0], r#"{"type":"pong","reply_to":1,"time":7}"#);
    assert_eq!(
        frames[1],
        r#"{"ok":true,"reply_to":2,"ts":"1700000000.020000","text":"yo"}"#
    );
    assert!(
        frames[2].contains(r#""user":"U0FAKEBOT""#),
        "echo: {frames:?}"
    );
    fake.handle_text(
        at(30),
        socket,
        br#"{"id":2,"type":"typing","channel":"C1"}"#,
    );
    fake.handle_text(at(40), socket, br#"{"id":0,"type":"typing"}"#);
    fake.handle_text(at(50), socket, br#"{"type":"typing"}"#);
    for id in 3..6 {
        let m = format!(r#"{{"id":{id},"type":"message","channel":"C1","text":"x"}}"#);
        fake.handle_text(at(60), socket, m.as_bytes());
    }
    let big = format!(
        r#"{{"id":9,"type":"message","channel":"C1","text":"{}"}}"#,
        "y".repeat(17_000)
    );
    fake.handle_text(at(70), socket, big.as_bytes());
    let v = fake.verdict();
    let kinds: Vec<String> = v.violations.iter().map(|v| v.kind.to_string()).collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert!(kinds[0].contains("id 2 used twice"));
    assert!(kinds[1].contains("(0)"));
    assert!(kinds[2].contains("(missing)"));
    assert!(kinds[3].contains("one message per second"));
    assert!(kinds[4].contains("one message per second"));
    assert!(kinds[5].contains("16 KB"));
    assert_eq!(v.posted.len(), 2);
    assert_eq!((v.rtm.pings, v.rtm.events), (1, 1));
}

#[test]
fn chat_post_message_and_reactions() {
    let mut fake = FakeSlack::new(Script::default(), FakeConfig::new(), Instant::ZERO);
    assert_eq!(drain(&mut fake), [Output::Finished], "nothing to play");
    let auth = format!("Bearer {BOT}");
    let mut post = |body: &str, ct: &str| {
        let call = fake.handle_http_request(
            at(5),
            ApiRequest {
                method: "chat.postMessage",
                authorization: Some(&auth),
                content_type: Some(ct),
                body: body.as_bytes(),
            },
        );
        let _ = call;
        match drain(&mut fake).remove(0) {
            Output::HttpResponse { response, .. } => response.body,
            other => panic!("{other:?}"),
        }
    };
    let ok = post(r#"{"channel":"C1","text":"hello"}"#, "application/json");
    assert!(ok.contains(r#""channel":"C1""#) && ok.contains(r#""ts":"1700000000.005000""#));
    let form = post("channel=C2&text=a+b", "application/x-www-form-urlencoded");
    assert!(form.contains(r#""text":"a b""#));
    assert!(post(r#"{"text":"x"}"#, "application/json").contains("channel_not_found"));
    let mut react = |timestamp: &str| {
        let body = format!("channel=C1&timestamp={timestamp}&name=wave");
        fake.handle_http_request(
            at(6),
            ApiRequest {
                method: "reactions.add",
                authorization: Some(&auth),
                content_type: None,
                body: body.as_bytes(),
            },
        );
        match drain(&mut fake).remove(0) {
            Output::HttpResponse { response, .. } => response.body,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(react("1700000000.005000"), r#"{"ok":true}"#);
    assert_eq!(
        react("1.2"),
        r#"{"ok":false,"error":"message_not_found"}"#,
        "no such message"
    );
    let v = fake.verdict();
    assert_eq!(v.posted.len(), 2);
    assert_eq!(v.posted[1].text, "a b");
}

#[test]
fn steps_wait_for_their_time_and_for_a_connection() {
    let mut fake = fake(
        "{\"slackline_script\":1,\"redeliver\":false}\n\
         {\"at\":\"5s\",\"envelope\":{\"type\":\"interactive\",\"payload\":{}}}\n\
         {\"after\":\"2s\",\"disconnect\":\"warning\"}\n\
         {\"after\":\"1s\",\"envelope\":{\"type\":\"interactive\",\"payload\":{}}}\n\
         {\"end\":true}\n\
         {\"envelope\":{\"type\":\"interactive\",\"payload\":{}}}",
    );
    assert_eq!(fake.poll_timeout(), Some(at(5000)));
    let (socket, frames) = connect(&mut fake, at(1000));
    assert_eq!(frames.len(), 1, "hello only");
    let out = run_until(&mut fake, at(5000));
    assert_eq!(texts(out, socket).len(), 1);
    let out = run_until(&mut fake, at(7000));
    assert!(texts(out, socket)[0].contains("warning"));
    // Told to leave, but still the only socket: the next envelope goes there.
    let out = run_until(&mut fake, at(8000));
    assert_eq!(texts(out, socket).len(), 1);
    let (second, _) = connect(&mut fake, at(8500));
    assert_eq!(second.get(), 2);
    run_until(&mut fake, at(60_000));
    let v = fake.verdict();
    assert!(v.finished);
    assert_eq!(v.summary.delivered, 2, "the step after `end` never plays");
}

#[test]
fn report_limits_bound_what_a_hostile_client_grows() {
    let limits = ReportLimits::default();
    let mut fake = FakeSlack::new(
        Script::parse(ONE_ENVELOPE).unwrap(),
        FakeConfig::new().with_report_limits(limits),
        Instant::ZERO,
    );
    let (socket, _) = connect(&mut fake, at(0));
    // 5,000 acks for ids never sent, each 5 KB long; 100 made-up method names.
    let long_id = "z".repeat(5000);
    for n in 0..5000 {
        let frame = format!(r#"{{"envelope_id":"{long_id}{n}"}}"#);
        fake.handle_text(at(1), socket, frame.as_bytes());
    }
    for n in 0..100 {
        call(&mut fake, at(2), &format!("made.up{n}"), Some(BOT));
    }
    let v = fake.verdict();
    assert_eq!(v.violations.len(), limits.violations);
    assert_eq!(v.violation_counts["unknown_ack"], 5000);
    assert!(v.violations_total >= 5000);
    assert!(!v.ok);
    assert!(v
        .violations
        .iter()
        .all(|x| x.kind.to_string().len() < limits.text + 100));
    assert_eq!(v.http.len(), limits.methods + 1);
    assert_eq!(
        v.http[OTHER_METHODS].calls,
        100 - (limits.methods as u64 - 1)
    );
    let json = serde_json::to_string(&v).unwrap();
    assert!(json.len() < 50_000, "{} bytes", json.len());
    let text = v.summary_text();
    assert!(text.lines().count() <= 22, "{text}");
    assert!(text.contains("unknown_ack 5000"), "{text}");
}

#[test]
fn misbehaviours_last_their_while() {
    use script::{Misbehaviour, StepAction};
    let mut fake = fake("{\"slackline_script\":1}\n{\"wait\":\"connections\",\"count\":5}");
    let minute = Duration::from_secs(60);
    let misbehave = |fake: &mut FakeSlack, now, behaviour| {
        let duration = minute;
        assert!(fake.inject(
            now,
            StepAction::Misbehave {
                behaviour,
                duration
            }
        ));
    };
    misbehave(
        &mut fake,
        at(0),
        Misbehaviour::RefreshAfterHello {
            reason: "warning".into(),
        },
    );
    misbehave(&mut fake, at(0), Misbehaviour::ConnectionTime { secs: 1 });
    misbehave(&mut fake, at(0), Misbehaviour::Echo);
    // A refresh right after the hello, which announces one second; then closed after the grace.
    let (socket, frames) = connect(&mut fake, at(1_000));
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(
        frames[0].contains(r#""approximate_connection_time":1}"#),
        "{}",
        frames[0]
    );
    assert!(frames[1].contains(r#""type":"disconnect","reason":"warning""#));
    // What the client sends comes back.
    fake.handle_text(at(2_000), socket, br#"{"envelope_id":"nobody"}"#);
    assert_eq!(
        texts(drain(&mut fake), socket),
        [r#"{"envelope_id":"nobody"}"#]
    );
    let out = run_until(&mut fake, at(11_000));
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Close { socket: s, .. } if *s == socket)));
    // RTM sockets get `goodbye` instead.
    let url = url_of(&call(&mut fake, at(20_000), "rtm.connect", Some(BOT)));
    let rtm = fake.handle_ws_connect(at(20_000), &url).unwrap();
    assert_eq!(
        texts(drain(&mut fake), rtm),
        [r#"{"type":"hello"}"#, r#"{"type":"goodbye"}"#]
    );
    // A minute later all is back to normal.
    let (socket, frames) = connect(&mut fake, at(61_000));
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert!(frames[0].contains(r#""approximate_connection_time":18060"#));
    fake.handle_text(at(62_000), socket, br#"{"envelope_id":"nobody"}"#);
    assert!(texts(drain(&mut fake), socket).is_empty());
}
#[test]
fn a_redelivery_elsewhere_goes_to_a_connection_that_has_not_carried_the_envelope() {
    let script = "{\"slackline_script\":1,\"redeliver\":false}\n\
        {\"wait\":\"connections\",\"count\":3}\n\
        {\"envelope\":{\"type\":\"events_api\",\"payload\":{\"event_id\":\"Ev1\"}},\"label\":\"e\"}\n\
        {\"redeliver\":\"e\",\"elsewhere\":true,\"new_envelope_id\":true}\n\
        {\"redeliver\":\"e\",\"elsewhere\":true}\n\
        {\"redeliver\":\"e\",\"elsewhere\":true}";
    let mut fake = fake(script);
    let mut outputs = Vec::new();
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let url = url_of(&call(&mut fake, at(0), "apps.connections.open", Some(APP)));
        sockets.push(fake.handle_ws_connect(at(0), &url).unwrap());
        outputs.extend(drain(&mut fake));
    }
    outputs.extend(run_until(&mut fake, at(10)));
    let carried: Vec<SocketId> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::SendText { socket, text } if text.contains("Ev1") => Some(*socket),
            _ => None,
        })
        .collect();
    assert_eq!(carried.len(), 4, "{outputs:?}");
    // The first three go to three different connections; with none left untouched, the
    // fourth avoids only the first delivery's.
    let mut first_three = carried[..3].to_vec();
    first_three.sort();
    assert_eq!(first_three, sockets);
    assert_ne!(carried[3], carried[0]);
}
