//! Whole simulated days of Session + FakeSlack under moderate faults (`FaultProfile::moderate`:
//! 40 ms of jitter, 0.2 % of packets dropped or duplicated, 0.1 % corrupted, six faults an
//! hour of every non-fatal kind), in virtual time: a day takes a few seconds. Checked like the
//! chaos properties: the audit after every step, the fake's verdict, nothing lost.
//!
//! `CHAOS_SEEDS=n` runs each day with seeds 1..=n (default 1) and prints the figures that
//! `TESTING.md` quotes.

use std::time::{Duration, Instant as Wall};

use slackline_sim::{FaultPlan, FaultProfile};
use slackline_test_support::chaos::*;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn seeds() -> u64 {
    std::env::var("CHAOS_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

// The wall-clock time of the runs is part of the report; the runs themselves read no clock.
#[allow(clippy::disallowed_methods)]
fn day(name: &str, workload: Workload) {
    let (mut envelopes, mut deliveries, mut connections, mut faults) = (0, 0, 0, 0);
    let started = Wall::now();
    for seed in 1..=seeds() {
        let labels = workload.redeliverable();
        let plan = FaultPlan::random(
            seed,
            workload.span + workload.calm,
            &FaultProfile::moderate(),
            &labels,
        );
        let run = run(&workload, &plan);
        assert_correct(&run, &plan);
        if !workload.rtm {
            assert_nothing_lost(&run, &workload, &plan);
        }
        let outcome = &run.outcome;
        assert!(outcome.elapsed >= DAY, "{:?}", outcome.elapsed);
        envelopes += outcome.envelopes().count() + run.bot.rtm_ids.len();
        deliveries += outcome.verdict.summary.delivered;
        connections += outcome.verdict.connections.opened;
        faults += outcome.chaos.faults_applied;
    }
    eprintln!(
        "{name}: {} runs of 24 h in {:.1?}: {envelopes} envelopes/messages dispatched or sent, \
         {deliveries} deliveries, {connections} connections, {faults} faults applied",
        seeds(),
        started.elapsed()
    );
}

/// Slack's real connection lifetime: refreshes every ~5 h, two connections, an envelope every
/// 20 s (4,320 in the day).
#[test]
fn a_day_of_five_hour_connections_under_moderate_faults() {
    day(
        "5 h connections",
        Workload {
            messages: 4320,
            span: DAY,
            calm: Duration::from_secs(600),
            lifetime_secs: 18_060,
            connections: 2,
            ..Workload::short()
        },
    );
}

/// `debug_reconnects`: every connection lives 360 s, 240 refreshes in the day, 2,880
/// envelopes.
#[test]
fn a_day_of_six_minute_connections_under_moderate_faults() {
    day(
        "360 s connections",
        Workload {
            messages: 2880,
            span: DAY,
            calm: Duration::from_secs(600),
            debug_reconnects: true,
            connections: 1,
            ..Workload::short()
        },
    );
}

/// RTM for a day: a message from the bot every 30 s (2,880), every one with exactly one
/// outcome, never faster than one a second.
#[test]
fn a_day_of_rtm_under_moderate_faults() {
    day(
        "RTM",
        Workload {
            messages: 2880,
            span: DAY,
            calm: Duration::from_secs(600),
            rtm: true,
            ..Workload::short()
        },
    );
}
