//! One measurement: a flood server and one client, each in its own process on loopback, and
//! what both report (the server: acks/s and ack latency on its clock, its CPU time; the
//! client: its CPU time and peak memory), with the client sampled from `/proc` as it runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::process::{sample, Sample, Spawned};

/// What the server is asked to do.
#[derive(Clone, Debug)]
pub struct Load {
    pub envelopes: u64,
    pub max_unacked: u32,
    /// Envelopes per second, or `None` for as fast as acked.
    pub rate: Option<u32>,
    pub slices: u32,
    /// Bound on the whole run.
    pub timeout: Duration,
    /// Sample the client this often (`None`: never).
    pub sample_every: Option<Duration>,
}

/// Where the binaries and the recorded envelopes are.
#[derive(Clone, Debug)]
pub struct Setup {
    pub server: PathBuf,
    pub client: PathBuf,
    pub traffic: PathBuf,
    pub verbose: bool,
}

/// One client's run against one flood.
#[derive(Clone, Debug, Serialize)]
pub struct RunResult {
    pub client: String,
    pub acks: u64,
    /// Acks per second, on the server's clock (first frame written to last ack read).
    pub acks_per_s: f64,
    pub latency_p50_us: f64,
    pub latency_p99_us: f64,
    pub latency_max_us: f64,
    /// Acks per second of each slice of the run, in order.
    pub slice_acks_per_s: Vec<f64>,
    pub client_cpu_s: f64,
    pub client_peak_rss_kib: u64,
    pub server_cpu_s: f64,
    pub elapsed_s: f64,
    pub mean_frame_bytes: u64,
    /// The client's CPU and memory over time (soak runs).
    pub samples: Vec<Sample>,
}

impl RunResult {
    pub fn client_cpu_us_per_envelope(&self) -> f64 {
        self.client_cpu_s * 1e6 / self.acks.max(1) as f64
    }

    pub fn server_cpu_us_per_envelope(&self) -> f64 {
        self.server_cpu_s * 1e6 / self.acks.max(1) as f64
    }
}

/// Runs `client` against a fresh flood server.
pub fn run(setup: &Setup, client: &str, load: &Load) -> Result<RunResult, String> {
    let server = start_server(setup, load)?;
    let first = server.line(Duration::from_secs(30))?;
    let first: Value =
        serde_json::from_str(&first).map_err(|e| format!("server's first line: {e}: {first}"))?;
    let api_url = first["api_url"]
        .as_str()
        .ok_or("server's first line has no api_url")?
        .to_owned();
    let args = vec![client.to_owned(), api_url, load.envelopes.to_string()];
    let mut running = Spawned::start(client, &setup.client, &args, setup.verbose)?;
    let started = Instant::now();
    let mut samples = Vec::new();
    if let Some(every) = load.sample_every {
        let pid = running.pid();
        while !running.has_exited() && started.elapsed() < load.timeout {
            samples.extend(sample(pid, started));
            running.wait_output(every);
        }
    }
    let client_line = running.finish(load.timeout.saturating_sub(started.elapsed()))?;
    let server_line = server.finish(Duration::from_secs(30))?;
    let client: Value = serde_json::from_str(&client_line)
        .map_err(|e| format!("client report: {e}: {client_line}"))?;
    let server: Value = serde_json::from_str(&server_line)
        .map_err(|e| format!("server report: {e}: {server_line}"))?;
    combine(&client, &server, samples)
}

fn start_server(setup: &Setup, load: &Load) -> Result<Spawned, String> {
    let mut args = vec![
        "serve".to_owned(),
        path_arg(&setup.traffic),
        "--flood".into(),
        load.envelopes.to_string(),
        "--max-unacked".into(),
        load.max_unacked.to_string(),
        "--slices".into(),
        load.slices.to_string(),
        "--timeout".into(),
        format!("{}s", load.timeout.as_secs().max(1)),
    ];
    if let Some(rate) = load.rate {
        args.extend(["--rate".into(), rate.to_string()]);
    }
    Spawned::start("server", &setup.server, &args, setup.verbose)
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

fn combine(client: &Value, server: &Value, samples: Vec<Sample>) -> Result<RunResult, String> {
    let flood = &server["flood"];
    let number = |v: &Value, what: &str| {
        v.as_f64()
            .ok_or_else(|| format!("report has no number `{what}`: {v}"))
    };
    if flood["finished"] != Value::Bool(true) {
        return Err(format!("the flood did not finish: {flood}"));
    }
    let slices = flood["slices"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["acks_per_s"].as_f64()).collect())
        .unwrap_or_default();
    Ok(RunResult {
        client: client["kind"].as_str().unwrap_or("?").to_owned(),
        acks: flood["acked"].as_u64().unwrap_or(0),
        acks_per_s: number(&flood["acks_per_s"], "acks_per_s")?,
        latency_p50_us: number(&flood["latency_us"]["p50"], "p50")?,
        latency_p99_us: number(&flood["latency_us"]["p99"], "p99")?,
        latency_max_us: number(&flood["latency_us"]["max"], "max")?,
        slice_acks_per_s: slices,
        client_cpu_s: number(&client["cpu_user_s"], "cpu_user_s")?
            + number(&client["cpu_system_s"], "cpu_system_s")?,
        client_peak_rss_kib: client["peak_rss_kib"].as_u64().unwrap_or(0),
        server_cpu_s: number(&server["server_cpu_s"], "server_cpu_s")?,
        elapsed_s: number(&flood["elapsed_s"], "elapsed_s")?,
        mean_frame_bytes: flood["mean_frame_bytes"].as_u64().unwrap_or(0),
        samples,
    })
}
