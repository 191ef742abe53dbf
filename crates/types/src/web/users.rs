//! `users.*`: one user, all users, a user by email.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::objects::User;
use crate::web::{method, page, paginated, setters, ResponseMetadata};

/// `users.info`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// The user.
    pub user: String,
    /// Include the user's `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_locale: Option<bool>,
}

impl Info {
    /// About `user`.
    pub fn new(user: impl Into<String>) -> Self {
        Info {
            user: user.into(),
            include_locale: None,
        }
    }
}

setters!(Info {
    include_locale: bool
});

/// A response holding one user (`users.info`, `users.lookupByEmail`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserResponse {
    /// The user.
    #[serde(default)]
    pub user: User,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

method!(Info => "users.info", UserResponse, Form);

/// `users.list`: every user of the workspace, bots and deactivated users included.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct List {
    /// Include each user's `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_locale: Option<bool>,
    /// The workspace, for org-wide apps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// The page's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl List {
    /// All users.
    pub fn new() -> Self {
        List::default()
    }
}

setters!(List {
    include_locale: bool,
    team_id: String
});

/// A page of `users.list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResponse {
    /// The users.
    #[serde(default)]
    pub members: Vec<User>,
    /// The next page's cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_metadata: Option<ResponseMetadata>,
    /// Fields not modelled here (`cache_ts`...).
    #[serde(flatten)]
    pub extra: Extra,
}

method!(List => "users.list", ListResponse, Form);
page!(ListResponse, members: User);
paginated!(List);

/// `users.lookupByEmail` (needs `users:read.email`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LookupByEmail {
    /// The address.
    pub email: String,
}

impl LookupByEmail {
    /// The user with `email`.
    pub fn new(email: impl Into<String>) -> Self {
        LookupByEmail {
            email: email.into(),
        }
    }
}

method!(LookupByEmail => "users.lookupByEmail", UserResponse, Form);
