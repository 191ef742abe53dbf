//! Invariants over random fault schedules (proptest). Case counts follow `PROPTEST_CASES`
//! (CI runs a few hundred per property); failures are saved in `proptest-regressions/`.
//!
//! Checked after every step by the test driver (`support::Sim::drain`): no frame is sent on a
//! closed connection, never more sockets than the pool allows (N + 1 during a replacement, at
//! most 10), `poll_timeout()` is never in the past after a drain. Checked here: each delivery on
//! a live connection is acked exactly once and before dispatch (or handed to the app, which acks
//! it at most once, by the deadline); no envelope is dispatched twice within the dedupe window;
//! reconnect delays stay within the policy and honour `Retry-After`; a fatal error stops
//! everything; a silent connection is abandoned within ping interval + pong timeout; every RTM
//! message gets exactly one outcome; RTM pacing never exceeds the limit.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use slackline::{
    AckState, Action, ApiError, CloseCause, ConnId, Event, HttpResponse, Instant, LateAckPolicy,
    ReconnectCause, RequestId, RtmOutcome, StopReason,
};
use support::*;

const BACKOFF_MAX: Duration = Duration::from_secs(20);
const RETRY_AFTER_MAX: u64 = 40;
const DEDUPE_WINDOW: Duration = Duration::from_secs(120);

#[derive(Clone, Debug)]
enum Op {
    Advance(u32),
    Deliver {
        conn: u8,
        id: u8,
        event: Option<u8>,
        kind: u8,
        accepts: bool,
        retry: u8,
    },
    Garbage {
        conn: u8,
        variant: u8,
    },
    Disconnect {
        conn: u8,
        reason: u8,
    },
    PeerClosed {
        conn: u8,
    },
    ConnectFailed {
        conn: u8,
    },
    Connected {
        conn: u8,
    },
    Hello {
        conn: u8,
    },
    Respond {
        variant: u8,
        retry_after: u8,
    },
    AppAck {
        id: u8,
        payload: u16,
    },
    Network {
        answers_pings: bool,
    },
    Shutdown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1u32..40_000).prop_map(Op::Advance),
        10 => (any::<u8>(), 0u8..24, proptest::option::of(0u8..24), 0u8..4, any::<bool>(), 0u8..3)
            .prop_map(|(conn, id, event, kind, accepts, retry)| Op::Deliver { conn, id, event, kind, accepts, retry }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(conn, variant)| Op::Garbage { conn, variant }),
        2 => (any::<u8>(), 0u8..6).prop_map(|(conn, reason)| Op::Disconnect { conn, reason }),
        1 => any::<u8>().prop_map(|conn| Op::PeerClosed { conn }),
        1 => any::<u8>().prop_map(|conn| Op::ConnectFailed { conn }),
        4 => any::<u8>().prop_map(|conn| Op::Connected { conn }),
        4 => any::<u8>().prop_map(|conn| Op::Hello { conn }),
        5 => (0u8..12, 0u8..RETRY_AFTER_MAX as u8).prop_map(|(variant, retry_after)| Op::Respond { variant, retry_after }),
        3 => (0u8..24, 0u16..24_000).prop_map(|(id, payload)| Op::AppAck { id, payload }),
        1 => any::<bool>().prop_map(|answers_pings| Op::Network { answers_pings }),
        1 => Just(Op::Shutdown).prop_filter("rare", |_| true),
    ]
}

fn pick<T: Copy>(items: &[T], n: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(n) % items.len()])
}

/// What the property run remembers besides the driver's own checks.
#[derive(Default)]
struct Ledger {
    requests: Vec<RequestId>,
    connecting: Vec<ConnId>,
    said_hello: Vec<ConnId>,
    /// envelope id → deliveries the session accepted, and acks seen.
    deliveries: BTreeMap<String, (usize, usize)>,
    /// dispatch times by envelope id and event id.
    dispatched: BTreeMap<String, Instant>,
    deferred: BTreeMap<String, Instant>,
    stopped_fatally: bool,
}

impl Ledger {
    /// Reads what the session did, with the time each action was taken.
    fn absorb(&mut self, log: &[(Instant, Action)], policy: LateAckPolicy) {
        for (at, action) in log {
            match action {
                Action::Http(request) => self.requests.push(request.id()),
                Action::Connect { conn, .. } => self.connecting.push(*conn),
                Action::SendText { text, .. } => {
                    let value: serde_json::Value =
                        serde_json::from_str(text).expect("acks are JSON");
                    let id = value["envelope_id"].as_str().expect("an ack").to_owned();
                    let entry = self.deliveries.entry(id.clone()).or_default();
                    entry.1 += 1;
                    assert!(
                        entry.1 <= entry.0,
                        "{id} acked {} times for {} deliveries",
                        entry.1,
                        entry.0
                    );
                    if let Some(received) = self.deferred.remove(&id) {
                        if policy == LateAckPolicy::AutoAck {
                            assert!(
                                *at - received <= Duration::from_millis(2500),
                                "{id} acked {:?} after receipt",
                                *at - received
                            );
                        }
                    }
                }
                Action::Dispatch(Event::Reconnecting { delay, cause, .. }) => {
                    let ceiling = BACKOFF_MAX.max(Duration::from_secs(RETRY_AFTER_MAX));
                    assert!(
                        *delay <= ceiling,
                        "delay {delay:?} above the policy's bound"
                    );
                    if let ReconnectCause::Api(ApiError::RateLimited {
                        retry_after: Some(wait),
                    }) = cause
                    {
                        assert!(
                            delay >= wait,
                            "delay {delay:?} shorter than Retry-After {wait:?}"
                        );
                    }
                }
                Action::Dispatch(Event::Stopped(reason)) => {
                    self.stopped_fatally |= reason.is_fatal()
                }
                _ => {}
            }
        }
    }
}

fn envelope_frame(id: u8, event: Option<u8>, kind: u8, accepts: bool, retry: u8) -> String {
    let kind = [
        "events_api",
        "interactive",
        "slash_commands",
        "something_new",
    ][usize::from(kind)];
    let payload = match event {
        Some(e) => format!(r#"{{"event_id":"Ev{e}","event":{{"type":"message"}}}}"#),
        None => r#"{"type":"block_actions"}"#.to_owned(),
    };
    format!(
        r#"{{"envelope_id":"env-{id}","payload":{payload},"type":"{kind}","accepts_response_payload":{accepts},"retry_attempt":{retry}}}"#
    )
}

fn run_socket_mode(ops: Vec<Op>, connections: u8, policy: LateAckPolicy) {
    let config = socket_mode()
        .with_connections(connections)
        .with_backoff(Duration::from_millis(500), BACKOFF_MAX)
        .with_dedupe(DEDUPE_WINDOW, 1000)
        .with_late_ack_policy(policy)
        .with_ping_interval(Duration::from_secs(10))
        .with_pong_timeout(Duration::from_secs(5));
    let mut sim = Sim::new(config);
    let mut ledger = Ledger::default();
    ledger.absorb(&sim.log, policy);
    for op in ops {
        let was_stopped = sim.session.is_stopped();
        let mark = sim.log.len();
        let out = match op {
            Op::Advance(ms) => sim.advance(Duration::from_millis(u64::from(ms))),
            Op::Deliver {
                conn,
                id,
                event,
                kind,
                accepts,
                retry,
            } => {
                let Some(conn) = pick(&sim.open_conns(), conn) else {
                    continue;
                };
                let known = sim.session.connections().any(|c| c.id == conn);
                let accepting = known && !sim.session.is_draining() && !sim.session.is_stopped();
                let key = format!("env-{id}");
                if accepting {
                    // A redelivery supersedes an earlier delivery that could not be acked.
                    ledger.deferred.remove(&key);
                    ledger.deliveries.entry(key.clone()).or_default().0 += 1;
                }
                let out = sim.text(conn, &envelope_frame(id, event, kind, accepts, retry));
                if accepting {
                    let acks = texts(&out)
                        .into_iter()
                        .filter(|(c, t)| *c == conn && *t == ack_frame(&key))
                        .count();
                    let dispatched: Vec<_> = events(&out)
                        .into_iter()
                        .filter_map(|e| {
                            if let Event::Envelope(e) = e {
                                Some(e)
                            } else {
                                None
                            }
                        })
                        .collect();
                    match dispatched.as_slice() {
                        [e] if matches!(e.ack_state(), AckState::AwaitingApp { .. }) => {
                            assert_eq!(acks, 0, "deferred ack sent early");
                            ledger.deferred.insert(key.clone(), sim.now);
                        }
                        [_] => assert_eq!(acks, 1, "delivery of {key} not acked exactly once"),
                        [] => assert_eq!(acks, 1, "redelivery of {key} must still be acked"),
                        more => panic!("dispatched {} times", more.len()),
                    }
                    if let Some(position) = out
                        .iter()
                        .position(|a| matches!(a, Action::Dispatch(Event::Envelope(_))))
                    {
                        let ack_position = out
                            .iter()
                            .position(|a| matches!(a, Action::SendText { .. }));
                        assert!(
                            ack_position.is_none_or(|p| p < position),
                            "dispatch before ack"
                        );
                    }
                    for e in &dispatched {
                        let keys = std::iter::once(key.clone())
                            .chain(e.event_id().map(|e| e.into_owned()));
                        for k in keys {
                            if let Some(previous) = ledger.dispatched.insert(k.clone(), sim.now) {
                                assert!(
                                    sim.now - previous >= DEDUPE_WINDOW,
                                    "{k} dispatched twice within the window"
                                );
                            }
                        }
                    }
                }
                out
            }
            Op::Garbage { conn, variant } => {
                let Some(conn) = pick(&sim.open_conns(), conn) else {
                    continue;
                };
                let frames: [&[u8]; 6] = [
                    b"{",
                    b"\xff\xfe\x00",
                    br#"{"type":7}"#,
                    br#"[{"envelope_id":"x"}]"#,
                    br#"{"envelope_id":"#,
                    br#"{"type":"hello","num_connections":"lots"}"#,
                ];
                let frame = bytes::Bytes::from_static(frames[usize::from(variant) % frames.len()]);
                sim.feed(|s, now| s.handle_text(now, conn, frame))
            }
            Op::Disconnect { conn, reason } => {
                let Some(conn) = pick(&sim.open_conns(), conn) else {
                    continue;
                };
                let reason = [
                    "warning",
                    "refresh_requested",
                    "too_many_websockets",
                    "link_disabled",
                    "brand_new",
                    "warning",
                ][usize::from(reason)];
                sim.text(
                    conn,
                    &format!(r#"{{"type":"disconnect","reason":"{reason}"}}"#),
                )
            }
            Op::PeerClosed { conn } => {
                let Some(conn) = pick(&sim.open_conns(), conn) else {
                    continue;
                };
                sim.peer_closed(conn)
            }
            Op::ConnectFailed { conn } => {
                let waiting: Vec<ConnId> = ledger
                    .connecting
                    .iter()
                    .copied()
                    .filter(|c| sim.is_open(*c) && !ledger.said_hello.contains(c))
                    .collect();
                let Some(conn) = pick(&waiting, conn) else {
                    continue;
                };
                sim.connect_failed(conn)
            }
            Op::Connected { conn } => {
                let Some(conn) = pick(&ledger.connecting, conn) else {
                    continue;
                };
                sim.feed(|s, now| s.handle_connected(now, conn))
            }
            Op::Hello { conn } => {
                let waiting: Vec<ConnId> = ledger
                    .connecting
                    .iter()
                    .copied()
                    .filter(|c| sim.is_open(*c))
                    .collect();
                let Some(conn) = pick(&waiting, conn) else {
                    continue;
                };
                ledger.said_hello.push(conn);
                sim.text(conn, &hello_frame(600))
            }
            Op::Respond {
                variant,
                retry_after,
            } => {
                let Some(&request) = ledger.requests.last() else {
                    continue;
                };
                let response = match variant {
                    0..=5 => HttpResponse::new(
                        200,
                        format!(
                            r#"{{"ok":true,"url":"wss://wss.test/link/?ticket={}"}}"#,
                            request.get()
                        ),
                    ),
                    6 => {
                        HttpResponse::new(429, "").with_retry_after_header(&retry_after.to_string())
                    }
                    7 => HttpResponse::new(503, "<html>"),
                    8 => HttpResponse::new(200, r#"{"ok":false,"error":"internal_error"}"#),
                    9 => HttpResponse::new(200, r#"{"ok":true"#),
                    10 => HttpResponse::new(200, r#"{"ok":true,"url":"https://not-a-websocket"}"#),
                    _ => HttpResponse::new(200, r#"{"ok":false,"error":"invalid_auth"}"#),
                };
                sim.feed(|s, now| s.handle_http_response(now, request, response))
            }
            Op::AppAck { id, payload } => {
                let key = format!("env-{id}");
                let body = serde_json::json!({ "text": "z".repeat(usize::from(payload)) });
                sim.feed(|s, now| {
                    let _ = s.ack_with(now, &key, &body);
                })
            }
            Op::Network { answers_pings } => {
                sim.auto_pong = answers_pings;
                continue;
            }
            Op::Shutdown => sim.feed(|s, now| s.shutdown(now)),
        };
        if was_stopped {
            assert!(out.is_empty(), "actions after the session stopped: {out:?}");
        }
        ledger.absorb(&sim.log[mark..], policy);
        if ledger.stopped_fatally {
            assert!(sim.session.is_stopped());
            assert_eq!(
                sim.open_sockets(),
                0,
                "a fatal stop closes every connection"
            );
        }
    }
    // Run on: every deferred delivery is settled by the app, the deadline or the stop.
    let mark = sim.log.len();
    sim.advance(Duration::from_secs(10));
    ledger.absorb(&sim.log[mark..], policy);
}

fn half_open_bound(ops: Vec<(u16, bool)>) {
    let ping = Duration::from_secs(7);
    let pong = Duration::from_secs(3);
    let (mut sim, conn) = Sim::live(
        socket_mode()
            .with_ping_interval(ping)
            .with_pong_timeout(pong)
            .with_idle_timeout(Duration::from_secs(3600)),
    );
    let mut last_sign_of_life = sim.now;
    for (ms, answer) in ops {
        sim.auto_pong = answer;
        let before = sim.now;
        let out = sim.advance(Duration::from_millis(u64::from(ms)));
        if answer && !pings(&out).is_empty() {
            last_sign_of_life = sim.now.max(before);
        }
        if let Some(Event::ConnectionClosed { cause, .. }) = events(&out)
            .into_iter()
            .find(|e| matches!(e, Event::ConnectionClosed { conn: c, .. } if *c == conn))
        {
            assert_eq!(cause, CloseCause::PongTimeout);
            let closed_at = sim
                .log
                .iter()
                .rev()
                .find(|(_, a)| matches!(a, Action::Close { conn: c, .. } if *c == conn))
                .unwrap()
                .0;
            assert!(
                closed_at - last_sign_of_life <= ping + pong,
                "silent for {:?} before being replaced",
                closed_at - last_sign_of_life
            );
            return;
        }
        assert!(
            sim.now - last_sign_of_life <= ping + pong + Duration::from_millis(u64::from(ms)),
            "still open after {:?} of silence",
            sim.now - last_sign_of_life
        );
    }
}

fn run_rtm(ops: Vec<(u8, u16)>) {
    let interval = Duration::from_secs(1);
    let (mut sim, _) = Sim::live(
        rtm()
            .with_rtm_send_interval(interval)
            .with_rtm_reply_timeout(Duration::from_secs(20)),
    );
    let mut sent: BTreeMap<u64, usize> = BTreeMap::new();
    let mut send_times: Vec<Instant> = Vec::new();
    let mut outcomes: BTreeMap<u64, usize> = BTreeMap::new();
    let record = |out: &[Action],
                  now: Instant,
                  sent_times: &mut Vec<Instant>,
                  outcomes: &mut BTreeMap<u64, usize>| {
        for (_, text) in texts(out) {
            if text.contains(r#""type":"message""#) {
                sent_times.push(now);
            }
        }
        for e in events(out) {
            if let Event::RtmReply(reply) = e {
                *outcomes.entry(reply.id).or_default() += 1;
            }
        }
    };
    for (op, arg) in ops {
        let out = match op % 6 {
            0 | 1 => {
                match sim
                    .session
                    .send_message(sim.now, "C1", &"m".repeat(usize::from(arg % 50)))
                {
                    Ok(id) => {
                        sent.insert(id, 0);
                        sim.drain()
                    }
                    Err(_) => continue,
                }
            }
            2 => sim.advance(Duration::from_millis(u64::from(arg) * 3)),
            3 => {
                // Slack answers the oldest unanswered message it has seen.
                let conns = sim.open_conns();
                let Some(conn) = conns.last().copied() else {
                    continue;
                };
                let seen: Vec<u64> =
                    texts(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())
                        .into_iter()
                        .filter_map(|(_, t)| serde_json::from_str::<serde_json::Value>(&t).ok())
                        .filter(|v| v["type"] == "message")
                        .filter_map(|v| v["id"].as_u64())
                        .filter(|id| !outcomes.contains_key(id))
                        .collect();
                let Some(id) = seen.first() else { continue };
                sim.text(
                    conn,
                    &format!(r#"{{"ok":true,"reply_to":{id},"ts":"1.1","text":"ok"}}"#),
                )
            }
            4 => {
                let Some(conn) = sim.open_conns().last().copied() else {
                    continue;
                };
                if arg % 2 == 0 {
                    sim.peer_closed(conn)
                } else {
                    sim.text(conn, r#"{"type":"goodbye"}"#)
                }
            }
            _ => {
                let pending: Vec<Action> = sim.log.iter().map(|(_, a)| a.clone()).collect();
                let Some(request) = http_requests(&pending).last().map(|r| r.id()) else {
                    continue;
                };
                let out = sim.grant(request, u32::from(arg));
                let Some(conn) = connects(&out).pop() else {
                    continue;
                };
                sim.feed(|s, now| s.handle_connected(now, conn));
                [out, sim.text(conn, r#"{"type":"hello"}"#)].concat()
            }
        };
        record(&out, sim.now, &mut send_times, &mut outcomes);
    }
    let out = sim.feed(|s, now| s.shutdown(now));
    record(&out, sim.now, &mut send_times, &mut outcomes);
    let out = sim.advance(Duration::from_secs(60));
    record(&out, sim.now, &mut send_times, &mut outcomes);
    // Actual send times come from the log (window ends are not send times).
    let send_times: Vec<Instant> = sim
        .log
        .iter()
        .filter(|(_, a)| matches!(a, Action::SendText { text, .. } if text.contains(r#""type":"message""#)))
        .map(|(at, _)| *at)
        .collect();
    for pair in send_times.windows(2) {
        assert!(
            pair[1] - pair[0] >= interval,
            "two messages {:?} apart",
            pair[1] - pair[0]
        );
    }
    for id in sent.keys() {
        assert_eq!(
            outcomes.get(id).copied().unwrap_or(0),
            1,
            "message {id} got {:?} outcomes",
            outcomes.get(id)
        );
    }
    let stop = sim
        .all_events()
        .into_iter()
        .any(|e| matches!(e, Event::Stopped(StopReason::Shutdown)));
    assert!(stop);
    let _ = RtmOutcome::Lost;
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/properties.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn socket_mode_invariants_hold_under_random_faults(ops in proptest::collection::vec(op(), 1..160), connections in 1u8..4) {
        run_socket_mode(ops, connections, LateAckPolicy::AutoAck);
    }

    #[test]
    fn socket_mode_invariants_hold_when_late_acks_are_only_reported(ops in proptest::collection::vec(op(), 1..120)) {
        run_socket_mode(ops, 1, LateAckPolicy::Report);
    }

    #[test]
    fn a_silent_connection_is_replaced_within_ping_interval_plus_pong_timeout(ops in proptest::collection::vec((1u16..9000, any::<bool>()), 1..60)) {
        half_open_bound(ops);
    }

    #[test]
    fn every_rtm_message_gets_one_outcome_and_pacing_holds(ops in proptest::collection::vec((any::<u8>(), any::<u16>()), 1..120)) {
        run_rtm(ops);
    }
}
