//! End-to-end benchmark clients. Each runs in its own process so that its CPU time and peak
//! memory are its own, and reports one JSON line on stdout.

pub mod blocking_client;
pub mod floor;
pub mod harness;
pub mod listen_client;
mod open;
pub mod resources;
pub mod slackline_client;

/// The app token every bench client presents (the fake accepts any of the right kind).
pub const BENCH_TOKEN: &str = "xapp-1-A0BENCH-1-bench";

use std::time::Duration;

/// What a client reports when it is done.
#[derive(Clone, Debug)]
pub struct ClientReport {
    /// Which client ran (`floor`, `tokio`, ...).
    pub kind: String,
    /// Envelopes acked.
    pub acks: u64,
    /// From the first envelope received to the last ack written.
    pub elapsed: Duration,
    /// CPU time and peak memory of this process.
    pub usage: resources::Usage,
}

impl ClientReport {
    /// The report as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.kind,
            "acks": self.acks,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "acks_per_s": self.acks as f64 / self.elapsed.as_secs_f64().max(1e-9),
            "cpu_user_s": self.usage.user.as_secs_f64(),
            "cpu_system_s": self.usage.system.as_secs_f64(),
            "peak_rss_kib": self.usage.peak_rss_kib,
        })
    }
}
