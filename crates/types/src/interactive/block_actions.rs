//! `block_actions`: a user used an interactive element in a message or a view.

use serde::{Deserialize, Serialize};

use crate::composition::Text;
use crate::extra::Extra;
use crate::interactive::refs::{ChannelRef, Container, EnterpriseRef, TeamRef, UserRef};
use crate::objects::Message;
use crate::view::{ElementState, InputValue, View, ViewState};

/// A `block_actions` payload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockActions {
    /// Who acted.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The app.
    #[serde(default)]
    pub api_app_id: String,
    /// The element(s) used: one, in practice.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// What holds the element.
    #[serde(default)]
    pub container: Container,
    /// Opens a modal within 3 seconds (`views.open`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
    /// Messages: where to answer (`respond`), for 30 minutes, up to 5 times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_url: Option<String>,
    /// Messages: the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelRef>,
    /// Messages: the message holding the element (not for ephemeral messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<Message>>,
    /// Views: the view holding the element, with its state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<Box<View>>,
    /// Messages with inputs: what they hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ViewState>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseRef>,
    /// An organisation-wide installation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enterprise_install: Option<bool>,
    /// Fields not modelled here (`token`, `bot_access_token`: hidden in `Debug`;
    /// `function_data`...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl BlockActions {
    /// The action with `action_id`.
    pub fn action(&self, action_id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.action_id == action_id)
    }

    /// The conversation, from `channel` or the message container.
    pub fn channel_id(&self) -> Option<&str> {
        self.channel
            .as_ref()
            .map(|c| c.id.as_str())
            .or(self.container.channel_id.as_deref())
    }
}

/// One element used, with what it now holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The element's `action_id`.
    #[serde(default)]
    pub action_id: String,
    /// Its block's `block_id`.
    #[serde(default)]
    pub block_id: String,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_ts: Option<String>,
    /// Buttons: the label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// The element's `type` and value (fields not modelled land in its `extra`).
    #[serde(flatten)]
    pub state: ElementState,
}

impl Action {
    /// The element's `type`: `button`, `static_select`...
    pub fn kind(&self) -> &str {
        &self.state.kind
    }

    /// What it holds: a button's value, the chosen option(s), date, user...
    pub fn value(&self) -> InputValue<'_> {
        self.state.value()
    }
}
