//! An echo bot over Socket Mode.
//!
//! - `@bot hello` in a channel: the bot answers "hello" in a thread (chat.postMessage).
//! - `/echo hello`: the bot answers the command itself, in the ack (a response payload).
//! - Ctrl-C: graceful shutdown (running handlers finish, acks go out, sockets close with 1000).
//!
//! ```text
//! SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… RUST_LOG=info cargo run -p slackline-tokio --example echo
//! ```

use serde_json::{json, Value};
use slackline_tokio::{Error, Event, SocketModeClient, WebClient};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let app_token = std::env::var("SLACK_APP_TOKEN").unwrap_or_default();
    let web = WebClient::builder(std::env::var("SLACK_BOT_TOKEN").unwrap_or_default()).build()?;

    let mut client = SocketModeClient::builder(app_token)
        .connections(2)
        .on_event("app_mention", move |envelope, _responder| {
            let web = web.clone();
            async move {
                let Ok(payload) = envelope.payload::<Value>() else {
                    return;
                };
                let event = &payload["event"];
                let (Some(channel), Some(ts)) = (event["channel"].as_str(), event["ts"].as_str())
                else {
                    return;
                };
                let text = event["text"].as_str().unwrap_or_default();
                // Drop the leading "<@U…>" mention.
                let echoed = text.split_once('>').map_or(text, |(_, rest)| rest).trim();
                let reply = json!({ "channel": channel, "thread_ts": ts, "text": echoed });
                if let Err(error) = web.chat_post_message_with(&reply).await {
                    eprintln!("could not reply: {error}");
                }
            }
        })
        .on_command("/echo", |envelope, responder| async move {
            let text = envelope
                .payload::<Value>()
                .ok()
                .and_then(|p| p["text"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = responder.ack_with(&json!({ "text": text })).await;
        })
        .build()?;

    let mut events = client.events();
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Event::Hello(hello) = event {
                println!("connected ({:?} connections)", hello.num_connections);
            }
        }
    });
    let handle = client.handle();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
    });
    client.run().await
}
