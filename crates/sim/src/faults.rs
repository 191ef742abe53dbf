//! Fault schedules for the harness, as data: what the simulated network does to every packet
//! ([`NetFaults`]) and discrete faults at given times ([`Fault`]). A [`FaultPlan`] prints as
//! JSON lines and reads back, so a failing run can be saved, shrunk by hand and replayed.
//!
//! ```text
//! {"slackline_faults":1,"seed":7,"net":{"latency_ms":2,"jitter_ms":40,"drop_per_mille":2,"duplicate_per_mille":2,"corrupt_per_mille":1}}
//! {"at_ms":600000,"fault":"cut","conn":0,"direction":"both","server_notices_after_ms":90000}
//! {"at_ms":900000,"fault":"api_error","status":429,"retry_after_s":12,"times":2}
//! {"at_ms":1200000,"fault":"disconnect","reason":"too_many_websockets","socket":"oldest"}
//! {"at_ms":1500000,"fault":"refresh_after_hello","reason":"warning","duration_ms":600000}
//! {"at_ms":1800000,"fault":"echo","duration_ms":300000}
//! ```

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use slackline_fake::ViolationKind;

use crate::rng::Rng;

/// The fault-schedule format version this crate reads and writes.
pub const FAULTS_VERSION: u64 = 1;

/// What the simulated network does to every packet. Rates are per mille (per thousand packets).
///
/// The network keeps each direction of each connection in order (it models TCP): jitter delays
/// packets, and so reorders them across connections and against Web API calls, never within
/// one. Connection setup and teardown (handshakes, close frames) are delayed like everything
/// else but never dropped, duplicated or corrupted: losing those is what [`Fault::Cut`] models.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetFaults {
    /// One-way latency, in ms.
    pub latency_ms: u64,
    /// Extra one-way delay, uniform in `0..=jitter_ms`, drawn per packet.
    pub jitter_ms: u64,
    /// Text frames, pings, pongs and Web API requests and responses lost.
    pub drop_per_mille: u16,
    /// Frames from Slack delivered twice: the copy arrives on another open connection of the
    /// client when there is one (as Slack does with redeliveries), else on the same one.
    pub duplicate_per_mille: u16,
    /// Text frames with bytes changed or cut short on the way.
    pub corrupt_per_mille: u16,
}

impl Default for NetFaults {
    fn default() -> Self {
        NetFaults {
            latency_ms: 2,
            jitter_ms: 0,
            drop_per_mille: 0,
            duplicate_per_mille: 0,
            corrupt_per_mille: 0,
        }
    }
}

/// Which way packets stop flowing on a cut connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Nothing reaches Slack (acks, pings and the close frame are lost).
    ToServer,
    /// Nothing reaches the client (envelopes, pongs, close frames are lost).
    ToClient,
    /// Both.
    Both,
}

/// Which of Slack's sockets a fake-side fault picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The one opened first (the current connection).
    Oldest,
    /// The one opened last.
    Newest,
    /// Every open one.
    All,
}

/// One discrete fault. Network faults pick a connection by `conn`, an index into the client's
/// open connections (oldest first, modulo their number); fake-side faults are played by the
/// [`FakeSlack`](slackline_fake::FakeSlack) as an out-of-script step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Half-open: packets stop flowing silently in one or both directions (in-flight ones are
    /// lost too). Slack notices its end is dead after `server_notices_after_ms`; `None` leaves
    /// a ghost registration for the rest of the run.
    Cut {
        /// Which connection.
        conn: u8,
        /// Which way.
        direction: Direction,
        /// When Slack drops its end.
        server_notices_after_ms: Option<u64>,
    },
    /// The connection drops (TCP reset): both ends see it closed, without a close frame.
    Reset {
        /// Which connection.
        conn: u8,
    },
    /// Every packet is lost for a while, Web API calls included; handshakes and closes wait
    /// until it is over.
    Partition {
        /// How long.
        duration_ms: u64,
    },
    /// The next `times` connection URL requests (`apps.connections.open`, `rtm.connect`,
    /// `rtm.start`) fail: 429 with `Retry-After`, a 5xx, or a 200 with `ok:false` and `error`.
    ApiError {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, in seconds.
        #[serde(default)]
        retry_after_s: Option<u64>,
        /// Slack's error code (for a 200 or a 429).
        #[serde(default)]
        error: Option<String>,
        /// How many calls fail.
        times: u32,
    },
    /// The next `times` connection URL requests get no answer at all (the client times out).
    ApiNoAnswer {
        /// How many calls vanish.
        times: u32,
    },
    /// The next `times` WebSocket handshakes are refused with `status`.
    HandshakeFailure {
        /// HTTP status of the refused upgrade.
        status: u16,
        /// How many.
        times: u32,
    },
    /// Slack sends `{"type":"disconnect","reason":…}` (and closes the socket after its grace).
    Disconnect {
        /// `warning`, `refresh_requested`, `too_many_websockets`, `link_disabled`, or any other.
        reason: String,
        /// Where.
        socket: Which,
    },
    /// Slack closes a socket with a close frame.
    ServerClose {
        /// WebSocket close code.
        code: u16,
        /// Where.
        socket: Which,
    },
    /// Slack goes silent on a socket without closing it (its own half-open).
    Silence {
        /// Where.
        socket: Which,
    },
    /// A hostile server: for `duration_ms`, every `hello` is followed at once by `disconnect`
    /// with `reason` (on RTM sockets by `goodbye`), and the socket is closed after the grace
    /// period. Slack asks for a refresh after hours, not after every hello.
    RefreshAfterHello {
        /// The `disconnect` reason: `warning`, `refresh_requested`, or any other.
        reason: String,
        /// How long.
        duration_ms: u64,
    },
    /// A server that echoes: for `duration_ms`, every text frame the client sends (acks, RTM
    /// messages) comes back to it on the same socket, as with both Python SDK mock servers.
    Echo {
        /// How long.
        duration_ms: u64,
    },
    /// For `duration_ms`, every Socket Mode `hello` says `approximate_connection_time: secs`
    /// (one second, say), while the connection lives as long as it otherwise would.
    ConnectionTime {
        /// The lifetime announced, in seconds.
        secs: u64,
        /// How long.
        duration_ms: u64,
    },
    /// Slack delivers a scripted envelope again (by its label), as its retry would.
    Redeliver {
        /// The envelope step's label.
        label: String,
        /// With a fresh `envelope_id` (the same `event_id`).
        #[serde(default)]
        new_envelope_id: bool,
    },
}

impl Fault {
    /// Whether the fault can keep the client from having a live connection (everything but
    /// Slack's polite refresh notices, redeliveries, echoes and announced lifetimes).
    pub fn is_disruptive(&self) -> bool {
        match self {
            Fault::Disconnect { reason, .. } => {
                !matches!(reason.as_str(), "warning" | "refresh_requested")
            }
            Fault::Redeliver { .. } | Fault::Echo { .. } | Fault::ConnectionTime { .. } => false,
            _ => true,
        }
    }
}

/// A fault and when it happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedFault {
    /// Milliseconds since the start of the run.
    pub at_ms: u64,
    /// What.
    #[serde(flatten)]
    pub fault: Fault,
}

/// A whole fault schedule: the seed of the network's randomness (jitter, which packets are
/// dropped), the network's behaviour and the discrete faults, in time order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FaultPlan {
    /// Seeds the network's generator: the same plan gives the same run.
    pub seed: u64,
    /// Per-packet behaviour.
    pub net: NetFaults,
    /// Discrete faults (applied in time order whatever the order here).
    pub faults: Vec<TimedFault>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    slackline_faults: u64,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    net: NetFaults,
}

impl FaultPlan {
    /// Whether this plan's faults can make a correct client break the fake's rule `kind`:
    /// acks lost or sent on a connection that died (Slack redelivers), copies and corrupted
    /// frames acked, a `Retry-After` whose 429 was lost, ghost registrations of cut
    /// connections. A run under the plan is judged on the violations it does not excuse.
    pub fn excuses(&self, kind: &ViolationKind) -> bool {
        let net = &self.net;
        let has = |f: fn(&Fault) -> bool| self.faults.iter().any(|t| f(&t.fault));
        let lossy =
            net.drop_per_mille > 0 || net.corrupt_per_mille > 0 || has(|f| f.is_disruptive());
        match kind {
            // Acks lost or sent on a connection that died: Slack redelivers.
            ViolationKind::MissingAck { .. } => lossy,
            // Also: the ack of a duplicated frame lands on an earlier, expired delivery.
            ViolationKind::LateAck { .. } => lossy || net.duplicate_per_mille > 0,
            // A copy of a frame on the wire is acked as a delivery; a quote corrupted into an
            // id cuts it short into another one (`env-22` read as `env-2`), whose salvaged ack
            // repeats.
            ViolationKind::DuplicateAck { .. } => {
                net.duplicate_per_mille > 0 || net.corrupt_per_mille > 0
            }
            // A corrupted ack.
            ViolationKind::UnexpectedFrame { .. }
            | ViolationKind::UnknownAck { .. }
            | ViolationKind::RtmBadId { .. } => net.corrupt_per_mille > 0,
            // The 429 that said so was lost on its way.
            ViolationKind::IgnoredRetryAfter { .. } => {
                net.drop_per_mille > 0 || has(|f| matches!(f, Fault::Partition { .. }))
            }
            // A handshake held up by a partition for longer than an RTM URL lives.
            ViolationKind::ExpiredUrl { .. } => has(|f| matches!(f, Fault::Partition { .. })),
            // Ghost registrations of cut connections count until Slack notices.
            ViolationKind::TooManySockets { .. } => has(|f| matches!(f, Fault::Cut { .. })),
            _ => false,
        }
    }

    /// A plan with no faults: a clean network with `latency_ms` of one-way latency.
    pub fn clean(latency_ms: u64) -> Self {
        FaultPlan {
            seed: 0,
            net: NetFaults {
                latency_ms,
                ..NetFaults::default()
            },
            faults: Vec::new(),
        }
    }

    /// The plan as JSON lines: a header with the seed and the network, then one fault a line.
    pub fn to_jsonl(&self) -> String {
        let header = HeaderLine {
            slackline_faults: FAULTS_VERSION,
            seed: self.seed,
            net: self.net.clone(),
        };
        let mut out = serde_json::to_string(&header).unwrap_or_default();
        out.push('\n');
        for fault in &self.faults {
            out.push_str(&serde_json::to_string(fault).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// Reads [`to_jsonl`](Self::to_jsonl)'s format. Blank lines and `#` comments are skipped;
    /// errors name the line.
    pub fn parse(text: &str) -> Result<FaultPlan, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        let (n, first) = lines
            .next()
            .ok_or("empty fault plan: expected a header such as {\"slackline_faults\":1}")?;
        let header: HeaderLine =
            serde_json::from_str(first).map_err(|e| format!("line {n}: {e}"))?;
        if header.slackline_faults != FAULTS_VERSION {
            return Err(format!(
                "line {n}: fault plan version {} (this crate reads {FAULTS_VERSION})",
                header.slackline_faults
            ));
        }
        let faults = lines
            .map(|(n, line)| serde_json::from_str(line).map_err(|e| format!("line {n}: {e}")))
            .collect::<Result<Vec<TimedFault>, String>>()?;
        Ok(FaultPlan {
            seed: header.seed,
            net: header.net,
            faults,
        })
    }

    /// A random plan over `span` drawn from `profile` with `seed`: the network of the profile
    /// and about `profile.per_hour` discrete faults an hour, none in the last `profile.calm`
    /// of the span (so the run can settle). Redeliveries pick among `labels`.
    pub fn random(seed: u64, span: Duration, profile: &FaultProfile, labels: &[String]) -> Self {
        let mut rng = Rng::new(seed);
        let active = span.saturating_sub(profile.calm);
        let active_ms = u64::try_from(active.as_millis()).unwrap_or(u64::MAX);
        let count = (u128::from(profile.per_hour) * active.as_millis() / 3_600_000) as usize;
        let mut faults: Vec<TimedFault> = (0..count)
            .filter(|_| active_ms > 0)
            .map(|_| TimedFault {
                at_ms: rng.below(active_ms),
                fault: profile.draw(&mut rng, labels),
            })
            .collect();
        faults.sort_by_key(|f| f.at_ms);
        FaultPlan {
            seed,
            net: profile.net.clone(),
            faults,
        }
    }
}

impl fmt::Display for FaultPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_jsonl())
    }
}

/// What [`FaultPlan::random`] draws from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultProfile {
    /// The network.
    pub net: NetFaults,
    /// Discrete faults per simulated hour, on average.
    pub per_hour: u32,
    /// Only faults that leave a replacement connection able to connect (jitter, duplicates,
    /// Slack's refresh notices and redeliveries): no cuts, resets, partitions or failures.
    pub benign_only: bool,
    /// A quiet end of the span, for everything to settle.
    pub calm: Duration,
}

impl FaultProfile {
    /// A bad day, not a disaster: 40 ms of jitter, 0.2 % drops and duplicates, 0.1 %
    /// corruption, and six faults an hour of every kind but the fatal ones.
    pub fn moderate() -> Self {
        FaultProfile {
            net: NetFaults {
                latency_ms: 5,
                jitter_ms: 40,
                drop_per_mille: 2,
                duplicate_per_mille: 2,
                corrupt_per_mille: 1,
            },
            per_hour: 6,
            benign_only: false,
            calm: Duration::from_secs(600),
        }
    }

    /// Only what a well-behaved client rides through without a gap: jitter, duplicates,
    /// refresh notices and redeliveries.
    pub fn benign() -> Self {
        FaultProfile {
            net: NetFaults {
                latency_ms: 5,
                jitter_ms: 40,
                drop_per_mille: 0,
                duplicate_per_mille: 5,
                corrupt_per_mille: 0,
            },
            per_hour: 6,
            benign_only: true,
            calm: Duration::from_secs(600),
        }
    }

    fn draw(&self, rng: &mut Rng, labels: &[String]) -> Fault {
        let socket =
            |rng: &mut Rng| [Which::Oldest, Which::Newest, Which::All][rng.below(3) as usize];
        let conn = |rng: &mut Rng| rng.below(4) as u8;
        let kinds = if self.benign_only { 3 } else { 12 };
        match rng.below(kinds) {
            0 => Fault::Disconnect {
                reason: ["warning", "refresh_requested"][rng.below(2) as usize].into(),
                socket: socket(rng),
            },
            1 | 2 if !labels.is_empty() => Fault::Redeliver {
                label: labels[rng.below(labels.len() as u64) as usize].clone(),
                new_envelope_id: rng.below(4) == 0,
            },
            1 | 2 => Fault::Disconnect {
                reason: "warning".into(),
                socket: Which::Oldest,
            },
            3 => Fault::Cut {
                conn: conn(rng),
                direction: [Direction::Both, Direction::ToClient, Direction::ToServer]
                    [rng.below(3) as usize],
                server_notices_after_ms: Some(5_000 + rng.below(600_000)),
            },
            4 => Fault::Reset { conn: conn(rng) },
            5 => Fault::Partition {
                duration_ms: 1_000 + rng.below(60_000),
            },
            6 => Fault::ApiError {
                status: 429,
                retry_after_s: Some(1 + rng.below(40)),
                error: None,
                times: 1 + rng.below(3) as u32,
            },
            7 => Fault::ApiError {
                status: [500, 502, 503, 200][rng.below(4) as usize],
                retry_after_s: None,
                error: Some("internal_error".into()),
                times: 1 + rng.below(3) as u32,
            },
            8 => Fault::ApiNoAnswer {
                times: 1 + rng.below(2) as u32,
            },
            9 => Fault::HandshakeFailure {
                status: [404, 500, 503][rng.below(3) as usize],
                times: 1,
            },
            10 => Fault::Disconnect {
                reason: ["too_many_websockets", "server_restarting"][rng.below(2) as usize].into(),
                socket: socket(rng),
            },
            _ => match rng.below(2) {
                0 => Fault::ServerClose {
                    code: [1000, 1001, 1006, 1011][rng.below(4) as usize],
                    socket: socket(rng),
                },
                _ => Fault::Silence {
                    socket: socket(rng),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_prints_and_reads_back() {
        let labels: Vec<String> = (0..10).map(|i| format!("e{i}")).collect();
        let plan = FaultPlan::random(
            9,
            Duration::from_secs(24 * 3600),
            &FaultProfile::moderate(),
            &labels,
        );
        assert!(plan.faults.len() > 100, "{}", plan.faults.len());
        assert!(plan.faults.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        let text = plan.to_jsonl();
        assert_eq!(FaultPlan::parse(&text).unwrap(), plan);
        assert_eq!(plan.to_string(), text);
        // The same seed gives the same plan.
        let again = FaultPlan::random(
            9,
            Duration::from_secs(24 * 3600),
            &FaultProfile::moderate(),
            &labels,
        );
        assert_eq!(again, plan);
    }

    #[test]
    fn the_format_is_readable_and_errors_name_the_line() {
        let text = r#"{"slackline_faults":1,"seed":3,"net":{"jitter_ms":10}}
# a comment
{"at_ms":1000,"fault":"cut","conn":0,"direction":"both","server_notices_after_ms":null}
{"at_ms":2000,"fault":"api_error","status":429,"retry_after_s":5,"times":1}
{"at_ms":3000,"fault":"refresh_after_hello","reason":"warning","duration_ms":60000}
{"at_ms":4000,"fault":"echo","duration_ms":60000}
{"at_ms":5000,"fault":"connection_time","secs":1,"duration_ms":60000}
"#;
        let plan = FaultPlan::parse(text).unwrap();
        assert_eq!(plan.net.latency_ms, 2);
        assert_eq!(plan.net.jitter_ms, 10);
        assert_eq!(plan.faults.len(), 5);
        assert_eq!(
            plan.faults[4].fault,
            Fault::ConnectionTime {
                secs: 1,
                duration_ms: 60_000
            }
        );
        assert_eq!(FaultPlan::parse(&plan.to_jsonl()).unwrap(), plan);
        let bad = "{\"slackline_faults\":1}\n{\"at_ms\":1,\"fault\":\"meteor\"}";
        assert!(FaultPlan::parse(bad).unwrap_err().starts_with("line 2:"));
        assert!(FaultPlan::parse("").is_err());
        assert!(FaultPlan::parse("{\"slackline_faults\":2}").is_err());
    }

    #[test]
    fn benign_profiles_draw_nothing_disruptive() {
        let plan = FaultPlan::random(
            1,
            Duration::from_secs(48 * 3600),
            &FaultProfile::benign(),
            &["a".to_owned()],
        );
        assert!(!plan.faults.is_empty());
        assert!(plan.faults.iter().all(|f| !f.fault.is_disruptive()));
    }
}
