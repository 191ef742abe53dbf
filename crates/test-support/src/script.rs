//! Random fault schedules against a `Session`, with every invariant checked after every step.
//! Shared by the property tests (`tests/properties.rs`, ops from proptest strategies) and the
//! whole-session fuzz target (`fuzz/`, ops decoded from the fuzzer's bytes).

use std::collections::BTreeMap;
use std::time::Duration;

use slackline::{
    AckState, Action, ConnId, Event, HttpResponse, Instant, LateAckPolicy, RequestId, StopReason,
};

use crate::session::*;

pub const BACKOFF_MAX: Duration = Duration::from_secs(20);
pub const RETRY_AFTER_MAX: u64 = 40;
pub const DEDUPE_WINDOW: Duration = Duration::from_secs(120);

#[derive(Clone, Debug)]
pub enum Op {
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

pub fn pick<T: Copy>(items: &[T], n: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(n) % items.len()])
}

/// What the property run remembers besides the driver's own checks (the session's invariants
/// are checked by `Sim`'s audit after every drain; this ledger knows what the driver sent).
#[derive(Default)]
struct Ledger {
    requests: Vec<RequestId>,
    connecting: Vec<ConnId>,
    said_hello: Vec<ConnId>,
    /// envelope id → deliveries the session accepted, and acks seen.
    deliveries: BTreeMap<String, (usize, usize)>,
    deferred: BTreeMap<String, Instant>,
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

pub fn run_socket_mode(ops: Vec<Op>, connections: u8, policy: LateAckPolicy) {
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
                let out = sim.feed(|s, now| s.handle_text(now, conn, frame));
                // An unreadable frame whose id can still be found is acked (salvage): one delivery.
                for (_, ack) in texts(&out) {
                    let value: serde_json::Value =
                        serde_json::from_str(&ack).expect("acks are JSON");
                    ledger
                        .deliveries
                        .entry(value["envelope_id"].as_str().unwrap().to_owned())
                        .or_default()
                        .0 += 1;
                }
                out
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
        let _ = out;
        ledger.absorb(&sim.log[mark..], policy);
    }
    // Run on: every deferred delivery is settled by the app, the deadline or the stop.
    let mark = sim.log.len();
    sim.advance(Duration::from_secs(10));
    ledger.absorb(&sim.log[mark..], policy);
}

pub fn run_rtm(ops: Vec<(u8, u16)>) {
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
}

/// Decodes fuzzer bytes into a schedule: each op takes a tag byte and up to six argument bytes.
pub fn ops_from_bytes(mut data: &[u8]) -> Vec<Op> {
    fn take(data: &mut &[u8]) -> u8 {
        let (first, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        *data = rest;
        first
    }
    let mut ops = Vec::new();
    while !data.is_empty() && ops.len() < 400 {
        let tag = take(&mut data);
        let (a, b, c, d) = (
            take(&mut data),
            take(&mut data),
            take(&mut data),
            take(&mut data),
        );
        ops.push(match tag % 12 {
            0 => Op::Advance(u32::from(u16::from_le_bytes([a, b])) * 2),
            1 => Op::Deliver {
                conn: a,
                id: b % 24,
                event: (c % 2 == 0).then_some(c % 24),
                kind: d % 4,
                accepts: c & 4 != 0,
                retry: a % 3,
            },
            2 => Op::Garbage {
                conn: a,
                variant: b,
            },
            3 => Op::Disconnect {
                conn: a,
                reason: b % 6,
            },
            4 => Op::PeerClosed { conn: a },
            5 => Op::ConnectFailed { conn: a },
            6 => Op::Connected { conn: a },
            7 => Op::Hello { conn: a },
            8 => Op::Respond {
                variant: a % 12,
                retry_after: b % RETRY_AFTER_MAX as u8,
            },
            9 => Op::AppAck {
                id: a % 24,
                payload: u16::from_le_bytes([b, c]) % 24_000,
            },
            10 => Op::Network {
                answers_pings: a % 2 == 0,
            },
            _ => Op::Shutdown,
        });
    }
    ops
}

/// RTM schedule ops from fuzzer bytes.
pub fn rtm_ops_from_bytes(data: &[u8]) -> Vec<(u8, u16)> {
    data.chunks(3)
        .take(300)
        .map(|c| {
            (
                c[0],
                u16::from_le_bytes([
                    c.get(1).copied().unwrap_or(0),
                    c.get(2).copied().unwrap_or(0),
                ]),
            )
        })
        .collect()
}
