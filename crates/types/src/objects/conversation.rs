//! Conversations: channels, private channels, DMs and group DMs.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;

/// A conversation, as `conversations.info` / `list` / `open` and channel events carry it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// `C…`, `G…` or `D…`.
    #[serde(default)]
    pub id: String,
    /// The name, without `#` (absent for DMs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A public or private channel (not a DM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_channel: Option<bool>,
    /// A private channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_private: Option<bool>,
    /// A DM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_im: Option<bool>,
    /// A group DM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mpim: Option<bool>,
    /// Archived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_archived: Option<bool>,
    /// The workspace's general channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_general: Option<bool>,
    /// Whether the calling user or bot is in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_member: Option<bool>,
    /// Shared with another organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_ext_shared: Option<bool>,
    /// DMs: the other user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Who made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// When it was made, UNIX seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// The topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
    /// The purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Topic>,
    /// Member count (`conversations.info` with `include_num_members`, `list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_members: Option<u64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A conversation's topic or purpose.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The text.
    #[serde(default)]
    pub value: String,
    /// Who set it.
    #[serde(default)]
    pub creator: String,
    /// When, UNIX seconds.
    #[serde(default)]
    pub last_set: i64,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
