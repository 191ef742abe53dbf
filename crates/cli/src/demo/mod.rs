//! `slackline demo`: the fake Slack plays the bundled script on a free loopback port to an echo
//! bot running on the real Socket Mode client; what crosses the wire and what the client and
//! the bot do is narrated as it happens, then summarised. A few seconds, no network.

mod bot;
mod summary;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use slackline::CloseCause;
use slackline_fake::Script;
use slackline_fake_server::{FakeServer, Observation, ServerConfig};
use slackline_tokio::{Error, Event, EventStream};
use tokio::sync::mpsc;

use crate::exit::Outcome;
use crate::narrate::{Line, Narrator};
use summary::ClientCounts;

/// The script, embedded so that the binary needs no files.
const DEMO_SCRIPT: &str = include_str!("../../../../scripts/demo.jsonl");
/// Bounds on the whole demo: it takes about three seconds.
const CLIENT_LIMIT: Duration = Duration::from_secs(30);
const VERDICT_LIMIT: Duration = Duration::from_secs(20);

/// Where the bot and the client watcher send their lines.
#[derive(Clone, Debug)]
pub struct Narration {
    start: Instant,
    lines: mpsc::UnboundedSender<Line>,
}

impl Narration {
    fn say(&self, who: &str, text: String) {
        let _ = self.lines.send(Line {
            at: self.start.elapsed(),
            who: who.to_owned(),
            text,
        });
    }

    pub fn bot(&self, text: String) {
        self.say("bot", text);
    }

    fn client(&self, text: String) {
        self.say("client", text);
    }
}

pub async fn run(quiet: bool) -> Outcome {
    demo(quiet).await.into()
}

async fn demo(quiet: bool) -> anyhow::Result<Outcome> {
    let script = Script::parse(DEMO_SCRIPT).context("the bundled demo script is invalid")?;
    let (observer, observed) = mpsc::channel(4096);
    let start = Instant::now();
    let mut server = FakeServer::start(script, ServerConfig::default().observer(observer))
        .await
        .context("cannot start the fake Slack on 127.0.0.1")?;
    println!(
        "slackline demo: a fake Slack on {} plays scripts/demo.jsonl to an echo bot\n\
         running on slackline's Socket Mode client (tokio). `<-` server to client, `->` client to server.\n",
        server.local_addr()
    );
    let (lines, said) = mpsc::unbounded_channel();
    let narration = Narration { start, lines };
    let printer = tokio::spawn(print(observed, said, quiet));

    let mut client = bot::build(&server.api_url(), narration.clone())?;
    let watcher = tokio::spawn(watch_client(client.events(), narration.clone()));
    drop(narration);
    let ended = tokio::time::timeout(CLIENT_LIMIT, client.run())
        .await
        .unwrap_or_else(|_| Err(Error::Stopped(Box::new(slackline::StopReason::Shutdown))));
    let verdict = tokio::time::timeout(VERDICT_LIMIT, server.finished()).await;
    let stopped = server.shutdown().await?;
    let verdict = match verdict {
        Ok(finished) => finished?,
        Err(_) => stopped,
    };
    let mut counts = watcher.await.unwrap_or_default();
    let narrator = printer.await.unwrap_or_default();
    let expected_end = matches!(ended, Err(Error::LinkDisabled));
    if counts.stop.is_none() {
        counts.stop = Some(match &ended {
            Ok(()) => "the client shut down".into(),
            Err(e) => e.to_string(),
        });
    }
    println!(
        "{}",
        summary::render(&verdict, &narrator.latencies, &counts)
    );
    if verdict.ok && expected_end {
        Ok(Outcome::Success)
    } else {
        if !expected_end {
            eprintln!("slackline demo: the client did not end with link_disabled: {ended:?}");
        }
        Ok(Outcome::ClientFailed)
    }
}

/// Prints server observations and client/bot lines as they come; returns the narrator (its
/// latencies feed the summary) once both sources are done.
async fn print(
    mut observed: mpsc::Receiver<Observation>,
    mut said: mpsc::UnboundedReceiver<Line>,
    quiet: bool,
) -> Narrator {
    let mut narrator = Narrator::default();
    let (mut server_open, mut client_open) = (true, true);
    while server_open || client_open {
        let line = tokio::select! {
            observation = observed.recv(), if server_open => match observation {
                Some(observation) => narrator.narrate(&observation),
                None => { server_open = false; None }
            },
            line = said.recv(), if client_open => match line {
                Some(line) => Some(line),
                None => { client_open = false; None }
            },
        };
        if let Some(line) = line.filter(|_| !quiet) {
            println!("{}", line.render());
        }
    }
    narrator
}

/// Narrates the client's own view: refreshes, replaced connections, suppressed redeliveries,
/// the final stop.
async fn watch_client(mut events: EventStream, say: Narration) -> ClientCounts {
    let mut counts = ClientCounts::default();
    while let Some(event) = events.next().await {
        match event {
            Event::Hello(hello) => say.client(format!("{} ready (hello)", hello.conn)),
            Event::Disconnect { conn, reason } => say.client(format!(
                "Slack asks {conn} to go ({reason}): {}",
                match reason.as_str() {
                    "link_disabled" => "Socket Mode is off for this app, stopping for good",
                    _ => "opening a new connection before closing this one",
                }
            )),
            Event::ConnectionClosed {
                conn,
                cause: CloseCause::Replaced,
            } => say.client(format!(
                "{conn} closed: the new one said hello (make-before-break)"
            )),
            Event::ConnectionClosed { conn, cause } => {
                say.client(format!("{conn} closed: {cause}"))
            }
            Event::Duplicate {
                event_id,
                retry_attempt,
                ..
            } => {
                counts.duplicates += 1;
                say.client(format!(
                    "redelivery of {} (retry_attempt {retry_attempt}) acked, not dispatched again",
                    event_id.as_deref().unwrap_or("an envelope")
                ));
            }
            Event::Reconnecting { delay, cause, .. } => {
                say.client(format!("reconnecting in {delay:?}: {cause}"))
            }
            Event::Stopped(reason) => {
                counts.stop = Some(format!("the client stopped: {reason}"));
                say.client(format!("stopped: {reason}"));
            }
            _ => {}
        }
    }
    counts
}
