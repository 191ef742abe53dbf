//! `event_callback`: what an `events_api` envelope's payload is.

use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::extra::Extra;

/// The outer body of every Events API delivery, around the [`Event`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventCallback {
    /// The event.
    pub event: Event,
    /// `event_callback` (the only type Socket Mode delivers).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The workspace the event happened in.
    #[serde(default)]
    pub team_id: String,
    /// The app.
    #[serde(default)]
    pub api_app_id: String,
    /// Unique per event, the same on redelivery.
    #[serde(default)]
    pub event_id: String,
    /// When it happened, UNIX seconds.
    #[serde(default)]
    pub event_time: i64,
    /// Who the app acts for that can see this event (one, for a single installation).
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
    /// Whether the event happened in a channel shared with another organisation.
    #[serde(default)]
    pub is_ext_shared_channel: bool,
    /// An opaque id for the event's context, for `apps.event.authorizations.list`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_context: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// Fields not modelled here (`token`, hidden in `Debug`; `authed_users`...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl EventCallback {
    /// The bot user the app acts as in this workspace, from `authorizations`.
    pub fn bot_user_id(&self) -> Option<&str> {
        self.authorizations
            .iter()
            .find(|a| a.is_bot)
            .and_then(|a| a.user_id.as_deref())
    }
}

/// One installation the event is visible to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorization {
    /// The Enterprise Grid organisation, or `null`.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// The workspace.
    #[serde(default)]
    pub team_id: Option<String>,
    /// The user or bot user installed.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Whether `user_id` is the app's bot user.
    #[serde(default)]
    pub is_bot: bool,
    /// An organisation-wide installation.
    #[serde(default)]
    pub is_enterprise_install: bool,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
