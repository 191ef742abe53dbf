//! Medians over repeats, ratios against the floor of the same run, and the tables and goal
//! checks `BENCHMARKS.md` quotes. Goals are reported, never asserted: a benchmark informs, a
//! noisy machine must not fail a build.

use std::fmt::Write as _;

use serde::Serialize;

use super::pair::RunResult;

/// One client's figures over the repeats of one bench.
#[derive(Clone, Debug, Serialize)]
pub struct ClientSummary {
    pub client: String,
    pub runs: usize,
    pub acks_per_s: f64,
    /// acks/s over the floor's (same run, medians).
    pub ratio_to_floor: Option<f64>,
    /// acks/s over the floor with read-ahead's (same run, medians): what `slackline listen`
    /// is measured against.
    pub ratio_to_read_ahead: Option<f64>,
    /// The same ratio taken within each repeat (this client's run over the floor with
    /// read-ahead's run of the same repeat, seconds apart): the median and the range. The
    /// host's speed drifts between repeats (the floor itself varies 2x over minutes), and a
    /// ratio within a repeat leaves most of that drift out.
    pub paired_to_read_ahead: Option<Spread>,
    pub latency_p50_us: f64,
    pub latency_p99_us: f64,
    /// The largest max over the repeats.
    pub latency_max_us: f64,
    pub client_cpu_us_per_envelope: f64,
    pub server_cpu_us_per_envelope: f64,
    /// Server CPU time over the flood's duration: the share of one core it used.
    pub server_cpu_share: f64,
    /// The largest peak RSS over the repeats.
    pub peak_rss_kib: u64,
    /// Soak: acks/s of each slice of the (single) run.
    pub slices: Vec<f64>,
    /// Soak: the client's RSS when a tenth of the run was done, and at the end.
    pub rss_early_kib: u64,
    pub rss_end_kib: u64,
}

/// A median and the range it came from.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    fn of(values: &mut [f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        Some(Spread {
            median: median(values),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Per-client medians, in `clients` order.
pub fn summarize(results: &[RunResult], clients: &[String]) -> Vec<ClientSummary> {
    let mut out: Vec<ClientSummary> = clients
        .iter()
        .filter_map(|client| {
            let runs: Vec<&RunResult> = results.iter().filter(|r| &r.client == client).collect();
            let first = runs.first()?;
            let med = |f: &dyn Fn(&RunResult) -> f64| {
                median(&mut runs.iter().map(|r| f(r)).collect::<Vec<_>>())
            };
            let samples = &first.samples;
            // Warmed up: the largest RSS over the second quarter of the run (the first samples
            // are taken while the process is still starting), to compare with the end.
            let quarter = samples.len() / 4;
            let early = samples
                .iter()
                .skip(quarter)
                .take(quarter.max(1))
                .map(|s| s.rss_kib)
                .max()
                .unwrap_or(0);
            Some(ClientSummary {
                client: client.clone(),
                runs: runs.len(),
                acks_per_s: med(&|r| r.acks_per_s),
                ratio_to_floor: None,
                ratio_to_read_ahead: None,
                paired_to_read_ahead: None,
                latency_p50_us: med(&|r| r.latency_p50_us),
                latency_p99_us: med(&|r| r.latency_p99_us),
                latency_max_us: runs.iter().map(|r| r.latency_max_us).fold(0.0, f64::max),
                client_cpu_us_per_envelope: med(&|r| r.client_cpu_us_per_envelope()),
                server_cpu_us_per_envelope: med(&|r| r.server_cpu_us_per_envelope()),
                server_cpu_share: med(&|r| r.server_cpu_s / r.elapsed_s.max(1e-9)),
                peak_rss_kib: runs
                    .iter()
                    .map(|r| r.client_peak_rss_kib)
                    .max()
                    .unwrap_or(0),
                slices: first.slice_acks_per_s.clone(),
                rss_early_kib: early,
                rss_end_kib: samples.last().map_or(0, |s| s.rss_kib),
            })
        })
        .collect();
    let floor = out
        .iter()
        .find(|s| s.client == "floor")
        .map(|s| s.acks_per_s);
    if let Some(floor) = floor.filter(|f| *f > 0.0) {
        for s in &mut out {
            s.ratio_to_floor = Some(s.acks_per_s / floor);
        }
    }
    let read_ahead = out
        .iter()
        .find(|s| s.client == "floor-read-ahead")
        .map(|s| s.acks_per_s);
    if let Some(read_ahead) = read_ahead.filter(|f| *f > 0.0) {
        for s in &mut out {
            s.ratio_to_read_ahead = Some(s.acks_per_s / read_ahead);
        }
    }
    for s in &mut out {
        s.paired_to_read_ahead = Spread::of(&mut paired_ratios(results, clients, &s.client));
    }
    out
}

/// `client`'s acks/s over floor-read-ahead's, repeat by repeat. The runs come repeat by
/// repeat, every client once in each (see `harness::run`); a repeat without both gives none.
fn paired_ratios(results: &[RunResult], clients: &[String], client: &str) -> Vec<f64> {
    results
        .chunks(clients.len().max(1))
        .filter_map(|repeat| {
            let acks_per_s = |c: &str| repeat.iter().find(|r| r.client == c).map(|r| r.acks_per_s);
            let floor = acks_per_s("floor-read-ahead").filter(|f| *f > 0.0)?;
            Some(acks_per_s(client)? / floor)
        })
        .collect()
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{r:.2}x"))
}

/// `0.31x (0.27–0.35x)`: a median and its range.
fn spread(s: Option<Spread>) -> String {
    s.map_or_else(
        || "-".into(),
        |s| format!("{:.2}x ({:.2}–{:.2}x)", s.median, s.min, s.max),
    )
}

pub fn throughput_table(rows: &[ClientSummary]) -> String {
    let mut t = String::from(
        "| client | acks/s (median) | x floor | x floor-read-ahead | x floor-read-ahead, within each repeat | client CPU us/envelope | server CPU us/envelope | server CPU share of a core | peak RSS MiB | runs |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {:.0} | {} | {} | {} | {:.2} | {:.2} | {:.0}% | {} | {} |",
            r.client,
            r.acks_per_s,
            ratio(r.ratio_to_floor),
            ratio(r.ratio_to_read_ahead),
            spread(r.paired_to_read_ahead),
            r.client_cpu_us_per_envelope,
            r.server_cpu_us_per_envelope,
            r.server_cpu_share * 100.0,
            mib(r.peak_rss_kib),
            r.runs
        );
    }
    t
}

pub fn latency_table(rows: &[ClientSummary]) -> String {
    let floor_p50 = rows
        .iter()
        .find(|r| r.client == "floor")
        .map(|r| r.latency_p50_us);
    let mut t = String::from(
        "| client | p50 us (median) | p50 x floor | p99 us (median) | max us (worst) | client CPU us/envelope | peak RSS MiB | runs |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {:.0} | {} | {:.0} | {:.0} | {:.2} | {} | {} |",
            r.client,
            r.latency_p50_us,
            ratio(floor_p50.filter(|f| *f > 0.0).map(|f| r.latency_p50_us / f)),
            r.latency_p99_us,
            r.latency_max_us,
            r.client_cpu_us_per_envelope,
            mib(r.peak_rss_kib),
            r.runs
        );
    }
    t
}

/// Flatness: the slices' acks/s (the first includes connection warm-up), and memory.
pub fn soak_table(rows: &[ClientSummary]) -> String {
    let mut t = String::from(
        "| client | acks/s: 2nd slice | median slice | last slice | last / median | RSS MiB warmed up -> end |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let second = r.slices.get(1).copied().unwrap_or(0.0);
        let last = r.slices.last().copied().unwrap_or(0.0);
        let med = median(&mut r.slices.clone());
        let _ = writeln!(
            t,
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} | {} -> {} |",
            r.client,
            second,
            med,
            last,
            last / med.max(1e-9),
            mib(r.rss_early_kib),
            mib(r.rss_end_kib)
        );
    }
    t
}

/// The goals, checked against this run's medians.
pub fn goals(
    throughput: Option<&[ClientSummary]>,
    latency: Option<&[ClientSummary]>,
    soak: Option<&[ClientSummary]>,
) -> String {
    let mut t = String::from("| goal | measured | |\n|---|---|---|\n");
    let mut line = |goal: &str, measured: String, met: bool| {
        let _ = writeln!(
            t,
            "| {goal} | {measured} | {} |",
            if met { "met" } else { "**missed**" }
        );
    };
    let find = |rows: &[ClientSummary], c: &str| rows.iter().find(|r| r.client == c).cloned();
    if let Some(rows) = throughput {
        if let Some(tokio) = find(rows, "tokio") {
            if let Some(ratio) = tokio.ratio_to_floor {
                line(
                    "tokio >= 0.5x the floor's acks/s",
                    format!("{ratio:.2}x"),
                    ratio >= 0.5,
                );
            }
            for r in rows
                .iter()
                .filter(|r| is_driver(&r.client) && r.client != "tokio")
            {
                let slower = tokio.acks_per_s / r.acks_per_s.max(1e-9);
                line(
                    &format!("{} within 1.5x of tokio", r.client),
                    format!("tokio / {} = {slower:.2}", r.client),
                    slower <= 1.5,
                );
            }
        }
    }
    if let Some(rows) = throughput {
        for r in rows.iter().filter(|r| is_command(&r.client)) {
            match r.ratio_to_read_ahead {
                Some(ratio) => line(
                    &format!("{} >= 0.5x floor-read-ahead's acks/s", r.client),
                    format!(
                        "{ratio:.2}x (within each repeat: {})",
                        spread(r.paired_to_read_ahead)
                    ),
                    ratio >= 0.5,
                ),
                None => line(
                    &format!("{} >= 0.5x floor-read-ahead's acks/s", r.client),
                    "floor-read-ahead not run".into(),
                    false,
                ),
            }
        }
    }
    if let Some(rows) = latency {
        let floor = find(rows, "floor").map(|r| r.latency_p50_us);
        for r in rows.iter().filter(|r| is_driver(&r.client)) {
            if let Some(floor) = floor.filter(|f| *f > 0.0) {
                let x = r.latency_p50_us / floor;
                line(
                    &format!("{}: p50 <= 1.5x the floor's at 1000/s", r.client),
                    format!("{:.0} us = {x:.2}x", r.latency_p50_us),
                    x <= 1.5,
                );
            }
            line(
                &format!("{}: p99 <= 200 us at 1000/s", r.client),
                format!("{:.0} us", r.latency_p99_us),
                r.latency_p99_us <= 200.0,
            );
        }
    }
    for rows in [throughput, latency, soak].into_iter().flatten().take(1) {
        for r in rows.iter().filter(|r| !is_reference(&r.client)) {
            // The command's goal is tighter than the drivers' (issue 14).
            let limit = if is_command(&r.client) { 6 } else { 8 };
            line(
                &format!("{}: peak RSS <= {limit} MiB", r.client),
                format!("{} MiB", mib(r.peak_rss_kib)),
                r.peak_rss_kib <= limit * 1024,
            );
        }
    }
    if let Some(rows) = soak {
        for r in rows.iter().filter(|r| !is_reference(&r.client)) {
            let med = median(&mut r.slices.clone());
            let last = r.slices.last().copied().unwrap_or(0.0);
            let flat = last >= 0.8 * med;
            let grew = r.rss_end_kib > r.rss_early_kib + 1024;
            line(
                &format!(
                    "{}: flat (last slice >= 0.8x median; RSS growth < 1 MiB)",
                    r.client
                ),
                format!(
                    "last/median {:.2}, RSS {} -> {} MiB",
                    last / med.max(1e-9),
                    mib(r.rss_early_kib),
                    mib(r.rss_end_kib)
                ),
                flat && !grew,
            );
        }
    }
    t
}

/// The floor and its read-ahead variant are references, not slackline clients: no goals apply.
fn is_reference(client: &str) -> bool {
    client.starts_with("floor")
}

/// `slackline listen`, the command (its goals are against floor-read-ahead).
fn is_command(client: &str) -> bool {
    client.starts_with("listen")
}

/// slackline's drivers under a handler that does nothing (the drivers' goals).
fn is_driver(client: &str) -> bool {
    !is_reference(client) && !is_command(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(client: &str, acks_per_s: f64) -> RunResult {
        RunResult {
            client: client.into(),
            acks: 1000,
            acks_per_s,
            latency_p50_us: 0.0,
            latency_p99_us: 0.0,
            latency_max_us: 0.0,
            slice_acks_per_s: Vec::new(),
            client_cpu_s: 0.0,
            client_peak_rss_kib: 0,
            server_cpu_s: 0.0,
            elapsed_s: 1.0,
            mean_frame_bytes: 0,
            samples: Vec::new(),
        }
    }

    #[test]
    fn ratios_within_a_repeat_leave_the_hosts_drift_out() {
        let clients = ["floor-read-ahead".to_owned(), "listen".to_owned()];
        // The host runs at full speed, then at half (the second repeat), then at full again.
        let results = [
            run("floor-read-ahead", 1000.0),
            run("listen", 400.0),
            run("floor-read-ahead", 500.0),
            run("listen", 250.0),
            run("floor-read-ahead", 1000.0),
            run("listen", 300.0),
        ];
        let rows = summarize(&results, &clients);
        let listen = &rows[1];
        let paired = listen.paired_to_read_ahead.unwrap();
        // 0.4, 0.5 and 0.3 within the repeats; the medians (300 over 1000) mix repeats.
        assert_eq!((paired.median, paired.min, paired.max), (0.4, 0.3, 0.5));
        assert_eq!(listen.ratio_to_read_ahead, Some(0.3));
        assert_eq!(spread(Some(paired)), "0.40x (0.30–0.50x)");
        // Without the reference in the run there is nothing to pair with.
        let alone = summarize(&results[1..2], &clients[1..]);
        assert!(alone[0].paired_to_read_ahead.is_none());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
