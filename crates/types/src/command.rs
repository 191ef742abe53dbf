//! Slash commands: what a `slash_commands` envelope's payload is.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;

/// A slash command invocation: Slack's form fields, as a flat object of strings.
/// Answer in the ack (a [`MessageResponse`](crate::response::MessageResponse)), or later through
/// `response_url`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlashCommand {
    /// The command, with its slash: `/deploy`.
    #[serde(default)]
    pub command: String,
    /// Everything typed after the command.
    #[serde(default)]
    pub text: String,
    /// Who used it.
    #[serde(default)]
    pub user_id: String,
    /// Their handle (legacy).
    #[serde(default)]
    pub user_name: String,
    /// Where.
    #[serde(default)]
    pub channel_id: String,
    /// The conversation's name (`directmessage`, `privategroup` for some).
    #[serde(default)]
    pub channel_name: String,
    /// The workspace.
    #[serde(default)]
    pub team_id: String,
    /// The workspace's subdomain.
    #[serde(default)]
    pub team_domain: String,
    /// The app.
    #[serde(default)]
    pub api_app_id: String,
    /// Where to answer, for 30 minutes, up to 5 times.
    #[serde(default)]
    pub response_url: String,
    /// Opens a modal within 3 seconds.
    #[serde(default)]
    pub trigger_id: String,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// Fields not modelled here (`token`, hidden in `Debug`; `is_enterprise_install` as
    /// `"true"`/`"false"`...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl SlashCommand {
    /// The words after the command, split on whitespace.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.text.split_whitespace()
    }
}
