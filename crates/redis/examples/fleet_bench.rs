//! What Redis costs a listener, on loopback (BENCHMARKS.md, "Fleet"):
//!
//! 1. the claim itself: `SharedDedupe::claim` against `redis-server`, one at a time, p50/p99;
//! 2. `slackline listen` under `slackline serve --flood`: acks/s (at most 1000 unacked) and
//!    ack latency p50/p99 (paced at 1000/s), plain, with `--shared-dedupe`, and with `--to`
//!    (acks wait for the XADD), interleaved, medians of the repeats.
//!
//! `cargo build --release -p slackline-cli && cargo run --release -p slackline-redis --example fleet_bench [REPEATS]`
//! (`FSYNC=always` for Redis fsyncing its AOF on every write; default `everysec`)

#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use slackline_client::SharedDedupe;
use slackline_redis::RedisDedupe;
use slackline_test_support::redis::RedisServer;

const THROUGHPUT_N: u64 = 20_000;
const LATENCY_N: u64 = 5_000;
const CLAIMS: usize = 20_000;

fn main() {
    let repeats: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = root.join("target/release/slackline");
    assert!(
        bin.exists(),
        "build it first: cargo build --release -p slackline-cli"
    );
    let envelopes = root.join("tests/data/traffic/socket-mode");
    // Redis' default fsync policy for an AOF; `always` (what the tests use) costs an fsync
    // per write, milliseconds on this machine's disk.
    let fsync = std::env::var("FSYNC").unwrap_or_else(|_| "everysec".into());
    let redis = RedisServer::start_with_fsync(fsync.leak());
    println!(
        "redis-server on loopback, appendonly yes, appendfsync {}",
        std::env::var("FSYNC").unwrap_or_else(|_| "everysec".into())
    );

    let claim = claim_latency(&redis.url());
    println!(
        "claim (SET NX PX, one at a time, {CLAIMS}): p50 {:.1} us, p99 {:.1} us",
        claim.0, claim.1
    );

    let configs: [(&str, Vec<String>); 3] = [
        ("plain", vec![]),
        (
            "--shared-dedupe",
            vec!["--shared-dedupe".into(), redis.url()],
        ),
        (
            "--to",
            vec!["--to".into(), format!("{}/bench", redis.url())],
        ),
    ];
    let mut results: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); configs.len()];
    for _ in 0..repeats {
        for (i, (_, extra)) in configs.iter().enumerate() {
            redis.command(&["FLUSHALL"]);
            let acks = flood(
                &bin,
                &envelopes,
                extra,
                THROUGHPUT_N,
                &["--max-unacked", "1000"],
            );
            redis.command(&["FLUSHALL"]);
            let paced = flood(&bin, &envelopes, extra, LATENCY_N, &["--rate", "1000"]);
            results[i].push((acks["acks_per_s"], paced["p50"], paced["p99"]));
        }
    }
    let base = medians(&results[0]);
    println!("| listener | acks/s | ratio | ack p50 (us) | ratio | ack p99 (us) | ratio |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for ((name, _), runs) in configs.iter().zip(&results) {
        let m = medians(runs);
        println!(
            "| {name} | {:.0} | {:.2}x | {:.0} | {:.2}x | {:.0} | {:.2}x |",
            m.0,
            m.0 / base.0,
            m.1,
            m.1 / base.1,
            m.2,
            m.2 / base.2
        );
    }
}

fn medians(runs: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let median = |f: fn(&(f64, f64, f64)) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    (median(|r| r.0), median(|r| r.1), median(|r| r.2))
}

/// p50 and p99 of `CLAIMS` claims made one after another, in microseconds.
fn claim_latency(url: &str) -> (f64, f64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = RedisDedupe::new(url).unwrap();
        store.connect().await.unwrap();
        let dedupe = SharedDedupe::new(store);
        let mut took = Vec::with_capacity(CLAIMS);
        for i in 0..CLAIMS {
            let frame = format!(
                r#"{{"type":"events_api","envelope_id":"b{i}","payload":{{"event_id":"EvB{i}"}}}}"#
            );
            let envelope = slackline::Envelope::from_frame(
                frame,
                slackline::ConnId::from_raw(1),
                slackline::Instant::ZERO,
            )
            .unwrap();
            let started = Instant::now();
            assert!(dedupe.claim(&envelope).await);
            took.push(started.elapsed());
        }
        took.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        (us(took[took.len() / 2]), us(took[took.len() * 99 / 100]))
    })
}

/// One flood of `n` envelopes against one listener; the report's figures.
fn flood(
    bin: &Path,
    envelopes: &Path,
    extra: &[String],
    n: u64,
    pace: &[&str],
) -> std::collections::HashMap<&'static str, f64> {
    let mut server = Command::new(bin)
        .args([
            "serve",
            envelopes.to_str().unwrap(),
            "--flood",
            &n.to_string(),
        ])
        .args(pace)
        .args(["--timeout", "120s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    let api_url = serde_json::from_str::<Value>(&first).unwrap()["api_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut listener = Command::new(bin)
        .args(["listen", "--quiet", "--max-events", &n.to_string()])
        .args(extra)
        .env("SLACK_APP_TOKEN", "xapp-1-A0BENCH-1-benchsecret")
        .env("SLACK_API_URL", &api_url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    server.wait().unwrap();
    let _ = listener.kill();
    let _ = listener.wait();
    let report: Value = serde_json::from_str(rest.lines().last().unwrap()).unwrap();
    let mut figures = std::collections::HashMap::new();
    figures.insert("acks_per_s", find(&report, "acks_per_s").as_f64().unwrap());
    let latency = find(&report, "latency_us");
    figures.insert("p50", latency["p50"].as_f64().unwrap());
    figures.insert("p99", latency["p99"].as_f64().unwrap());
    figures
}

fn find<'a>(value: &'a Value, key: &str) -> &'a Value {
    if let Some(found) = value.get(key) {
        return found;
    }
    value
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
        .map(|v| find(v, key))
        .find(|v| !v.is_null())
        .unwrap_or(&Value::Null)
}
