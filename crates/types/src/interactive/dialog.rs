//! Legacy dialogs: `dialog_submission`, `dialog_cancellation`, `dialog_suggestion`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::extra::Extra;
use crate::interactive::refs::{ChannelRef, EnterpriseRef, TeamRef, UserRef};

/// A dialog payload; the three kinds share one shape, each using some of the fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dialog {
    /// The dialog's `callback_id`.
    #[serde(default)]
    pub callback_id: String,
    /// Who acted.
    #[serde(default)]
    pub user: UserRef,
    /// Their workspace.
    #[serde(default)]
    pub team: TeamRef,
    /// The conversation the dialog was opened from.
    #[serde(default)]
    pub channel: ChannelRef,
    /// The `state` string the dialog was opened with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Where to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_url: Option<String>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_ts: Option<String>,
    /// Submissions: the values, by element `name` (strings, or `null` when left empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission: Option<Map<String, Value>>,
    /// Suggestions: the select's `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Suggestions: what the user typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseRef>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Dialog {
    /// A submitted value, by element name.
    pub fn submitted(&self, name: &str) -> Option<&str> {
        self.submission.as_ref()?.get(name)?.as_str()
    }
}
