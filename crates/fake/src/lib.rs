//! `FakeSlack`: the Slack server side as a sans-IO state machine, the mirror image of
//! [`Session`](slackline::Session).
//!
//! It plays a [`Script`] (hello, envelopes, pings, disconnects, silence, Web API failures and
//! stubs, RTM events), answers the Web API a bot calls from a workspace it keeps (channels,
//! users, messages, views, files: [`web_api_methods`], `scripts/README.md`), and checks the
//! client while doing so, reporting a [`Verdict`]: every envelope acked
//! once and in time, frames within Slack's limits, RTM ids and pacing, tokens of the right kind,
//! `Retry-After` honoured, single-use URLs used once, no more than 10 sockets.
//!
//! Like the `Session` it does no IO and reads no clock: inputs are `handle_*` calls that carry
//! `now`, outputs are pulled with [`FakeSlack::poll_output`], and [`FakeSlack::poll_timeout`]
//! says when to call [`FakeSlack::handle_timeout`]. A network wrapper (HTTP + WebSocket server)
//! or the in-process harness of `slackline-sim` carries the bytes.
//!
//! What a wrapper does with each [`Output`]:
//! - `HttpResponse`: answer that call with the status, `Retry-After` and body.
//! - `SendText` / `SendPing` / `SendPong`: send on that socket.
//! - `Close`: send a close frame with that code and drop the connection.
//! - `GoSilent`: half-open. Stop reading from that socket and stop answering anything on it
//!   (including automatic pongs of the WebSocket library) without closing it.
//! - `Finished`: the script is over; the verdict is final.

#![warn(missing_docs, unreachable_pub)]

mod api;
mod deliveries;
pub mod flood;
mod frames;
mod http;
mod ids;
mod player;
mod report;
mod rtm;
pub mod script;
mod socket;
mod verdict;
mod wire;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use slackline::Instant;
use slackline::Token;

pub use api::calls::MAX_RECORDED_CALLS;
use deliveries::Delivery;
use ids::IdGen;
pub use ids::{CallId, SocketId};
pub use script::{Script, ScriptError, ScriptHeader};
use socket::{Socket, SocketKind, SocketState};
pub use verdict::{
    AckOutcome, CallRecord, ConnectionSummary, DeliveryReport, MethodSummary, PostedMessage,
    RtmSummary, Summary, UploadReport, Verdict, Violation, ViolationKind,
};
pub use wire::{method_from_path, ApiRequest, ConnectRejected, FakeResponse, Output};

/// The Web API methods the fake answers from its workspace, besides the connection ones
/// (`apps.connections.open`, `rtm.connect`, `rtm.start`). Any other method answers
/// `unknown_method` unless a script stubs it.
pub fn web_api_methods() -> impl Iterator<Item = &'static str> {
    api::METHODS.iter().map(|(name, _)| *name)
}

/// Slack's ceiling on concurrent Socket Mode connections per app.
pub const MAX_SOCKETS: usize = 10;
/// Largest Socket Mode frame Slack accepts from a client.
pub const MAX_ACK_FRAME: usize = 20_480;
/// Largest RTM message Slack accepts from a client.
pub const MAX_RTM_MESSAGE: usize = 16_384;
/// How long an RTM URL stays valid.
pub const RTM_URL_LIFETIME: Duration = Duration::from_secs(30);
/// Connection lifetime Slack uses with `debug_reconnects=true`.
pub const DEBUG_RECONNECTS_LIFETIME: Duration = Duration::from_secs(360);

/// How the fake is reached and what it accepts; the script says what it plays.
#[derive(Clone)]
pub struct FakeConfig {
    ws_base_url: String,
    files_base_url: Option<String>,
    accepted_tokens: Vec<Token>,
    rtm_burst: u32,
    report_limits: Option<ReportLimits>,
}

/// How much of a hostile client's doing a report keeps in full (see
/// [`FakeConfig::with_report_limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportLimits {
    /// Violations kept in full; the rest are counted by kind.
    pub violations: usize,
    /// Web API method names counted apart; calls of further names are counted together.
    pub methods: usize,
    /// Longest text kept in a violation (ids, details), in bytes; longer ones are cut.
    pub text: usize,
}

impl Default for ReportLimits {
    /// 20 violations, 32 method names, 200 bytes of text.
    fn default() -> Self {
        ReportLimits {
            violations: 20,
            methods: 32,
            text: 200,
        }
    }
}

/// Where calls of method names beyond [`ReportLimits::methods`] are counted.
pub const OTHER_METHODS: &str = "(other methods)";

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            ws_base_url: "wss://wss-fake.slack.invalid".into(),
            files_base_url: None,
            accepted_tokens: Vec::new(),
            rtm_burst: 3,
            report_limits: None,
        }
    }
}

impl FakeConfig {
    /// Defaults: WebSocket URLs under `wss://wss-fake.slack.invalid`, any token of the right kind accepted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the WebSocket URLs it hands out point, e.g. `ws://127.0.0.1:PORT` (a network
    /// wrapper serves `/link/?ticket=…` and `/websocket/…` there).
    pub fn with_ws_base_url(mut self, url: impl Into<String>) -> Self {
        self.ws_base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Only accept these tokens (others get `invalid_auth`). By default any token of the
    /// right kind is accepted. Tokens are compared, never stored in reports.
    pub fn with_accepted_token(mut self, token: impl Into<String>) -> Self {
        self.accepted_tokens.push(Token::new(token));
        self
    }

    /// RTM messages allowed in a burst before the one-per-second rate applies (default 3).
    pub fn with_rtm_burst(mut self, burst: u32) -> Self {
        self.rtm_burst = burst.max(1);
        self
    }

    /// Bounds what the verdict keeps of a client's misdeeds, for a fake on the network that a
    /// hostile client could otherwise grow without end (5,000 bad acks made a 100 MB report):
    /// every violation is still counted ([`Verdict::violation_counts`]), only the first few are
    /// kept, and method names past the limit are counted under [`OTHER_METHODS`]. By default
    /// everything is kept (tests and harnesses judge each violation).
    pub fn with_report_limits(mut self, limits: ReportLimits) -> Self {
        self.report_limits = Some(limits);
        self
    }

    /// Where the upload URLs of `files.getUploadURLExternal` point (`…/upload/v1/<key>`; a
    /// network wrapper serves `POST /upload/v1/…` there). By default the WebSocket base URL
    /// with `http` for `ws` (`https` for `wss`).
    pub fn with_files_base_url(mut self, url: impl Into<String>) -> Self {
        self.files_base_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The WebSocket base URL.
    pub fn ws_base_url(&self) -> &str {
        &self.ws_base_url
    }

    /// The base of upload URLs (see [`with_files_base_url`](Self::with_files_base_url)).
    pub fn files_base_url(&self) -> String {
        match &self.files_base_url {
            Some(url) => url.clone(),
            None => match self.ws_base_url.split_once("://") {
                Some(("wss", rest)) => format!("https://{rest}"),
                Some(("ws", rest)) => format!("http://{rest}"),
                _ => self.ws_base_url.clone(),
            },
        }
    }
}

impl fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeConfig")
            .field("ws_base_url", &self.ws_base_url)
            .field("files_base_url", &self.files_base_url)
            .field("accepted_tokens", &self.accepted_tokens)
            .field("rtm_burst", &self.rtm_burst)
            .field("report_limits", &self.report_limits)
            .finish()
    }
}

/// A WebSocket URL the fake issued, until it is used.
#[derive(Debug)]
struct Ticket {
    key: String,
    kind: SocketKind,
    issued_at: Instant,
    used: bool,
    lifetime: Option<Duration>,
}

/// Misbehaviours in force, each until its time.
#[derive(Debug, Default)]
struct Misbehaving {
    refresh_after_hello: Option<(String, Instant)>,
    echo_until: Option<Instant>,
    connection_time: Option<(u64, Instant)>,
}

impl Misbehaving {
    fn start(&mut self, behaviour: script::Misbehaviour, until: Instant) {
        match behaviour {
            script::Misbehaviour::RefreshAfterHello { reason } => {
                self.refresh_after_hello = Some((reason, until));
            }
            script::Misbehaviour::Echo => self.echo_until = Some(until),
            script::Misbehaviour::ConnectionTime { secs } => {
                self.connection_time = Some((secs, until));
            }
        }
    }

    fn refresh_after_hello(&self, now: Instant) -> Option<&str> {
        self.refresh_after_hello
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(reason, _)| reason.as_str())
    }

    fn echo(&self, now: Instant) -> bool {
        self.echo_until.is_some_and(|until| now < until)
    }

    fn connection_time(&self, now: Instant) -> Option<u64> {
        self.connection_time
            .filter(|&(_, until)| now < until)
            .map(|(secs, _)| secs)
    }
}

/// A scripted failure waiting for calls of its endpoint.
#[derive(Debug)]
struct ArmedFailure {
    step: script::FailStep,
    remaining: u32,
}

/// The Slack server side, scripted. See the module documentation.
pub struct FakeSlack {
    config: FakeConfig,
    script: Script,
    /// The next step to play.
    cursor: usize,
    /// When it may play.
    step_at: Instant,
    /// It is due but waits for a connection or for acks (re-checked after every input).
    step_blocked: bool,
    start: Instant,
    now: Instant,
    ids: IdGen,
    sockets: Vec<Socket>,
    tickets: Vec<Ticket>,
    next_call: u64,
    failures: Vec<ArmedFailure>,
    misbehaving: Misbehaving,
    retry_after: BTreeMap<String, Instant>,
    deliveries: Vec<Delivery>,
    /// Deliveries neither acked nor expired, by deadline (so deadlines cost no scan).
    unsettled: BTreeSet<(Instant, usize)>,
    /// Deliveries by `envelope_id`, in delivery order (so acks cost no scan).
    by_envelope_id: BTreeMap<String, Vec<usize>>,
    /// Redeliveries waiting for a socket.
    waiting_redeliveries: VecDeque<usize>,
    round_robin: usize,
    outputs: VecDeque<Output>,
    violations: Vec<verdict::Violation>,
    /// Every violation noticed so far, by kind (kept or not).
    violation_counts: BTreeMap<String, u64>,
    connections: ConnectionSummary,
    http: BTreeMap<String, MethodSummary>,
    rtm: RtmSummary,
    posted: Vec<PostedMessage>,
    /// What the Web API answers from.
    workspace: api::workspace::Workspace,
    /// Answers scripts put in place of the fake's.
    stubs: api::stubs::Stubs,
    /// Every Web API call.
    calls: api::calls::CallLog,
    /// When the last step played (or `end`).
    ended_at: Option<Instant>,
    finished_at: Option<Instant>,
}

impl fmt::Debug for FakeSlack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSlack")
            .field("script", &self.script.header().name)
            .field("cursor", &self.cursor)
            .field("steps", &self.script.steps().len())
            .field("sockets", &self.sockets.len())
            .field("deliveries", &self.deliveries.len())
            .field("violations", &self.violations.len())
            .field("finished", &self.finished_at.is_some())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl FakeSlack {
    /// A fake playing `script` from `now`. Steps due at once (such as armed failures) play now.
    pub fn new(script: Script, config: FakeConfig, now: Instant) -> Self {
        let step_at = match script.steps().first().map(|s| s.timing) {
            Some(script::Timing::After(d)) | Some(script::Timing::At(d)) => now + d,
            _ => now,
        };
        let workspace = api::workspace::Workspace::new(script.header());
        let mut fake = FakeSlack {
            config,
            script,
            cursor: 0,
            step_at,
            step_blocked: false,
            start: now,
            now,
            ids: IdGen::default(),
            sockets: Vec::new(),
            tickets: Vec::new(),
            next_call: 1,
            failures: Vec::new(),
            misbehaving: Misbehaving::default(),
            retry_after: BTreeMap::new(),
            deliveries: Vec::new(),
            unsettled: BTreeSet::new(),
            by_envelope_id: BTreeMap::new(),
            waiting_redeliveries: VecDeque::new(),
            round_robin: 0,
            outputs: VecDeque::new(),
            violations: Vec::new(),
            violation_counts: BTreeMap::new(),
            connections: ConnectionSummary::default(),
            http: BTreeMap::new(),
            rtm: RtmSummary::default(),
            posted: Vec::new(),
            workspace,
            stubs: api::stubs::Stubs::default(),
            calls: api::calls::CallLog::default(),
            ended_at: None,
            finished_at: None,
        };
        fake.advance(now);
        fake
    }

    // ----- outputs -----

    /// The next thing to do, or `None` when drained. Drain after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.finished_at.is_some() {
            return None;
        }
        let step = (self.cursor < self.script.steps().len() && self.ended_at.is_none())
            .then_some(self.step_at)
            .filter(|&at| !self.step_blocked || at > self.now);
        let sockets = self.sockets.iter().filter_map(Socket::next_deadline);
        let acks = self.next_ack_deadline();
        let end = self.ended_at.map(|at| at + self.script.header().end_grace);
        step.into_iter().chain(sockets).chain(acks).chain(end).min()
    }

    // ----- inputs -----

    /// A Web API call arrived. The response comes out of [`poll_output`](Self::poll_output).
    pub fn handle_http_request(&mut self, now: Instant, request: ApiRequest<'_>) -> CallId {
        let now = self.clock(now);
        let call = self.on_http_request(now, request);
        self.advance(now);
        call
    }

    /// Bytes POSTed to an upload URL `files.getUploadURLExternal` handed out (`target`: the
    /// URL, or its path). Answered as Slack's file servers do, `200` with `OK - <bytes>`; `404`
    /// for a URL the fake did not hand out or whose upload was completed. The response comes
    /// out of [`poll_output`](Self::poll_output).
    pub fn handle_upload(&mut self, now: Instant, target: &str, body: &[u8]) -> CallId {
        let now = self.clock(now);
        let call = self.on_upload(now, target, body);
        self.advance(now);
        call
    }

    /// A WebSocket handshake for `target` (the URL the fake issued, or just its path and query).
    /// On success the socket is open (its `hello` is already queued); on failure answer the
    /// upgrade with the rejection's status.
    pub fn handle_ws_connect(
        &mut self,
        now: Instant,
        target: &str,
    ) -> Result<SocketId, ConnectRejected> {
        let now = self.clock(now);
        let result = self.on_ws_connect(now, target);
        self.advance(now);
        result
    }

    /// A text frame from the client.
    pub fn handle_text(&mut self, now: Instant, socket: SocketId, text: &[u8]) {
        let now = self.clock(now);
        if let Some(i) = self.receiving(socket) {
            match self.sockets[i].kind {
                SocketKind::SocketMode => self.on_ack_frame(now, i, text),
                SocketKind::Rtm => self.on_rtm_message(now, i, text),
            }
            if self.misbehaving.echo(now) && self.sockets[i].is_open() {
                self.send_text(socket, String::from_utf8_lossy(text).into_owned());
            }
        }
        self.advance(now);
    }

    /// A binary frame from the client (Slack never expects one).
    pub fn handle_binary(&mut self, now: Instant, socket: SocketId, data: &[u8]) {
        let now = self.clock(now);
        let _ = data;
        if self.receiving(socket).is_some() {
            self.violation(now, ViolationKind::BinaryFrame { socket: socket.0 });
        }
        self.advance(now);
    }

    /// A ping from the client: answered with a pong unless the socket is silent.
    pub fn handle_ping(&mut self, now: Instant, socket: SocketId, payload: &[u8]) {
        let now = self.clock(now);
        if self.receiving(socket).is_some() {
            self.connections.client_pings += 1;
            self.outputs.push_back(Output::SendPong {
                socket,
                payload: payload.to_vec(),
            });
        }
        self.advance(now);
    }

    /// A pong from the client.
    pub fn handle_pong(&mut self, now: Instant, socket: SocketId, payload: &[u8]) {
        let now = self.clock(now);
        // Pongs only prove liveness, which the fake does not judge; a pong is still a frame
        // (dropped when silent, a violation after the client's own close).
        let _ = payload;
        self.receiving(socket);
        self.advance(now);
    }

    /// The client closed the socket (close frame with `code`, or the connection dropped: `None`).
    pub fn handle_closed(
        &mut self,
        now: Instant,
        socket: SocketId,
        code: Option<u16>,
        reason: &str,
    ) {
        let now = self.clock(now);
        let _ = (code, reason);
        if let Some(i) = self.index(socket) {
            let s = &mut self.sockets[i];
            match s.state {
                SocketState::Open | SocketState::Silent => {
                    s.mark_gone(SocketState::ClosedByClient, now);
                    self.connections.closed_by_client += 1;
                }
                SocketState::ClosedByClient | SocketState::ClosedByServer => {}
            }
        }
        self.advance(now);
    }

    /// Time passed. Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clock(now);
        self.socket_timers(now);
        self.expire_deliveries(now);
        self.advance(now);
    }

    // ----- queries -----

    /// Whether the script is over (the verdict is final).
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    /// The report so far (final once [`is_finished`](Self::is_finished)).
    pub fn verdict(&self) -> Verdict {
        self.build_verdict()
    }

    /// The script being played.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// The configuration.
    pub fn config(&self) -> &FakeConfig {
        &self.config
    }

    /// Sockets currently open (silent ones included).
    pub fn open_sockets(&self) -> impl Iterator<Item = SocketId> + '_ {
        self.sockets
            .iter()
            .filter(|s| matches!(s.state, SocketState::Open | SocketState::Silent))
            .map(|s| s.id)
    }

    // ----- internals shared by the submodules -----

    /// Time never goes backwards inside the fake.
    fn clock(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    fn elapsed_ms(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.start).as_millis()).unwrap_or(u64::MAX)
    }

    fn index(&self, socket: SocketId) -> Option<usize> {
        let i = usize::try_from(socket.0).ok()?.checked_sub(1)?;
        (i < self.sockets.len()).then_some(i)
    }

    /// The socket's index if a frame from it should be heard: open, and not silent. Frames on
    /// silent sockets and in flight after a server close are dropped; frames after the
    /// client's own close are a violation.
    fn receiving(&mut self, socket: SocketId) -> Option<usize> {
        let i = self.index(socket)?;
        match self.sockets[i].state {
            SocketState::Open => Some(i),
            SocketState::Silent | SocketState::ClosedByServer => {
                self.connections.dropped_frames += 1;
                None
            }
            SocketState::ClosedByClient => {
                let now = self.now;
                self.violation(now, ViolationKind::FrameAfterClose { socket: socket.0 });
                None
            }
        }
    }

    fn violation(&mut self, now: Instant, kind: ViolationKind) {
        *self
            .violation_counts
            .entry(kind.name().to_owned())
            .or_default() += 1;
        let kind = match self.config.report_limits {
            Some(limits) if self.violations.len() >= limits.violations => return,
            Some(limits) => kind.clipped(limits.text),
            None => kind,
        };
        self.violations.push(Violation {
            at_ms: self.elapsed_ms(now),
            kind,
        });
    }

    /// The name a Web API call is counted under.
    fn method_key(&self, method: &str) -> String {
        match self.config.report_limits {
            Some(limits)
                if !self.http.contains_key(method) && self.http.len() >= limits.methods =>
            {
                OTHER_METHODS.to_owned()
            }
            _ => method.to_owned(),
        }
    }

    fn send_text(&mut self, socket: SocketId, text: String) {
        self.outputs.push_back(Output::SendText { socket, text });
    }

    fn close_socket(&mut self, now: Instant, i: usize, code: u16, reason: &str) {
        let s = &mut self.sockets[i];
        if !s.is_open() {
            return;
        }
        s.mark_gone(SocketState::ClosedByServer, now);
        self.connections.closed_by_server += 1;
        self.outputs.push_back(Output::Close {
            socket: s.id,
            code,
            reason: reason.to_owned(),
        });
    }

    fn silence_socket(&mut self, now: Instant, i: usize) {
        let s = &mut self.sockets[i];
        if !s.is_open() {
            return;
        }
        s.mark_gone(SocketState::Silent, now);
        self.connections.silenced += 1;
        self.outputs.push_back(Output::GoSilent { socket: s.id });
    }

    /// Server-side socket timers: pings, the connection lifetime, closes after a disconnect.
    fn socket_timers(&mut self, now: Instant) {
        for i in 0..self.sockets.len() {
            let s = &mut self.sockets[i];
            if !s.is_open() {
                continue;
            }
            if s.close_at.is_some_and(|at| at <= now) {
                self.close_socket(now, i, slackline::CLOSE_NORMAL, "disconnected");
                continue;
            }
            if s.warn_at.is_some_and(|at| at <= now) {
                s.warn_at = None;
                self.send_disconnect(now, i, "warning", None, false);
            }
            let s = &mut self.sockets[i];
            if s.refresh_at.is_some_and(|at| at <= now) {
                s.refresh_at = None;
                self.send_disconnect(now, i, "refresh_requested", None, true);
            }
            let interval = self.script.header().server_ping_interval;
            let s = &mut self.sockets[i];
            if let (Some(at), Some(interval)) = (s.next_ping_at, interval) {
                if at <= now {
                    s.next_ping_at = Some(now + interval);
                    s.ping_seq += 1;
                    let payload = s.ping_seq.to_be_bytes().to_vec();
                    let socket = s.id;
                    self.connections.server_pings += 1;
                    self.outputs.push_back(Output::SendPing { socket, payload });
                }
            }
        }
    }

    /// Sends `disconnect` with `reason` (or `frame` as is) and, with `schedule_close`, closes
    /// the socket after the grace period unless the client does first.
    fn send_disconnect(
        &mut self,
        now: Instant,
        i: usize,
        reason: &str,
        frame: Option<&str>,
        schedule_close: bool,
    ) {
        let grace = self.script.header().disconnect_grace;
        let host = self.script.header().hello.host.clone();
        let s = &mut self.sockets[i];
        if !s.is_open() {
            return;
        }
        s.told_to_leave = true;
        if schedule_close {
            s.close_at = Some(s.close_at.map_or(now + grace, |at| at.min(now + grace)));
            s.warn_at = None;
            s.refresh_at = None;
        }
        let socket = s.id;
        let text = match frame {
            Some(frame) => frame.to_owned(),
            None => frames::disconnect(reason, &host),
        };
        self.send_text(socket, text);
    }

    /// RTM: sends `goodbye` and closes the socket after the grace period.
    fn send_goodbye(&mut self, now: Instant, i: usize) {
        let grace = self.script.header().disconnect_grace;
        let s = &mut self.sockets[i];
        if !s.is_open() {
            return;
        }
        s.told_to_leave = true;
        s.close_at = Some(now + grace);
        let socket = s.id;
        self.send_text(socket, r#"{"type":"goodbye"}"#.to_owned());
    }

    /// Plays what is due and finishes when the script is over; runs after every input.
    fn advance(&mut self, now: Instant) {
        if self.finished_at.is_some() {
            return;
        }
        // An input can land exactly on a deadline before the timer fires: settle it first.
        self.expire_deliveries(now);
        loop {
            let redelivered = self.flush_waiting_redeliveries(now);
            let played = self.play_steps(now);
            if !redelivered && !played {
                break;
            }
        }
        self.check_finished(now);
    }

    fn check_finished(&mut self, now: Instant) {
        let Some(ended_at) = self.ended_at else {
            return;
        };
        let settled = self.deliveries_settled(now) && self.waiting_redeliveries.is_empty();
        if settled || now >= ended_at + self.script.header().end_grace {
            self.finished_at = Some(now);
            self.outputs.push_back(Output::Finished);
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod web_tests;
