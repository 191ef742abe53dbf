//! Invariants over random fault schedules (proptest). Case counts follow `PROPTEST_CASES`
//! (CI runs a few hundred per property); failures are saved in `proptest-regressions/`.
//!
//! Checked after every step by the test driver (`slackline_test_support::session::Sim::drain` runs
//! `slackline_sim::Audit`): no frame is sent on a closed connection, never more sockets
//! than the pool allows (N + 1 during a replacement, at most 10), `poll_timeout()` is never in
//! the past after a drain, no delivery acked twice or late, no envelope dispatched twice within
//! the dedupe window, reconnect delays within the policy and honouring `Retry-After`, nothing
//! after a stop, RTM pacing and one outcome per message. Checked here, against what the driver
//! sent: each delivery on a live connection is acked exactly once and before dispatch (or handed
//! to the app, which acks it at most once, by the deadline); a silent connection is abandoned
//! within ping interval + pong timeout; every RTM message gets exactly one outcome.
//! `tests/chaos.rs` runs the same invariants with a real `FakeSlack` on the other end.

use std::time::Duration;

use proptest::prelude::*;
use slackline::{Action, CloseCause, Event, LateAckPolicy};
use slackline_test_support::script::*;
use slackline_test_support::session::*;

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
