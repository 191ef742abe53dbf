//! `block_suggestion`: an external select asks for options.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::interactive::refs::{ChannelRef, Container, EnterpriseRef, TeamRef, UserRef};
use crate::view::View;

/// A `block_suggestion`: the user typed into an external select; answer in the ack with an
/// [`OptionsResponse`](crate::response::OptionsResponse).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockSuggestion {
    /// The select's `action_id`.
    #[serde(default)]
    pub action_id: String,
    /// Its block's `block_id`.
    #[serde(default)]
    pub block_id: String,
    /// What the user typed.
    #[serde(default)]
    pub value: String,
    /// Who is typing.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The app.
    #[serde(default)]
    pub api_app_id: String,
    /// What holds the select.
    #[serde(default)]
    pub container: Container,
    /// Messages: the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelRef>,
    /// Views: the view holding the select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<Box<View>>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseRef>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
