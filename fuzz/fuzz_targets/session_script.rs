//! The whole session under a schedule chosen by the fuzzer's bytes (advance time, deliver a frame,
//! garbage, disconnects, closes, HTTP answers, acks, shutdown), with every invariant of the
//! property tests checked after every step. The first byte picks Socket Mode pool size or RTM.
#![no_main]

use slackline_test_support as support;

use libfuzzer_sys::fuzz_target;
use slackline::LateAckPolicy;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => support::script::run_rtm(support::script::rtm_ops_from_bytes(rest)),
        1 => support::script::run_socket_mode(
            support::script::ops_from_bytes(rest),
            1,
            LateAckPolicy::Report,
        ),
        n => support::script::run_socket_mode(
            support::script::ops_from_bytes(rest),
            n,
            LateAckPolicy::AutoAck,
        ),
    }
});
