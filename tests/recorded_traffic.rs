//! Every recorded Slack payload in `tests/data/traffic/` goes through a `Session`, with
//! assertions on what comes out (see `tests/data/traffic/PROVENANCE.md` for the sources).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use slackline::{classify, ConnectionUrl};
use slackline::{
    AckState, Action, DisconnectReason, EnvelopeType, Event, HttpResponse, RtmOutcome, StopReason,
};
use slackline_test_support::session::*;

fn traffic(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/traffic")
        .join(dir);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                files.push(inner.unwrap().path());
            }
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", root.display());
    files
}

fn read(path: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(path).unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, value)
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The ack the session sent for `id`, from a list of actions.
fn acks_for(actions: &[Action], id: &str) -> usize {
    let wire = serde_json::to_string(id).unwrap();
    texts(actions)
        .iter()
        .filter(|(_, t)| *t == format!(r#"{{"envelope_id":{wire}}}"#))
        .count()
}

#[test]
fn every_socket_mode_frame_is_acked_once_and_dispatched_with_its_fields() {
    let files = traffic("socket-mode");
    let mut seen_kinds = BTreeSet::new();
    for path in &files {
        let (text, expected) = read(path);
        let file = name(path);
        let (mut sim, conn) = Sim::live(socket_mode());
        let out = sim.text(conn, &text);
        let events = events(&out);
        match expected["type"].as_str() {
            Some("hello") => {
                let Some(Event::Hello(hello)) = events.first() else {
                    panic!("{file}: {out:?}")
                };
                assert_eq!(
                    hello.num_connections.map(u64::from),
                    expected["num_connections"].as_u64(),
                    "{file}"
                );
                assert_eq!(
                    hello.app_id.as_deref(),
                    expected["connection_info"]["app_id"].as_str(),
                    "{file}"
                );
                assert_eq!(
                    hello.host.as_deref(),
                    expected["debug_info"]["host"].as_str(),
                    "{file}"
                );
                let lifetime = expected["debug_info"]["approximate_connection_time"].as_u64();
                assert_eq!(
                    hello.approximate_connection_time.map(|d| d.as_secs()),
                    lifetime,
                    "{file}"
                );
                seen_kinds.insert("hello");
            }
            Some("disconnect") => {
                let Some(Event::Disconnect { reason, .. }) = events.first() else {
                    panic!("{file}: {out:?}")
                };
                assert_eq!(
                    reason.as_str(),
                    expected["reason"].as_str().unwrap(),
                    "{file}"
                );
                match reason {
                    DisconnectReason::LinkDisabled => {
                        assert!(
                            matches!(
                                events.last(),
                                Some(Event::Stopped(StopReason::LinkDisabled))
                            ),
                            "{file}"
                        )
                    }
                    DisconnectReason::TooManyWebsockets => assert!(!sim.is_open(conn), "{file}"),
                    _ => {}
                }
                seen_kinds.insert("disconnect");
            }
            Some(kind) => {
                let id = expected["envelope_id"].as_str().unwrap();
                let accepts = expected["accepts_response_payload"]
                    .as_bool()
                    .unwrap_or(false);
                let Some(Event::Envelope(envelope)) = events.first() else {
                    panic!("{file}: {out:?}")
                };
                assert_eq!(envelope.envelope_id(), id, "{file}");
                assert_eq!(envelope.kind().as_str(), kind, "{file}");
                assert_eq!(envelope.accepts_response_payload(), accepts, "{file}");
                assert_eq!(
                    u64::from(envelope.retry_attempt()),
                    expected["retry_attempt"].as_u64().unwrap_or(0),
                    "{file}"
                );
                let event_id = expected["payload"]["event_id"]
                    .as_str()
                    .filter(|e| !e.is_empty());
                assert_eq!(envelope.event_id().as_deref(), event_id, "{file}");
                let payload: Value = envelope.payload().unwrap();
                assert_eq!(
                    payload, expected["payload"],
                    "{file}: payload must be handed on intact"
                );
                let route = match kind {
                    "events_api" => &expected["payload"]["event"]["type"],
                    "slash_commands" => &expected["payload"]["command"],
                    _ => &expected["payload"]["type"],
                };
                assert_eq!(envelope.route().as_deref(), route.as_str(), "{file}");
                // Exactly one ack: at once, or (when a response payload is possible) from the app.
                let acked_now = acks_for(&out, id);
                if accepts {
                    assert_eq!(acked_now, 0, "{file}: waits for the app");
                    assert!(
                        matches!(envelope.ack_state(), AckState::AwaitingApp { .. }),
                        "{file}"
                    );
                    let acked = sim.feed(|s, now| s.ack(now, id).unwrap());
                    assert_eq!(acks_for(&acked, id), 1, "{file}");
                } else {
                    assert_eq!(acked_now, 1, "{file}");
                    assert!(
                        matches!(&out[0], Action::SendText { .. }),
                        "{file}: ack goes out before dispatch"
                    );
                }
                let later = sim.advance(std::time::Duration::from_secs(10));
                assert_eq!(acks_for(&later, id), 0, "{file}: acked exactly once");
                seen_kinds.insert(match envelope.kind() {
                    EnvelopeType::EventsApi => "events_api",
                    EnvelopeType::Interactive => "interactive",
                    EnvelopeType::SlashCommands => "slash_commands",
                    _ => "other",
                });
            }
            None => panic!("{file}: no type"),
        }
        assert_eq!(sim.session.stats().protocol_errors, 0, "{file}");
    }
    for kind in [
        "hello",
        "disconnect",
        "events_api",
        "interactive",
        "slash_commands",
    ] {
        assert!(seen_kinds.contains(kind), "no {kind} fixture exercised");
    }
}

#[test]
fn all_socket_mode_envelopes_on_one_connection_dedupe_by_envelope_and_event_id() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let (mut ids, mut event_ids) = (BTreeSet::new(), BTreeSet::new());
    let (mut expected_dispatches, mut envelopes) = (0, 0);
    for path in traffic("socket-mode") {
        let (text, value) = read(&path);
        let Some(id) = value["envelope_id"].as_str() else {
            continue;
        };
        envelopes += 1;
        let event_id = value["payload"]["event_id"]
            .as_str()
            .filter(|e| !e.is_empty());
        let fresh_id = ids.insert(id.to_owned());
        let fresh_event = event_id.is_none_or(|e| event_ids.insert(e.to_owned()));
        if fresh_id && fresh_event {
            expected_dispatches += 1;
        }
        let out = sim.text(conn, &text);
        for (_, ack) in texts(&out) {
            assert!(ack.contains(id));
        }
        for envelope_id in events(&out).iter().filter_map(|e| {
            if let Event::Envelope(e) = e {
                Some(e.envelope_id().into_owned())
            } else {
                None
            }
        }) {
            if value["accepts_response_payload"] == true {
                sim.feed(|s, now| s.ack(now, &envelope_id).unwrap());
            }
        }
    }
    let stats = sim.session.stats().clone();
    assert_eq!(stats.envelopes, envelopes);
    assert_eq!(stats.envelopes - stats.duplicates, expected_dispatches);
    assert_eq!(
        stats.acks_sent, envelopes,
        "every delivery acked once, duplicates included"
    );
}

#[test]
fn every_rtm_frame_is_parsed_and_dispatched_by_type() {
    for path in traffic("rtm") {
        let (text, expected) = read(&path);
        let file = name(&path);
        let (mut sim, conn) = Sim::live(rtm());
        let out = sim.text(conn, &text);
        let events = events(&out);
        let is_reply = expected.get("reply_to").is_some();
        assert_eq!(
            sim.session.stats().protocol_errors,
            u64::from(is_reply),
            "{file}: {out:?}"
        );
        match (expected["type"].as_str(), expected.get("reply_to")) {
            (Some("hello"), _) => assert!(
                matches!(events.as_slice(), [Event::Hello(_)]),
                "{file}: {events:?}"
            ),
            (Some("goodbye"), _) => {
                assert!(
                    matches!(events.as_slice(), [Event::Goodbye { .. }]),
                    "{file}: {events:?}"
                );
                assert_eq!(
                    http_requests(&out).len(),
                    1,
                    "{file}: a replacement is requested"
                );
            }
            (None, Some(reply_to)) => {
                // A reply to an id this session never sent is reported, not dropped silently
                // (correlation with sent ids is in `recorded_rtm_replies_correlate_with_sent_messages`).
                let [Event::ProtocolError(error)] = events.as_slice() else {
                    panic!("{file}: {events:?}")
                };
                assert_eq!(
                    error.kind,
                    slackline::ProtocolErrorKind::UnexpectedReply(reply_to.as_u64().unwrap()),
                    "{file}"
                );
            }
            (Some(kind), _) => {
                let [Event::Rtm(event)] = events.as_slice() else {
                    panic!("{file}: {events:?}")
                };
                assert_eq!(event.kind(), kind, "{file}");
                assert_eq!(
                    event.subtype().as_deref(),
                    expected["subtype"].as_str(),
                    "{file}"
                );
                let payload: Value = event.payload().unwrap();
                assert_eq!(payload, expected, "{file}");
            }
            (None, None) => panic!("{file}: neither type nor reply_to"),
        }
    }
}

#[test]
fn recorded_rtm_replies_correlate_with_sent_messages() {
    for path in traffic("rtm")
        .into_iter()
        .filter(|p| name(p).contains("reply_to"))
    {
        let (_, mut recorded) = read(&path);
        let (mut sim, conn) = Sim::live(rtm());
        let sent = sim.feed(|s, now| {
            s.send_message(now, "C1", recorded["text"].as_str().unwrap())
                .unwrap();
        });
        let (_, frame) = texts(&sent)
            .into_iter()
            .find(|(_, t)| t.contains("\"message\""))
            .unwrap();
        let id = serde_json::from_str::<Value>(&frame).unwrap()["id"]
            .as_u64()
            .unwrap();
        recorded["reply_to"] = id.into();
        let out = sim.text(conn, &recorded.to_string());
        let replies = events(&out);
        let [Event::RtmReply(reply)] = replies.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(reply.id, id);
        let RtmOutcome::Ok { ts, text, .. } = &reply.outcome else {
            panic!("{reply:?}")
        };
        assert_eq!(ts.as_deref(), recorded["ts"].as_str());
        assert_eq!(text.as_deref(), recorded["text"].as_str());
    }
}

#[test]
fn every_web_api_body_is_classified() {
    for path in traffic("web-api") {
        let (text, value) = read(&path);
        let file = name(&path);
        let status = if file.contains("http429") { 429 } else { 200 };
        let response = HttpResponse::new(status, text.clone()).with_retry_after_header("3");
        match classify(&response) {
            Ok(ok) => {
                assert_eq!(value["ok"], true, "{file}");
                assert_eq!(ok.warning(), value["warning"].as_str(), "{file}");
                // The typed bodies (auth.test, chat.postMessage...) are slackline-types':
                // its tests/traffic.rs decodes every one of these files.
                if value.get("url").is_some_and(Value::is_string) {
                    let url: ConnectionUrl = ok.json().unwrap();
                    assert_eq!(url.url, value["url"].as_str().unwrap(), "{file}");
                    assert!(
                        !format!("{url:?}").contains("ticket="),
                        "{file}: Debug hides the ticket"
                    );
                }
            }
            Err(error) => {
                assert_eq!(value["ok"], false, "{file}");
                let code = value["error"].as_str().unwrap();
                assert_eq!(error.code(), Some(code), "{file}");
                if status == 429 {
                    assert_eq!(
                        error.retry_after(),
                        Some(std::time::Duration::from_secs(3)),
                        "{file}"
                    );
                }
                if let slackline::ApiError::Platform {
                    needed, messages, ..
                } = &error
                {
                    assert_eq!(needed.as_deref(), value["needed"].as_str(), "{file}");
                    let expected: Vec<String> = value["response_metadata"]["messages"]
                        .as_array()
                        .map(|m| m.iter().map(|m| m.as_str().unwrap().to_owned()).collect())
                        .unwrap_or_default();
                    assert_eq!(messages, &expected, "{file}");
                }
            }
        }
    }
}

#[test]
fn recorded_url_responses_drive_the_session() {
    for path in traffic("web-api").into_iter().filter(|p| {
        let n = name(p);
        n.contains("apps.connections.open")
            || n.contains("rtm.connect")
            || n.contains("rtm.start")
            || n.contains("error")
    }) {
        let (text, value) = read(&path);
        let file = name(&path);
        let rtm_file = file.contains("rtm.");
        let mut sim = Sim::new(if rtm_file { rtm() } else { socket_mode() });
        let first =
            http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
        let status = if file.contains("http429") { 429 } else { 200 };
        let out = sim.feed(|s, now| {
            s.handle_http_response(now, first.id(), HttpResponse::new(status, text.clone()))
        });
        let url = value["url"].as_str().filter(|u| u.starts_with("wss://"));
        let fatal = [
            "invalid_auth",
            "not_authed",
            "missing_scope",
            "invalid_array_arg",
            "invalid_form_data",
            "invalid_arguments",
        ];
        match (url, value["error"].as_str()) {
            (Some(url), _) => {
                let Some(Action::Connect { url: connect, conn }) = out
                    .iter()
                    .find(|a| matches!(a, Action::Connect { .. }))
                    .cloned()
                else {
                    panic!("{file}: {out:?}")
                };
                assert_eq!(connect, url, "{file}");
                if rtm_file {
                    // The grant (self, team, workspace state) is handed over once the connection says hello.
                    sim.feed(|s, now| s.handle_connected(now, conn));
                    let hello = sim.text(conn, r#"{"type":"hello"}"#);
                    let Some(Event::RtmConnected(grant)) = events(&hello).into_iter().next() else {
                        panic!("{file}")
                    };
                    assert_eq!(grant.self_id(), value["self"]["id"].as_str(), "{file}");
                    assert_eq!(grant.team_id(), value["team"]["id"].as_str(), "{file}");
                    let state: Value = grant.state().unwrap();
                    assert_eq!(
                        state.get("users").map(|u| u.as_array().map(Vec::len)),
                        value.get("users").map(|u| u.as_array().map(Vec::len)),
                        "{file}"
                    );
                }
            }
            (None, Some(code)) if fatal.contains(&code) => {
                assert!(
                    matches!(events(&out).last(), Some(Event::Stopped(StopReason::Fatal(e))) if e.code() == Some(code)),
                    "{file}: {out:?}"
                );
            }
            _ => assert!(
                matches!(events(&out).last(), Some(Event::Reconnecting { .. })),
                "{file}: {out:?}"
            ),
        }
    }
}
