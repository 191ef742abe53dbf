//! Virtual seconds per wall second: a 24-hour script with a busy bot, run in virtual time.
//!
//! The bot is the README's echo bot (a `chat.postMessage` per mention, an ack with a payload
//! per `/echo`) on two connections; the day has an envelope every `SPACING_MS` (default
//! 2000: 43,200 envelopes, two in three mentions), Slack's five-hour connection refreshes,
//! and a redelivery an hour. Each run is checked (`assert_ok`, one reply per mention), then
//! timed; the medians of `RUNS` runs (default 5) are printed.
//!
//! The baseline, interleaved with it: the same day through `slackline_sim::Harness`, a
//! `Session` alone against the same fake with a closure bot doing the same (a reply per
//! mention through the Web API, an ack with a payload per command), with no client, runtime,
//! HTTP or WebSocket code in between.
//!
//! ```text
//! cargo bench -p slackline-bot-test --bench virtual_day
//! RUNS=9 SPACING_MS=500 cargo bench -p slackline-bot-test --bench virtual_day
//! ```

// A bench times runs on the wall clock (the runs themselves never read it).
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use slackline::{Config, Event, Token, WebApi};
use slackline_bot_test::{
    BotRun, BotTest, Envelope, Script, ScriptBuilder, Slack, APP_TOKEN, BOT_TOKEN,
};
use slackline_sim::{Ctx, Harness};
use slackline_tokio::{SocketModeBuilder, WebClient};

fn echo_bot(slack: SocketModeBuilder, web: WebClient) -> SocketModeBuilder {
    slack
        .on_event("app_mention", move |envelope, _| {
            let web = web.clone();
            async move {
                let event = &envelope.payload::<Value>().unwrap()["event"];
                let reply = json!({ "channel": event["channel"], "thread_ts": event["ts"], "text": event["text"] });
                let _ = web.chat_post_message_with(&reply).await;
            }
        })
        .on_command("/echo", |envelope, responder| async move {
            let text = envelope.payload::<Value>().unwrap()["text"].clone();
            let _ = responder.ack_with(&json!({ "text": text })).await;
        })
}

fn bot(slack: &Slack) -> SocketModeBuilder {
    echo_bot(slack.socket_mode().connections(2), slack.web_client())
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The same day for a `Session` alone: virtual seconds and replies.
fn session_alone(script: Script) -> (f64, usize) {
    let config = Config::socket_mode(APP_TOKEN).with_connections(2);
    let mut api = WebApi::new("http://127.0.0.1:7357/api/", Token::new(BOT_TOKEN));
    let mut replies = 0;
    let outcome = Harness::new(config, script)
        .unwrap()
        .run(|ctx: &mut Ctx<'_>, event: &Event| {
            let Event::Envelope(envelope) = event else {
                return;
            };
            let payload: Value = envelope.payload().unwrap();
            if envelope.accepts_response_payload() {
                let id = envelope.envelope_id().into_owned();
                ctx.ack_with(&id, &json!({ "text": payload["text"] })).unwrap();
            } else {
                let event = &payload["event"];
                let reply = json!({ "channel": event["channel"], "thread_ts": event["ts"], "text": event["text"] });
                ctx.call_api(api.call_json("chat.postMessage", &reply).unwrap());
                replies += 1;
            }
        });
    assert!(outcome.verdict.ok, "{}", outcome.verdict.summary_text());
    (outcome.elapsed.as_secs_f64(), replies)
}

/// A day: an envelope every `spacing`, a redelivery an hour, then `link_disabled`.
fn day(spacing: Duration) -> (Script, usize) {
    let day = Duration::from_secs(24 * 3600);
    let count = (day.as_millis() / spacing.as_millis()) as usize;
    let mut script = ScriptBuilder::new("a busy day").connection_time(Duration::from_secs(18_060));
    let mut mentions = 0;
    let per_hour = (3_600_000 / spacing.as_millis()) as usize;
    for i in 0..count {
        let label = format!("e{i}");
        script = if i % 3 == 2 {
            script.envelope(spacing, &label, Envelope::slash_command("/echo", &label))
        } else {
            mentions += 1;
            let event = json!({ "type": "app_mention", "channel": "C1", "ts": format!("{i}.0"), "text": label });
            script.envelope(
                spacing,
                &label,
                Envelope::events_api(&format!("Ev{i}"), event),
            )
        };
        if i % per_hour == per_hour / 2 {
            script = script.redeliver(Duration::from_millis(100), &label);
        }
    }
    let script = script
        .disconnect(Duration::from_secs(1), "link_disabled")
        .build()
        .unwrap();
    (script, mentions)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let runs = env("RUNS", 5).max(1) as usize;
    let spacing = Duration::from_millis(env("SPACING_MS", 2000).max(1));
    let (script, mentions) = day(spacing);
    let test = BotTest::new(script.clone());
    let check = |run: &BotRun| {
        run.assert_ok();
        assert_eq!(run.calls("chat.postMessage").len(), mentions);
    };
    // A warm-up run of each, checked.
    let first = test.run(bot);
    check(&first);
    assert_eq!(session_alone(script.clone()).1, mentions);
    let envelopes = first.deliveries().len();
    let (mut walls, mut ratios, mut baseline) = (Vec::new(), Vec::new(), Vec::new());
    let mut virtual_secs = 0.0;
    for _ in 0..runs {
        let started = Instant::now();
        let run = test.run(bot);
        let wall = started.elapsed().as_secs_f64();
        check(&run);
        virtual_secs = run.elapsed.as_secs_f64();
        walls.push(wall);
        ratios.push(virtual_secs / wall);
        let started = Instant::now();
        let (session_secs, _) = session_alone(script.clone());
        baseline.push(session_secs / started.elapsed().as_secs_f64());
    }
    let (min, max) = (
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
    );
    let wall = median(&mut walls);
    let ratio = median(&mut ratios);
    let session = median(&mut baseline);
    println!(
        "virtual_day: {envelopes} deliveries ({mentions} mentions answered) and {} transcript records in {:.0} virtual s",
        first.transcript.records.len(),
        virtual_secs
    );
    println!(
        "virtual_day: the bot (tokio client, handlers, WebClient): median {wall:.3} s wall per day over {runs} runs = {ratio:.0} virtual s per wall s (min {min:.0}, max {max:.0}); {:.1} us per delivery",
        wall * 1e6 / envelopes as f64
    );
    println!(
        "virtual_day: baseline, a Session alone (slackline_sim::Harness): {session:.0} virtual s per wall s; the bot runs at {:.2}x its speed",
        ratio / session
    );
}
