//! The end-to-end benchmarks, one command each:
//!
//! ```text
//! cargo run --release -p slackline-bench --bin e2e -- throughput   # 200,000 envelopes, <= 1000 unacked
//! cargo run --release -p slackline-bench --bin e2e -- latency      # paced 1000/s for 10 s
//! cargo run --release -p slackline-bench --bin e2e -- soak         # 2,000,000 envelopes in 20 slices
//! cargo run --release -p slackline-bench --bin e2e -- all --quick  # everything, small counts (CI)
//! ```
//!
//! Each run starts `slackline serve DIR --flood N` and one `bench-client KIND API_URL N` as
//! separate processes on loopback (floor, tokio, smol, async-std, blocking, interleaved over
//! the repeats), then prints Markdown tables of medians, ratios to the floor of the same run,
//! and the issue's goals, met or missed. Timings are reported, never asserted.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use slackline_bench::harness::pair::Setup;
use slackline_bench::harness::{self, process, summary, Bench, Options, CLIENTS};

#[derive(Parser, Debug)]
#[command(about = "End-to-end benchmarks of slackline over loopback, against the floor")]
struct Args {
    /// Which bench.
    #[arg(value_enum, default_value_t = Which::All)]
    bench: Which,
    /// Small counts, one repeat: checks the machinery in seconds (what CI runs).
    #[arg(long)]
    quick: bool,
    /// Repeats of each client (medians are reported); the soak always runs once.
    #[arg(long, default_value_t = 5)]
    repeats: u32,
    /// Clients to run, comma-separated (the floor is needed for ratios).
    #[arg(long, value_delimiter = ',', default_values_t = CLIENTS.map(String::from))]
    clients: Vec<String>,
    /// Envelopes per run for throughput and soak.
    #[arg(long)]
    envelopes: Option<u64>,
    /// Seconds of paced load for latency.
    #[arg(long)]
    seconds: Option<u64>,
    /// The paced rate for latency, envelopes per second.
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// At most this many unacked envelopes.
    #[arg(long, default_value_t = 1000)]
    max_unacked: u32,
    /// The recorded envelopes to flood.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/traffic/socket-mode"))]
    traffic: PathBuf,
    /// Also write every run and the summaries as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Do not build the server and client binaries first.
    #[arg(long)]
    no_build: bool,
    /// Show the server's and clients' stderr.
    #[arg(long)]
    verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    Throughput,
    Latency,
    Soak,
    All,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if !args.no_build {
        process::build_binaries()?;
    }
    let setup = Setup {
        server: process::sibling("slackline")?,
        client: process::sibling("bench-client")?,
        traffic: args.traffic.clone(),
        verbose: args.verbose,
    };
    let options = Options {
        clients: args.clients.clone(),
        repeats: if args.quick { 1 } else { args.repeats },
        quick: args.quick,
        envelopes: args.envelopes,
        seconds: args.seconds,
        rate: args.rate,
        max_unacked: args.max_unacked,
    };
    let benches: &[Bench] = match args.bench {
        Which::Throughput => &[Bench::Throughput],
        Which::Latency => &[Bench::Latency],
        Which::Soak => &[Bench::Soak],
        Which::All => &[Bench::Throughput, Bench::Latency, Bench::Soak],
    };
    println!("{}", machine());
    if cfg!(debug_assertions) {
        println!("**debug build: these figures mean nothing; use --release**\n");
    }
    let mut json = serde_json::Map::new();
    let (mut throughput, mut latency, mut soak) = (None, None, None);
    for &bench in benches {
        let results = harness::run(bench, &setup, &options)?;
        let rows = summary::summarize(&results, &options.clients);
        let (title, table) = match bench {
            Bench::Throughput => ("Throughput", summary::throughput_table(&rows)),
            Bench::Latency => ("Latency", summary::latency_table(&rows)),
            Bench::Soak => ("Soak (flatness)", summary::soak_table(&rows)),
        };
        let envelope_bytes = results.first().map_or(0, |r| r.mean_frame_bytes);
        println!(
            "### {title}\n\nmean envelope {envelope_bytes} bytes; {}\n\n{table}",
            load_note(bench, &options)
        );
        json.insert(
            bench.name().into(),
            serde_json::json!({ "runs": results, "summary": rows }),
        );
        match bench {
            Bench::Throughput => throughput = Some(rows),
            Bench::Latency => latency = Some(rows),
            Bench::Soak => soak = Some(rows),
        }
    }
    println!(
        "### Goals\n\n{}",
        summary::goals(throughput.as_deref(), latency.as_deref(), soak.as_deref())
    );
    println!("load average after: {}", loadavg());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn load_note(bench: Bench, options: &Options) -> String {
    let repeats = if bench == Bench::Soak {
        1
    } else {
        options.repeats
    };
    format!(
        "at most {} unacked; {} run(s) per client, interleaved; medians",
        options.max_unacked, repeats
    )
}

/// The machine, as `BENCHMARKS.md` describes it.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    format!(
        "machine: {cpus} CPUs ({model}), Linux {kernel}; load average before: {}\n",
        loadavg()
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
