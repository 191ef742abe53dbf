//! `team.info`.

use serde::{Deserialize, Serialize};

use crate::objects::Team;
use crate::web::{method, setters};

/// `team.info`: the token's workspace, or `team`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// Another workspace (org-wide apps, shared channels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

impl Info {
    /// The token's workspace.
    pub fn new() -> Self {
        Info::default()
    }
}

setters!(Info { team: String });

/// `team.info`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// The workspace.
    #[serde(default)]
    pub team: Team,
}

method!(Info => "team.info", InfoResponse, Form);
