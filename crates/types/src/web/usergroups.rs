//! `usergroups.list`.

use serde::{Deserialize, Serialize};

use crate::objects::Usergroup;
use crate::web::{method, setters};

/// `usergroups.list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct List {
    /// Include each group's member ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_users: Option<bool>,
    /// Include each group's member count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_count: Option<bool>,
    /// Include disabled groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_disabled: Option<bool>,
    /// The workspace, for org-wide apps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
}

impl List {
    /// The workspace's groups.
    pub fn new() -> Self {
        List::default()
    }
}

setters!(List {
    include_users: bool,
    include_count: bool,
    include_disabled: bool,
    team_id: String
});

/// `usergroups.list`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResponse {
    /// The groups.
    #[serde(default)]
    pub usergroups: Vec<Usergroup>,
}

method!(List => "usergroups.list", ListResponse, Form);
