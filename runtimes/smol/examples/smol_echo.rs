//! An echo bot over Socket Mode, on smol.
//!
//! - `/echo hello`: the bot answers the command in its ack (a response payload).
//! - `@bot hello`: the bot answers in a thread (chat.postMessage).
//!
//! ```text
//! SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… cargo run -p slackline-smol --example smol_echo
//! ```

use serde_json::{json, Value};
use slackline_smol::{Error, SocketModeClient, WebClient};

fn main() -> Result<(), Error> {
    let web = WebClient::builder(std::env::var("SLACK_BOT_TOKEN").unwrap_or_default()).build()?;
    let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN").unwrap_or_default())
        .on_event("app_mention", move |envelope, _responder| {
            let web = web.clone();
            async move {
                let Ok(payload) = envelope.payload::<Value>() else {
                    return;
                };
                let event = &payload["event"];
                let reply = json!({
                    "channel": event["channel"],
                    "thread_ts": event["ts"],
                    "text": event["text"],
                });
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
    smol::block_on(client.run())
}
