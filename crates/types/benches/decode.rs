//! Typed decode cost per payload kind, from recorded Socket Mode frames, against
//! `serde_json::from_str::<Value>` of the same payload text in the same run (what an app
//! decoding the payload untyped pays). `cargo bench -p slackline-types --bench decode`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use slackline_types::payload::Payload;

/// (kind, recorded frame) for each payload kind measured.
const FRAMES: &[(&str, &str)] = &[
    ("event_callback message", "pysdk__events_api-message.json"),
    (
        "event_callback app_mention",
        "pysdk__events_api-app_mention.json",
    ),
    (
        "block_actions",
        "javasdk__interactive-block_actions.wrapped.json",
    ),
    (
        "view_submission",
        "javasdk__interactive-view_submission.wrapped.json",
    ),
    ("slash command", "pysdk__slash_commands.json"),
];

/// The envelope type and the payload's JSON text exactly as recorded (key order included, as
/// the core's `Envelope` hands it over). Re-serialising it through `serde_json::Value` would
/// sort the keys, and put `type` after `block_id` and `elements` in every block: see
/// `block_actions, keys sorted` below.
fn payload(file: &str) -> (String, String) {
    #[derive(serde::Deserialize)]
    struct Frame<'a> {
        #[serde(rename = "type")]
        kind: String,
        #[serde(borrow)]
        payload: &'a serde_json::value::RawValue,
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/traffic/socket-mode")
        .join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let frame: Frame<'_> = serde_json::from_str(&text).unwrap();
    (frame.kind, frame.payload.get().to_owned())
}

fn bench(c: &mut Criterion, kind: &str, envelope_type: &str, text: &str) {
    assert!(!matches!(
        Payload::decode(envelope_type, text).unwrap(),
        Payload::Other(_)
    ));
    let mut group = c.benchmark_group(kind);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("typed: Payload::decode", |b| {
        b.iter(|| Payload::decode(black_box(envelope_type), black_box(text)).unwrap())
    });
    group.bench_function("baseline: serde_json::Value", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(text)).unwrap())
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    for (kind, file) in FRAMES {
        let (envelope_type, text) = payload(file);
        bench(c, kind, &envelope_type, &text);
    }
    // The worst case of the one-pass tagged unions: `type` last in every object (keys sorted,
    // as `serde_json::Value` writes them), so each block and element is read into a `Value`
    // first and decoded from it.
    let (envelope_type, text) = payload("javasdk__interactive-block_actions.wrapped.json");
    let sorted = serde_json::from_str::<Value>(&text).unwrap().to_string();
    bench(c, "block_actions, keys sorted", &envelope_type, &sorted);
}

criterion_group!(benches, decode);
criterion_main!(benches);
