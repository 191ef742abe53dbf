//! The small references every interactive payload carries: who, where, in which container.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;

/// `team`: the workspace the user acted in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamRef {
    /// `T…`.
    #[serde(default)]
    pub id: String,
    /// The subdomain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `user`: who acted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    /// `U…`.
    #[serde(default)]
    pub id: String,
    /// The handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The (legacy) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `channel`: where it happened.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelRef {
    /// `C…`, `G…` or `D…`.
    #[serde(default)]
    pub id: String,
    /// The name (`directmessage` for DMs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `enterprise`: the Enterprise Grid organisation (`null` elsewhere).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseRef {
    /// `E…`.
    #[serde(default)]
    pub id: String,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `container`: the message or view holding the element that was used.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Container {
    /// `message`, `view`, `message_attachment`...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Messages: the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_ts: Option<String>,
    /// Messages: the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Messages: an ephemeral message (`response_url` is the only way to change it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_ephemeral: Option<bool>,
    /// Views: the view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_id: Option<String>,
    /// Messages in a thread: the thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
