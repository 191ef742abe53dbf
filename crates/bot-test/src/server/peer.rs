//! What plays Slack behind the in-memory network: the sans-IO [`FakeSlack`] playing a script,
//! or a recorded transcript played back ([`crate::replay::Player`]). Both as one small
//! interface, with the server's own ids for calls and sockets.

use std::collections::BTreeMap;

use slackline::Instant;
use slackline_fake::script::StepAction;
use slackline_fake::{ApiRequest, ConnectRejected, FakeResponse, FakeSlack, Output, SocketId};

/// What the peer asks the server to do.
#[derive(Debug)]
pub(crate) enum PeerOutput {
    /// Answer Web API call `call`.
    Answer {
        call: u64,
        response: FakeResponse,
    },
    /// Drop call `call`'s connection without an answer.
    FailCall {
        call: u64,
    },
    SendText {
        socket: u32,
        text: String,
    },
    SendPing {
        socket: u32,
        payload: Vec<u8>,
    },
    SendPong {
        socket: u32,
        payload: Vec<u8>,
    },
    Close {
        socket: u32,
        code: u16,
        reason: String,
    },
    /// Drop the connection without a close frame.
    Reset {
        socket: u32,
    },
    /// Half-open: stop reading and answering on the socket, without closing it.
    GoSilent {
        socket: u32,
    },
    /// Nothing more is scripted; what remains is for the client to finish.
    Finished,
}

/// The Slack side, as the server drives it.
pub(crate) trait Peer: Send {
    fn http(&mut self, now: Instant, request: ApiRequest<'_>) -> u64;
    fn ws_connect(&mut self, now: Instant, target: &str) -> Result<u32, ConnectRejected>;
    fn text(&mut self, now: Instant, socket: u32, text: &[u8]);
    fn binary(&mut self, now: Instant, socket: u32, data: &[u8]);
    fn ping(&mut self, now: Instant, socket: u32, payload: &[u8]);
    fn pong(&mut self, now: Instant, socket: u32, payload: &[u8]);
    fn closed(&mut self, now: Instant, socket: u32, code: Option<u16>, reason: &str);
    fn timeout(&mut self, now: Instant);
    fn poll_timeout(&self) -> Option<Instant>;
    fn poll_output(&mut self) -> Option<PeerOutput>;
    /// Plays a script step out of order (a fault); false if there was nothing to apply it to.
    fn inject(&mut self, now: Instant, action: StepAction) -> bool;
    /// The fake's verdict, if this peer judges the client.
    fn verdict(&self) -> Option<slackline_fake::Verdict>;
}

/// The scripted fake.
pub(crate) struct Fake {
    fake: FakeSlack,
    sockets: BTreeMap<u32, SocketId>,
}

impl Fake {
    pub(crate) fn new(fake: FakeSlack) -> Self {
        Fake {
            fake,
            sockets: BTreeMap::new(),
        }
    }

    fn socket(&self, socket: u32) -> Option<SocketId> {
        self.sockets.get(&socket).copied()
    }
}

impl Peer for Fake {
    fn http(&mut self, now: Instant, request: ApiRequest<'_>) -> u64 {
        self.fake.handle_http_request(now, request).get()
    }

    fn ws_connect(&mut self, now: Instant, target: &str) -> Result<u32, ConnectRejected> {
        let socket = self.fake.handle_ws_connect(now, target)?;
        self.sockets.insert(socket.get(), socket);
        Ok(socket.get())
    }

    fn text(&mut self, now: Instant, socket: u32, text: &[u8]) {
        if let Some(socket) = self.socket(socket) {
            self.fake.handle_text(now, socket, text);
        }
    }

    fn binary(&mut self, now: Instant, socket: u32, data: &[u8]) {
        if let Some(socket) = self.socket(socket) {
            self.fake.handle_binary(now, socket, data);
        }
    }

    fn ping(&mut self, now: Instant, socket: u32, payload: &[u8]) {
        if let Some(socket) = self.socket(socket) {
            self.fake.handle_ping(now, socket, payload);
        }
    }

    fn pong(&mut self, now: Instant, socket: u32, payload: &[u8]) {
        if let Some(socket) = self.socket(socket) {
            self.fake.handle_pong(now, socket, payload);
        }
    }

    fn closed(&mut self, now: Instant, socket: u32, code: Option<u16>, reason: &str) {
        if let Some(socket) = self.socket(socket) {
            self.fake.handle_closed(now, socket, code, reason);
        }
    }

    fn timeout(&mut self, now: Instant) {
        self.fake.handle_timeout(now);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.fake.poll_timeout()
    }

    fn poll_output(&mut self) -> Option<PeerOutput> {
        loop {
            return Some(match self.fake.poll_output()? {
                Output::HttpResponse { call, response } => PeerOutput::Answer {
                    call: call.get(),
                    response,
                },
                Output::SendText { socket, text } => PeerOutput::SendText {
                    socket: socket.get(),
                    text,
                },
                Output::SendPing { socket, payload } => PeerOutput::SendPing {
                    socket: socket.get(),
                    payload,
                },
                Output::SendPong { socket, payload } => PeerOutput::SendPong {
                    socket: socket.get(),
                    payload,
                },
                Output::Close {
                    socket,
                    code,
                    reason,
                } => PeerOutput::Close {
                    socket: socket.get(),
                    code,
                    reason,
                },
                Output::GoSilent { socket } => PeerOutput::GoSilent {
                    socket: socket.get(),
                },
                Output::Finished => PeerOutput::Finished,
                // An output newer than this crate: nothing to carry out.
                _ => continue,
            });
        }
    }

    fn inject(&mut self, now: Instant, action: StepAction) -> bool {
        self.fake.inject(now, action)
    }

    fn verdict(&self) -> Option<slackline_fake::Verdict> {
        Some(self.fake.verdict())
    }
}
