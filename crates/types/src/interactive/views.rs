//! `view_submission` and `view_closed`.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::interactive::refs::{EnterpriseRef, TeamRef, UserRef};
use crate::view::{InputValue, View};

/// A `view_submission`: the user submitted a modal. Answer in the ack: nothing (close it),
/// or a [`ResponseAction`](crate::response::ResponseAction).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewSubmission {
    /// Who submitted.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The app.
    #[serde(default)]
    pub api_app_id: String,
    /// The modal, with `state.values`.
    #[serde(default)]
    pub view: View,
    /// Opens another modal within 3 seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
    /// One per conversation chosen in a select with `response_url_enabled`.
    #[serde(default)]
    pub response_urls: Vec<ResponseUrl>,
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

impl ViewSubmission {
    /// The view's `callback_id`.
    pub fn callback_id(&self) -> Option<&str> {
        self.view.callback_id.as_deref()
    }

    /// What input `action_id` in block `block_id` holds.
    pub fn value(&self, block_id: &str, action_id: &str) -> Option<InputValue<'_>> {
        self.view.value(block_id, action_id)
    }
}

/// A `response_url` for a conversation picked in a modal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseUrl {
    /// The input's block.
    #[serde(default)]
    pub block_id: String,
    /// The input.
    #[serde(default)]
    pub action_id: String,
    /// The conversation chosen.
    #[serde(default)]
    pub channel_id: String,
    /// Where to post into it.
    #[serde(default)]
    pub response_url: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `view_closed`: the user closed a modal opened with `notify_on_close`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewClosed {
    /// Who closed it.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The app.
    #[serde(default)]
    pub api_app_id: String,
    /// The modal.
    #[serde(default)]
    pub view: View,
    /// Whether the whole stack was closed.
    #[serde(default)]
    pub is_cleared: bool,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseRef>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ViewClosed {
    /// The view's `callback_id`.
    pub fn callback_id(&self) -> Option<&str> {
        self.view.callback_id.as_deref()
    }
}
