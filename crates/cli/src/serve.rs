//! `slackline serve SCRIPT`: the fake Slack for a client in any language. The first line on
//! stdout is `{"port":P,"api_url":"http://127.0.0.1:P/api/"}`; the verdict goes to `--report`
//! and a summary to stderr; the exit status says whether the client passed.
//!
//! Bounded under a hostile client: a connection limit, header/idle and body timeouts (what
//! they turned away is counted on stderr and in the report's `server` member), and a report
//! that keeps the first few violations and method names and counts the rest.

use std::io::Write;

use anyhow::Context as _;
use std::time::Duration;

use slackline_fake::{FakeConfig, ReportLimits};
use slackline_fake_server::{FakeServer, Limits, ServerConfig, TurnedAway};
use tokio::sync::mpsc;

use crate::exit::Outcome;
use crate::narrate::Narrator;
use crate::{script_file, ServeArgs};

pub async fn run(args: ServeArgs) -> Outcome {
    serve(args).await.into()
}

async fn serve(args: ServeArgs) -> anyhow::Result<Outcome> {
    let script = script_file::load(&args.script)?;
    let name = script
        .header()
        .name
        .clone()
        .unwrap_or_else(|| args.script.display().to_string());
    let envelopes = script.envelope_count();
    let mut fake = FakeConfig::new().with_report_limits(ReportLimits::default());
    for token in args.accept_tokens.iter().filter(|t| !t.trim().is_empty()) {
        fake = fake.with_accepted_token(token.trim());
    }
    let mut config = ServerConfig::default()
        .port(args.port)
        .fake(fake)
        .limits(limits(&args));
    if args.verbose {
        let (observer, observed) = mpsc::channel(4096);
        config = config.observer(observer);
        tokio::spawn(narrate(observed));
    }
    let mut server = FakeServer::start(script, config)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let port = server.local_addr().port();
    let first = serde_json::json!({ "port": port, "api_url": server.api_url() });
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{first}").context("cannot write to stdout")?;
        out.flush().context("cannot write to stdout")?;
    }
    eprintln!(
        "slackline serve: playing {name} ({envelopes} envelopes) at {}",
        server.api_url()
    );
    let timeout = timeout(args.timeout);
    let finished = tokio::select! {
        verdict = server.finished() => Some(verdict?),
        () = timeout => {
            eprintln!("slackline serve: --timeout reached before the script ended");
            None
        }
        () = crate::listen::signalled() => {
            eprintln!("slackline serve: interrupted before the script ended");
            None
        }
    };
    // The verdict at the end of the script is the final one; stopping closes what is open.
    let turned_away = server.turned_away();
    let stopped = server.shutdown().await?;
    let verdict = finished.unwrap_or(stopped);
    if let Some(path) = &args.report {
        let mut json = serde_json::to_value(&verdict).context("cannot encode the verdict")?;
        if let Some(object) = json.as_object_mut() {
            object.insert("server".into(), serde_json::to_value(turned_away)?);
        }
        let json = serde_json::to_string_pretty(&json).context("cannot encode the verdict")?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    report_turned_away(&turned_away, &args);
    eprintln!("slackline serve: {}", verdict.summary_text());
    Ok(if verdict.ok {
        Outcome::Success
    } else {
        Outcome::ClientFailed
    })
}

async fn narrate(mut observed: mpsc::Receiver<slackline_fake_server::Observation>) {
    let mut narrator = Narrator::default();
    while let Some(observation) = observed.recv().await {
        if let Some(line) = narrator.narrate(&observation) {
            eprintln!("{}", line.render());
        }
    }
}

/// The server's limits from the command line.
pub fn limits(args: &ServeArgs) -> Limits {
    Limits::default()
        .max_connections(args.max_connections as usize)
        .header_read_timeout(args.idle_timeout)
}

/// `--timeout`: a sleep of that long, or forever for 0.
pub async fn timeout(limit: Duration) {
    if limit.is_zero() {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(limit).await;
}

/// One stderr line for what the limits turned away, if anything.
pub fn report_turned_away(turned_away: &TurnedAway, args: &ServeArgs) {
    if !turned_away.any() {
        return;
    }
    eprintln!(
        "slackline serve: turned away {} connections over the limit of {}, closed {} whose \
         request headers did not come within {} s (or that sat idle that long), answered 408 to \
         {} requests whose body did not come in time",
        turned_away.connections_over_limit,
        args.max_connections,
        turned_away.header_timeouts,
        args.idle_timeout.as_secs_f64(),
        turned_away.body_timeouts
    );
}
