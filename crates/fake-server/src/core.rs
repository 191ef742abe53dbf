//! The one task that owns the [`FakeSlack`]: it feeds it what the HTTP and WebSocket tasks
//! report, carries out its outputs, and sleeps until its next deadline. Nothing else touches
//! the state machine, so the server's behaviour is exactly the sans-IO fake's.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant as StdInstant;

use bytes::Bytes;
use slackline::redact_tokens;
use slackline_fake::{
    ApiRequest, CallId, ConnectRejected, FakeResponse, FakeSlack, Output, SocketId, Verdict,
};
use tokio::sync::{mpsc, oneshot, watch};

use crate::observe::{Observation, Observed};
use crate::socket::Outbound;

/// A Web API call as the HTTP task read it. Not `Debug`: it carries the caller's token.
pub(crate) struct ApiCall {
    pub(crate) method: String,
    pub(crate) authorization: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
}

/// What a WebSocket handshake gets back: the socket and the queue of frames to write on it.
pub(crate) type Accepted = (SocketId, mpsc::Receiver<Outbound>);

/// What the IO tasks report to the core.
pub(crate) enum Input {
    Http {
        call: ApiCall,
        reply: oneshot::Sender<FakeResponse>,
    },
    WsConnect {
        target: String,
        reply: oneshot::Sender<Result<Accepted, ConnectRejected>>,
    },
    /// File bytes POSTed to an upload URL.
    Upload {
        target: String,
        body: Bytes,
        reply: oneshot::Sender<FakeResponse>,
    },
    Text(SocketId, Bytes),
    Binary(SocketId, Bytes),
    Ping(SocketId, Bytes),
    Pong(SocketId, Bytes),
    Closed {
        socket: SocketId,
        code: Option<u16>,
        reason: String,
    },
    /// The verdict so far, without stopping.
    Verdict(oneshot::Sender<Verdict>),
}

pub(crate) struct Core {
    pub(crate) fake: FakeSlack,
    pub(crate) inputs: mpsc::Receiver<Input>,
    pub(crate) outbound_capacity: usize,
    pub(crate) observer: Option<mpsc::Sender<Observation>>,
    /// Set once the script is over.
    pub(crate) finished: watch::Sender<bool>,
    /// Set when the server is told to stop.
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) start: StdInstant,
}

enum Wake {
    Stop,
    Input(Option<Input>),
    Timer,
}

/// Resolves once the server is told to stop (or its handle is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

struct Running {
    sockets: HashMap<SocketId, mpsc::Sender<Outbound>>,
    /// Calls waiting for their answer, with their method (for observers).
    calls: HashMap<CallId, (String, oneshot::Sender<FakeResponse>)>,
}

impl Core {
    fn now(&self) -> slackline::Instant {
        slackline::Instant::from_elapsed(self.start.elapsed())
    }

    fn observe(&self, make: impl FnOnce() -> Observed) {
        if let Some(observer) = &self.observer {
            let at = self.start.elapsed();
            let _ = observer.try_send(Observation { at, what: make() });
        }
    }

    /// Runs until told to stop (or every IO task and handle is gone); returns the verdict.
    /// Dropping the socket queues on the way out tells every socket task to finish.
    pub(crate) async fn run(mut self) -> Verdict {
        let mut running = Running {
            sockets: HashMap::new(),
            calls: HashMap::new(),
        };
        self.drain(&mut running);
        loop {
            let deadline = self.fake.poll_timeout().map(|at| {
                let since_start = at.saturating_duration_since(slackline::Instant::ZERO);
                tokio::time::Instant::from_std(self.start + since_start)
            });
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let wake = tokio::select! {
                biased;
                () = stopped(&mut self.stop) => Wake::Stop,
                input = self.inputs.recv() => Wake::Input(input),
                () = sleep => Wake::Timer,
            };
            match wake {
                Wake::Stop | Wake::Input(None) => break,
                Wake::Input(Some(input)) => self.input(input, &mut running),
                Wake::Timer => {
                    let now = self.now();
                    self.fake.handle_timeout(now);
                }
            }
            self.drain(&mut running);
        }
        self.fake.verdict()
    }

    fn input(&mut self, input: Input, running: &mut Running) {
        let now = self.now();
        match input {
            Input::Http { call, reply } => {
                let request = ApiRequest {
                    method: &call.method,
                    authorization: call.authorization.as_deref(),
                    content_type: call.content_type.as_deref(),
                    body: &call.body,
                };
                let id = self.fake.handle_http_request(now, request);
                running.calls.insert(id, (call.method, reply));
            }
            Input::Upload {
                target,
                body,
                reply,
            } => {
                let id = self.fake.handle_upload(now, &target, &body);
                running.calls.insert(id, ("upload".to_owned(), reply));
            }
            Input::WsConnect { target, reply } => {
                let result = self.fake.handle_ws_connect(now, &target).map(|socket| {
                    let (tx, rx) = mpsc::channel(self.outbound_capacity);
                    running.sockets.insert(socket, tx);
                    (socket, rx)
                });
                match &result {
                    Ok((socket, _)) => self.observe(|| Observed::Connected {
                        socket: socket.get(),
                    }),
                    Err(rejected) => self.observe(|| Observed::Rejected {
                        status: rejected.status,
                        reason: rejected.reason.clone(),
                    }),
                }
                if let Err(Ok((socket, _))) = reply.send(result) {
                    // The handshake task is gone: the socket never opened.
                    running.sockets.remove(&socket);
                    self.fake
                        .handle_closed(now, socket, None, "handshake abandoned");
                }
            }
            Input::Text(socket, text) => {
                self.observe(|| Observed::Received {
                    socket: socket.get(),
                    text: redact_tokens(&String::from_utf8_lossy(&text)).into(),
                });
                self.fake.handle_text(now, socket, &text);
            }
            Input::Binary(socket, data) => self.fake.handle_binary(now, socket, &data),
            Input::Ping(socket, payload) => self.fake.handle_ping(now, socket, &payload),
            Input::Pong(socket, payload) => self.fake.handle_pong(now, socket, &payload),
            Input::Closed {
                socket,
                code,
                reason,
            } => {
                if running.sockets.remove(&socket).is_some() {
                    self.observe(|| Observed::ClientClosed {
                        socket: socket.get(),
                        code,
                    });
                }
                self.fake.handle_closed(now, socket, code, &reason);
            }
            Input::Verdict(reply) => drop(reply.send(self.fake.verdict())),
        }
    }

    /// Carries out every output the fake has queued.
    fn drain(&mut self, running: &mut Running) {
        while let Some(output) = self.fake.poll_output() {
            match output {
                Output::HttpResponse { call, response } => {
                    if let Some((method, reply)) = running.calls.remove(&call) {
                        self.observe_http(method, &response);
                        let _ = reply.send(response);
                    }
                }
                Output::SendText { socket, text } => {
                    if self.observer.is_some() {
                        let text: Arc<str> = text.as_str().into();
                        self.observe(|| Observed::Sent {
                            socket: socket.get(),
                            text,
                        });
                    }
                    self.send(running, socket, Outbound::Text(text.into()));
                }
                Output::SendPing { socket, payload } => {
                    self.send(running, socket, Outbound::Ping(payload.into()));
                }
                // The WebSocket library answers every ping it reads, and a silent socket is not
                // read; a second, explicit pong would be one too many.
                Output::SendPong { .. } => {}
                Output::Close {
                    socket,
                    code,
                    reason,
                } => {
                    self.observe(|| Observed::ServerClosed {
                        socket: socket.get(),
                        code,
                    });
                    if let Some(queue) = running.sockets.remove(&socket) {
                        let _ = queue.try_send(Outbound::Close(code, reason));
                    }
                }
                Output::GoSilent { socket } => {
                    self.observe(|| Observed::Silenced {
                        socket: socket.get(),
                    });
                    if let Some(queue) = running.sockets.remove(&socket) {
                        let _ = queue.try_send(Outbound::Silence);
                    }
                }
                Output::Finished => {
                    self.observe(|| Observed::Finished);
                    self.finished.send_replace(true);
                }
                other => tracing::debug!(output = ?other, "output not carried out by this server"),
            }
        }
    }

    /// Queues a frame without ever waiting: a client that lets its queue fill up is not
    /// reading, and is treated as gone (its queue is dropped, which closes the socket).
    fn send(&mut self, running: &mut Running, socket: SocketId, frame: Outbound) {
        let Some(queue) = running.sockets.get(&socket) else {
            return;
        };
        if queue.try_send(frame).is_err() {
            tracing::warn!(
                socket = socket.get(),
                "outbound queue full or closed: dropping the socket"
            );
            running.sockets.remove(&socket);
            let now = self.now();
            self.fake
                .handle_closed(now, socket, None, "server outbound queue full");
        }
    }

    fn observe_http(&self, method: String, response: &FakeResponse) {
        if self.observer.is_none() {
            return;
        }
        #[derive(serde::Deserialize)]
        struct Body {
            error: Option<String>,
            channel: Option<String>,
            message: Option<Message>,
        }
        #[derive(serde::Deserialize)]
        struct Message {
            text: Option<String>,
        }
        let body: Option<Body> = serde_json::from_str(&response.body).ok();
        let (error, posted) = match body {
            Some(b) => {
                let posted = b.channel.zip(b.message.and_then(|m| m.text));
                (b.error, posted)
            }
            None => (None, None),
        };
        self.observe(|| Observed::Http {
            method,
            status: response.status,
            error,
            posted,
        });
    }
}
