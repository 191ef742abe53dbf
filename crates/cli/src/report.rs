//! `listen`'s stderr: one human line per thing that went wrong (what failed, why, what happens
//! next), built from the client's lifecycle events; `-v` adds the normal ones (hellos,
//! refreshes, closes, redeliveries). A thread of its own writes them, so a stalled stderr
//! never holds up the client, and it summarises repeats: a line like one printed less than
//! [`WINDOW`] ago is counted, not printed, and the count is reported once the window ends
//! ("… repeated 250 times in the last 10.0 s"), so a storm cannot flood the terminal.
//! Tokens are redacted from every line.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use slackline::{
    redact_tokens, ApiError, CloseCause, DisconnectReason, Event, ReconnectCause, StopReason,
};

/// Lines of one kind printed at most once per window; the rest are counted.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Lines waiting for the stderr thread before new ones are dropped (and counted).
const QUEUE: usize = 1024;
/// Kinds of line remembered for summaries at once.
const KINDS: usize = 64;

/// What the reporter needs to know about the client.
#[derive(Clone, Debug)]
pub struct Context {
    /// The method that fetches a WebSocket URL (`apps.connections.open`, `rtm.connect`).
    pub url_method: &'static str,
    /// Connections Slack should count for this app (its whole fleet); a `hello` with more
    /// than that (plus the replacements this client has open) warns.
    pub expected_connections: u32,
    /// Connections this client keeps (`--connections`).
    pub connections: u32,
    /// How long the app has to ack (for the overdue line).
    pub ack_timeout: Duration,
    /// Report normal events too.
    pub verbose: bool,
}

enum Message {
    Line {
        kind: String,
        text: String,
    },
    /// Print now, unsummarised (the final line of the command).
    Final(String),
}

/// Sends lines to the stderr thread.
#[derive(Clone)]
pub struct Reporter {
    tx: Option<SyncSender<Message>>,
    context: Arc<Context>,
    dropped: Arc<AtomicU64>,
    /// The command is stopping: acks left unsent on purpose are not news.
    stopping: Arc<std::sync::atomic::AtomicBool>,
    /// Connections that said hello and are not closed (events come in order).
    live: Arc<std::sync::Mutex<std::collections::BTreeSet<slackline::ConnId>>>,
    done: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl Reporter {
    /// Starts the stderr thread.
    pub fn start(context: Context) -> Reporter {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&dropped);
        let thread = std::thread::Builder::new()
            .name("slackline-stderr".into())
            .spawn(move || write_loop(&rx, &counted))
            .ok();
        Reporter {
            tx: thread.as_ref().map(|_| tx),
            context: Arc::new(context),
            dropped,
            stopping: Arc::default(),
            live: Arc::default(),
            done: Arc::new(std::sync::Mutex::new(thread)),
        }
    }

    /// The command is stopping: from now on, envelopes whose ack deadline passes unprinted are
    /// expected (the last line says what was not acked).
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// Reports `event` if it deserves a line.
    pub fn event(&self, event: &Event) {
        if matches!(event, Event::AckOverdue { .. }) && self.stopping.load(Ordering::Relaxed) {
            return;
        }
        let held = {
            let mut live = self
                .live
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match event {
                Event::Hello(hello) => {
                    live.insert(hello.conn);
                }
                Event::ConnectionClosed { conn, .. } => {
                    live.remove(conn);
                }
                _ => {}
            }
            u32::try_from(live.len()).unwrap_or(u32::MAX)
        };
        if let Some((kind, text)) = describe(event, &self.context, held) {
            self.line(kind, text);
        }
    }

    /// A line of kind `kind` (repeats of a kind are summarised).
    pub fn line(&self, kind: String, text: String) {
        self.send(Message::Line {
            kind,
            text: redact_tokens(&text).into_owned(),
        });
    }

    fn send(&self, message: Message) {
        let Some(tx) = &self.tx else {
            let (Message::Line { text, .. } | Message::Final(text)) = message;
            eprintln!("{text}");
            return;
        };
        match tx.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Prints what is pending (summaries included) and `last` after it, then ends the thread
    /// (waiting at most `limit` for a stalled stderr).
    pub fn finish(&self, last: Option<String>, limit: Duration) {
        if let Some(last) = last {
            self.send(Message::Final(redact_tokens(&last).into_owned()));
        }
        let Some(thread) = self
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return;
        };
        // The channel closes when every sender is gone; this one says "finish" by a Final
        // without text.
        self.send(Message::Final(String::new()));
        let deadline = Instant::now() + limit;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::park_timeout(Duration::from_millis(5));
        }
    }
}

/// A kind of line seen lately: when its window started, and what it hid since.
struct Seen {
    since: Instant,
    hidden: u64,
    latest: String,
}

/// Which lines to print now and which to count, by kind.
#[derive(Default)]
struct Summariser {
    seen: BTreeMap<String, Seen>,
}

impl Summariser {
    /// The line to print now for a line of `kind`, if it is not a repeat within the window.
    fn line(&mut self, now: Instant, kind: String, text: String) -> Option<String> {
        if let Some(seen) = self.seen.get_mut(&kind) {
            if now < seen.since + WINDOW {
                seen.hidden += 1;
                seen.latest = text;
                return None;
            }
        }
        if self.seen.len() >= KINDS && !self.seen.contains_key(&kind) {
            let oldest = self
                .seen
                .iter()
                .min_by_key(|(_, s)| s.since)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.seen.remove(&oldest);
            }
        }
        self.seen.insert(
            kind,
            Seen {
                since: now,
                hidden: 0,
                latest: String::new(),
            },
        );
        Some(text)
    }

    /// The summaries of every kind whose window ended (of all, at the end); each starts a new
    /// window. Kinds quiet for a whole window are forgotten.
    fn due(&mut self, now: Instant, all: bool) -> Vec<String> {
        let mut lines = Vec::new();
        self.seen.retain(|_, s| {
            let ended = now >= s.since + WINDOW;
            if s.hidden > 0 && (ended || all) {
                let took = now.duration_since(s.since).as_secs_f64();
                let times = match s.hidden {
                    1 => "once more".to_owned(),
                    n => format!("{n} more times"),
                };
                lines.push(format!(
                    "slackline: … repeated {times} in the last {took:.1} s; latest: {}",
                    s.latest.strip_prefix("slackline: ").unwrap_or(&s.latest)
                ));
                s.hidden = 0;
                s.since = now;
                return true;
            }
            !ended
        });
        lines
    }

    /// When the next summary is due.
    fn next_due(&self) -> Option<Instant> {
        self.seen
            .values()
            .filter(|s| s.hidden > 0)
            .map(|s| s.since + WINDOW)
            .min()
    }
}

fn write_loop(rx: &mpsc::Receiver<Message>, dropped: &AtomicU64) {
    let mut summariser = Summariser::default();
    let mut reported_drops = 0;
    loop {
        let wait = summariser
            .next_due()
            .map_or(WINDOW, |at| at.saturating_duration_since(Instant::now()));
        let message = rx.recv_timeout(wait);
        let now = Instant::now();
        let end = matches!(
            message,
            Ok(Message::Final(_)) | Err(RecvTimeoutError::Disconnected)
        );
        for line in summariser.due(now, end) {
            eprintln!("{line}");
        }
        let drops = dropped.load(Ordering::Relaxed);
        if drops > reported_drops {
            eprintln!(
                "slackline: {} stderr lines dropped (stderr is not keeping up)",
                drops - reported_drops
            );
            reported_drops = drops;
        }
        match message {
            Ok(Message::Line { kind, text }) => {
                if let Some(line) = summariser.line(now, kind, text) {
                    eprintln!("{line}");
                }
            }
            Ok(Message::Final(text)) => {
                if text.is_empty() {
                    return;
                }
                eprintln!("{text}");
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The line for an event, with the kind that groups its repeats; `None` if it needs none.
fn describe(event: &Event, context: &Context, held: u32) -> Option<(String, String)> {
    let verbose = context.verbose;
    let line = |kind: &str, text: String| Some((kind.to_owned(), format!("slackline: {text}")));
    match event {
        Event::Reconnecting {
            attempt,
            delay,
            cause,
        } => {
            let (what, kind) = match cause {
                ReconnectCause::Api(error) => (
                    format!("{} failed: {}", context.url_method, api_error(error)),
                    format!("url:{}", api_kind(error)),
                ),
                ReconnectCause::BadUrl => (
                    format!("{} gave no usable WebSocket URL", context.url_method),
                    "url:bad".to_owned(),
                ),
                ReconnectCause::Connection(cause) => {
                    if *delay == Duration::ZERO && !verbose && quiet_close(cause) {
                        return None;
                    }
                    (connection(cause), format!("conn:{}", close_kind(cause)))
                }
                _ => (cause.to_string(), "other".to_owned()),
            };
            let next = if delay.is_zero() {
                "reconnecting now".to_owned()
            } else {
                let honoured = match cause {
                    ReconnectCause::Api(ApiError::RateLimited {
                        retry_after: Some(asked),
                    }) if asked >= delay => " (as Retry-After asks)".to_owned(),
                    ReconnectCause::Api(ApiError::RateLimited {
                        retry_after: Some(asked),
                    }) => format!(" (Retry-After asked {} s)", asked.as_secs()),
                    _ => String::new(),
                };
                format!(
                    "retrying in {:.1} s{honoured} (attempt {attempt})",
                    delay.as_secs_f64()
                )
            };
            line(&kind, format!("{what}; {next}"))
        }
        Event::ProtocolError(error) => {
            let what = match &error.envelope_id {
                Some(_) => "acked it anyway (its envelope_id could be read), not printed",
                None => "ignored it",
            };
            line(
                &format!("protocol:{}", discriminant(&error.kind)),
                format!("{error}; {what}"),
            )
        }
        Event::AckOverdue {
            envelope_id,
            auto_acked: false,
        } => line(
            "overdue",
            format!(
                "envelope {envelope_id} not acked within {:.1} s: its line is not written yet \
                 (stdout is slow or blocked); Slack will redeliver it",
                context.ack_timeout.as_secs_f64()
            ),
        ),
        Event::AckOverdue {
            envelope_id,
            auto_acked: true,
        } => line(
            "overdue",
            format!("envelope {envelope_id} acked by the client at its deadline"),
        ),
        Event::Hello(hello) => {
            let counted = hello.num_connections.unwrap_or(0);
            // A replacement opened before the old connection closes counts twice for a moment.
            let replacing = held.saturating_sub(context.connections);
            let expected = context.expected_connections + replacing;
            if counted > expected {
                return line(
                    "stale",
                    format!(
                        "Slack counts {counted} connections for this app on {}, {expected} \
                         expected: stale connections (left by half-open sockets or other \
                         processes) receive envelopes nobody here sees until Slack drops them; \
                         in a fleet, set --expect-connections to its total",
                        hello.conn
                    ),
                );
            }
            verbose.then(|| {
                (
                    format!("hello:{}", hello.conn),
                    format!(
                        "slackline: {} said hello ({counted} connections)",
                        hello.conn
                    ),
                )
            })
        }
        Event::RtmError {
            conn, code, msg, ..
        } => line("rtm-error", format!("RTM error {code} on {conn}: {msg}")),
        Event::Disconnect { conn, reason } if verbose => {
            let next = match reason {
                DisconnectReason::LinkDisabled => "stopping",
                DisconnectReason::TooManyWebsockets => "closing it and backing off",
                _ => "replacing it (new connection first)",
            };
            line(
                &format!("disconnect:{conn}"),
                format!(
                    "Slack asked {conn} to disconnect ({}); {next}",
                    reason.as_str()
                ),
            )
        }
        Event::ConnectionClosed { conn, cause } if verbose => {
            line(&format!("closed:{conn}"), format!("{conn} closed: {cause}"))
        }
        Event::Duplicate {
            envelope_id,
            retry_attempt,
            ..
        } if verbose => line(
            "duplicate",
            format!(
                "envelope {envelope_id} redelivered (retry_attempt {retry_attempt}): already \
                 handled, not printed again"
            ),
        ),
        Event::Goodbye { conn } if verbose => line(
            &format!("goodbye:{conn}"),
            format!("Slack said goodbye on {conn}; replacing it"),
        ),
        Event::Stopped(StopReason::Shutdown) if verbose => {
            line("stopped", "session stopped: shut down".to_owned())
        }
        _ => None,
    }
}

/// Closes that are part of normal operation, followed by a new connection at once.
fn quiet_close(cause: &CloseCause) -> bool {
    matches!(
        cause,
        CloseCause::Replaced | CloseCause::Shutdown | CloseCause::Stopped
    )
}

fn connection(cause: &CloseCause) -> String {
    match cause {
        CloseCause::ConnectFailed(detail) => format!("cannot open the WebSocket: {detail}"),
        CloseCause::PongTimeout => "connection lost: a ping went unanswered (half-open?)".into(),
        CloseCause::IdleTimeout => "connection lost: nothing received for too long".into(),
        CloseCause::HelloTimeout => "connection failed: no hello from Slack in time".into(),
        CloseCause::TooManyWebsockets => {
            "Slack closed a connection: too many WebSockets for this app (disconnect: \
             too_many_websockets)"
                .into()
        }
        other => format!("connection lost: {other}"),
    }
}

fn close_kind(cause: &CloseCause) -> String {
    match cause {
        CloseCause::ConnectFailed(detail) => format!("connect:{detail}"),
        CloseCause::ClosedByPeer { code, .. } => format!("peer:{code:?}"),
        other => discriminant(other),
    }
}

fn api_error(error: &ApiError) -> String {
    match error {
        ApiError::RateLimited {
            retry_after: Some(d),
        } => format!("rate limited, Retry-After {} s", d.as_secs()),
        other => other.to_string(),
    }
}

fn api_kind(error: &ApiError) -> String {
    match error {
        ApiError::Http { status, .. } | ApiError::InvalidBody { status, .. } => {
            format!("{}:{status}", discriminant(error))
        }
        ApiError::Platform { code, .. } => format!("platform:{code}"),
        other => discriminant(other),
    }
}

/// The variant's name, from its `Debug` form.
fn discriminant(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    text.split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_of_one_kind_prints_one_line_then_one_summary_per_window() {
        let mut s = Summariser::default();
        let t0 = Instant::now();
        let mut printed = Vec::new();
        for i in 0..250u64 {
            let now = t0 + Duration::from_millis(i * 20);
            let text =
                format!("slackline: apps.connections.open failed: HTTP 503; retrying in {i}.0 s");
            printed.extend(s.line(now, "url:http:503".into(), text));
            printed.extend(s.due(now, false));
        }
        // Another kind in the middle is printed at once.
        printed.extend(s.line(
            t0 + Duration::from_secs(1),
            "protocol:x".into(),
            "other".into(),
        ));
        assert_eq!(printed.len(), 2, "{printed:?}");
        assert!(printed[0].ends_with("retrying in 0.0 s"));
        assert_eq!(s.next_due(), Some(t0 + WINDOW));
        let summary = s.due(t0 + WINDOW, false);
        assert_eq!(summary.len(), 1, "{summary:?}");
        assert!(
            summary[0].contains("repeated 249 more times in the last 10.0 s")
                && summary[0].ends_with("retrying in 249.0 s"),
            "{}",
            summary[0]
        );
        // A quiet window later the kind is forgotten: the next one prints again.
        assert!(s
            .due(t0 + WINDOW * 2 + Duration::from_secs(1), false)
            .is_empty());
        assert!(s
            .line(t0 + WINDOW * 3, "url:http:503".into(), "again".into())
            .is_some());
    }

    #[test]
    fn failures_say_what_why_and_what_next() {
        let context = Context {
            url_method: "apps.connections.open",
            expected_connections: 1,
            connections: 1,
            ack_timeout: Duration::from_millis(2500),
            verbose: false,
        };
        let retry = |cause| Event::Reconnecting {
            attempt: 2,
            delay: Duration::from_millis(3800),
            cause,
        };
        let http = retry(ReconnectCause::Api(ApiError::Http {
            status: 503,
            excerpt: String::new(),
        }));
        let (_, line) = describe(&http, &context, 1).unwrap();
        assert_eq!(
            line,
            "slackline: apps.connections.open failed: HTTP 503; retrying in 3.8 s (attempt 2)"
        );
        let limited = Event::Reconnecting {
            attempt: 1,
            delay: Duration::from_secs(120),
            cause: ReconnectCause::Api(ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(120)),
            }),
        };
        let (_, line) = describe(&limited, &context, 1).unwrap();
        assert!(
            line.contains("Retry-After 120 s")
                && line.contains("retrying in 120.0 s (as Retry-After asks)"),
            "{line}"
        );
        let refused = retry(ReconnectCause::Connection(CloseCause::ConnectFailed(
            "refusing plain ws:// to `10.0.0.1`".into(),
        )));
        let (_, line) = describe(&refused, &context, 1).unwrap();
        assert!(
            line.contains("cannot open the WebSocket: refusing plain ws://")
                && line.contains("retrying in 3.8 s"),
            "{line}"
        );
        // A normal replacement says nothing unless asked to.
        let hello = Event::Hello(slackline::Hello {
            conn: slackline::ConnId::from_raw(1),
            num_connections: Some(1),
            approximate_connection_time: None,
            app_id: None,
            host: None,
            build_number: None,
        });
        assert!(describe(&hello, &context, 1).is_none());
        // Slack counting the connection being replaced is no news; a third is.
        let during_refresh = Event::Hello(slackline::Hello {
            num_connections: Some(2),
            ..match hello.clone() {
                Event::Hello(h) => h,
                _ => unreachable!(),
            }
        });
        assert!(describe(&during_refresh, &context, 2).is_none());
        let stale = describe(&during_refresh, &context, 1).unwrap().1;
        assert!(
            stale.contains("Slack counts 2 connections") && stale.contains("1 expected"),
            "{stale}"
        );
    }
}
