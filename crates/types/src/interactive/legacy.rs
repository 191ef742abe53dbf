//! `interactive_message`: a button or menu in a legacy message attachment was used.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::interactive::refs::{ChannelRef, EnterpriseRef, TeamRef, UserRef};
use crate::objects::Message;

/// An `interactive_message` payload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InteractiveMessage {
    /// The attachment's `callback_id`.
    #[serde(default)]
    pub callback_id: String,
    /// The actions taken.
    #[serde(default)]
    pub actions: Vec<AttachmentAction>,
    /// Who acted.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The conversation.
    #[serde(default)]
    pub channel: ChannelRef,
    /// The message's `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_ts: Option<String>,
    /// The attachment's position, as a string (`"1"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<String>,
    /// The message as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_message: Option<Box<Message>>,
    /// Where to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_url: Option<String>,
    /// Opens a dialog or modal within 3 seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
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

/// One legacy attachment action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttachmentAction {
    /// The action's `name`.
    #[serde(default)]
    pub name: String,
    /// `button` or `select`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Buttons: the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Menus: the chosen values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_options: Option<Vec<AttachmentOption>>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A chosen legacy menu option.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttachmentOption {
    /// Its value.
    #[serde(default)]
    pub value: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
