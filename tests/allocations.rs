//! Allocations per envelope through the Session, counted exactly (not timed): the budget is two.
//! `cargo test --release --test allocations -- --nocapture` prints the figures.

#[path = "../benches/common/mod.rs"]
mod common;

#[test]
fn at_most_two_allocations_per_envelope_in_the_steady_state() {
    let mut workload = common::Workload::new();
    for _ in 0..2 * common::FRAMES {
        workload.feed_one();
    }
    let measured = 4 * common::FRAMES;
    let info = allocation_counter::measure(|| {
        for _ in 0..measured {
            workload.feed_one();
        }
    });
    let per_envelope = info.count_total as f64 / measured as f64;
    let bytes = info.bytes_total as f64 / measured as f64;
    println!(
        "{per_envelope:.3} allocations and {bytes:.0} bytes allocated per envelope (mean frame {} bytes, {measured} envelopes)",
        common::mean_size(&workload.frames)
    );
    assert!(
        per_envelope <= 2.0,
        "{per_envelope:.3} allocations per envelope"
    );
}
