//! Any text as a transcript: parsing never panics; what parses writes back to text that reads
//! the same (writing is idempotent after one round trip); and what parses replays into a fresh
//! session without panicking, its divergences printable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slackline::transcript::{replay, ReplayOptions, Transcript};

fuzz_target!(|data: &[u8]| {
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
});
