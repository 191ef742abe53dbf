//! The harness's wire, a small sans-IO network emulator in the spirit of str0m's netem:
//! packets in flight between the session and the fake, delivered in time order (ties in
//! sending order) after a latency with seeded jitter, and dropped, corrupted or held back by
//! partitions as the [`NetFaults`] say. Each direction of each connection stays in order, as
//! TCP keeps it; reordering happens across connections and against Web API calls.
//!
//! The emulator is generic over what it carries ([`Wire`]): the harness's own [`Packet`]s
//! here, and the frames of real clients on an in-memory network in `slackline-bot-test`, so
//! that a [`FaultPlan`](super::FaultPlan) does the same to both.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::rng::Rng;
use slackline::ConnId;
use slackline::HttpRequest;
use slackline::Instant;
use slackline_fake::{FakeResponse, SocketId};

use super::faults::NetFaults;

/// Who made a Web API call: the session (URL requests) or the bot (its own calls).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Session,
    Bot,
}

#[derive(Debug)]
pub(crate) enum Packet {
    // client to server
    ApiCall(Origin, HttpRequest),
    WsConnect {
        conn: ConnId,
        url: String,
    },
    ClientText {
        conn: ConnId,
        text: String,
    },
    ClientPing {
        conn: ConnId,
        payload: Vec<u8>,
    },
    ClientPong {
        conn: ConnId,
        payload: Vec<u8>,
    },
    ClientClose {
        conn: ConnId,
        code: u16,
        reason: String,
    },
    // server to client
    ApiResponse {
        origin: Origin,
        request: slackline::RequestId,
        response: FakeResponse,
    },
    Connected {
        conn: ConnId,
        /// The socket the handshake opened: its frames follow the handshake's answer.
        socket: SocketId,
    },
    ConnectFailed {
        conn: ConnId,
        detail: String,
    },
    ServerText {
        socket: SocketId,
        text: String,
    },
    /// A copy of a server frame arriving on another of the client's connections.
    StrayText {
        conn: ConnId,
        text: String,
    },
    ServerPing {
        socket: SocketId,
        payload: Vec<u8>,
    },
    ServerPong {
        socket: SocketId,
        payload: Vec<u8>,
    },
    ServerClose {
        socket: SocketId,
        code: u16,
        reason: String,
    },
}

/// What the [`Network`] needs to know of a packet.
pub trait Wire {
    /// The stream a packet belongs to: packets of one lane arrive in sending order; `None`
    /// for an exchange of its own (a Web API call), which may overtake anything.
    type Lane: Ord + Copy;

    /// Its lane.
    fn lane(&self) -> Option<Self::Lane>;

    /// Data may be lost, duplicated or corrupted; connection setup and teardown may not (that
    /// is what cuts model): they are only delayed, and held back by partitions.
    fn is_data(&self) -> bool;

    /// The text of a text frame, which corruption may change.
    fn text_mut(&mut self) -> Option<&mut String>;
}

/// A stream whose packets arrive in sending order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Lane {
    Server(ConnId),
    Client(SocketId),
    Stray(ConnId),
}

impl Wire for Packet {
    type Lane = Lane;

    fn lane(&self) -> Option<Lane> {
        Some(match self {
            Packet::ApiCall(..) | Packet::ApiResponse { .. } => return None,
            Packet::WsConnect { conn, .. }
            | Packet::ClientText { conn, .. }
            | Packet::ClientPing { conn, .. }
            | Packet::ClientPong { conn, .. }
            | Packet::ClientClose { conn, .. } => Lane::Server(*conn),
            Packet::Connected { socket, .. } => Lane::Client(*socket),
            Packet::ConnectFailed { .. } => return None,
            Packet::StrayText { conn, .. } => Lane::Stray(*conn),
            Packet::ServerText { socket, .. }
            | Packet::ServerPing { socket, .. }
            | Packet::ServerPong { socket, .. }
            | Packet::ServerClose { socket, .. } => Lane::Client(*socket),
        })
    }

    fn is_data(&self) -> bool {
        !matches!(
            self,
            Packet::WsConnect { .. }
                | Packet::Connected { .. }
                | Packet::ConnectFailed { .. }
                | Packet::ClientClose { .. }
                | Packet::ServerClose { .. }
        )
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self {
            Packet::ClientText { text, .. }
            | Packet::ServerText { text, .. }
            | Packet::StrayText { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// What the network did to the packets, for the outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetStats {
    /// Packets sent.
    pub sent: u64,
    /// Lost by the drop rate.
    pub dropped: u64,
    /// Lost to a partition.
    pub partitioned: u64,
    /// Lost on a cut (or reset) connection.
    pub cut: u64,
    /// Frames from Slack delivered twice.
    pub duplicated: u64,
    /// Text frames corrupted.
    pub corrupted: u64,
}

/// What happened to a packet handed to [`Network::send`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fate {
    /// It will arrive.
    OnItsWay,
    /// Changed on the way; the text as it was sent.
    Corrupted(String),
    /// Lost.
    Dropped,
}

/// Packets in flight under a [`NetFaults`] model, seeded: the same seed and the same packets
/// sent at the same times give the same arrivals.
#[derive(Debug)]
pub struct Network<P: Wire> {
    in_flight: BTreeMap<(Instant, u64), P>,
    seq: u64,
    net: NetFaults,
    rng: Rng,
    /// The latest arrival scheduled on each ordered lane.
    lanes: BTreeMap<P::Lane, Instant>,
    /// Intervals in which nothing gets through.
    partitions: Vec<(Instant, Instant)>,
    /// What it did so far.
    pub stats: NetStats,
}

impl<P: Wire> Network<P> {
    /// A network behaving as `net`, its randomness seeded with `seed`.
    pub fn new(net: NetFaults, seed: u64) -> Self {
        Network {
            in_flight: BTreeMap::new(),
            seq: 0,
            net,
            rng: Rng::new(seed),
            lanes: BTreeMap::new(),
            partitions: Vec::new(),
            stats: NetStats::default(),
        }
    }

    fn roll(&mut self, per_mille: u16) -> bool {
        per_mille > 0 && self.rng.below(1000) < u64::from(per_mille)
    }

    /// Puts a packet on the wire at `now`: lost, corrupted or delayed as the faults say.
    pub fn send(&mut self, now: Instant, mut packet: P) -> Fate {
        self.stats.sent += 1;
        if packet.is_data() && self.roll(self.net.drop_per_mille) {
            self.stats.dropped += 1;
            return Fate::Dropped;
        }
        let mut fate = Fate::OnItsWay;
        if self.net.corrupt_per_mille > 0 {
            if let Some(text) = packet.text_mut() {
                if self.roll(self.net.corrupt_per_mille) {
                    let corrupted = corrupt(text, &mut self.rng);
                    fate = Fate::Corrupted(std::mem::replace(text, corrupted));
                    self.stats.corrupted += 1;
                }
            }
        }
        self.schedule(now, packet);
        fate
    }

    /// Whether to send a copy of a frame from Slack (drawn at the duplicate rate).
    pub fn duplicates(&mut self) -> bool {
        let duplicate = self.roll(self.net.duplicate_per_mille);
        if duplicate {
            self.stats.duplicated += 1;
        }
        duplicate
    }

    fn delay(&mut self) -> Duration {
        let jitter = match self.net.jitter_ms {
            0 => 0,
            j => self.rng.below(j.saturating_add(1)),
        };
        Duration::from_millis(self.net.latency_ms.saturating_add(jitter))
    }

    fn schedule(&mut self, now: Instant, packet: P) {
        let lane = packet.lane();
        let mut at = now + self.delay();
        if let Some(lane) = lane {
            let last = self.lanes.entry(lane).or_insert(at);
            at = at.max(*last);
            *last = at;
        }
        self.seq += 1;
        self.in_flight.insert((at, self.seq), packet);
    }

    /// Nothing gets through from `from` for `duration`.
    pub fn partition(&mut self, from: Instant, duration: Duration) {
        self.partitions.push((from, from + duration));
    }

    fn partitioned_until(&self, at: Instant) -> Option<Instant> {
        self.partitions
            .iter()
            .filter(|&&(from, until)| from <= at && at < until)
            .map(|&(_, until)| until)
            .max()
    }

    /// When the next packet arrives.
    pub fn next_at(&self) -> Option<Instant> {
        self.in_flight.keys().next().map(|&(at, _)| at)
    }

    /// The next packet due by `now`. Data arriving during a partition is lost; handshakes and
    /// closes arrive when it ends.
    pub fn pop_due(&mut self, now: Instant) -> Option<P> {
        loop {
            let (&key, _) = self
                .in_flight
                .iter()
                .next()
                .filter(|((at, _), _)| *at <= now)?;
            let packet = self.in_flight.remove(&key)?;
            match self.partitioned_until(key.0) {
                None => return Some(packet),
                Some(_) if packet.is_data() => self.stats.partitioned += 1,
                Some(until) => {
                    self.in_flight.insert((until, key.1), packet);
                }
            }
        }
    }
}

/// What a corrupted byte becomes: JSON punctuation or bytes that are not text. Never a letter,
/// digit or dash, so a corrupted id never turns into another valid id (which would make a
/// correct client drop the real one as a duplicate).
const NOISE: &[u8] = b"{}[]\",:\\\x00\xff";

/// A text frame changed on the way: a byte replaced by noise, or the frame cut short.
fn corrupt(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return "\u{0}".into();
    }
    let at = rng.below(bytes.len() as u64) as usize;
    match rng.below(2) {
        0 => bytes.truncate(at),
        _ => bytes[at] = NOISE[rng.below(NOISE.len() as u64) as usize],
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(conn: u32, n: u32) -> Packet {
        Packet::ClientText {
            conn: ConnId::from_raw(conn),
            text: n.to_string(),
        }
    }

    fn drain(net: &mut Network<Packet>) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        while let Some(p) = net.pop_due(Instant::MAX) {
            if let Packet::ClientText { conn, text } = p {
                out.push((conn.get(), text));
            }
        }
        out
    }

    #[test]
    fn jitter_reorders_across_connections_but_never_within_one() {
        let faults = NetFaults {
            latency_ms: 1,
            jitter_ms: 100,
            ..NetFaults::default()
        };
        let mut net = Network::<Packet>::new(faults, 5);
        for n in 0..200 {
            net.send(Instant::from_millis(u64::from(n)), text(n % 3, n));
        }
        let out = drain(&mut net);
        assert_eq!(out.len(), 200);
        for conn in 0..3 {
            let order: Vec<u32> = out
                .iter()
                .filter(|(c, _)| *c == conn)
                .map(|(_, t)| t.parse().unwrap())
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        }
        let all: Vec<u32> = out.iter().map(|(_, t)| t.parse().unwrap()).collect();
        assert!(all.windows(2).any(|w| w[0] > w[1]), "no reordering at all");
    }

    #[test]
    fn drops_and_corruption_follow_their_rates_and_the_seed() {
        let faults = NetFaults {
            drop_per_mille: 100,
            corrupt_per_mille: 100,
            ..NetFaults::default()
        };
        let run = |seed| {
            let mut net = Network::<Packet>::new(faults.clone(), seed);
            for n in 0..10_000 {
                net.send(Instant::ZERO, text(1, n));
            }
            (net.stats.clone(), drain(&mut net))
        };
        let (stats, out) = run(1);
        assert!((800..1200).contains(&stats.dropped), "{stats:?}");
        assert!((700..1100).contains(&stats.corrupted), "{stats:?}");
        assert_eq!(out.len() as u64, 10_000 - stats.dropped);
        assert_eq!(run(1).1, out, "the same seed, the same run");
        assert_ne!(run(2).1, out);
    }

    #[test]
    fn partitions_lose_data_and_hold_back_closes() {
        let mut net = Network::<Packet>::new(NetFaults::default(), 0);
        net.partition(Instant::from_secs(1), Duration::from_secs(5));
        net.send(Instant::from_secs(2), text(1, 1));
        net.send(
            Instant::from_secs(2),
            Packet::ClientClose {
                conn: ConnId::from_raw(1),
                code: 1000,
                reason: String::new(),
            },
        );
        assert!(net.pop_due(Instant::from_secs(3)).is_none());
        assert_eq!(net.next_at(), Some(Instant::from_secs(6)));
        assert!(matches!(
            net.pop_due(Instant::from_secs(6)),
            Some(Packet::ClientClose { .. })
        ));
        assert_eq!(net.stats.partitioned, 1);
    }

    #[test]
    fn corruption_never_panics_on_any_text() {
        let mut rng = Rng::new(3);
        for text in ["", "a", "é", "{\"envelope_id\":\"x\"}", "日本語"] {
            for _ in 0..100 {
                let _ = corrupt(text, &mut rng);
            }
        }
    }
}
