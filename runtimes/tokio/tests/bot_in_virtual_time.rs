//! The README's "Testing your bot", kept true: the echo bot (the real tokio client, its
//! handlers, its Web API calls) against the fake Slack in virtual time, under a fault plan,
//! and replayed from a recording made over real sockets. The lines between the README markers
//! are the README's code block, verbatim (checked below).

// README: testing your bot
use serde_json::{json, Value};
use slackline_bot_test::{BotTest, FaultPlan, Script, Slack, Transcript};
use slackline_tokio::{SocketModeBuilder, WebClient};

/// The bot: production builds it from `SocketModeClient::builder(app_token)` and a `WebClient`.
fn echo_bot(slack: SocketModeBuilder, web: WebClient) -> SocketModeBuilder {
    slack
        .on_event("app_mention", move |envelope, _| {
            let web = web.clone();
            async move {
                let event = &envelope.payload::<Value>().unwrap()["event"];
                let (channel, ts) = (&event["channel"], &event["ts"]);
                let reply = json!({ "channel": channel, "thread_ts": ts, "text": event["text"] });
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

fn five_hours() -> BotTest {
    BotTest::new(Script::parse(include_str!("data/five-hours.jsonl")).unwrap())
}

#[test]
fn five_hours_of_refreshes_and_a_redelivery() {
    let run = five_hours().run(bot);
    run.assert_ok(); // verdict ok; no handler panicked or hung; nothing lost or handled twice
    let replies = run.calls("chat.postMessage");
    assert_eq!(replies.len(), 2); // the redelivered "hi" was acked, not answered again
    assert_eq!(replies[1].arg("text"), Some("bye"));
    let ack = run.ack("cmd").unwrap();
    assert_eq!(ack.payload, Some(json!({ "text": "ping" })));
    let again = five_hours().run(bot);
    assert_eq!(run.transcript_jsonl(), again.transcript_jsonl()); // byte for byte
}

#[test]
fn the_same_bot_under_a_fault_plan() {
    let plan = FaultPlan::parse(include_str!("data/stormy.jsonl")).unwrap();
    let run = five_hours().with_faults(plan).run(bot);
    run.assert_ok();
    assert_eq!(run.calls("chat.postMessage").len(), 2); // nothing posted twice, nothing lost
}

#[test]
fn a_recorded_transcript_replayed_against_the_bot() {
    let recording = Transcript::parse(include_str!("data/echo-bot.recorded.jsonl")).unwrap();
    BotTest::replay(recording).run(bot).assert_faithful(); // as `slackline replay --check`
}
// README end

#[test]
fn the_readme_shows_this_test() {
    let this = include_str!("bot_in_virtual_time.rs");
    let marker = "// README: testing your bot\n";
    let start = this.find(marker).unwrap() + marker.len();
    let end = this.find("// README end").unwrap();
    let readme = include_str!("../../../README.md");
    assert!(
        readme.contains(&this[start..end]),
        "README.md's \"Testing your bot\" must show runtimes/tokio/tests/bot_in_virtual_time.rs between its README markers"
    );
}

/// Makes `data/echo-bot.recorded.jsonl`: the echo bot over real loopback sockets, in real
/// time, against the fake Slack server, recorded as `slackline record` records
/// (`ClientBuilder::transcript`). About three seconds.
///
/// ```text
/// cargo test -p slackline-tokio --test bot_in_virtual_time -- --ignored record_the_echo_bot
/// ```
#[test]
#[ignore = "rewrites tests/data/echo-bot.recorded.jsonl"]
fn record_the_echo_bot_over_real_sockets() {
    use slackline_bot_test::{Record, TranscriptHeader};
    use slackline_fake_server::{FakeServer, ServerConfig};
    use slackline_tokio::{SocketModeClient, TranscriptSink};
    use std::sync::{Arc, Mutex};

    struct File(Arc<Mutex<String>>);
    impl TranscriptSink for File {
        fn header(&mut self, header: TranscriptHeader) {
            let note = Some("the echo bot over loopback sockets against slackline serve".into());
            let header = TranscriptHeader { note, ..header };
            self.0.lock().unwrap().push_str(&(header.to_line() + "\n"));
        }
        fn record(&mut self, record: Record) {
            self.0.lock().unwrap().push_str(&(record.to_line() + "\n"));
        }
    }

    let script = Script::parse(include_str!("data/recorded-session.jsonl")).unwrap();
    let text = Arc::new(Mutex::new(String::new()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut server = FakeServer::start(script, ServerConfig::default())
            .await
            .unwrap();
        let web = WebClient::builder("xoxb-1-recording")
            .api_url(server.api_url())
            .build()
            .unwrap();
        let client = echo_bot(SocketModeClient::builder("xapp-1-A1-1-recording"), web)
            .connections(2)
            .api_url(server.api_url())
            .transcript(File(Arc::clone(&text)))
            .build()
            .unwrap();
        let stopped = client.run().await;
        assert!(stopped.is_err(), "the script ends with link_disabled");
        let verdict = server.finished().await.unwrap();
        assert!(verdict.ok, "{}", verdict.summary_text());
    });
    let text = text.lock().unwrap().clone();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/echo-bot.recorded.jsonl"
    );
    std::fs::write(path, text).unwrap();
}
