//! `slackline`: a Slack real-time client and a fake Slack, on the command line.
//!
//! - `slackline demo`: a fake Slack and an echo bot talking over loopback, narrated.
//! - `slackline listen`: connect to Slack, print events as JSON lines, ack each once printed.
//! - `slackline serve SCRIPT`: the fake Slack, for clients in any language.
//! - `slackline record --out FILE` / `slackline replay FILE [--check]`: transcripts.
//! - `slackline worker redis://…/STREAM`: handle what `listen --to` handed off.
//!
//! Exit status: 0 success; 1 error; 2 bad command line; 3 Slack ended the session for good
//! (`listen`, `record`); 4 the client under test failed (`serve`, `demo`: verdict not ok;
//! `replay --check`: the client now behaves differently); 5 stdout was closed (`listen`,
//! `record`: the reader went away).

mod demo;
mod exit;
mod fleet;
mod flood;
mod json;
mod listen;
mod narrate;
mod output;
mod record;
mod replay;
mod report;
mod runtime;
mod script_file;
mod serve;
mod stdout;
mod tokens;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use exit::Outcome;
use runtime::RuntimeChoice;

#[derive(Parser, Debug)]
#[command(
    name = "slackline",
    version,
    about = "A Slack real-time client (Socket Mode and RTM) and a scriptable fake Slack",
    after_help = "Exit status: 0 success; 1 error; 2 bad command line; 3 Slack ended the session \
                  for good (listen, record); 4 the client under test failed (serve and demo: \
                  verdict not ok; replay --check: behaviour changed); 5 stdout was closed \
                  (listen, record: the reader went away; what was not printed was not acked). \
                  RUST_LOG (e.g. RUST_LOG=slackline=debug) adds the client's own log on stderr."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Plays the bundled demo: a fake Slack on a loopback port and an echo bot on the real
    /// Socket Mode client, narrated, then a summary. Takes a few seconds.
    Demo {
        /// Only print the summary.
        #[arg(long)]
        quiet: bool,
    },
    /// Connects to Slack and prints one compact JSON object per line per event, in protocol
    /// order; each envelope is acked once its line was written to stdout (with --quiet, on
    /// arrival), so nothing is acked that was not printed. Failures (refused or failing
    /// requests, refused URLs, lost connections, Retry-After waits, malformed frames) get one
    /// line each on stderr, repeats summarised. Socket Mode with SLACK_APP_TOKEN (xapp-), or
    /// RTM with --rtm and SLACK_BOT_TOKEN (xoxb-/xoxp-).
    Listen(ListenArgs),
    /// Runs the fake Slack on 127.0.0.1 for a client in any language. The first line on stdout
    /// is {"port":P,"api_url":"http://127.0.0.1:P/api/"}: point the client's Web API base URL
    /// at api_url (it hands out ws:// URLs on the same port). Plays SCRIPT (a script file, or a
    /// directory of envelope JSON files) and exits when it ends, the verdict in --report and a
    /// summary on stderr: status 0 if the client passed, 4 if not (or if the script did not
    /// finish within --timeout).
    Serve(ServeArgs),
    /// Like `listen`, and writes a transcript of the session (tokens redacted) to FILE.
    Record {
        /// Where the transcript goes (JSON lines).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Replays a transcript into today's client in virtual time and prints what it does.
    Replay {
        /// A transcript written by `slackline record`.
        file: PathBuf,
        /// Exit with status 4 if the client now behaves differently from the recording.
        #[arg(long)]
        check: bool,
    },
    /// Reads the Redis stream `listen --to` appends to, with a consumer group: prints each
    /// envelope as a JSON line, acknowledges it after, takes over a dead worker's entries.
    Worker(worker::WorkerArgs),
}

#[derive(Args, Debug, Clone)]
struct ListenArgs {
    /// Use the legacy RTM API with SLACK_BOT_TOKEN instead of Socket Mode.
    #[arg(long)]
    rtm: bool,
    /// Web API base URL. Plain http:// only to loopback addresses.
    #[arg(
        long,
        env = "SLACK_API_URL",
        default_value = "https://slack.com/api/",
        value_name = "URL"
    )]
    api_url: String,
    /// Socket Mode connections to keep open (1 to 10).
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u8).range(1..=10))]
    connections: u8,
    /// Async runtime to run on.
    #[arg(long, value_enum, default_value_t = RuntimeChoice::Tokio)]
    runtime: RuntimeChoice,
    /// Print no events (envelopes are then acked on arrival).
    #[arg(long)]
    quiet: bool,
    /// Exit (status 0) once N envelopes or RTM events have been printed (and acked).
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Connections Slack should count for this app (default: --connections). A hello that
    /// reports more warns of stale connections; in a fleet, the total over its processes.
    #[arg(long, value_name = "N")]
    expect_connections: Option<u32>,
    /// Also report normal events on stderr (hellos, refreshes, closes, redeliveries).
    #[arg(short, long)]
    verbose: bool,
    /// Client ping interval in seconds (default 10).
    #[arg(long, value_name = "SECONDS", hide = true,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    ping_interval: Option<u64>,
    #[command(flatten)]
    fleet: fleet::FleetArgs,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// A script (JSON lines, see scripts/README.md) or a directory of envelope JSON files.
    script: PathBuf,
    /// Port on 127.0.0.1 (default: any free port; the first line of output says which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write the verdict as JSON to FILE when the script ends (with --flood: the flood report).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Give up after this long (e.g. 30s, 5m; 0: never): the verdict is then unfinished
    /// (status 4).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5m")]
    timeout: Duration,
    /// Only accept this token (repeatable, or comma-separated in SLACKLINE_ACCEPT_TOKEN, which
    /// keeps it out of `ps`); by default any token of the right kind is.
    #[arg(
        long = "accept-token",
        value_name = "TOKEN",
        env = "SLACKLINE_ACCEPT_TOKEN",
        value_delimiter = ',',
        hide_env_values = true
    )]
    accept_tokens: Vec<String>,
    /// Connections open at once, WebSockets included; more are closed on arrival (and
    /// counted on stderr and in the report).
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// A connection whose request headers take longer than this to arrive, or that sits idle
    /// this long between requests, is closed (and counted).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    idle_timeout: Duration,
    /// Narrate what the server does on stderr.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    flood: flood::FloodArgs,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    slackline_fake::script::parse_duration(text)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    // A flood is one connection served by one task: a single thread leaves the other core
    // to the client being measured, and no work moves between threads. `listen` is the
    // same: its loop, handlers and the command's own tasks on one thread (no wake crosses
    // threads), stdout and stderr on threads of their own.
    let mut builder = match &cli.command {
        Command::Serve(args) if args.flood.flood.is_some() => {
            tokio::runtime::Builder::new_current_thread()
        }
        Command::Listen(_) | Command::Record { .. } => {
            tokio::runtime::Builder::new_current_thread()
        }
        _ => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        }
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return exit::report(Outcome::Error(anyhow::anyhow!("cannot start tokio: {e}"))),
    };
    // Boxed: the commands' futures are tens of KiB, and on the stack every frame that moves or
    // polls one holds a copy (stack pages, once touched, stay in the peak RSS).
    let outcome = runtime.block_on(Box::pin(async move {
        match cli.command {
            Command::Demo { quiet } => demo::run(quiet).await,
            Command::Listen(args) => listen::run(args, None).await,
            Command::Record { out, listen } => listen::run(listen, Some(out)).await,
            Command::Serve(args) => match args.flood.flood {
                Some(envelopes) => flood::run(args, envelopes).await,
                None => serve::run(args).await,
            },
            Command::Replay { file, check } => replay::run(&file, check),
            Command::Worker(args) => worker::run(args).await,
        }
    }));
    // Handler tasks still running after a shutdown must not hold the process up.
    runtime.shutdown_timeout(Duration::from_millis(200));
    exit::report(outcome)
}
