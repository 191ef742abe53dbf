//! Any text as a transcript: parsing never panics; what parses writes back to text that reads
//! the same (writing is idempotent after one round trip); and what parses replays into a fresh
//! session without panicking, its divergences printable.
#![no_main]

use slackline_test_support as support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| support::fuzz::transcript(data));
