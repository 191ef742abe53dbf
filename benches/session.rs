//! Session throughput on the recorded envelopes against `serde_json::from_slice::<Value>` over
//! the same bytes, measured in the same run. `cargo bench --bench session`.

use slackline_test_support::workload as common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn envelopes(c: &mut Criterion) {
    let mut workload = common::Workload::new();
    let frames = workload.frames.clone();
    let size = common::mean_size(&frames) as u64;
    // Warm up to the steady state: the dedupe window full, every buffer at its working size.
    for _ in 0..2 * common::FRAMES {
        workload.feed_one();
    }

    let mut group = c.benchmark_group("envelope");
    group.throughput(Throughput::Elements(1));
    group.bench_function("session (scan, dedupe, ack, dispatch)", |b| {
        b.iter(|| workload.feed_one())
    });
    let mut next = 0;
    group.bench_function("baseline: serde_json::Value", |b| {
        b.iter(|| {
            next = (next + 1) % frames.len();
            serde_json::from_slice::<serde_json::Value>(&frames[next]).unwrap()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("envelope bytes");
    group.throughput(Throughput::Bytes(size));
    group.bench_function("session", |b| b.iter(|| workload.feed_one()));
    group.finish();
}

criterion_group!(benches, envelopes);
criterion_main!(benches);
