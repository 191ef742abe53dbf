//! The whole Session against FakeSlack through the harness's faulty network, with the fault
//! schedule chosen by the fuzzer's bytes (`support::chaos::plan_from_bytes`: the network's
//! seed, latency, jitter, drop / duplicate / corruption rates, then up to 64 timed faults:
//! cuts, resets, partitions, failing and unanswered URL requests, refused handshakes, every
//! `disconnect` reason, server closes, silence, redeliveries, fatal answers). The first byte
//! picks the pool size, RTM and `debug_reconnects`. The harness's audit checks every invariant
//! after every step; afterwards the fake's verdict and the loss check must agree.
#![no_main]

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use support::chaos::{assert_correct, assert_nothing_lost, plan_from_bytes, run, Workload};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let workload = Workload {
        messages: 30,
        span: Duration::from_secs(10 * 60),
        connections: 1 + mode % 3,
        rtm: mode & 0x10 != 0,
        debug_reconnects: mode & 0x20 != 0,
        ping: Duration::from_secs(1 + u64::from(mode >> 6) * 5),
        ..Workload::short()
    };
    let plan = plan_from_bytes(rest, workload.span, &workload.redeliverable());
    let chaos = run(&workload, &plan);
    assert_correct(&chaos, &plan);
    if !workload.rtm && chaos.outcome.stop_reason.is_none() {
        assert_nothing_lost(&chaos, &workload, &plan);
    }
});
