//! The bot the README opens with (`tests/readme.rs` checks the two stay the same):
//! `SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… cargo run -p slackline-examples --example readme_bot`
use slackline_tokio::types::{blocks::Block, compose::Compose, composition::Text};
use slackline_tokio::types::{elements::Element, response::MessageResponse, web::chat};
use slackline_tokio::{ApiError, BlockAction, Regex, SocketModeClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Logs on stderr: info by default, RUST_LOG=slackline=debug for every envelope and ack.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or("info".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let api_url = std::env::var("SLACK_API_URL").unwrap_or("https://slack.com/api/".into());
    let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN")?) // the socket
        .bot_token(std::env::var("SLACK_BOT_TOKEN")?) // what say() posts with
        .api_url(api_url)
        // "deploy api" in a channel the bot is in: asks back, with a button, where it was said.
        .on_message(Regex::new(r"^deploy (\w+)$")?, |_message, ctx| async move {
            let service = ctx.matches()[1].clone().unwrap_or_default();
            let button = Element::button("Deploy", "approve")
                .value(&service)
                .primary();
            let question = Block::section(Text::mrkdwn(format!("Deploy *{service}*?")));
            let ask = chat::PostMessage::new("").text(format!("Deploy {service}?"));
            ctx.say(ask.block(question.accessory(button))).await?;
            Ok::<_, ApiError>(())
        })
        // The button, by its action_id: the question is replaced by the answer.
        .on_action("approve", |click: BlockAction, ctx| async move {
            let (who, what) = (&click.body.user.id, click.value().unwrap_or("?"));
            let answer = MessageResponse::replace_original(format!("<@{who}> deploys {what}"));
            ctx.respond(&answer).await
        })
        // A slash command, answered in its ack (only the user who typed it sees it).
        .on_slash_command("/ping", |command, ctx| async move {
            let pong = MessageResponse::ephemeral(format!("pong {}", command.text));
            ctx.ack_with(&pong).await
        })
        .build()?;
    let handle = client.handle();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown().await; // pending acks go out, sockets close with 1000
    });
    Ok(client.run().await?)
}
