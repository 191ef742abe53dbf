//! `emoji.list`: the workspace's custom emoji.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::web::{method, setters};

/// `emoji.list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct List {
    /// Also list Unicode emoji by category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_categories: Option<bool>,
}

impl List {
    /// The custom emoji.
    pub fn new() -> Self {
        List::default()
    }
}

setters!(List {
    include_categories: bool
});

/// `emoji.list`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResponse {
    /// Name → image URL, or `alias:<name>` for aliases.
    #[serde(default)]
    pub emoji: BTreeMap<String, String>,
    /// Fields not modelled here (`categories`...).
    #[serde(flatten)]
    pub extra: Extra,
}

method!(List => "emoji.list", ListResponse, Form);
