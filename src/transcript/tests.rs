//! Format tests (recording through the harness and replaying are tested in `tests/`).

use std::time::Duration;

use super::*;
use crate::config::{Config, LateAckPolicy, RtmStartOptions};

fn every_kind() -> Vec<Entry> {
    vec![
        Entry::HttpRequest {
            request: 1,
            method: "apps.connections.open".into(),
            body: "".into(),
        },
        Entry::Connect {
            conn: 1,
            url: "wss://h/…".into(),
        },
        Entry::SendText {
            conn: 1,
            text: "{\"envelope_id\":\"a\\\"b\"}".into(),
        },
        Entry::SendPing {
            conn: 1,
            payload: vec![0, 0, 0, 0, 0, 0, 0, 1],
        },
        Entry::Close {
            conn: 1,
            code: 1000,
            reason: "replaced".into(),
        },
        Entry::HttpResponse {
            request: 1,
            status: 429,
            retry_after: Some(Duration::from_secs(3)),
            body: "{\"ok\":false}".into(),
        },
        Entry::HttpResponse {
            request: 2,
            status: 200,
            retry_after: None,
            body: "ünïcödé \u{1F600}".into(),
        },
        Entry::HttpFailed {
            request: 3,
            detail: "refused".into(),
        },
        Entry::Connected { conn: 2 },
        Entry::ConnectFailed {
            conn: 2,
            detail: "HTTP 409".into(),
        },
        Entry::Text {
            conn: 2,
            text: "line\nbreak".into(),
        },
        Entry::Binary {
            conn: 2,
            data: vec![0xde, 0xad],
        },
        Entry::Ping { conn: 2 },
        Entry::Pong {
            conn: 2,
            payload: vec![],
        },
        Entry::Closed {
            conn: 2,
            code: None,
            reason: "reset".into(),
        },
        Entry::Closed {
            conn: 2,
            code: Some(1011),
            reason: "".into(),
        },
        Entry::Ack {
            envelope_id: "e1".into(),
            payload: None,
        },
        Entry::Ack {
            envelope_id: "e2".into(),
            payload: Some("{\"text\":\"hi\",\"a\":[1,2]}".into()),
        },
        Entry::Ack {
            envelope_id: "e3".into(),
            payload: Some("not json".into()),
        },
        Entry::SendRtm {
            message: "{\"type\":\"message\",\"channel\":\"C1\",\"text\":\"x\"}".into(),
        },
        Entry::SendTyping {
            channel: "C1".into(),
        },
        Entry::Shutdown,
        Entry::Event {
            summary: "hello conn#1".into(),
        },
    ]
}

#[test]
fn every_record_kind_round_trips() {
    let config = Config::socket_mode("xapp-1-A1-1-secret");
    let mut t = Transcript::new(Recorder::header(&config, Some("note xoxb-1-2".into())));
    for (i, entry) in every_kind().into_iter().enumerate() {
        t.records.push(Record {
            at: Duration::from_micros(1_000_123 * i as u64),
            entry,
        });
    }
    let text = t.to_jsonl();
    assert!(!text.contains("secret"));
    assert!(text.contains("note xoxb-<redacted>"));
    assert!(text.contains(r#""kind":"ack","envelope_id":"e2","payload":{"text":"hi","a":[1,2]}}"#));
    assert!(text.contains(r#""kind":"ack","envelope_id":"e3","payload_text":"not json"}"#));
    assert!(text.contains(r#"{"t":1.000123,"dir":"out","kind":"connect","conn":1"#));
    let back = Transcript::parse(&text).unwrap();
    assert_eq!(back, t);
    assert_eq!(back.to_jsonl(), text);
}

#[test]
fn config_snapshots_survive_the_header() {
    let configs = [
        Config::socket_mode("xapp-1")
            .with_connections(3)
            .with_ping_interval(Duration::from_millis(2500))
            .with_late_ack_policy(LateAckPolicy::Report)
            .without_dedupe()
            .with_seed(42),
        Config::rtm("xoxp-1").with_rtm_start(RtmStartOptions {
            no_unreads: Some(true),
            mpim_aware: Some(false),
            ..RtmStartOptions::default()
        }),
        Config::rtm("xoxb-1").with_rtm_ignore_self(true),
    ];
    for config in configs {
        let header = Recorder::header(&config, None);
        let back = TranscriptHeader::parse_line(&header.to_line()).unwrap();
        assert_eq!(back, header);
        let rebuilt = back.config.to_config().unwrap();
        assert_eq!(ConfigSnapshot::of(&rebuilt), header.config);
        assert_eq!(rebuilt.token().kind(), config.token().kind());
    }
}

#[test]
fn errors_name_the_line() {
    let header = Recorder::header(&Config::socket_mode("xapp-1"), None).to_line();
    let err = |text: &str| Transcript::parse(text).unwrap_err().to_string();
    assert!(err("").contains("empty transcript"));
    assert!(err("{}").starts_with("line 1: the first line must be the header"));
    assert!(err("{\"slackline_transcript\":9,\"config\":{}}")
        .contains("unsupported transcript version 9"));
    assert!(err(&format!("{header}\n\nnope")).starts_with("line 3: expected a record"));
    assert!(err(&format!("{header}\n{{\"t\":1,\"kind\":\"teleport\"}}"))
        .contains("unknown record kind"));
    assert!(err(&format!(
        "{header}\n{{\"t\":1,\"kind\":\"text\",\"conn\":1}}"
    ))
    .contains("missing field `text`"));
    assert!(err(&format!("{header}\n{{\"t\":-1,\"kind\":\"shutdown\"}}")).contains("`t`"));
    assert!(err(&format!(
        "{header}\n{{\"t\":1,\"dir\":\"in\",\"kind\":\"shutdown\"}}"
    ))
    .contains("must be \"app\""));
    assert!(err(&format!(
        "{header}\n{{\"t\":1,\"kind\":\"pong\",\"conn\":1,\"payload\":\"xyz\"}}"
    ))
    .contains("hex"));
}
