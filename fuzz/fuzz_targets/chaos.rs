//! The whole Session against FakeSlack through the harness's faulty network, with the fault
//! schedule chosen by the fuzzer's bytes (`support::chaos::plan_from_bytes`: the network's
//! seed, latency, jitter, drop / duplicate / corruption rates, then up to 64 timed faults:
//! cuts, resets, partitions, failing and unanswered URL requests, refused handshakes, every
//! `disconnect` reason, server closes, silence, redeliveries, fatal answers). The first byte
//! picks the pool size, RTM and `debug_reconnects`. The harness's audit checks every invariant
//! after every step; afterwards the fake's verdict and the loss check must agree.
#![no_main]

use slackline_test_support as support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| support::fuzz::chaos(data));
