//! `slackline listen` (and `record`, which is `listen` with a transcript): connect, ack every
//! envelope on arrival, print each event as a JSON line, stop cleanly on a signal or after
//! `--max-events`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context as _;
use slackline_async_driver::{Error, EventStream, RtmClient, Runtime, SocketModeClient};
use tokio::sync::Notify;

use crate::exit::Outcome;
use crate::fleet::Fleet;
use crate::record::FileSink;
use crate::runtime::RuntimeChoice;
use crate::{output, tokens, ListenArgs};

pub async fn run(args: ListenArgs, record: Option<PathBuf>) -> Outcome {
    listen(args, record).await.into()
}

/// Counts dispatched events, prints them, and says when `--max-events` is reached.
struct Tally {
    dispatched: AtomicU64,
    max: Option<u64>,
    quiet: bool,
    reached: Notify,
}

impl Tally {
    fn dispatched(&self, line: impl FnOnce() -> String) {
        let n = self.dispatched.fetch_add(1, Ordering::SeqCst) + 1;
        if self.max.is_some_and(|max| n > max) {
            // Arrived while shutting down: acked, but past what was asked for.
            return;
        }
        if !self.quiet {
            output::print(&line());
        }
        if self.max == Some(n) {
            self.reached.notify_one();
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
        Some(path) => Some(
            FileSink::create(path)
                .with_context(|| format!("cannot write the transcript to {}", path.display()))?,
        ),
        None => None,
    };
    let tally = Arc::new(Tally {
        dispatched: AtomicU64::new(0),
        max: args.max_events,
        quiet: args.quiet,
        reached: Notify::new(),
    });
    if args.max_events == Some(0) {
        return Ok(Outcome::Success);
    }
    let fleet = Fleet::prepare(&args.fleet).await?;
    let ended = match args.runtime {
        RuntimeChoice::Tokio => {
            serve_on(
                slackline_tokio::TokioRuntime,
                &args,
                token,
                sink,
                tally,
                fleet,
            )
            .await
        }
        RuntimeChoice::Smol => {
            serve_on(
                slackline_smol::SmolRuntime::default(),
                &args,
                token,
                sink,
                tally,
                fleet,
            )
            .await
        }
        RuntimeChoice::AsyncStd => {
            serve_on(
                slackline_async_std::AsyncStdRuntime::default(),
                &args,
                token,
                sink,
                tally,
                fleet,
            )
            .await
        }
    };
    match ended {
        Ok(()) => Ok(Outcome::Success),
        Err(e) if e.is_fatal_stop() => Ok(Outcome::SessionEnded(e.to_string())),
        Err(e) => Err(build_error(e)),
    }
}

/// Runs the client on `runtime` until it stops.
async fn serve_on<R: Runtime>(
    runtime: R,
    args: &ListenArgs,
    token: String,
    sink: Option<FileSink>,
    tally: Arc<Tally>,
    fleet: Fleet,
) -> Result<(), Error> {
    if args.rtm {
        let t = Arc::clone(&tally);
        let mut builder = RtmClient::builder_on(runtime, token)
            .api_url(&args.api_url)
            .ordered()
            .on_any(move |event, _| {
                let t = Arc::clone(&t);
                async move { t.dispatched(|| output::rtm(&event)) }
            });
        if let Some(sink) = sink {
            builder = builder.transcript(sink);
        }
        let mut client = builder.build()?;
        let (events, handle) = (client.events(), client.handle());
        let shutdown = move || {
            let handle = handle.clone();
            async move { handle.shutdown().await }
        };
        run_until_stopped(client.run(), events, args.quiet, tally, shutdown).await
    } else {
        let t = Arc::clone(&tally);
        let mut builder = SocketModeClient::builder_on(runtime.clone(), token)
            .api_url(&args.api_url)
            .connections(args.connections)
            // "Acks every envelope as soon as it arrives", response payloads included.
            .deferred_acks(false)
            .ordered()
            .on_envelope(move |envelope, _| {
                let t = Arc::clone(&t);
                async move { t.dispatched(|| output::envelope(&envelope)) }
            });
        let t = Arc::clone(&tally);
        builder = fleet.apply(builder, runtime, move |envelope| {
            t.dispatched(|| output::envelope(envelope))
        });
        if let Some(sink) = sink {
            builder = builder.transcript(sink);
        }
        let mut client = builder.build()?;
        let (events, handle) = (client.events(), client.handle());
        let shutdown = move || {
            let handle = handle.clone();
            async move { handle.shutdown().await }
        };
        run_until_stopped(client.run(), events, args.quiet, tally, shutdown).await
    }
}

fn build_error(error: Error) -> anyhow::Error {
    match error {
        Error::Url(e) => anyhow::anyhow!("--api-url / SLACK_API_URL: {e}"),
        other => other.into(),
    }
}

fn print_lifecycle(mut events: EventStream, quiet: bool) {
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Some(line) = output::lifecycle(&event).filter(|_| !quiet) {
                output::print(&line);
            }
        }
    });
}

/// Shuts the client down on SIGINT, SIGTERM or once `--max-events` is reached.
/// Runs a built client, printing its lifecycle events, until it ends: by itself, or by
/// `shutdown` once `--max-events` is reached or a signal arrives.
async fn run_until_stopped<F, Fut>(
    run: impl std::future::Future<Output = Result<(), Error>>,
    events: EventStream,
    quiet: bool,
    tally: Arc<Tally>,
    shutdown: F,
) -> Result<(), Error>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    print_lifecycle(events, quiet);
    let stop = stop_on(tally, shutdown);
    let ended = run.await;
    stop.abort();
    ended
}

fn stop_on<F, Fut>(tally: Arc<Tally>, shutdown: F) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        tokio::select! {
            () = tally.reached.notified() => {}
            () = signalled() => {}
        }
        shutdown().await;
    })
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
