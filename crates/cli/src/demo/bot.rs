//! The demo's echo bot, on the real Socket Mode client: it answers slash commands in the ack,
//! answers the modal's submission, and replies to mentions with `chat.postMessage`. Each thing
//! it does becomes a line of the narration.

use serde_json::{json, Value};
use slackline_tokio::{Error, SocketModeClient, WebClient};

use super::Narration;

/// Demo tokens: the fake accepts any token of the right kind, and checks the kind.
pub const APP_TOKEN: &str = "xapp-1-A0DEMOAPP01-1-demo";
pub const BOT_TOKEN: &str = "xoxb-0-demo-bot";

pub fn build(api_url: &str, say: Narration) -> Result<SocketModeClient, Error> {
    let web = WebClient::builder(BOT_TOKEN).api_url(api_url).build()?;
    let (s1, s2, s3, s4, s5) = (say.clone(), say.clone(), say.clone(), say.clone(), say);
    SocketModeClient::builder(APP_TOKEN)
        .api_url(api_url)
        .on_event("app_mention", move |envelope, _| {
            let (web, say) = (web.clone(), s1.clone());
            async move {
                let Ok(payload) = envelope.payload::<Value>() else {
                    return;
                };
                let event = &payload["event"];
                let text = event["text"].as_str().unwrap_or_default();
                // Drop the leading "<@U…>" mention.
                let echoed = text.split_once('>').map_or(text, |(_, rest)| rest).trim();
                say.bot(format!(
                    "@mention from {}: \"{echoed}\"; replying in the thread",
                    event["user"].as_str().unwrap_or("?")
                ));
                let reply = json!({
                    "channel": event["channel"],
                    "thread_ts": event["ts"],
                    "text": format!("you said: {echoed}"),
                });
                if let Err(e) = web.chat_post_message_with(&reply).await {
                    say.bot(format!("could not reply: {e}"));
                }
            }
        })
        .on_command("/echo", move |envelope, responder| {
            let say = s2.clone();
            async move {
                let text = envelope
                    .payload::<Value>()
                    .ok()
                    .and_then(|p| p["text"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                say.bot(format!("/echo {text}: answering in the ack"));
                let _ = responder
                    .ack_with(&json!({ "text": format!("echo: {text}") }))
                    .await;
            }
        })
        .on_interactive("view_submission", move |envelope, responder| {
            let say = s3.clone();
            async move {
                let callback = envelope
                    .payload::<Value>()
                    .ok()
                    .and_then(|p| p["view"]["callback_id"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                say.bot(format!(
                    "modal `{callback}` submitted: closing it (response_action clear)"
                ));
                let _ = responder
                    .ack_with(&json!({ "response_action": "clear" }))
                    .await;
            }
        })
        .on_interactive("block_actions", move |envelope, _| {
            let say = s4.clone();
            async move {
                let action = envelope
                    .payload::<Value>()
                    .ok()
                    .and_then(|p| p["actions"][0]["action_id"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                say.bot(format!("button `{action}` clicked"));
            }
        })
        .on_envelope(move |envelope, _| {
            let say = s5.clone();
            async move {
                let kind = envelope
                    .payload::<Value>()
                    .ok()
                    .and_then(|p| p["event"]["type"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| envelope.kind().to_string());
                say.bot(format!("saw {kind}"));
            }
        })
        .build()
}
