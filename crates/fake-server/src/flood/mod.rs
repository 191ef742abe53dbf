//! Flood mode: the server as a load generator for benchmarks. The first Socket Mode connection
//! gets the [`Flood`] (the recorded envelopes, pre-serialised, at most N unacked or at a set
//! rate); its frames bypass the core and the WebSocket stream (only tungstenite's header codec
//! is used, on plain buffers), on a task that owns the TCP stream (see [`socket`]). The core
//! still answers the Web API, checks the handshake and queues the `hello`, so a client
//! connects exactly as it would to the scripted fake.

mod socket;
mod wire;

use std::sync::Mutex;

use slackline_fake::flood::{Flood, FloodReport};
use tokio::sync::watch;

pub(crate) use socket::FloodSocket;

/// The flood waiting for its connection, and where its report goes.
pub(crate) struct FloodSlot {
    flood: Mutex<Option<Flood>>,
    pub(crate) done: watch::Sender<Option<FloodReport>>,
}

impl FloodSlot {
    pub(crate) fn new(flood: Flood) -> (Self, watch::Receiver<Option<FloodReport>>) {
        let (done, report) = watch::channel(None);
        let slot = FloodSlot {
            flood: Mutex::new(Some(flood)),
            done,
        };
        (slot, report)
    }

    /// The flood, for the first connection that asks.
    pub(crate) fn take(&self) -> Option<Flood> {
        self.flood.lock().map_or(None, |mut f| f.take())
    }
}

/// Whether a WebSocket target is a Socket Mode URL (`/link/?ticket=…`), not RTM.
pub(crate) fn is_socket_mode(target: &str) -> bool {
    target.starts_with("/link")
}
