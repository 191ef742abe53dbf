//! Allocations per envelope through the Session, counted exactly (not timed): the budget is two.
//! `cargo test --release --test allocations -- --nocapture` prints the figures.

use slackline_test_support::workload::{Workload, FRAMES};

#[test]
fn at_most_two_allocations_per_envelope_in_the_steady_state() {
    let mut workload = Workload::new();
    for _ in 0..2 * FRAMES {
        workload.feed_one();
    }
    let measured = 4 * FRAMES;
    let info = allocation_counter::measure(|| {
        for _ in 0..measured {
            workload.feed_one();
        }
    });
    let per_envelope = info.count_total as f64 / measured as f64;
    let bytes = info.bytes_total as f64 / measured as f64;
    println!(
        "{per_envelope:.3} allocations and {bytes:.0} bytes allocated per envelope (mean frame {} bytes, {measured} envelopes)",
        slackline_test_support::workload::mean_size(&workload.frames)
    );
    assert!(
        per_envelope <= 2.0,
        "{per_envelope:.3} allocations per envelope"
    );
}
