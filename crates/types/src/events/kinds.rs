//! The events other than messages. Several event types share a struct when they share a shape
//! (`reaction_added` / `reaction_removed`, `team_join` / `user_change`...).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::extra::Extra;
use crate::objects::{Conversation, User};
use crate::view::View;

/// `reaction_added` / `reaction_removed`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// Who reacted.
    #[serde(default)]
    pub user: String,
    /// The emoji's name, without colons.
    #[serde(default)]
    pub reaction: String,
    /// The author of the item reacted to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_user: Option<String>,
    /// What was reacted to.
    #[serde(default)]
    pub item: ReactionItem,
    /// When.
    #[serde(default)]
    pub event_ts: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a reaction is on: a message (`channel` + `ts`) or a file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReactionItem {
    /// `message`, `file` or `file_comment`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Messages: the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Messages: the message's `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    /// Files: the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `member_joined_channel` / `member_left_channel`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberChannel {
    /// Who joined or left.
    #[serde(default)]
    pub user: String,
    /// The conversation.
    #[serde(default)]
    pub channel: String,
    /// `C` (public) or `G` (private).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<String>,
    /// The workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Joins: who added them, if not themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inviter: Option<String>,
    /// When.
    #[serde(default)]
    pub event_ts: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `app_home_opened`: a user opened the app's Home, Messages or About tab.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppHomeOpened {
    /// Who.
    #[serde(default)]
    pub user: String,
    /// The app's DM with them.
    #[serde(default)]
    pub channel: String,
    /// `home`, `messages` or `about`.
    #[serde(default)]
    pub tab: String,
    /// The Home tab's current view, once one was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<Box<View>>,
    /// When.
    #[serde(default)]
    pub event_ts: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `team_join` / `user_change`: the user as they are now.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserChange {
    /// The user.
    #[serde(default)]
    pub user: User,
    /// When (sometimes absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ts: Option<String>,
    /// Fields not modelled here (`cache_ts`...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `channel_created` / `channel_rename`: the channel as it is now.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelChange {
    /// The channel (on rename: `id`, new `name`, `created`).
    #[serde(default)]
    pub channel: Conversation,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ts: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `channel_archive`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelArchive {
    /// The channel's id.
    #[serde(default)]
    pub channel: String,
    /// Who archived it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ts: Option<String>,
    /// Fields not modelled here (`is_moved`...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `file_shared`: only ids; `files.info` has the rest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileShared {
    /// The file.
    #[serde(default)]
    pub file_id: String,
    /// Who shared it.
    #[serde(default)]
    pub user_id: String,
    /// Where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// When.
    #[serde(default)]
    pub event_ts: String,
    /// Fields not modelled here (`file: {"id"}`...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `link_shared`: a message has links to a domain the app unfurls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkShared {
    /// The conversation (or `COMPOSER` while the message is being written).
    #[serde(default)]
    pub channel: String,
    /// Who posted the links.
    #[serde(default)]
    pub user: String,
    /// The message's `ts`.
    #[serde(default)]
    pub message_ts: String,
    /// The message's thread, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// The links.
    #[serde(default)]
    pub links: Vec<SharedLink>,
    /// Identifies the unfurl for `chat.unfurl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_id: Option<String>,
    /// `composer` or `conversations_history`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When.
    #[serde(default)]
    pub event_ts: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One link of a [`LinkShared`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SharedLink {
    /// The domain it matched.
    #[serde(default)]
    pub domain: String,
    /// The URL.
    #[serde(default)]
    pub url: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `app_uninstalled`: nothing but the envelope's ids.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppUninstalled {
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tokens_revoked`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokensRevoked {
    /// The revoked tokens' owners: `oauth` (user ids) and `bot` (bot user ids).
    #[serde(default)]
    pub tokens: RevokedTokens,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The owners of revoked tokens.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RevokedTokens {
    /// Users whose user tokens were revoked.
    #[serde(default)]
    pub oauth: Vec<String>,
    /// Bot users whose bot tokens were revoked.
    #[serde(default)]
    pub bot: Vec<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `function_executed`: a workflow ran one of the app's custom functions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionExecuted {
    /// The function's definition (`callback_id`, `id`, parameters...), as received.
    #[serde(default)]
    pub function: Value,
    /// The inputs, by parameter name.
    #[serde(default)]
    pub inputs: Map<String, Value>,
    /// For `functions.completeSuccess` / `completeError`.
    #[serde(default)]
    pub function_execution_id: String,
    /// The workflow run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_execution_id: Option<String>,
    /// When.
    #[serde(default)]
    pub event_ts: String,
    /// Fields not modelled here (`bot_access_token`, hidden in `Debug`).
    #[serde(flatten)]
    pub extra: Extra,
}

impl FunctionExecuted {
    /// The function's `callback_id`: what a handler is registered for.
    pub fn callback_id(&self) -> Option<&str> {
        self.function.get("callback_id")?.as_str()
    }
}
