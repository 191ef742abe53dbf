//! Format tests (recording through the harness and replaying are tested in `tests/`).

use std::time::Duration;

use bytes::Bytes;
use slackline::{
    Config, ConnId, HttpResponse, Input, LateAckPolicy, RequestId, RtmMessage, RtmStartOptions,
};

use super::*;

fn conn(n: u32) -> ConnId {
    ConnId::from_raw(n)
}

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
        Entry::Input(Input::HttpResponse {
            request: RequestId::from_raw(1),
            response: HttpResponse::new(429, "{\"ok\":false}").with_retry_after_header("3"),
        }),
        Entry::Input(Input::HttpResponse {
            request: RequestId::from_raw(2),
            response: HttpResponse::new(200, "ünïcödé \u{1F600}"),
        }),
        Entry::Input(Input::HttpFailed {
            request: RequestId::from_raw(3),
            detail: "refused".into(),
        }),
        Entry::Input(Input::Connected(conn(2))),
        Entry::Input(Input::ConnectFailed {
            conn: conn(2),
            detail: "HTTP 409".into(),
        }),
        Entry::Input(Input::Text {
            conn: conn(2),
            frame: "line\nbreak".into(),
        }),
        Entry::Input(Input::Binary {
            conn: conn(2),
            frame: vec![0xde, 0xad].into(),
        }),
        Entry::Input(Input::Ping(conn(2))),
        Entry::Input(Input::Pong {
            conn: conn(2),
            payload: Bytes::new(),
        }),
        Entry::Input(Input::Closed {
            conn: conn(2),
            code: None,
            reason: "reset".into(),
        }),
        Entry::Input(Input::Closed {
            conn: conn(2),
            code: Some(1011),
            reason: "".into(),
        }),
        Entry::Input(Input::Timeout),
        Entry::Input(Input::InputPaused(true)),
        Entry::Input(Input::Ack {
            envelope_id: "e1".into(),
            payload: None,
        }),
        Entry::Input(Input::Ack {
            envelope_id: "e2".into(),
            payload: Some("{\"text\":\"hi\",\"a\":[1,2]}".into()),
        }),
        Entry::Input(Input::Ack {
            envelope_id: "e3".into(),
            payload: Some("not json".into()),
        }),
        Entry::Input(Input::Rtm(RtmMessage::Raw(serde_json::json!({
            "type": "message", "channel": "C1", "text": "x"
        })))),
        Entry::Input(Input::Rtm(RtmMessage::Typing {
            channel: "C1".into(),
        })),
        Entry::Input(Input::Shutdown),
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
fn configs_survive_the_header_without_their_token() {
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
        let line = header.to_line();
        assert!(!line.contains("xapp-1") && !line.contains("xoxp-1") && !line.contains("xoxb-1"));
        let back = TranscriptHeader::parse_line(&line).unwrap();
        assert_eq!(back, header);
        assert_eq!(back.config.token().kind(), config.token().kind());
        assert_eq!(back.config.clone().with_token("x"), config.with_token("x"));
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

#[test]
fn one_new_action_is_one_difference_however_long_the_recording_goes_on() {
    let ping = |n: u64| Record {
        at: Duration::from_secs(10 * n),
        entry: Entry::SendPing {
            conn: 1,
            payload: n.to_be_bytes().to_vec(),
        },
    };
    let recorded: Vec<Record> = (1..100).map(ping).collect();
    let mut produced = recorded.clone();
    let new = Record {
        at: Duration::from_secs(15),
        entry: Entry::SendText {
            conn: 1,
            text: "{\"envelope_id\":\"new\"}".into(),
        },
    };
    produced.insert(1, new.clone());
    let (compared, divergences) =
        crate::compare_records(&recorded, &produced, &crate::ReplayOptions::default());
    assert_eq!(compared, 99);
    assert_eq!(divergences, vec![crate::Divergence::Unexpected(new)]);
}
