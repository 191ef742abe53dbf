//! Shortcuts: global (`shortcut`) and on a message (`message_action`).

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::interactive::refs::{ChannelRef, EnterpriseRef, TeamRef, UserRef};
use crate::objects::Message;

/// A `shortcut`: a global shortcut was used.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Shortcut {
    /// The shortcut's `callback_id`.
    #[serde(default)]
    pub callback_id: String,
    /// Opens a modal within 3 seconds.
    #[serde(default)]
    pub trigger_id: String,
    /// Who used it.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_ts: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseRef>,
    /// An organisation-wide installation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enterprise_install: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `message_action`: a message shortcut was used on a message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageAction {
    /// The shortcut's `callback_id`.
    #[serde(default)]
    pub callback_id: String,
    /// Opens a modal within 3 seconds.
    #[serde(default)]
    pub trigger_id: String,
    /// Who used it.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The conversation of the message.
    #[serde(default)]
    pub channel: ChannelRef,
    /// The message.
    #[serde(default)]
    pub message: Message,
    /// The message's `ts`.
    #[serde(default)]
    pub message_ts: String,
    /// Where to answer (`respond`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_url: Option<String>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_ts: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseRef>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
