//! The flood's socket: one task that owns the TCP stream outright (no WebSocket stream or
//! message objects, only tungstenite's header codec on plain buffers, see [`wire`]; no channel
//! to the core per frame) and runs the sans-IO [`Flood`] on it. Each turn it reads whatever
//! the client sent (acks go straight to the flood, pings are answered), fills the output
//! buffer with as many envelopes as the window or the pace allows, and writes the buffer with
//! as few `write` calls as the socket takes. It sleeps on socket readiness, the core's queue
//! (hello, server pings, close) and the pace's next deadline.

use std::io;
use std::time::Instant as StdInstant;

use bytes::Bytes;
use slackline_fake::flood::{Flood, FloodReport};
use slackline_fake::SocketId;
use tokio::io::Interest;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use super::wire::{self, Control, Data, OpCode, Parsed};
use crate::core::Input;
use crate::socket::Outbound;

/// Output buffered before it is written: large enough for a burst of envelopes in one
/// `write`, small enough that reading acks is never put off for long.
const BATCH_BYTES: usize = 256 * 1024;
/// Largest message read from a client (acks are tiny; Slack refuses any over 20 KB).
const MAX_MESSAGE: usize = 1024 * 1024;
/// Read at most this much per turn, so a client flooding us back cannot starve the writer.
const READ_PER_TURN: usize = 256 * 1024;
/// The input buffer's size: many acks per read.
const INPUT_BYTES: usize = 64 * 1024;

const CONTINUATION: OpCode = OpCode::Data(Data::Continue);
const TEXT: OpCode = OpCode::Data(Data::Text);
const CLOSE: OpCode = OpCode::Control(Control::Close);
const PING: OpCode = OpCode::Control(Control::Ping);
const PONG: OpCode = OpCode::Control(Control::Pong);

/// Everything the task needs besides the stream.
pub(crate) struct FloodSocket {
    pub(crate) socket: SocketId,
    pub(crate) flood: Flood,
    /// Frames the core queued for this socket (its `hello` first).
    pub(crate) queue: mpsc::Receiver<Outbound>,
    pub(crate) core: mpsc::Sender<Input>,
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) started: StdInstant,
    pub(crate) done: watch::Sender<Option<FloodReport>>,
}

/// How the connection ended, for the core.
struct Ended {
    code: Option<u16>,
    reason: String,
}

impl FloodSocket {
    fn now(&self) -> slackline::Instant {
        slackline::Instant::from_elapsed(self.started.elapsed())
    }

    /// Serves the socket until either side closes it or the server stops. `early` holds bytes
    /// the HTTP layer read past the upgrade request.
    pub(crate) async fn run(mut self, tcp: TcpStream, early: Bytes) {
        let mut input = vec![0; INPUT_BYTES.max(early.len())];
        input[..early.len()].copy_from_slice(&early);
        let mut io = Io {
            input,
            filled: early.len(),
            output: Vec::with_capacity(BATCH_BYTES + 64 * 1024),
            written: 0,
            message: Vec::new(),
            message_opcode: None,
        };
        let ended = self.serve(&tcp, &mut io).await;
        self.publish();
        // Whatever is left (a close frame) goes out, best effort.
        let _ = write_pending(&tcp, &mut io).await;
        let _ = self
            .core
            .send(Input::Closed {
                socket: self.socket,
                code: ended.code,
                reason: ended.reason,
            })
            .await;
    }

    fn publish(&self) {
        self.done.send_replace(Some(self.flood.report()));
    }

    async fn serve(&mut self, tcp: &TcpStream, io: &mut Io) -> Ended {
        // Envelopes wait for the `hello` the core queues when the socket opens.
        let mut greeted = false;
        let mut reported = false;
        let mut queue_open = true;
        loop {
            // Frames from the core first: `hello` must precede every envelope.
            while queue_open {
                match self.queue.try_recv() {
                    Ok(frame) => {
                        if let Some(end) = self.outbound(frame, io, &mut greeted) {
                            return end;
                        }
                    }
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => queue_open = false,
                }
            }
            // What arrived before the end of the stream (often the last acks and a close)
            // is handled before the end is.
            let read = read_available(tcp, io);
            let now = self.now();
            if let Some(end) = self.client_frames(now, io) {
                return end;
            }
            match read {
                Ok(true) => {}
                Ok(false) => return lost(None, "connection ended"),
                Err(e) => return lost(None, &e.to_string()),
            }
            if greeted {
                while io.pending() < BATCH_BYTES {
                    let Some(frame) = self.flood.next_frame(now) else {
                        break;
                    };
                    wire::push_frame(&mut io.output, TEXT, frame);
                }
            }
            if let Err(e) = try_write(tcp, io) {
                return lost(None, &e.to_string());
            }
            if self.flood.is_finished() && !reported {
                reported = true;
                self.publish();
            }
            let interest = if io.pending() > 0 {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let deadline = greeted
                .then(|| self.flood.poll_timeout())
                .flatten()
                .map(|at| {
                    let since = at.saturating_duration_since(slackline::Instant::ZERO);
                    tokio::time::Instant::from_std(self.started + since)
                });
            let pace = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                () = crate::core::stopped(&mut self.stop) => {
                    wire::push_close(&mut io.output, 1001, "server stopping");
                    return lost(None, "server stopping");
                }
                ready = tcp.ready(interest) => {
                    if let Err(e) = ready {
                        return lost(None, &e.to_string());
                    }
                }
                frame = self.queue.recv(), if queue_open => match frame {
                    Some(frame) => {
                        if let Some(end) = self.outbound(frame, io, &mut greeted) {
                            return end;
                        }
                    }
                    None => queue_open = false,
                },
                () = pace => {}
            }
        }
    }

    /// Carries out a frame the core queued; `Some` when it ends the connection.
    fn outbound(&mut self, frame: Outbound, io: &mut Io, greeted: &mut bool) -> Option<Ended> {
        match frame {
            Outbound::Text(text) => {
                wire::push_frame(&mut io.output, TEXT, text.as_bytes());
                *greeted = true;
            }
            Outbound::Ping(payload) => wire::push_frame(&mut io.output, PING, &payload),
            Outbound::Close(code, reason) => {
                wire::push_close(&mut io.output, code, &reason);
                return Some(lost(None, "closed by the server"));
            }
            // The flood measures a client; half-open sockets are the scripted fake's business.
            Outbound::Silence => {
                tracing::warn!("a flood socket cannot go silent; closing it instead");
                wire::push_close(&mut io.output, 1001, "silence is not played in a flood");
                return Some(lost(None, "silenced"));
            }
        }
        None
    }

    /// Handles every complete frame in the input buffer; `Some` when the connection ends.
    fn client_frames(&mut self, now: slackline::Instant, io: &mut Io) -> Option<Ended> {
        let mut at = 0;
        let ended = loop {
            let parsed = match wire::parse(&mut io.input[at..io.filled], MAX_MESSAGE) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => break None,
                Err(violation) => {
                    wire::push_close(&mut io.output, violation.code, violation.reason);
                    break Some(lost(None, violation.reason));
                }
            };
            let Parsed {
                fin,
                opcode,
                payload,
                len,
            } = parsed;
            let payload = at + payload.start..at + payload.end;
            at += len;
            match opcode {
                PING => wire::push_frame(&mut io.output, PONG, &io.input[payload]),
                CLOSE => {
                    let code = wire::close_code(&io.input[payload]);
                    wire::push_close(&mut io.output, code.unwrap_or(1000), "");
                    break Some(lost(code, "closed by the client"));
                }
                PONG => {}
                // Whole text frames (every ack in practice) go to the flood without a copy.
                TEXT if fin && io.message_opcode.is_none() => {
                    self.flood.handle_text(now, &io.input[payload]);
                }
                CONTINUATION if io.message_opcode.is_none() => {
                    wire::push_close(&mut io.output, 1002, "unexpected continuation");
                    break Some(lost(None, "unexpected continuation frame"));
                }
                _ => {
                    // A fragmented message: gather it (binary ones only to discard them).
                    if opcode != CONTINUATION {
                        io.message_opcode = Some(opcode);
                        io.message.clear();
                    }
                    if io.message.len() + payload.len() > MAX_MESSAGE {
                        wire::push_close(&mut io.output, 1009, "message too big");
                        break Some(lost(None, "message too big"));
                    }
                    io.message.extend_from_slice(&io.input[payload]);
                    if fin {
                        if io.message_opcode.take() == Some(TEXT) {
                            self.flood.handle_text(now, &io.message);
                        }
                        io.message.clear();
                    }
                }
            }
        };
        io.input.copy_within(at..io.filled, 0);
        io.filled -= at;
        ended
    }
}

fn lost(code: Option<u16>, reason: &str) -> Ended {
    Ended {
        code,
        reason: reason.to_owned(),
    }
}

/// The socket's buffers: reused for the whole connection.
struct Io {
    /// Bytes read and not yet parsed are `input[..filled]`; the rest is room to read into
    /// (allocated once, grown only for a frame larger than all of it).
    input: Vec<u8>,
    filled: usize,
    output: Vec<u8>,
    /// How much of `output` has been written.
    written: usize,
    /// A fragmented message being gathered, and its opcode.
    message: Vec<u8>,
    message_opcode: Option<OpCode>,
}

impl Io {
    fn pending(&self) -> usize {
        self.output.len() - self.written
    }
}

/// Reads what the socket has, up to [`READ_PER_TURN`]; false at end of stream.
fn read_available(tcp: &TcpStream, io: &mut Io) -> io::Result<bool> {
    let mut read = 0;
    while read < READ_PER_TURN {
        if io.filled == io.input.len() {
            // A frame larger than the buffer (the parser refuses any over MAX_MESSAGE).
            let larger = (io.input.len() * 2)
                .min(MAX_MESSAGE + 16)
                .max(io.input.len() + 1);
            io.input.resize(larger, 0);
        }
        match tcp.try_read(&mut io.input[io.filled..]) {
            // The bytes read so far stay in `io` for the caller to handle.
            Ok(0) => return Ok(false),
            Ok(n) => {
                io.filled += n;
                read += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Writes as much of the output as the socket takes now.
fn try_write(tcp: &TcpStream, io: &mut Io) -> io::Result<()> {
    while io.pending() > 0 {
        match tcp.try_write(&io.output[io.written..]) {
            Ok(n) => io.written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    if io.pending() == 0 {
        io.output.clear();
        io.written = 0;
    }
    Ok(())
}

/// Writes the rest of the output, waiting for the socket as needed.
async fn write_pending(tcp: &TcpStream, io: &mut Io) -> io::Result<()> {
    while io.pending() > 0 {
        tcp.writable().await?;
        try_write(tcp, io)?;
    }
    Ok(())
}
