//! `slackline listen` (and `record`, which is `listen` with a transcript): connect, print each
//! event as a JSON line on stdout in protocol order, ack each envelope once its line was
//! handed to stdout (on arrival with `--quiet`), report failures on stderr, stop cleanly on a
//! signal, after `--max-events`, or when stdout is closed.
//!
//! The client runs with app acks and `LateAckPolicy::Report`: the session acks nothing by
//! itself, so an envelope that was not printed is never acked (Slack redelivers it). Lines
//! go through one ordered path: the handlers run one at a time and lifecycle events are
//! observed in order with them, both into the stdout thread's queue (`stdout.rs`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use slackline::{Event, LateAckPolicy};
use slackline_async_driver::{Error, HeldAck, RtmClient, Runtime, SocketModeClient};
use tokio::sync::Notify;

use crate::exit::{self, Outcome};
use crate::fleet::Fleet;
use crate::record::FileSink;
use crate::report::{Context, Reporter};
use crate::runtime::RuntimeChoice;
use crate::stdout::{Broken, Item, Printer};
use crate::{output, tokens, ListenArgs};

/// How long a stop waits for envelopes already received to be printed (and acked). On
/// SIGINT they usually are within milliseconds; with stdout closed or stalled they never
/// will be, and are left unacked.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the end of the command waits for stdout and stderr to take what is queued.
const FINISH_TIMEOUT: Duration = Duration::from_secs(1);

pub async fn run(args: ListenArgs, record: Option<PathBuf>) -> Outcome {
    listen(args, record).await.into()
}

/// `--quiet`: envelopes counted as they are dispatched (they were acked on arrival).
#[derive(Default)]
struct QuietTally {
    dispatched: AtomicU64,
    reached: Notify,
}

impl QuietTally {
    fn dispatched(&self, max: Option<u64>) {
        let n = self.dispatched.fetch_add(1, Ordering::Relaxed) + 1;
        if max == Some(n) {
            self.reached.notify_one();
        }
    }
}

/// What the client's handlers and observer share.
#[derive(Clone)]
struct Outputs {
    printer: Option<Printer>,
    reporter: Reporter,
    quiet: Arc<QuietTally>,
    max_events: Option<u64>,
}

impl Outputs {
    /// Lifecycle events, in order with the envelopes (on the dispatcher).
    fn observer(&self) -> impl FnMut(Event) + Send + 'static {
        let outputs = self.clone();
        move |event: Event| {
            outputs.reporter.event(&event);
            if let (Some(printer), Some(line)) = (&outputs.printer, output::lifecycle(&event)) {
                printer.push_now(Item::Line(line));
            }
        }
    }
}

async fn listen(args: ListenArgs, record: Option<PathBuf>) -> anyhow::Result<Outcome> {
    if args.rtm && args.connections != 1 {
        anyhow::bail!("--connections: RTM uses exactly one connection");
    }
    if args.rtm && args.fleet.any() {
        anyhow::bail!("--shared-dedupe and --to are for Socket Mode");
    }
    let token = tokens::from_env(args.rtm)?;
    let sink = match &record {
        Some(path) => Some(FileSink::create(path)?),
        None => None,
    };
    if args.max_events == Some(0) {
        return Ok(Outcome::Success);
    }
    let printer = if args.quiet {
        None
    } else {
        Some(
            Printer::start(args.max_events)
                .map_err(|e| anyhow::anyhow!("cannot start the stdout thread: {e}"))?,
        )
    };
    let reporter = Reporter::start(Context {
        url_method: if args.rtm {
            "rtm.connect"
        } else {
            "apps.connections.open"
        },
        expected_connections: args
            .expect_connections
            .unwrap_or(u32::from(args.connections)),
        connections: u32::from(args.connections),
        ack_timeout: slackline::Config::DEFAULT_ACK_TIMEOUT,
        verbose: args.verbose,
    });
    let outputs = Outputs {
        printer,
        reporter: reporter.clone(),
        quiet: Arc::default(),
        max_events: args.max_events,
    };
    let transcript = sink.as_ref().map(FileSink::status);
    let fleet = Fleet::prepare(&args.fleet).await?;
    let ended = match args.runtime {
        RuntimeChoice::Tokio => {
            serve_on(
                slackline_tokio::TokioRuntime,
                &args,
                token,
                sink,
                &outputs,
                fleet,
            )
            .await
        }
        RuntimeChoice::Smol => {
            let runtime = slackline_smol::SmolRuntime::default();
            serve_on(runtime, &args, token, sink, &outputs, fleet).await
        }
        RuntimeChoice::AsyncStd => {
            let runtime = slackline_async_std::AsyncStdRuntime::default();
            serve_on(runtime, &args, token, sink, &outputs, fleet).await
        }
    };
    let written = match &outputs.printer {
        Some(printer) => Some(printer.finish(FINISH_TIMEOUT).await),
        None => None,
    };
    let transcript_error = match &transcript {
        Some(status) => status.closed(FINISH_TIMEOUT).await,
        None => None,
    };
    let (status, last) = conclude(ended, written, transcript_error, record.as_deref());
    reporter.finish(last, FINISH_TIMEOUT);
    Ok(Outcome::Exit(status))
}

/// The exit status and the last stderr line.
fn conclude(
    ended: Result<(), Error>,
    written: Option<(crate::stdout::Counts, Option<Broken>)>,
    transcript_error: Option<String>,
    record: Option<&std::path::Path>,
) -> (u8, Option<String>) {
    let unacked = "what was not printed was not acked: Slack redelivers it";
    if let Some((counts, Some(broken))) = &written {
        return match broken {
            Broken::Closed => (
                exit::STDOUT_CLOSED,
                Some(format!(
                    "slackline: stdout was closed (nobody reads it any more) after {} lines, {} \
                     of them events, each acked once written; stopped and closed the \
                     connections with 1000; {unacked}",
                    counts.lines, counts.events
                )),
            ),
            Broken::Failed(e) => (
                exit::FAILURE,
                Some(format!(
                    "slackline: error: cannot write to stdout: {e}; stopped after {} lines, {} of \
                     them events; {unacked}",
                    counts.lines, counts.events
                )),
            ),
        };
    }
    if let Some(error) = transcript_error {
        let path = record.map(|p| p.display().to_string()).unwrap_or_default();
        return (
            exit::FAILURE,
            Some(format!(
                "slackline: error: writing the transcript to {path} failed: {error}; stopped \
                 (the transcript is incomplete)"
            )),
        );
    }
    match ended {
        Ok(()) => (0, None),
        Err(e) if e.is_fatal_stop() => (
            exit::SESSION_ENDED,
            Some(format!("slackline: Slack ended the session: {e}")),
        ),
        Err(e) => (
            exit::FAILURE,
            Some(format!("slackline: error: {:#}", build_error(e))),
        ),
    }
}

/// Runs the client on `runtime` until it stops.
async fn serve_on<R: Runtime>(
    runtime: R,
    args: &ListenArgs,
    token: String,
    sink: Option<FileSink>,
    outputs: &Outputs,
    fleet: Fleet,
) -> Result<(), Error> {
    let transcript = sink.as_ref().map(FileSink::status);
    if args.rtm {
        let mut builder = RtmClient::builder_on(runtime, token)
            .api_url(&args.api_url)
            .ordered()
            .shutdown_timeout(SHUTDOWN_TIMEOUT);
        if let Some(seconds) = args.ping_interval {
            builder = builder.ping_interval(Duration::from_secs(seconds));
        }
        // Each event's future holds only what it uses (a printer is one `Arc`): the whole
        // `Outputs` is several, cloned and dropped per event.
        if let Some(printer) = outputs.printer.clone() {
            builder = builder.on_any(move |event, _| {
                let printer = printer.clone();
                async move { printer.push(Item::Rtm(event)).await }
            });
        } else if outputs.max_events.is_some() {
            let o = outputs.clone();
            builder = builder.on_any(move |_, _| {
                o.quiet.dispatched(o.max_events);
                async {}
            });
        }
        if let Some(sink) = sink {
            builder = builder.transcript(sink);
        }
        let mut client = builder.build()?;
        client.observe_in_order(outputs.observer());
        let handle = client.handle();
        let shutdown = move || {
            let handle = handle.clone();
            async move { handle.shutdown().await }
        };
        run_until_stopped(client.run(), outputs, transcript, shutdown).await
    } else {
        let mut builder = SocketModeClient::builder_on(runtime.clone(), token)
            .api_url(&args.api_url)
            .connections(args.connections)
            .ordered()
            .shutdown_timeout(SHUTDOWN_TIMEOUT);
        if let Some(seconds) = args.ping_interval {
            builder = builder.ping_interval(Duration::from_secs(seconds));
        }
        builder = if outputs.printer.is_some() {
            // Nothing acked that was not printed: every ack is the app's, given by the stdout
            // thread once the line is written; none is ever sent on its behalf.
            builder.app_acks(true).ack_policy(
                slackline::Config::DEFAULT_ACK_TIMEOUT,
                LateAckPolicy::Report,
            )
        } else {
            // --quiet: every envelope acked on arrival, response payloads included.
            builder.deferred_acks(false)
        };
        let o = outputs.clone();
        if let Some(printer) = o.printer.clone() {
            // The printer's queue is where envelopes wait for stdout; a long handler queue in
            // front of it would only hold more frames (peak RSS) for no more throughput.
            builder = builder
                .handler_queue(16)
                .on_envelope(move |envelope, responder| {
                    let printer = printer.clone();
                    async move {
                        printer
                            .push(Item::Envelope(envelope, HeldAck::new(responder)))
                            .await;
                    }
                });
        } else if o.max_events.is_some() {
            builder = builder.on_envelope(move |_, _| {
                o.quiet.dispatched(o.max_events);
                async {}
            });
        }
        let (printer, quiet, max_events) = (
            outputs.printer.clone(),
            Arc::clone(&outputs.quiet),
            outputs.max_events,
        );
        // With --to, the hand-off takes the envelopes: each is printed once appended and acked.
        builder = fleet.apply(builder, runtime, move |envelope| {
            let printer = printer.clone();
            if printer.is_none() {
                quiet.dispatched(max_events);
            }
            async move {
                if let Some(printer) = printer {
                    printer
                        .push(Item::Envelope(envelope, HeldAck::none()))
                        .await;
                }
            }
        });
        if let Some(sink) = sink {
            builder = builder.transcript(sink);
        }
        let mut client = builder.build()?;
        client.observe_in_order(outputs.observer());
        let handle = client.handle();
        let shutdown = move || {
            let handle = handle.clone();
            async move { handle.shutdown().await }
        };
        run_until_stopped(client.run(), outputs, transcript, shutdown).await
    }
}

fn build_error(error: Error) -> anyhow::Error {
    match error {
        Error::Url(e) => anyhow::anyhow!("--api-url / SLACK_API_URL: {e}"),
        other => other.into(),
    }
}

/// Runs a built client until it ends: by itself, or by `shutdown` once a signal arrives,
/// `--max-events` is reached, stdout is closed or the transcript cannot be written.
async fn run_until_stopped<F, Fut>(
    run: impl std::future::Future<Output = Result<(), Error>>,
    outputs: &Outputs,
    transcript: Option<crate::record::SinkStatus>,
    shutdown: F,
) -> Result<(), Error>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let printer = outputs.printer.clone();
    let quiet = Arc::clone(&outputs.quiet);
    let reporter = outputs.reporter.clone();
    let stopper = tokio::spawn(async move {
        let printer_news = async {
            match &printer {
                // Stdout closed or failing, or --max-events printed.
                Some(printer) => drop(printer.news().await),
                None => std::future::pending().await,
            }
        };
        let transcript_failed = async {
            match &transcript {
                Some(status) => status.failed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = printer_news => {}
            () = quiet.reached.notified() => {}
            () = transcript_failed => {}
            () = signalled() => {}
        }
        reporter.stopping();
        shutdown().await;
    });
    let ended = run.await;
    stopper.abort();
    ended
}

/// SIGINT (Ctrl-C) or SIGTERM.
pub async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
