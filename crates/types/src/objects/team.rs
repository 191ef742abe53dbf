//! Workspaces, bots and user groups.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;

/// A workspace (`team.info`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// `T…`.
    #[serde(default)]
    pub id: String,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The subdomain (`<domain>.slack.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// Fields not modelled here (icon, email domain...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A bot (`bots.info`, a message's `bot_profile`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bot {
    /// `B…`.
    #[serde(default)]
    pub id: String,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The app it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Its bot user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Fields not modelled here (icons, updated...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user group (`usergroups.list`): `@team-name` mentions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usergroup {
    /// `S…`.
    #[serde(default)]
    pub id: String,
    /// The workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The mention handle, without `@`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Members' ids (with `include_users`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    /// Fields not modelled here (prefs, counts as strings, dates...).
    #[serde(flatten)]
    pub extra: Extra,
}
