//! An echo bot over Socket Mode without an async runtime.
//!
//! - `@bot hello` in a channel: the bot answers in a thread (chat.postMessage).
//! - `/echo hello`: the bot answers the command in its ack (a response payload).
//! - Type `q` and Enter: graceful shutdown (running handlers finish, sockets close with 1000).
//!
//! ```text
//! SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… cargo run -p slackline-blocking --example blocking_echo
//! ```

use serde_json::{json, Value};
use slackline_blocking::{Error, Event, SocketModeClient, WebClient};

fn main() -> Result<(), Error> {
    let web = WebClient::builder(std::env::var("SLACK_BOT_TOKEN").unwrap_or_default()).build()?;
    let mut client =
        SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN").unwrap_or_default())
            .on_event("app_mention", move |envelope, _responder| {
                let Ok(payload) = envelope.payload::<Value>() else {
                    return;
                };
                let event = &payload["event"];
                let reply = json!({
                    "channel": event["channel"],
                    "thread_ts": event["ts"],
                    "text": event["text"],
                });
                if let Err(error) = web.chat_post_message_with(&reply) {
                    eprintln!("could not reply: {error}");
                }
            })
            .on_command("/echo", |envelope, responder| {
                let text = envelope
                    .payload::<Value>()
                    .ok()
                    .and_then(|p| p["text"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let _ = responder.ack_with(&json!({ "text": text }));
            })
            .build()?;

    let events = client.events();
    std::thread::spawn(move || {
        for event in events {
            if let Event::Hello(hello) = event {
                println!("connected ({:?} connections)", hello.num_connections);
            }
        }
    });
    let handle = client.handle();
    std::thread::spawn(move || {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
            if line.trim() == "q" {
                handle.shutdown();
                return;
            }
            line.clear();
        }
    });
    client.run()
}
