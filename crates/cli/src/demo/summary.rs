//! The table at the end of the demo: envelopes by type, ack latency, duplicates, reconnects,
//! replies, how it ended, and the verdict.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use slackline_fake::{AckOutcome, Verdict};

/// What the client side counted.
#[derive(Debug, Default)]
pub struct ClientCounts {
    pub duplicates: u64,
    pub stop: Option<String>,
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[derive(Default)]
struct Row {
    delivered: u64,
    acked: u64,
    with_payload: u64,
    redelivered: u64,
}

pub fn render(
    verdict: &Verdict,
    latencies: &[(String, Duration)],
    client: &ClientCounts,
) -> String {
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    let mut total = Row::default();
    for d in &verdict.envelopes {
        let row = rows.entry(d.kind.as_str()).or_default();
        for r in [&mut *row, &mut total] {
            r.delivered += 1;
            r.acked += u64::from(d.outcome == AckOutcome::Acked);
            r.with_payload += u64::from(d.ack_payload);
            r.redelivered += u64::from(d.retry_attempt > 0);
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "\nSummary");
    let _ = writeln!(
        out,
        "  {:<16} {:>10} {:>7} {:>17} {:>13}",
        "envelopes", "delivered", "acked", "answered in ack", "redelivered"
    );
    let mut line = |name: &str, r: &Row| {
        let _ = writeln!(
            out,
            "  {:<16} {:>10} {:>7} {:>17} {:>13}",
            name, r.delivered, r.acked, r.with_payload, r.redelivered
        );
    };
    for (kind, row) in &rows {
        line(kind, row);
    }
    line("all", &total);
    let mut sorted: Vec<Duration> = latencies.iter().map(|(_, d)| *d).collect();
    sorted.sort();
    let ack = match (sorted.get(sorted.len() / 2), sorted.last()) {
        (Some(median), Some(max)) => format!(
            "median {}, max {} over {} acks (server clock: frame written to ack read)",
            ms(*median),
            ms(*max),
            sorted.len()
        ),
        _ => "no acks measured".into(),
    };
    let c = &verdict.connections;
    let reconnects = c.opened.saturating_sub(1);
    let posted = verdict.posted.len();
    let violations = verdict.violations.len();
    let rows = [
        ("ack latency", ack),
        (
            "duplicates",
            format!(
                "{} redelivery acked and not dispatched again",
                client.duplicates
            ),
        ),
        (
            "reconnects",
            format!(
                "{reconnects} ({} connections opened, at most {} at once: new one first, then the old one closed)",
                c.opened, c.max_concurrent
            ),
        ),
        ("replies", format!("{posted} message posted with chat.postMessage")),
        (
            "end",
            client
                .stop
                .clone()
                .unwrap_or_else(|| "the client is still running".into()),
        ),
        (
            "verdict",
            if verdict.ok {
                "ok: every envelope acked once and in time, no rule broken".into()
            } else {
                format!("FAILED with {violations} violations:\n{}", verdict.summary_text())
            },
        ),
    ];
    for (name, text) in rows {
        let _ = writeln!(out, "  {name:<16} {text}");
    }
    out
}
