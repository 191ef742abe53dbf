//! Runs the bench workload in a loop, for profilers (`perf record`, `valgrind --tool=callgrind`).
use slackline_test_support::workload as common;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let mut workload = common::Workload::new();
    let mut actions = 0;
    for _ in 0..rounds {
        actions += workload.feed_one();
    }
    println!("{rounds} envelopes, {actions} actions");
}
