//! What each fuzz target checks, as functions of the fuzzer's bytes, so that the targets in
//! `fuzz/` stay thin and every input a fuzzer ever failed on replays in `cargo test`
//! (`tests/fuzz_regressions.rs`, inputs in `tests/data/fuzz-regressions/<target>/`).

use std::time::Duration;

use slackline::Config;
use slackline_fake::script::StepAction;
use slackline_fake::Script;
use slackline_sim::{Ending, Harness};
use slackline_transcript::{replay, ReplayOptions, Transcript};

use crate::chaos::{assert_correct, assert_nothing_lost, plan_from_bytes, run, Workload};

/// Any text as a FakeSlack script: parsing never panics (errors name a line), and what parses
/// is played by the fake against a real `Session` for up to an hour of virtual time: no panic,
/// no stall, and whatever the scripted server does, no breach of the audit.
pub fn script(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let script = match Script::parse(text) {
        Ok(script) => script,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let rtm = script.steps().iter().any(|s| {
        matches!(
            s.action,
            StepAction::Rtm { .. } | StepAction::Goodbye { .. }
        )
    });
    let config = if rtm {
        Config::rtm("xoxb-1-2-fuzz")
    } else {
        Config::socket_mode("xapp-1-A0FAKEAPP01-1-fuzz")
    };
    let outcome = Harness::new(config, script)
        .expect("a valid config")
        .with_time_limit(Duration::from_secs(3600))
        .run_quietly();
    assert!(
        !matches!(outcome.ending, Ending::Stalled(_)),
        "{:?}",
        outcome.ending
    );
    assert!(outcome.breaches.is_empty(), "{:#?}", outcome.breaches);
    let _ = outcome.verdict.summary_text();
}

/// Any text as a transcript: parsing never panics; what parses writes back to text that reads
/// the same (writing is idempotent after one round trip); and it replays into a fresh session
/// without panicking, its divergences printable.
pub fn transcript(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(transcript) = Transcript::parse(text) else {
        return;
    };
    let written = transcript.to_jsonl();
    let again = Transcript::parse(&written)
        .unwrap_or_else(|e| panic!("a written transcript does not read back: {e}\n{written}"));
    assert_eq!(again.to_jsonl(), written, "writing is not stable");
    if let Ok(replayed) = replay(&transcript, &ReplayOptions::default()) {
        for divergence in &replayed.divergences {
            let _ = divergence.to_string();
        }
    }
}

/// The whole session against the fake under the fault plan the bytes choose (the first byte
/// picks the pool size, RTM, `debug_reconnects` and the ping interval; the rest is read by
/// `plan_from_bytes`): the audit after every step, the verdict and the loss check after.
pub fn chaos(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // Short, so the fuzzer gets through many schedules a second.
    let workload = Workload {
        messages: 20,
        span: Duration::from_secs(6 * 60),
        calm: Duration::from_secs(3 * 60),
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
}
