//! The end-to-end benchmarks: each runs the flood server and every client as separate
//! processes over loopback, in the same run and interleaved (repeat 1 of every client, then
//! repeat 2, ...), so that a noisy neighbour hits them all alike; figures are medians over the
//! repeats and ratios are against the floor measured in the same run.

pub mod pair;
pub mod process;
pub mod summary;

use std::time::Duration;

use pair::{Load, RunResult, Setup};

/// Every client, the floor first (ratios are taken against it): the floor with read-ahead
/// (the reference for `slackline listen`), slackline's drivers, and the `slackline listen`
/// command with its stdout read by another process, and with `--quiet`.
pub const CLIENTS: [&str; 8] = [
    "floor",
    "floor-read-ahead",
    "tokio",
    "smol",
    "async-std",
    "blocking",
    "listen",
    "listen-quiet",
];

/// What a bench runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub clients: Vec<String>,
    pub repeats: u32,
    pub quick: bool,
    /// Throughput and soak: envelopes per run (default 200,000 / 2,000,000; quick 20,000 / 100,000).
    pub envelopes: Option<u64>,
    /// Latency: seconds at the paced rate (default 10; quick 1).
    pub seconds: Option<u64>,
    pub rate: u32,
    pub max_unacked: u32,
}

/// Which bench.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bench {
    /// 200,000 envelopes, at most 1000 unacked: acks/s, CPU per envelope, peak RSS.
    Throughput,
    /// Paced at 1000/s: ack latency p50 / p99 / max.
    Latency,
    /// One long run cut into slices: acks/s per slice and memory over time.
    Soak,
}

impl Bench {
    pub fn name(self) -> &'static str {
        match self {
            Bench::Throughput => "throughput",
            Bench::Latency => "latency",
            Bench::Soak => "soak",
        }
    }

    fn load(self, options: &Options) -> Load {
        let quick = options.quick;
        match self {
            Bench::Throughput => Load {
                envelopes: options
                    .envelopes
                    .unwrap_or(if quick { 20_000 } else { 200_000 }),
                max_unacked: options.max_unacked,
                rate: None,
                slices: 10,
                timeout: Duration::from_secs(120),
                sample_every: None,
            },
            Bench::Latency => {
                let seconds = options.seconds.unwrap_or(if quick { 1 } else { 10 });
                Load {
                    envelopes: u64::from(options.rate) * seconds,
                    max_unacked: options.max_unacked,
                    rate: Some(options.rate),
                    slices: 10,
                    timeout: Duration::from_secs(seconds * 3 + 60),
                    sample_every: None,
                }
            }
            Bench::Soak => Load {
                envelopes: options
                    .envelopes
                    .unwrap_or(if quick { 100_000 } else { 2_000_000 }),
                max_unacked: options.max_unacked,
                rate: None,
                slices: 20,
                timeout: Duration::from_secs(600),
                sample_every: Some(Duration::from_millis(if quick { 50 } else { 250 })),
            },
        }
    }

    /// The soak is one long run per client; the others repeat.
    fn repeats(self, options: &Options) -> u32 {
        match self {
            Bench::Soak => 1,
            _ => options.repeats.max(1),
        }
    }
}

/// Runs `bench` for every client, `repeats` times, interleaved. A run that fails (a client
/// that does not finish) is an error: the machinery is broken, whatever the timings.
pub fn run(bench: Bench, setup: &Setup, options: &Options) -> Result<Vec<RunResult>, String> {
    let load = bench.load(options);
    let repeats = bench.repeats(options);
    let mut results = Vec::new();
    for repeat in 1..=repeats {
        for client in &options.clients {
            eprint!(
                "{} {repeat}/{repeats} {client}: {} envelopes{} ... ",
                bench.name(),
                load.envelopes,
                load.rate.map_or(String::new(), |r| format!(" at {r}/s"))
            );
            let result = pair::run(setup, client, &load)
                .map_err(|e| format!("{} run of {client}: {e}", bench.name()))?;
            eprintln!(
                "{:.0} acks/s, p50 {:.0} us, p99 {:.0} us, client CPU {:.2} s, server CPU {:.2} s",
                result.acks_per_s,
                result.latency_p50_us,
                result.latency_p99_us,
                result.client_cpu_s,
                result.server_cpu_s
            );
            results.push(result);
        }
    }
    Ok(results)
}
