//! Any text as a FakeSlack script: parsing never panics (errors name a line), and what parses
//! is played by the fake against a real `Session` in the in-process harness for up to an hour
//! of virtual time: no panic on either side, no stall, and whatever the scripted server does
//! the session breaks none of the invariants the harness's audit checks after every step.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use slackline::fake::script::StepAction;
use slackline::fake::Script;
use slackline::testing::{Ending, Harness};
use slackline::Config;

fuzz_target!(|data: &[u8]| {
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
    let rtm = script
        .steps()
        .iter()
        .any(|s| matches!(s.action, StepAction::Rtm { .. } | StepAction::Goodbye { .. }));
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
    assert!(
        outcome.breaches.is_empty(),
        "{:#?}",
        outcome.breaches
    );
    let _ = outcome.verdict.summary_text();
});
