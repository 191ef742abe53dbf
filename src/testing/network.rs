//! The harness's wire: packets in flight between the session and the fake, delivered in time
//! order (ties in sending order) after a fixed one-way latency.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::fake::{FakeResponse, SocketId};
use crate::ids::ConnId;
use crate::time::Instant;
use crate::webapi::HttpRequest;

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
        request: crate::ids::RequestId,
        response: FakeResponse,
    },
    Connected {
        conn: ConnId,
    },
    ConnectFailed {
        conn: ConnId,
        detail: String,
    },
    ServerText {
        socket: SocketId,
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

#[derive(Debug, Default)]
pub(crate) struct Network {
    in_flight: BTreeMap<(Instant, u64), Packet>,
    sent: u64,
    latency: Duration,
}

impl Network {
    pub(crate) fn new(latency: Duration) -> Self {
        Network {
            latency,
            ..Network::default()
        }
    }

    pub(crate) fn send(&mut self, now: Instant, packet: Packet) {
        self.sent += 1;
        self.in_flight
            .insert((now + self.latency, self.sent), packet);
    }

    pub(crate) fn next_at(&self) -> Option<Instant> {
        self.in_flight.keys().next().map(|&(at, _)| at)
    }

    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Packet> {
        let (&key, _) = self
            .in_flight
            .iter()
            .next()
            .filter(|((at, _), _)| *at <= now)?;
        self.in_flight.remove(&key)
    }
}
