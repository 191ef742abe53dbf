//! Session + FakeSlack through the harness's faulty network under random fault schedules
//! (proptest). Complements `tests/properties.rs`, which drives a `Session` alone: here both
//! ends run their real code, and the schedules are `FaultPlan`s (data: a failing case prints
//! as JSON lines and replays with `FaultPlan::parse`).
//!
//! Every run is checked after every step by the harness's `Audit` (no frame after close, the
//! socket cap, `poll_timeout` never in the past, one ack per delivery within the deadline, no
//! dispatch twice within the dedupe window, reconnect delays within the policy and honouring
//! `Retry-After`, nothing after a stop, half-open connections abandoned within ping interval +
//! pong timeout, refreshes without a gap unless a fault stood in the way, RTM pacing and one
//! outcome per message); afterwards by `slackline_test_support::session::chaos`: the fake saw no rule broken that the
//! faults do not explain, and nothing was lost. Each property below stresses one of them with
//! the faults that matter for it.
//!
//! Case counts follow `PROPTEST_CASES` (default 256 per property); failures are saved in
//! `proptest-regressions/chaos.txt`.

use std::time::Duration;

use proptest::prelude::*;
use slackline::StopReason;
use slackline_fake::ViolationKind;
use slackline_sim::{Direction, Fault, FaultPlan, NetFaults, TimedFault, Which};
use slackline_test_support::chaos::*;

fn which() -> impl Strategy<Value = Which> {
    prop_oneof![Just(Which::Oldest), Just(Which::Newest), Just(Which::All)]
}

fn net() -> impl Strategy<Value = NetFaults> {
    (1u64..20, 0u64..80, 0u16..20, 0u16..20, 0u16..10).prop_map(
        |(latency_ms, jitter_ms, drop_per_mille, duplicate_per_mille, corrupt_per_mille)| {
            NetFaults {
                latency_ms,
                jitter_ms,
                drop_per_mille,
                duplicate_per_mille,
                corrupt_per_mille,
            }
        },
    )
}

/// Faults a replacement connection rides through: Slack's refresh notices and redeliveries,
/// and a server that echoes frames or announces second-long connection times for a while.
fn polite(mut labels: Vec<String>) -> impl Strategy<Value = Fault> {
    if labels.is_empty() {
        // Nothing to redeliver (RTM): the fake skips it.
        labels.push("none".into());
    }
    prop_oneof![
        3 => (
            prop_oneof![Just("warning"), Just("refresh_requested")],
            which()
        )
            .prop_map(|(reason, socket)| Fault::Disconnect {
                reason: reason.into(),
                socket
            }),
        3 => (proptest::sample::select(labels), any::<bool>()).prop_map(|(label, new_envelope_id)| {
            Fault::Redeliver {
                label,
                new_envelope_id,
            }
        }),
        1 => (60_000u64..900_000).prop_map(|duration_ms| Fault::Echo { duration_ms }),
        1 => (1u64..10, 60_000u64..900_000)
            .prop_map(|(secs, duration_ms)| Fault::ConnectionTime { secs, duration_ms }),
    ]
}

/// A server that asks for a replacement (Socket Mode `disconnect`, RTM `goodbye`) right after
/// every `hello`, for one to fifteen minutes.
fn refresh_after_hello() -> impl Strategy<Value = Fault> {
    (
        prop_oneof![
            Just("warning"),
            Just("refresh_requested"),
            Just("socket_mode_restart")
        ],
        60_000u64..900_000,
    )
        .prop_map(|(reason, duration_ms)| Fault::RefreshAfterHello {
            reason: reason.into(),
            duration_ms,
        })
}

fn cut() -> impl Strategy<Value = Fault> {
    let direction = prop_oneof![
        Just(Direction::Both),
        Just(Direction::ToClient),
        Just(Direction::ToServer)
    ];
    (
        any::<u8>(),
        direction,
        proptest::option::weighted(0.9, 1_000u64..600_000),
    )
        .prop_map(|(conn, direction, server_notices_after_ms)| Fault::Cut {
            conn,
            direction,
            server_notices_after_ms,
        })
}

/// Failures of the connection URL request and of the handshake.
fn refusals() -> impl Strategy<Value = Fault> {
    prop_oneof![
        (proptest::option::of(0u64..40), 1u32..4).prop_map(|(retry_after_s, times)| {
            Fault::ApiError {
                status: 429,
                retry_after_s,
                error: None,
                times,
            }
        }),
        (
            prop_oneof![Just(500u16), Just(502), Just(503), Just(200)],
            1u32..4
        )
            .prop_map(|(status, times)| Fault::ApiError {
                status,
                retry_after_s: None,
                error: Some("internal_error".into()),
                times,
            }),
        (1u32..3).prop_map(|times| Fault::ApiNoAnswer { times }),
        (prop_oneof![Just(404u16), Just(500), Just(503)], 1u32..3)
            .prop_map(|(status, times)| Fault::HandshakeFailure { status, times }),
    ]
}

/// Every fault but the fatal ones.
fn any_fault(labels: Vec<String>) -> impl Strategy<Value = Fault> {
    prop_oneof![
        2 => polite(labels),
        1 => refresh_after_hello(),
        2 => cut(),
        1 => any::<u8>().prop_map(|conn| Fault::Reset { conn }),
        1 => (500u64..60_000).prop_map(|duration_ms| Fault::Partition { duration_ms }),
        3 => refusals(),
        1 => (prop_oneof![Just("too_many_websockets"), Just("socket_mode_restart")], which())
            .prop_map(|(reason, socket)| Fault::Disconnect { reason: reason.into(), socket }),
        1 => (prop_oneof![Just(1000u16), Just(1001), Just(1006), Just(1011)], which())
            .prop_map(|(code, socket)| Fault::ServerClose { code, socket }),
        1 => which().prop_map(|socket| Fault::Silence { socket }),
    ]
}

/// A plan: the network, and up to `max` faults at times within the workload's span.
fn plan(
    w: &Workload,
    network: impl Strategy<Value = NetFaults>,
    fault: impl Strategy<Value = Fault>,
    max: usize,
) -> impl Strategy<Value = FaultPlan> {
    let span_ms = w.span.as_millis() as u64;
    let timed = (0..span_ms, fault).prop_map(|(at_ms, fault)| TimedFault { at_ms, fault });
    (
        any::<u64>(),
        network,
        proptest::collection::vec(timed, 0..max),
    )
        .prop_map(|(seed, net, mut faults)| {
            faults.sort_by_key(|f| f.at_ms);
            FaultPlan { seed, net, faults }
        })
}

fn workload(connections: u8, debug_reconnects: bool) -> Workload {
    Workload {
        connections,
        debug_reconnects,
        ..Workload::short()
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/chaos.txt"),
        )),
        ..ProptestConfig::default()
    }
}

fn check(w: &Workload, plan: &FaultPlan) -> ChaosRun {
    let run = run(w, plan);
    assert_correct(&run, plan);
    if !w.rtm && run.outcome.stop_reason.is_none() {
        assert_nothing_lost(&run, w, plan);
    }
    run
}

proptest! {
    #![proptest_config(config())]

    /// Everything at once: a lossy, jittery network that duplicates and corrupts frames, cuts
    /// and resets connections, partitions, failing URL requests and handshakes, every
    /// `disconnect` reason, server closes, silence, redeliveries.
    #[test]
    fn socket_mode_keeps_every_invariant_under_any_fault_schedule(
        (w, plan) in (1u8..4, any::<bool>()).prop_flat_map(|(n, debug)| {
            let w = workload(n, debug);
            let labels = w.redeliverable();
            (Just(w.clone()), plan(&w, net(), any_fault(labels), 24))
        })
    ) {
        check(&w, &plan);
    }

    /// The same under app acks with late acks only reported (`slackline listen`, the Redis
    /// hand-off): every ack is the app's, some late, none sent on its behalf; redeliveries and
    /// Slack's retries under new envelope ids wait for the first delivery's ack.
    #[test]
    fn app_acks_keep_every_invariant_under_any_fault_schedule(
        (w, plan) in (1u8..4, any::<bool>()).prop_flat_map(|(n, debug)| {
            let w = Workload { app_acks: true, ..workload(n, debug) };
            let labels = w.redeliverable();
            (Just(w.clone()), plan(&w, net(), any_fault(labels), 24))
        })
    ) {
        check(&w, &plan);
    }

    /// Slack's refresh notices (to one socket or all), redeliveries, jitter and duplicates,
    /// with six-minute connections: the replacement can always connect, so there is always a
    /// live connection (the audit judges every gap; nothing here excuses one).
    #[test]
    fn a_refresh_leaves_no_gap_when_the_replacement_can_connect(
        (w, plan) in (1u8..4, any::<bool>()).prop_flat_map(|(n, debug)| {
            let w = workload(n, debug);
            let labels = w.redeliverable();
            let network = (1u64..20, 0u64..80, 0u16..20).prop_map(|(latency_ms, jitter_ms, duplicate_per_mille)| NetFaults {
                latency_ms, jitter_ms, duplicate_per_mille, ..NetFaults::default()
            });
            (Just(w.clone()), plan(&w, network, polite(labels), 24))
        })
    ) {
        let run = check(&w, &plan);
        prop_assert!(run.outcome.stats.hellos >= 4, "{} hellos: no refresh happened", run.outcome.stats.hellos);
        prop_assert_eq!(run.outcome.verdict.summary.missing, 0, "{}", run.outcome.verdict.summary_text());
    }

    /// URL requests rate limited (with and without `Retry-After`), failing, unanswered, and
    /// handshakes refused, with resets to make the client ask again: every delay within the
    /// policy, every `Retry-After` honoured (on a network that loses nothing, so the fake's
    /// own check counts too), and the client back for the last envelopes (nothing lost).
    #[test]
    fn reconnect_delays_stay_in_bounds_and_honour_retry_after(
        (w, plan) in (1u8..4).prop_flat_map(|n| {
            let w = workload(n, false);
            let network = (1u64..20, 0u64..80).prop_map(|(latency_ms, jitter_ms)| NetFaults {
                latency_ms, jitter_ms, ..NetFaults::default()
            });
            let fault = prop_oneof![
                3 => refusals(),
                1 => any::<u8>().prop_map(|conn| Fault::Reset { conn }),
                1 => (prop_oneof![Just(1006u16), Just(1011)], which()).prop_map(|(code, socket)| Fault::ServerClose { code, socket }),
            ];
            (Just(w.clone()), plan(&w, network, fault, 32))
        })
    ) {
        let run = check(&w, &plan);
        let ignored = run.outcome.verdict.violations.iter().any(|v| matches!(v.kind, ViolationKind::IgnoredRetryAfter { .. }));
        prop_assert!(!ignored, "{}", run.outcome.verdict.summary_text());
    }

    /// A fatal answer at any time among other faults: `link_disabled` (sent to every socket
    /// every 20 s from then on, so that one gets through), or an auth error for every URL
    /// request from then on (with a reset to make the client ask). The session stops, closes
    /// everything and never asks again (the audit flags any action after `Stopped`).
    #[test]
    fn a_fatal_error_stops_all_reconnecting(
        (w, mut plan, at_ms, fatal) in (1u8..4).prop_flat_map(|n| {
            let w = workload(n, false);
            let labels = w.redeliverable();
            let span_ms = w.span.as_millis() as u64;
            let fatal = prop_oneof![Just("link_disabled"), Just("invalid_auth"), Just("token_revoked"), Just("not_allowed_token_type")];
            (Just(w.clone()), plan(&w, net(), any_fault(labels), 12), 0..span_ms, fatal)
        })
    ) {
        let end_ms = (w.span + w.calm).as_millis() as u64;
        let fatal_faults: Vec<TimedFault> = match fatal {
            "link_disabled" => (at_ms..end_ms)
                .step_by(20_000)
                .map(|at_ms| TimedFault { at_ms, fault: Fault::Disconnect { reason: fatal.into(), socket: Which::All } })
                .collect(),
            error => vec![
                TimedFault { at_ms, fault: Fault::ApiError { status: 200, retry_after_s: None, error: Some(error.into()), times: 100_000 } },
                TimedFault { at_ms, fault: Fault::Reset { conn: 0 } },
            ],
        };
        plan.faults.extend(fatal_faults);
        plan.faults.sort_by_key(|f| f.at_ms);
        let run = run(&w, &plan);
        assert_correct(&run, &plan);
        let stopped = run.outcome.stop_reason.clone();
        prop_assert!(matches!(stopped, Some(ref r) if r.is_fatal()), "{:?}\n{}", stopped, plan);
        if fatal == "link_disabled" {
            prop_assert_eq!(stopped, Some(StopReason::LinkDisabled));
        }
    }

    /// Connections cut in one or both directions (Slack noticing late or never) and Slack
    /// going silent, with any ping interval and pong timeout: each is abandoned within ping
    /// interval + pong timeout of going half-open (the audit's bound), and nothing is lost.
    #[test]
    fn a_half_open_connection_is_detected_within_ping_interval_plus_pong_timeout(
        (w, plan) in (1u8..4, 1u64..30, 1u64..20).prop_flat_map(|(n, ping, pong)| {
            let w = Workload {
                ping: Duration::from_secs(ping),
                pong: Duration::from_secs(pong),
                ..workload(n, false)
            };
            let network = (1u64..20, 0u64..80).prop_map(|(latency_ms, jitter_ms)| NetFaults {
                latency_ms, jitter_ms, ..NetFaults::default()
            });
            let fault = prop_oneof![3 => cut(), 1 => which().prop_map(|socket| Fault::Silence { socket })];
            (Just(w.clone()), plan(&w, network, fault, 16))
        })
    ) {
        check(&w, &plan);
    }

    /// Whatever a server asks (a refresh after every `hello`, RTM `goodbye` after every
    /// `hello`, second-long connection times, echoed frames, refresh notices), the client does
    /// not hammer `apps.connections.open` / `rtm.connect`: URL requests stay within
    /// `url_request_budget` (about one per 15 s per pooled connection with this workload's
    /// 30 s backoff cap, plus a start-up allowance), and the run keeps every other invariant.
    #[test]
    fn url_requests_stay_bounded_whatever_the_server_asks(
        (w, plan) in (1u8..4, any::<bool>(), any::<bool>()).prop_flat_map(|(n, rtm, debug)| {
            let w = if rtm { Workload { rtm: true, ..Workload::short() } } else { workload(n, debug) };
            let labels = w.redeliverable();
            let network = (1u64..20, 0u64..80).prop_map(|(latency_ms, jitter_ms)| NetFaults {
                latency_ms, jitter_ms, ..NetFaults::default()
            });
            // Closes make the client reconnect (RTM sockets get no refresh notices otherwise).
            let fault = prop_oneof![
                3 => refresh_after_hello(),
                2 => polite(labels),
                1 => (prop_oneof![Just(1000u16), Just(1001), Just(1011)], which())
                    .prop_map(|(code, socket)| Fault::ServerClose { code, socket }),
            ];
            (Just(w.clone()), plan(&w, network, fault, 8))
        })
    ) {
        let run = check(&w, &plan);
        let method = if w.rtm { "rtm.connect" } else { "apps.connections.open" };
        let requests = run.outcome.verdict.http.get(method).map_or(0, |m| m.calls);
        let budget = url_request_budget(&w, run.outcome.elapsed);
        prop_assert!(
            requests <= budget,
            "{requests} {method} calls in {:?} (budget {budget})\nplan:\n{plan}",
            run.outcome.elapsed
        );
    }

    /// RTM under any fault schedule: a message every 20 s from the bot, then a shutdown. Every
    /// message gets exactly one outcome (ok, error, lost, timed out or not sent), and the
    /// session never sends faster than one message a second.
    #[test]
    fn every_rtm_message_gets_one_outcome_and_pacing_holds(
        (w, plan) in Just(Workload { rtm: true, ..Workload::short() }).prop_flat_map(|w| {
            (Just(w.clone()), plan(&w, net(), any_fault(Vec::new()), 24))
        })
    ) {
        let run = check(&w, &plan);
        prop_assert!(!run.bot.rtm_ids.is_empty());
        prop_assert!(run.outcome.stop_reason.is_some(), "the bot shuts down at the end of the span");
    }
}

/// Replays a saved plan (a failing case's plan, as printed) with a short workload and prints
/// what happened: `CHAOS_PLAN=plan.jsonl [CHAOS_CONNECTIONS=n] [CHAOS_RTM=1]
/// [CHAOS_DEBUG_RECONNECTS=1] cargo test --test chaos replay_a_saved_plan -- --ignored
/// --nocapture`. With `CHAOS_TRANSCRIPT=out.jsonl` the client's side is written there.
#[test]
#[ignore = "replays $CHAOS_PLAN"]
fn replay_a_saved_plan() {
    let var = |name: &str| std::env::var(name).ok();
    let path = var("CHAOS_PLAN").expect("CHAOS_PLAN=path of a fault plan");
    let plan = FaultPlan::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let w = Workload {
        connections: var("CHAOS_CONNECTIONS").map_or(1, |n| n.parse().unwrap()),
        rtm: var("CHAOS_RTM").is_some(),
        debug_reconnects: var("CHAOS_DEBUG_RECONNECTS").is_some(),
        ..Workload::short()
    };
    let mut bot = ChaosBot::for_workload(&w);
    let outcome = slackline_sim::Harness::new(w.config(), w.script())
        .unwrap()
        .with_faults(plan.clone())
        .with_transcript(Some(format!("replay of {path}")))
        .run_bot(&mut bot);
    if let (Some(out), Some(transcript)) = (var("CHAOS_TRANSCRIPT"), &outcome.transcript) {
        std::fs::write(out, transcript.to_jsonl()).unwrap();
    }
    println!("{}\n{:?}", outcome.verdict.summary_text(), outcome.chaos);
    for breach in &outcome.breaches {
        println!("breach {breach}");
    }
    let run = ChaosRun { outcome, bot };
    assert_correct(&run, &plan);
}
