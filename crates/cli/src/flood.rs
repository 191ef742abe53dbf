//! `slackline serve DIR --flood N`: the fake Slack as a load generator, for benchmarks. The
//! first Socket Mode connection gets N envelopes (the recorded `*.json` envelopes of DIR,
//! round robin, fresh ids on each), at most `--max-unacked` unacked, or paced at `--rate` per
//! second. The first line on stdout is the port, as for any `serve`; the last is the flood's
//! report (acks/s, ack latency p50/p99/max, slices) with the server's own CPU time.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use slackline_fake::flood::{Flood, FloodConfig, FloodReport, Pace};
use slackline_fake::{FakeConfig, Script, ScriptHeader};
use slackline_fake_server::{FakeServer, ServerConfig};

use crate::exit::Outcome;
use crate::ServeArgs;

#[derive(Args, Debug, Clone)]
pub struct FloodArgs {
    /// Benchmark mode: push N envelopes to the first Socket Mode connection, cycling through
    /// the envelope files of SCRIPT (a directory, or one file) with fresh ids each time, and
    /// print a report (acks/s, ack latency, the server's CPU time) as the last line.
    #[arg(long, value_name = "N")]
    pub flood: Option<u64>,
    /// Flood mode: at most this many envelopes unacked.
    #[arg(long, value_name = "N", default_value_t = slackline_fake::flood::DEFAULT_MAX_UNACKED, requires = "flood")]
    pub max_unacked: u32,
    /// Flood mode: send this many envelopes per second (default: as fast as they are acked).
    #[arg(long, value_name = "PER_SECOND", requires = "flood")]
    pub rate: Option<u32>,
    /// Flood mode: cut the report into this many slices (to show the cost stays flat).
    #[arg(long, value_name = "N", default_value_t = slackline_fake::flood::DEFAULT_SLICES, requires = "flood")]
    pub slices: u32,
}

/// What `serve --flood` prints last.
#[derive(serde::Serialize)]
struct Printed<'a> {
    flood: &'a FloodReport,
    /// The server process's CPU time (user + system), all of it, setup included.
    server_cpu_s: f64,
    /// That CPU time over the flood's duration: the share of one core the server used.
    server_cpu_share: f64,
    server_cpu_us_per_envelope: f64,
}

pub async fn run(args: ServeArgs, envelopes: u64) -> Outcome {
    flood(args, envelopes).await.into()
}

async fn flood(args: ServeArgs, envelopes: u64) -> anyhow::Result<Outcome> {
    let cpu_start = cpu_time::ProcessTime::try_now().ok();
    let files = envelope_files(&args.script)?;
    let pace = match args.flood.rate {
        Some(rate) => Pace::Rate(rate),
        None => Pace::Window,
    };
    let config = FloodConfig::new(envelopes)
        .max_unacked(args.flood.max_unacked)
        .pace(pace)
        .slices(args.flood.slices);
    let flood =
        Flood::new(config, files).map_err(|e| anyhow::anyhow!("{}: {e}", args.script.display()))?;
    let templates = flood.template_names().count();
    let mut fake = FakeConfig::new().with_report_limits(slackline_fake::ReportLimits::default());
    for token in args.accept_tokens.iter().filter(|t| !t.trim().is_empty()) {
        fake = fake.with_accepted_token(token.trim());
    }
    let config = ServerConfig::default()
        .port(args.port)
        .fake(fake)
        .limits(crate::serve::limits(&args))
        .flood(flood);
    let script = Script::new(ScriptHeader::default());
    let mut server = FakeServer::start(script, config)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let first =
        serde_json::json!({ "port": server.local_addr().port(), "api_url": server.api_url() });
    print_line(&first.to_string())?;
    eprintln!(
        "slackline serve: flooding {envelopes} envelopes ({templates} recorded ones, {pace:?}, at most {} unacked) at {}",
        args.flood.max_unacked,
        server.api_url()
    );
    let timeout = crate::serve::timeout(args.timeout);
    tokio::select! {
        finished = server.finished() => drop(finished?),
        () = timeout => eprintln!("slackline serve: --timeout reached before the flood ended"),
        () = crate::listen::signalled() => eprintln!("slackline serve: interrupted before the flood ended"),
    }
    // Stopping publishes the report of a flood still running (after a timeout, say).
    let (_, report) = server.shutdown_with_flood_report().await?;
    let report = report.context("no Socket Mode client connected: nothing was flooded")?;
    let cpu = cpu_start
        .and_then(|t| t.try_elapsed().ok())
        .unwrap_or(Duration::ZERO)
        .as_secs_f64();
    let printed = Printed {
        flood: &report,
        server_cpu_s: cpu,
        server_cpu_share: if report.elapsed_s > 0.0 {
            cpu / report.elapsed_s
        } else {
            0.0
        },
        server_cpu_us_per_envelope: if report.acked > 0 {
            cpu * 1e6 / report.acked as f64
        } else {
            0.0
        },
    };
    let json = serde_json::to_string(&printed).context("cannot encode the report")?;
    if let Some(path) = &args.report {
        std::fs::write(path, format!("{json}\n"))
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    print_line(&json)?;
    eprintln!(
        "slackline serve: {}/{} acked in {:.2} s: {:.0} acks/s, latency p50 {:.0} us, p99 {:.0} us, max {:.0} us; server CPU {:.2} s",
        report.acked,
        report.envelopes,
        report.elapsed_s,
        report.acks_per_s,
        report.latency_us.p50,
        report.latency_us.p99,
        report.latency_us.max,
        cpu
    );
    Ok(if report.finished {
        Outcome::Success
    } else {
        Outcome::ClientFailed
    })
}

fn print_line(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")
}

/// The frames to flood: the `*.json` files of a directory, or one file.
fn envelope_files(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {shown}"))?;
    let paths: Vec<std::path::PathBuf> = if meta.is_dir() {
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(path).with_context(|| format!("cannot read {shown}"))? {
            let p = entry
                .with_context(|| format!("cannot read {shown}"))?
                .path();
            if p.extension().is_some_and(|e| e == "json") && p.is_file() {
                paths.push(p);
            }
        }
        paths
    } else {
        vec![path.to_owned()]
    };
    if paths.is_empty() {
        bail!("{shown}: no *.json envelope files");
    }
    paths
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Ok((name, text))
        })
        .collect()
}
