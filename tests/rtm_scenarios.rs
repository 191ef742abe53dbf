//! RTM rules, one scenario each, in virtual time. RTM shares the session's connection, timer
//! and reconnect machinery with Socket Mode; these tests cover what is RTM's own.

use std::time::Duration;

use serde_json::Value;
use slackline::{
    Action, ApiError, ConnId, Event, Instant, ProtocolErrorKind, ReconnectCause, RtmOutcome,
    RtmReply, RtmStartOptions, SendError, StopReason,
};
use slackline_test_support::session::*;
use slackline_test_support::{leaks_a_token, BOT_TOKEN};

fn sent_messages(actions: &[Action]) -> Vec<(ConnId, Value)> {
    texts(actions)
        .into_iter()
        .map(|(conn, t)| (conn, serde_json::from_str::<Value>(&t).unwrap()))
        .filter(|(_, v)| v["type"] != "ping" || v.get("probe").is_some())
        .collect()
}

fn replies(actions: &[Action]) -> Vec<RtmReply> {
    events(actions)
        .into_iter()
        .filter_map(|e| {
            if let Event::RtmReply(r) = e {
                Some(r)
            } else {
                None
            }
        })
        .collect()
}

fn ok_reply(id: u64, text: &str) -> String {
    serde_json::json!({ "ok": true, "reply_to": id, "ts": "1.000100", "text": text }).to_string()
}

#[test]
fn rtm_connect_is_the_default_and_rtm_start_takes_its_options() {
    let sim = Sim::new(rtm());
    let request =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    assert_eq!(request.method(), "rtm.connect");
    assert_eq!(request.authorization(), format!("Bearer {BOT_TOKEN}"));

    let options = RtmStartOptions {
        simple_latest: Some(true),
        no_unreads: Some(true),
        mpim_aware: Some(false),
        ..Default::default()
    };
    let sim = Sim::new(rtm().with_rtm_start(options));
    let request =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    assert_eq!(request.method(), "rtm.start");
    assert_eq!(
        request.body(),
        "simple_latest=true&no_unreads=true&mpim_aware=false"
    );
    assert!(!leaks_a_token(request.body()) && !leaks_a_token(request.url()));
}

#[test]
fn messages_get_increasing_ids_and_replies_are_correlated() {
    let (mut sim, conn) = Sim::live(rtm().with_rtm_send_interval(Duration::from_millis(1)));
    let a = sim.session.send_message(sim.now, "C1", "one").unwrap();
    let b = sim.session.send_message(sim.now, "C1", "two").unwrap();
    assert!(b > a && a > 0);
    let mut out = sim.drain();
    out.extend(sim.advance(Duration::from_millis(1)));
    let sent = sent_messages(&out);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].1,
        serde_json::json!({ "id": a, "type": "message", "channel": "C1", "text": "one" })
    );
    // Replies may come out of order.
    let rb = sim.text(conn, &ok_reply(b, "two"));
    let ra = sim.text(
        conn,
        r#"{"ok":false,"reply_to":1,"error":{"code":2,"msg":"message text is missing"}}"#
            .replace("1,", &format!("{a},"))
            .as_str(),
    );
    let got = replies(&rb);
    let [RtmReply {
        id,
        outcome: RtmOutcome::Ok { ts, text, .. },
    }] = got.as_slice()
    else {
        panic!("{rb:?}")
    };
    assert_eq!(
        (*id, ts.as_deref(), text.as_deref()),
        (b, Some("1.000100"), Some("two"))
    );
    assert_eq!(
        replies(&ra),
        vec![RtmReply {
            id: a,
            outcome: RtmOutcome::Failed {
                code: 2,
                msg: "message text is missing".into()
            }
        }]
    );
}

#[test]
fn sending_is_paced_to_one_message_per_second() {
    let (mut sim, _) = Sim::live(rtm());
    let start = sim.now;
    for i in 0..5 {
        sim.session
            .send_message(sim.now, "C1", &format!("m{i}"))
            .unwrap();
    }
    let mut times = Vec::new();
    let first = sim.drain();
    times.extend(sent_messages(&first).iter().map(|_| sim.now));
    for _ in 0..50 {
        let out = sim.advance(Duration::from_millis(100));
        times.extend(sent_messages(&out).iter().map(|_| sim.now));
    }
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_secs(1), "{times:?}");
    }
    assert!(times[4] - start <= Duration::from_millis(4100));
}

#[test]
fn the_queue_is_bounded_and_oversized_messages_are_refused() {
    let (mut sim, _) = Sim::live(rtm().with_rtm_queue_capacity(3));
    for i in 0..4 {
        sim.session
            .send_message(sim.now, "C1", &format!("m{i}"))
            .unwrap();
    }
    // One went out at once, three wait; the fourth waiting one is refused.
    assert_eq!(
        sim.session.send_message(sim.now, "C1", "overflow"),
        Err(SendError::QueueFull)
    );
    let big = "x".repeat(16_384);
    let err = sim.session.send_message(sim.now, "C1", &big).unwrap_err();
    assert!(
        matches!(err, SendError::TooLarge { limit: 16_384, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("16384"));
    // Just under the limit is fine.
    let (mut sim, _) = Sim::live(rtm());
    let overhead = serde_json::json!({ "id": 1, "type": "message", "channel": "C1", "text": "" })
        .to_string()
        .len();
    assert!(sim
        .session
        .send_message(sim.now, "C1", &"y".repeat(16_384 - overhead))
        .is_ok());
    let out = sim.drain();
    assert_eq!(texts(&out).iter().map(|(_, t)| t.len()).max(), Some(16_384));
}

#[test]
fn messages_queued_while_disconnected_go_out_after_reconnecting() {
    let (mut sim, conn) = Sim::live(rtm());
    sim.advance(Duration::from_secs(60));
    let out = sim.peer_closed(conn);
    let id = sim
        .session
        .send_message(sim.now, "C1", "while away")
        .unwrap();
    assert!(sent_messages(&sim.drain()).is_empty(), "nothing to send on");
    let (new, out) = sim.open_connection(&out);
    let sent = sent_messages(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, new);
    assert_eq!(sent[0].1["id"], id);
}

#[test]
fn a_reply_to_on_the_next_connection_is_still_correlated() {
    let (mut sim, conn) = Sim::live(rtm());
    let a = sim.session.send_message(sim.now, "C1", "one").unwrap();
    sim.drain();
    sim.advance(Duration::from_secs(20));
    let out = sim.peer_closed(conn);
    assert!(
        replies(&out).is_empty(),
        "not reported lost before the next connection has had a chance"
    );
    let (new, out) = sim.open_connection(&out);
    assert!(replies(&out).is_empty());
    // Slack replays the reply for the last message of the previous connection.
    let out = sim.text(new, &ok_reply(a, "one"));
    assert!(
        matches!(replies(&out).as_slice(), [RtmReply { id, outcome: RtmOutcome::Ok { .. } }] if *id == a)
    );
}

#[test]
fn unanswered_messages_are_reported_lost_after_the_resume_window() {
    let (mut sim, conn) = Sim::live(rtm());
    let a = sim.session.send_message(sim.now, "C1", "one").unwrap();
    sim.drain();
    sim.advance(Duration::from_secs(20));
    let out = sim.peer_closed(conn);
    sim.open_connection(&out);
    let out = sim.advance(slackline::Config::DEFAULT_RTM_RESUME_WINDOW);
    assert_eq!(
        replies(&out),
        vec![RtmReply {
            id: a,
            outcome: RtmOutcome::Lost
        }]
    );
}

#[test]
fn a_message_without_any_reply_times_out() {
    let (mut sim, _) = Sim::live(rtm().with_rtm_reply_timeout(Duration::from_secs(5)));
    let a = sim.session.send_message(sim.now, "C1", "one").unwrap();
    sim.drain();
    let out = sim.advance(Duration::from_secs(5));
    assert_eq!(
        replies(&out),
        vec![RtmReply {
            id: a,
            outcome: RtmOutcome::TimedOut
        }]
    );
}

#[test]
fn goodbye_replaces_the_connection_make_before_break() {
    let (mut sim, old) = Sim::live(rtm());
    let out = sim.text(old, r#"{"type":"goodbye"}"#);
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Goodbye { conn } if *conn == old)));
    assert!(closes(&out).is_empty());
    // Both connections deliver the same event during the overlap: it is dispatched once.
    let event = r#"{"type":"message","channel":"C1","user":"U2","text":"hi","ts":"5.000001"}"#;
    let first = sim.text(old, event);
    let (new, out) = sim.open_connection(&out);
    assert_eq!(closes(&out), vec![(old, slackline::CLOSE_NORMAL)]);
    let second = sim.text(new, event);
    let dispatched = |a: &[Action]| {
        events(a)
            .iter()
            .filter(|e| matches!(e, Event::Rtm(_)))
            .count()
    };
    assert_eq!(dispatched(&first) + dispatched(&second), 1);
    assert_eq!(sim.session.stats().rtm_overlap_duplicates, 1);
    // After the overlap, identical frames are distinct events again (e.g. repeated typing).
    sim.advance(Duration::from_secs(10));
    assert_eq!(dispatched(&sim.text(new, event)), 1);
}

/// A server that says `goodbye` after every `hello` made ~1,000 `rtm.connect` calls a second.
/// The first goodbye is answered at once; one that soon after it is a failure: the replacement
/// waits for the backoff, capped and jittered.
#[test]
fn goodbye_after_every_hello_backs_off_instead_of_storming() {
    let (mut sim, first) = Sim::live(rtm());
    let out = sim.text(first, r#"{"type":"goodbye"}"#);
    assert_eq!(http_requests(&out).len(), 1, "the first goes at once");
    let (mut conn, _) = sim.open_connection(&out);
    let mut out = sim.text(conn, r#"{"type":"goodbye"}"#);
    let mut requests = 1;
    let mut last_delay = Duration::ZERO;
    while sim.now < Instant::from_secs(3600) {
        let delay = events(&out)
            .into_iter()
            .find_map(|e| match e {
                Event::Reconnecting {
                    delay,
                    cause: ReconnectCause::ShortLived { .. },
                    ..
                } => Some(delay),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no backoff: {out:?}"));
        assert!(http_requests(&out).is_empty(), "asked at once");
        assert!(
            delay >= last_delay / 2 && delay <= slackline::Config::DEFAULT_BACKOFF_MAX,
            "{delay:?}"
        );
        last_delay = delay;
        let pending = sim.advance(delay);
        assert_eq!(http_requests(&pending)[0].method(), "rtm.connect");
        requests += 1;
        let (new, after_hello) = sim.open_connection(&pending);
        assert_eq!(closes(&after_hello), vec![(conn, slackline::CLOSE_NORMAL)]);
        conn = new;
        out = sim.text(conn, r#"{"type":"goodbye"}"#);
    }
    assert!(
        requests <= 8 + 3600 / 60,
        "{requests} rtm.connect calls in an hour"
    );
}

#[test]
fn the_error_frame_becomes_an_event_with_its_extra_fields() {
    let (mut sim, conn) = Sim::live(rtm());
    let frame = r#"{"type":"error","error":{"msg":"Cannot create connection","code":3,"source":"gs-pdx-8k9l"}}"#;
    let out = sim.text(conn, frame);
    let got = events(&out);
    let [Event::RtmError { code, msg, raw, .. }] = got.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!((*code, msg.as_str()), (3, "Cannot create connection"));
    assert!(std::str::from_utf8(raw).unwrap().contains("gs-pdx-8k9l"));
    assert!(sim.is_open(conn));
}

/// An RTM event is the whole frame, so a frame that is not JSON is reported, never dispatched
/// as an event whose payload cannot be read. Empty, oversized and non-UTF-8 frames are reported
/// too; the connection goes on.
#[test]
fn frames_that_are_not_json_are_reported_not_dispatched() {
    let (mut sim, conn) = Sim::live(rtm().with_max_inbound_frame(4096));
    let oversized = format!(r#"{{"type":"message","text":"{}"}}"#, "y".repeat(5000));
    let cases: Vec<&[u8]> = vec![
        br#"{"type":"message","text":"hi","flag":tru}"#,
        br#"{"type":"message","ts":1.2.3}"#,
        br#"{"type":"message","blocks":[{"type" "section"}]}"#,
        br#"{"type":"message","text":"unterminated"#,
        b"not json",
        b"{\"type\":\"message\",\"text\":\"\xff\"}",
        oversized.as_bytes(),
        b"  ",
    ];
    for frame in cases {
        let shown = String::from_utf8_lossy(frame)
            .chars()
            .take(60)
            .collect::<String>();
        let out = sim.feed(|s, now| s.handle_text(now, conn, bytes::Bytes::copy_from_slice(frame)));
        let got = events(&out);
        let [Event::ProtocolError(error)] = got.as_slice() else {
            panic!("{shown}: {got:?}")
        };
        assert!(
            matches!(
                error.kind,
                ProtocolErrorKind::Malformed(_)
                    | ProtocolErrorKind::Oversized { .. }
                    | ProtocolErrorKind::Empty { .. }
            ),
            "{shown}: {error:?}"
        );
    }
    assert_eq!(sim.session.stats().rtm_events, 0);
    assert_eq!(sim.session.stats().protocol_errors, 8);
    let fine = sim.text(conn, r#"{"type":"message","text":"fine","flag":true}"#);
    assert!(matches!(events(&fine).as_slice(), [Event::Rtm(e)] if e.payload::<Value>().is_ok()));
    assert!(sim.is_open(conn));
}

#[test]
fn reconnect_url_is_ignored_and_urls_are_never_reused() {
    let (mut sim, conn) = Sim::live(rtm());
    let out = sim.text(
        conn,
        r#"{"type":"reconnect_url","url":"wss://elsewhere.example/websocket/abc"}"#,
    );
    assert!(out.is_empty());
    sim.advance(Duration::from_secs(60));
    let out = sim.peer_closed(conn);
    // The reconnect asks rtm.connect for a fresh URL.
    assert_eq!(http_requests(&out)[0].method(), "rtm.connect");
    let urls: Vec<String> = sim
        .log
        .iter()
        .filter_map(|(_, a)| {
            if let Action::Connect { url, .. } = a {
                Some(url.clone())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(urls.len(), 1);
}

#[test]
fn rate_limited_rtm_connect_waits_retry_after() {
    let mut sim = Sim::new(rtm());
    let request =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let response = slackline::HttpResponse::new(429, r#"{"ok":false,"error":"ratelimited"}"#)
        .with_retry_after_header("60");
    let out = sim.feed(|s, now| s.handle_http_response(now, request.id(), response));
    let Some(Event::Reconnecting { delay, .. }) = events(&out).pop() else {
        panic!()
    };
    assert!(delay >= Duration::from_secs(60));
    assert!(http_requests(&sim.advance(Duration::from_secs(59))).is_empty());
    assert_eq!(
        http_requests(&sim.advance(delay - Duration::from_secs(59))).len(),
        1
    );
}

#[test]
fn not_allowed_token_type_is_fatal() {
    let mut sim = Sim::new(rtm());
    let request =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let out = sim.respond(
        request.id(),
        200,
        r#"{"ok":false,"error":"not_allowed_token_type"}"#,
    );
    let Some(Event::Stopped(StopReason::Fatal(ApiError::Platform { code, .. }))) =
        events(&out).pop()
    else {
        panic!("{out:?}")
    };
    assert_eq!(code, "not_allowed_token_type");
    assert_eq!(
        sim.session.send_message(sim.now, "C1", "x"),
        Err(SendError::Stopped)
    );
    assert!(sim.advance(Duration::from_secs(3600)).is_empty());
}

#[test]
fn app_level_pings_detect_a_dead_rtm_connection() {
    let config = rtm()
        .with_ping_interval(Duration::from_secs(5))
        .with_pong_timeout(Duration::from_secs(3));
    let (mut sim, conn) = Sim::live(config);
    // A healthy server answers pings with pongs (the harness does it); nothing happens.
    let out = sim.advance(Duration::from_secs(30));
    assert!(closes(&out).is_empty());
    assert!(texts(&out)
        .iter()
        .any(|(_, t)| t.contains(r#""type":"ping""#)));
    sim.auto_pong = false;
    let out = sim.advance(Duration::from_secs(8));
    assert_eq!(closes(&out), vec![(conn, slackline::CLOSE_GOING_AWAY)]);
}

#[test]
fn user_pings_echo_their_extra_fields_and_typing_is_silent() {
    let (mut sim, conn) = Sim::live(rtm().with_rtm_send_interval(Duration::from_millis(1)));
    sim.auto_pong = false;
    let ping = sim
        .session
        .send_ping(sim.now, &serde_json::json!({ "probe": "abc" }))
        .unwrap();
    let typing = sim.session.send_typing(sim.now, "C1").unwrap();
    let mut out = sim.drain();
    out.extend(sim.advance(Duration::from_millis(1)));
    let sent = texts(&out);
    assert!(sent
        .iter()
        .any(|(_, t)| serde_json::from_str::<Value>(t).unwrap()
            == serde_json::json!({ "id": ping, "type": "ping", "probe": "abc" })));
    assert!(sent
        .iter()
        .any(|(_, t)| serde_json::from_str::<Value>(t).unwrap()
            == serde_json::json!({ "id": typing, "type": "typing", "channel": "C1" })));
    let pong = serde_json::json!({ "type": "pong", "reply_to": ping, "probe": "abc" }).to_string();
    let out = sim.text(conn, &pong);
    let got = replies(&out);
    let [RtmReply {
        id,
        outcome: RtmOutcome::Ok { raw, .. },
    }] = got.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!(*id, ping);
    assert!(std::str::from_utf8(raw).unwrap().contains("abc"));
    // Typing gets no outcome unless it fails.
    assert!(replies(&sim.advance(Duration::from_secs(60))).is_empty());
}

#[test]
fn self_events_are_filtered_only_when_asked() {
    let grant = r#"{"ok":true,"url":"wss://rtm.test/websocket/x","self":{"id":"UBOT","name":"bot"},"team":{"id":"T1","domain":"t"}}"#;
    for ignore_self in [false, true] {
        let mut sim = Sim::new(rtm().with_rtm_ignore_self(ignore_self));
        let request =
            http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
        let conn = connects(&sim.respond(request.id(), 200, grant))[0];
        let hello = sim.text(conn, r#"{"type":"hello"}"#);
        assert!(events(&hello)
            .iter()
            .any(|e| matches!(e, Event::RtmConnected(g) if g.self_id() == Some("UBOT"))));
        let own = sim.text(conn, r#"{"type":"message","user":"UBOT","text":"mine"}"#);
        let other = sim.text(conn, r#"{"type":"message","user":"U2","text":"theirs"}"#);
        let count = |a: &[Action]| {
            events(a)
                .iter()
                .filter(|e| matches!(e, Event::Rtm(_)))
                .count()
        };
        assert_eq!(count(&own), usize::from(!ignore_self));
        assert_eq!(count(&other), 1);
    }
}

#[test]
fn slow_down_replies_stretch_the_pacing() {
    let (mut sim, conn) = Sim::live(rtm());
    let a = sim.session.send_message(sim.now, "C1", "a").unwrap();
    sim.session.send_message(sim.now, "C1", "b").unwrap();
    sim.drain();
    let slow = format!(
        r#"{{"ok":false,"reply_to":{a},"error":{{"code":-1,"msg":"slow down, too many messages..."}}}}"#
    );
    let out = sim.text(conn, &slow);
    assert!(matches!(
        replies(&out).as_slice(),
        [RtmReply {
            outcome: RtmOutcome::Failed { code: -1, .. },
            ..
        }]
    ));
    assert!(sent_messages(&sim.advance(Duration::from_millis(2999))).is_empty());
    assert_eq!(
        sent_messages(&sim.advance(Duration::from_millis(1))).len(),
        1
    );
}

#[test]
fn shutdown_reports_queued_messages_as_not_sent() {
    let (mut sim, _) = Sim::live(rtm());
    let a = sim.session.send_message(sim.now, "C1", "a").unwrap();
    let b = sim.session.send_message(sim.now, "C1", "b").unwrap();
    let out = sim.feed(|s, now| s.shutdown(now));
    let got = replies(&out);
    assert!(
        got.contains(&RtmReply {
            id: b,
            outcome: RtmOutcome::NotSent
        }),
        "{got:?}"
    );
    assert!(
        got.contains(&RtmReply {
            id: a,
            outcome: RtmOutcome::Lost
        }),
        "{got:?}"
    );
    assert!(matches!(
        events(&out).last(),
        Some(Event::Stopped(StopReason::Shutdown))
    ));
}

#[test]
fn socket_mode_sessions_refuse_rtm_sends() {
    let (mut sim, _) = Sim::live(socket_mode());
    assert_eq!(
        sim.session.send_message(sim.now, "C1", "x"),
        Err(SendError::NotRtm)
    );
}
