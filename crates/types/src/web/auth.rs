//! `auth.test`: who the token is.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::web::method;

/// `auth.test` (no arguments).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Test {}

impl Test {
    /// The request.
    pub fn new() -> Self {
        Test {}
    }
}

/// `auth.test`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TestResponse {
    /// The workspace's URL.
    #[serde(default)]
    pub url: String,
    /// The workspace's name.
    #[serde(default)]
    pub team: String,
    /// The token's user (the bot user, for a bot token).
    #[serde(default)]
    pub user: String,
    /// The workspace.
    #[serde(default)]
    pub team_id: String,
    /// The user's id.
    #[serde(default)]
    pub user_id: String,
    /// Bot tokens: the bot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<String>,
    /// The Enterprise Grid organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// An organisation-wide installation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enterprise_install: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

method!(Test => "auth.test", TestResponse, Form);
