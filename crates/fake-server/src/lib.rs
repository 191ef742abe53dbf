//! # slackline-fake-server: the FakeSlack on the network
//!
//! [`slackline_fake::FakeSlack`] is the Slack server side as a sans-IO state machine. This
//! crate puts it on a loopback port, for clients in any language: the Web API
//! (`/api/apps.connections.open`, `/api/rtm.connect`, `/api/rtm.start`, `/api/auth.test`,
//! `/api/chat.postMessage`, `/api/conversations.history`... every method of
//! [`slackline_fake::web_api_methods`], any other `/api/*` answered as the fake decides), the
//! upload URLs of `files.getUploadURLExternal` (`POST /upload/v1/…`) and the WebSocket URLs it
//! hands out, on the same port. `slackline serve` is this crate behind a command line.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use slackline_fake::Script;
//! use slackline_fake_server::{FakeServer, ServerConfig};
//!
//! let script = Script::parse(include_str!("../../../scripts/demo.jsonl")).expect("valid script");
//! let mut server = FakeServer::start(script, ServerConfig::default()).await?;
//! println!("Web API at {}", server.api_url()); // http://127.0.0.1:PORT/api/
//! let verdict = server.finished().await?;      // the script has played to its end
//! assert!(verdict.ok, "{}", verdict.summary_text());
//! # Ok(()) }
//! ```
//!
//! ## How it is built
//!
//! - **One task owns the FakeSlack** (`core`): it feeds it each HTTP call, WebSocket handshake
//!   and frame, carries out its outputs and sleeps until `poll_timeout`. The protocol, the
//!   script and the verdict live in the fake; this crate only moves bytes.
//! - HTTP is hyper's server (http/1.1 with upgrades); WebSockets are async-tungstenite over the
//!   upgraded connection. Every accepted TCP socket has `TCP_NODELAY`.
//! - **One task per WebSocket** reads and writes side by side. What the core queued together is
//!   written with a single flush (batched writes). Going silent (half-open) stops the task
//!   from polling the socket at all: nothing read, no pong, nothing written, the connection
//!   left open.
//! - **Bounded queues everywhere**: IO tasks wait for room in the core's inbox (so a flood of
//!   client frames pushes back to TCP); the core never waits on a socket: it `try_send`s and
//!   drops a client whose queue is full (it is not reading).
//!
//! ## Benchmarks
//!
//! [`FakeServer::spawn_thread`] runs the server on its own thread with its own single-threaded
//! runtime and reports that thread's CPU time with the verdict, so a benchmark can show the
//! fake's cost beside the client's. Frames travel as shared, pre-serialised bytes
//! (`Utf8Bytes`) and bursts are written with one flush; see `runtimes/server/README.md` for
//! the bulk mode (many envelopes, at most N unacked) built on that.

#![warn(missing_docs, unreachable_pub)]

mod core;
mod flood;
mod http;
mod observe;
mod socket;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use slackline_fake::flood::{Flood, FloodReport};
use slackline_fake::{FakeConfig, FakeSlack, Script, Verdict};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use observe::{Observation, Observed};

/// Frames queued for one WebSocket before the client is judged not to be reading.
pub const DEFAULT_OUTBOUND_CAPACITY: usize = 8192;

/// What the server allows a client, so that a hostile one cannot grow it without end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// TCP connections open at once, WebSockets included; more are closed on arrival.
    pub max_connections: usize,
    /// How long a request's headers may take to arrive, counted from when the server waits
    /// for them: on a kept-alive connection, also how long it may sit idle.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    /// 64 connections, 30 s for headers (and idle), 30 s for a body.
    fn default() -> Self {
        Limits {
            max_connections: 64,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// At most `n` connections at once (at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Headers (and idle kept-alive connections) time out after `d`.
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Bodies time out after `d`.
    pub fn body_read_timeout(mut self, d: Duration) -> Self {
        self.body_read_timeout = d;
        self
    }
}

/// What the limits turned away, so far.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    refused: std::sync::atomic::AtomicU64,
    header_timeouts: std::sync::atomic::AtomicU64,
    body_timeouts: std::sync::atomic::AtomicU64,
}

/// What the server's limits turned away ([`RunningServer::turned_away`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct TurnedAway {
    /// Connections closed on arrival, over [`Limits::max_connections`].
    pub connections_over_limit: u64,
    /// Connections closed because request headers did not come in time (or an idle
    /// kept-alive connection sat too long).
    pub header_timeouts: u64,
    /// Requests answered 408 because their body did not come in time.
    pub body_timeouts: u64,
}

impl TurnedAway {
    /// Whether anything was turned away.
    pub fn any(&self) -> bool {
        self.connections_over_limit + self.header_timeouts + self.body_timeouts > 0
    }
}
/// Reports from the IO tasks waiting for the core.
const INBOX_CAPACITY: usize = 1024;

/// How the server runs; the script says what it plays.
#[derive(Clone)]
pub struct ServerConfig {
    port: u16,
    fake: FakeConfig,
    outbound_capacity: usize,
    observer: Option<mpsc::Sender<Observation>>,
    flood: Option<Flood>,
    limits: Limits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            port: 0,
            fake: FakeConfig::new(),
            outbound_capacity: DEFAULT_OUTBOUND_CAPACITY,
            observer: None,
            flood: None,
            limits: Limits::default(),
        }
    }
}

impl ServerConfig {
    /// Listen on this port of 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The fake's own settings (accepted tokens, RTM burst). Its WebSocket base URL is set
    /// by the server to its own address.
    pub fn fake(mut self, fake: FakeConfig) -> Self {
        self.fake = fake;
        self
    }

    /// Frames queued per WebSocket before a client that does not read is dropped
    /// (default [`DEFAULT_OUTBOUND_CAPACITY`]).
    pub fn outbound_capacity(mut self, frames: usize) -> Self {
        self.outbound_capacity = frames.max(1);
        self
    }

    /// Reports what the server does as it happens ([`Observation`]s); events are dropped when
    /// the channel is full.
    pub fn observer(mut self, observer: mpsc::Sender<Observation>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Connection limit and timeouts (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Flood mode, for benchmarks: the first Socket Mode connection gets `flood` (recorded
    /// envelopes as fast as it acks them, or at a set rate) after its `hello`, instead of the
    /// script's envelopes. [`RunningServer::finished`] then waits for the flood, and
    /// [`RunningServer::flood_report`] says how it went.
    pub fn flood(mut self, flood: Flood) -> Self {
        self.flood = Some(flood);
        self
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("port", &self.port)
            .field("fake", &self.fake)
            .field("outbound_capacity", &self.outbound_capacity)
            .field("observer", &self.observer.is_some())
            .field("flood", &self.flood)
            .field("limits", &self.limits)
            .finish()
    }
}

/// Starts fake Slack servers.
#[derive(Debug)]
pub struct FakeServer;

impl FakeServer {
    /// Binds 127.0.0.1 and starts serving `script` on the current tokio runtime (which needs
    /// its IO and time drivers). The script's clock starts now.
    pub async fn start(script: Script, config: ServerConfig) -> io::Result<RunningServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let fake_config = config.fake.with_ws_base_url(format!("ws://{addr}"));
        let start = std::time::Instant::now();
        let fake = FakeSlack::new(script, fake_config, slackline::Instant::ZERO);
        let (inbox_tx, inbox) = mpsc::channel(INBOX_CAPACITY);
        let (finished_tx, finished) = watch::channel(false);
        let (stop_tx, stop) = watch::channel(false);
        let core = core::Core {
            fake,
            inputs: inbox,
            outbound_capacity: config.outbound_capacity,
            observer: config.observer,
            finished: finished_tx,
            stop: stop.clone(),
            start,
        };
        let core = tokio::spawn(core.run());
        let (flood, flood_report) = match config.flood {
            Some(flood) => {
                let (slot, report) = flood::FloodSlot::new(flood);
                (Some(slot), Some(report))
            }
            None => (None, None),
        };
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(http::Shared {
            core: inbox_tx.clone(),
            stop,
            flood,
            started: start,
            limits: config.limits,
            connections: Arc::new(tokio::sync::Semaphore::new(config.limits.max_connections)),
            counters: Arc::clone(&counters),
        });
        tokio::spawn(http::accept(listener, shared));
        Ok(RunningServer {
            addr,
            finished,
            flood: flood_report,
            stop: stop_tx,
            inbox: inbox_tx,
            core,
            counters,
        })
    }

    /// Runs the server on a thread of its own (a single-threaded runtime), so that its CPU
    /// time can be measured apart from the client's. Returns once it listens.
    pub fn spawn_thread(script: Script, config: ServerConfig) -> io::Result<ServerThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let (control_tx, control) = oneshot::channel::<ThreadControl>();
        let thread = std::thread::Builder::new()
            .name("slackline-fake-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let cpu_start = cpu_time::ThreadTime::try_now().ok();
                    let server = match FakeServer::start(script, config).await {
                        Ok(server) => server,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return None;
                        }
                    };
                    let _ = ready_tx.send(Ok(server.local_addr()));
                    let mut server = server;
                    if let Ok(ThreadControl::AwaitFinish(limit)) = control.await {
                        let _ = tokio::time::timeout(limit, server.finished()).await;
                    }
                    let flood = server.flood.clone();
                    let verdict = server.shutdown().await.ok()?;
                    let cpu_time = cpu_start.and_then(|t| t.try_elapsed().ok());
                    let flood = flood.and_then(|report| report.borrow().clone());
                    Some(ThreadReport {
                        verdict,
                        cpu_time,
                        flood,
                    })
                })
            })?;
        let addr = ready
            .recv()
            .map_err(|_| io::Error::other("the server thread ended before listening"))??;
        Ok(ServerThread {
            addr,
            control: Some(control_tx),
            thread: Some(thread),
        })
    }
}

/// A server running on the caller's runtime. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    finished: watch::Receiver<bool>,
    /// Flood mode: the flood's report, once its connection has it (finished or ended).
    flood: Option<watch::Receiver<Option<FloodReport>>>,
    stop: watch::Sender<bool>,
    inbox: mpsc::Sender<core::Input>,
    core: JoinHandle<Verdict>,
    counters: Arc<Counters>,
}

impl RunningServer {
    /// What the limits turned away so far.
    pub fn turned_away(&self) -> TurnedAway {
        use std::sync::atomic::Ordering::Relaxed;
        TurnedAway {
            connections_over_limit: self.counters.refused.load(Relaxed),
            header_timeouts: self.counters.header_timeouts.load(Relaxed),
            body_timeouts: self.counters.body_timeouts.load(Relaxed),
        }
    }

    /// The address it listens on (127.0.0.1).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Web API base URL, `http://127.0.0.1:PORT/api/`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// Waits until the script has played to its end and outstanding acks are settled (in
    /// flood mode: until the flood is over, every envelope acked or its connection gone), and
    /// returns the verdict. The server keeps serving until [`shutdown`](Self::shutdown) or drop.
    pub async fn finished(&mut self) -> io::Result<Verdict> {
        match &mut self.flood {
            Some(flood) => drop(flood.wait_for(Option::is_some).await),
            None => drop(self.finished.wait_for(|f| *f).await),
        }
        self.verdict().await
    }

    /// Whether the script has ended (in flood mode: the flood).
    pub fn is_finished(&self) -> bool {
        match &self.flood {
            Some(flood) => flood.borrow().is_some(),
            None => *self.finished.borrow(),
        }
    }

    /// Flood mode: how the flood went, once it is over (all acked, or its connection ended).
    pub fn flood_report(&self) -> Option<FloodReport> {
        self.flood.as_ref().and_then(|f| f.borrow().clone())
    }

    /// The verdict so far (final once finished).
    pub async fn verdict(&self) -> io::Result<Verdict> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(core::Input::Verdict(reply))
            .await
            .map_err(|_| core_gone())?;
        answer.await.map_err(|_| core_gone())
    }

    /// Stops serving: open WebSockets get a close frame (1001) after what was queued for them,
    /// silent ones are dropped. Returns the verdict, final or not.
    pub async fn shutdown(mut self) -> io::Result<Verdict> {
        self.stop.send_replace(true);
        let verdict = (&mut self.core).await.map_err(|_| core_gone())?;
        // Give socket tasks a moment to write their close frames.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(verdict)
    }
}

impl RunningServer {
    /// Like [`shutdown`](Self::shutdown), with the flood's report (flood mode): a flood still
    /// running when the server stops reports what it did so far.
    pub async fn shutdown_with_flood_report(self) -> io::Result<(Verdict, Option<FloodReport>)> {
        let flood = self.flood.clone();
        let verdict = self.shutdown().await?;
        Ok((verdict, flood.and_then(|f| f.borrow().clone())))
    }
}

fn core_gone() -> io::Error {
    io::Error::other("the fake Slack's task has ended")
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

#[derive(Debug)]
enum ThreadControl {
    AwaitFinish(Duration),
    Stop,
}

/// A server on its own thread ([`FakeServer::spawn_thread`]).
#[derive(Debug)]
pub struct ServerThread {
    addr: SocketAddr,
    control: Option<oneshot::Sender<ThreadControl>>,
    thread: Option<std::thread::JoinHandle<Option<ThreadReport>>>,
}

/// What a server thread reports when it ends.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ThreadReport {
    /// The verdict.
    pub verdict: Verdict,
    /// CPU time the server's thread used (user + system), if the platform tells.
    pub cpu_time: Option<Duration>,
    /// Flood mode: how the flood went.
    pub flood: Option<FloodReport>,
}

impl ServerThread {
    /// The address it listens on (127.0.0.1).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Web API base URL, `http://127.0.0.1:PORT/api/`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// Waits (blocking) for the script to end, at most `limit`, then stops the server.
    pub fn join_finished(mut self, limit: Duration) -> io::Result<ThreadReport> {
        self.end(ThreadControl::AwaitFinish(limit))
    }

    /// Stops the server now (blocking) and reports.
    pub fn stop(mut self) -> io::Result<ThreadReport> {
        self.end(ThreadControl::Stop)
    }

    fn end(&mut self, how: ThreadControl) -> io::Result<ThreadReport> {
        if let Some(control) = self.control.take() {
            let _ = control.send(how);
        }
        let thread = self
            .thread
            .take()
            .ok_or_else(|| io::Error::other("already stopped"))?;
        match thread.join() {
            Ok(Some(report)) => Ok(report),
            Ok(None) => Err(io::Error::other("the server thread failed")),
            Err(_) => Err(io::Error::other("the server thread panicked")),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(control) = self.control.take() {
            let _ = control.send(ThreadControl::Stop);
        }
    }
}
