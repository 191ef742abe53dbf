//! `slackline serve SCRIPT`: the fake Slack for a client in any language. The first line on
//! stdout is `{"port":P,"api_url":"http://127.0.0.1:P/api/"}`; the verdict goes to `--report`
//! and a summary to stderr; the exit status says whether the client passed.

use std::io::Write;

use anyhow::Context as _;
use slackline_fake::FakeConfig;
use slackline_fake_server::{FakeServer, ServerConfig};
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
    let mut fake = FakeConfig::new();
    for token in &args.accept_tokens {
        fake = fake.with_accepted_token(token.as_str());
    }
    let mut config = ServerConfig::default().port(args.port).fake(fake);
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
    let timeout = async {
        match args.timeout {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
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
    let stopped = server.shutdown().await?;
    let verdict = finished.unwrap_or(stopped);
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&verdict).context("cannot encode the verdict")?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
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
