//! A modal round trip: `/ticket` opens a modal (`views.open`), its submission is checked field
//! by field (the modal stays open with an error under the field that is wrong), and a valid
//! ticket is posted in the channel the command came from, with its details in a thread under it.
//!
//! ```text
//! SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… cargo run -p slackline-examples --example modal
//! ```
//!
//! CI runs it against the fake Slack (`.ci/modal.sh`): `slackline serve examples/bots/modal.jsonl`
//! plays the command and two submissions, and its verdict says what the bot did.

use std::error::Error;

use slackline_tokio::types::blocks::Block;
use slackline_tokio::types::compose::Compose;
use slackline_tokio::types::elements::Element;
use slackline_tokio::types::interactive::ViewSubmission;
use slackline_tokio::types::response::ResponseAction;
use slackline_tokio::types::view::View;
use slackline_tokio::types::web::chat;
use slackline_tokio::SocketModeClient;

/// Names the modal in the submission's payload.
const TICKET: &str = "ticket";

type HandlerResult = Result<(), Box<dyn Error + Send + Sync>>;

/// The modal; `channel` rides along in `private_metadata` and comes back with the submission.
fn ticket_modal(channel: &str) -> View {
    let title = Element::plain_text_input("title").placeholder("What is wrong?");
    let details = Element::plain_text_input("details").multiline();
    View::modal("New ticket")
        .callback_id(TICKET)
        .submit("File it")
        .private_metadata(channel)
        .block(Block::input("Title", title).block_id("title"))
        .block(
            Block::input("Details", details)
                .block_id("details")
                .optional(),
        )
}

/// What input `block`/`action` of the submitted modal holds, trimmed.
fn field<'a>(submission: &'a ViewSubmission, block: &str, action: &str) -> &'a str {
    let value = submission.value(block, action).and_then(|v| v.as_str());
    value.unwrap_or_default().trim()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or("info".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let api_url = std::env::var("SLACK_API_URL").unwrap_or("https://slack.com/api/".into());
    let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN")?)
        .bot_token(std::env::var("SLACK_BOT_TOKEN")?)
        .api_url(api_url)
        .on_slash_command("/ticket", |command, ctx| async move {
            // Ack within Slack's 3 seconds, then open the modal (its trigger lasts 3 s too).
            ctx.ack().await?;
            let web = ctx.web().ok_or("no bot token")?;
            let modal = ticket_modal(&command.channel_id);
            web.views_open(&command.trigger_id, modal).await?;
            HandlerResult::Ok(())
        })
        .on_view_submission(TICKET, |submission, ctx| async move {
            let title = field(&submission, "title", "title");
            if title.chars().count() < 10 {
                // The modal stays open, the error under the title.
                let error = ResponseAction::errors([("title", "At least 10 characters, please")]);
                ctx.ack_with(&error).await?;
                return HandlerResult::Ok(());
            }
            ctx.ack().await?; // closes the modal
            let web = ctx.web().ok_or("no bot token")?;
            let channel = submission
                .view
                .private_metadata
                .as_deref()
                .unwrap_or_default();
            let user = &submission.user.id;
            let summary = format!("New ticket from <@{user}>: *{title}*");
            let posted = web
                .send(&chat::PostMessage::new(channel).text(summary))
                .await?;
            let details = match field(&submission, "details", "details") {
                "" => "No details given.",
                details => details,
            };
            let reply = chat::PostMessage::new(channel)
                .thread_ts(posted.ts)
                .text(details);
            web.send(&reply).await?;
            HandlerResult::Ok(())
        })
        .build()?;
    let handle = client.handle();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await;
    });
    if let Err(error) = client.run().await {
        eprintln!("stopped: {error}"); // Slack ended the session: link_disabled, a revoked token...
        std::process::exit(1);
    }
    Ok(())
}
