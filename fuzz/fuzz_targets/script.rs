//! Any text as a FakeSlack script: parsing never panics (errors name a line), and what parses
//! is played by the fake against a real `Session` in the in-process harness for up to an hour
//! of virtual time: no panic on either side, no stall, and whatever the scripted server does
//! the session breaks none of the invariants the harness's audit checks after every step.
#![no_main]

use slackline_test_support as support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| support::fuzz::script(data));
