//! `slackline worker redis://HOST:PORT/STREAM`: handles what `slackline listen --to` appended,
//! printing each envelope as `listen` does, one JSON line each. An entry is acknowledged in
//! the stream (`XACK`) only once its line was written: a stdout that stalls holds the worker
//! back (its reads wait), and one that is closed ends the worker at once, with what it had not
//! printed left pending for another worker to reclaim.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use slackline_async_driver::Runtime;
use slackline_redis::Worker;
use tokio::sync::Notify;

use crate::exit::Outcome;
use crate::runtime::RuntimeChoice;
use crate::{output, parse_duration};

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// The stream: redis://[user:password@]HOST:PORT/STREAM.
    url: String,
    /// Consumer group (created from the stream's start if missing).
    #[arg(long, default_value = slackline_redis::DEFAULT_GROUP)]
    group: String,
    /// This worker's name in the group (default: worker-PID). Restarted under the same name,
    /// it first handles what it had left pending.
    #[arg(long)]
    consumer: Option<String>,
    /// Take over entries another worker left unacknowledged this long (it died).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    reclaim_after: Duration,
    /// Entries read (and handled side by side) at once.
    #[arg(long, default_value_t = slackline_redis::DEFAULT_BATCH)]
    batch: usize,
    /// Async runtime to run on.
    #[arg(long, value_enum, default_value_t = RuntimeChoice::Tokio)]
    runtime: RuntimeChoice,
    /// Print no events.
    #[arg(long)]
    quiet: bool,
    /// Exit (status 0) once N envelopes have been handled.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Make each handler take this long after printing (to watch reclaims and crashes).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, hide = true)]
    work_time: Option<Duration>,
}

pub async fn run(args: WorkerArgs) -> Outcome {
    crate::fleet::warnings_to_stderr();
    let ran = match args.runtime {
        RuntimeChoice::Tokio => work(slackline_tokio::TokioRuntime, args).await,
        RuntimeChoice::Smol => work(slackline_smol::SmolRuntime::default(), args).await,
        RuntimeChoice::AsyncStd => {
            work(slackline_async_std::AsyncStdRuntime::default(), args).await
        }
    };
    ran.into()
}

async fn work<R: Runtime>(runtime: R, args: WorkerArgs) -> anyhow::Result<Outcome> {
    let handled = Arc::new(AtomicU64::new(0));
    let reached = Arc::new(Notify::new());
    let mut builder = Worker::builder(runtime.clone(), args.url.clone())
        .group(&args.group)
        .reclaim_after(args.reclaim_after)
        .batch(args.batch);
    if let Some(consumer) = &args.consumer {
        builder = builder.consumer(consumer);
    }
    let (count, done, quiet, max, work_time) = (
        Arc::clone(&handled),
        Arc::clone(&reached),
        args.quiet,
        args.max_events,
        args.work_time,
    );
    let worker = builder
        .on_envelope(move |envelope, _| {
            let (count, done, runtime) = (Arc::clone(&count), Arc::clone(&done), runtime.clone());
            async move {
                if !quiet {
                    print_or_exit(&envelope);
                }
                if let Some(work_time) = work_time {
                    runtime.sleep_until(runtime.now() + work_time).await;
                }
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                if max == Some(n) {
                    done.notify_one();
                }
            }
        })
        .build()
        .context("worker")?;
    let handle = worker.handle();
    let stop = tokio::spawn(async move {
        tokio::select! {
            () = reached.notified() => {}
            () = crate::listen::signalled() => {}
        }
        handle.shutdown();
    });
    let ran = worker.run().await;
    stop.abort();
    ran.context("worker")?;
    Ok(Outcome::Success)
}

/// Writes `envelope`'s line, or ends the process (status 5, one line on stderr) if stdout is
/// gone: returning would let the worker acknowledge an entry that was never printed, while
/// an exit leaves it pending, to be reclaimed like a crashed worker's.
fn print_or_exit(envelope: &slackline::Envelope) {
    use std::io::Write as _;
    let mut line = Vec::with_capacity(envelope.frame_bytes().len() + 128);
    output::envelope_into(&mut line, envelope);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(&line).and_then(|()| stdout.flush()) {
        let status = if e.kind() == std::io::ErrorKind::BrokenPipe {
            crate::exit::STDOUT_CLOSED
        } else {
            crate::exit::FAILURE
        };
        eprintln!(
            "slackline: worker: cannot write to stdout ({e}); stopped at once: the entries not \
             printed stay pending in the stream, for another worker to reclaim"
        );
        std::process::exit(i32::from(status));
    }
}
