//! `conversations.*`: reading history and threads, listing, joining and opening conversations.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::objects::{Conversation, Message};
use crate::web::{method, page, paginated, setters, ResponseMetadata};

/// `conversations.history`: a conversation's messages, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The conversation.
    pub channel: String,
    /// Only messages after this `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<String>,
    /// Only messages before this `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// Include messages at exactly `oldest` / `latest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusive: Option<bool>,
    /// The page's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl History {
    /// The history of `channel`.
    pub fn new(channel: impl Into<String>) -> Self {
        History {
            channel: channel.into(),
            ..History::default()
        }
    }
}

/// `conversations.replies`: a thread, parent first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replies {
    /// The conversation.
    pub channel: String,
    /// The parent's `ts`.
    pub ts: String,
    /// Only replies after this `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<String>,
    /// Only replies before this `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// Include messages at exactly `oldest` / `latest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusive: Option<bool>,
    /// The page's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl Replies {
    /// The thread under `ts` in `channel`.
    pub fn new(channel: impl Into<String>, ts: impl Into<String>) -> Self {
        Replies {
            channel: channel.into(),
            ts: ts.into(),
            ..Replies::default()
        }
    }
}

setters!(History {
    oldest: String,
    latest: String,
    inclusive: bool
});
setters!(Replies {
    oldest: String,
    latest: String,
    inclusive: bool
});

/// A page of messages (`conversations.history`, `conversations.replies`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagesPage {
    /// The messages.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// More before `oldest` / after this page.
    #[serde(default)]
    pub has_more: bool,
    /// The next page's cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_metadata: Option<ResponseMetadata>,
    /// Fields not modelled here (`pin_count`...).
    #[serde(flatten)]
    pub extra: Extra,
}

method!(History => "conversations.history", MessagesPage, Form);
method!(Replies => "conversations.replies", MessagesPage, Form);
page!(MessagesPage, messages: Message);

/// `conversations.info`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// The conversation.
    pub channel: String,
    /// Include `num_members`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_num_members: Option<bool>,
    /// Include the conversation's `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_locale: Option<bool>,
}

impl Info {
    /// About `channel`.
    pub fn new(channel: impl Into<String>) -> Self {
        Info {
            channel: channel.into(),
            ..Info::default()
        }
    }
}

setters!(Info {
    include_num_members: bool,
    include_locale: bool
});

/// A response holding one conversation (`info`, `join`, `open`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationResponse {
    /// The conversation (`open` may give only its `id`).
    #[serde(default)]
    pub channel: Conversation,
    /// Fields not modelled here (`already_open`, `no_op`, `warning`...).
    #[serde(flatten)]
    pub extra: Extra,
}

method!(Info => "conversations.info", ConversationResponse, Form);

/// `conversations.list`: conversations in the workspace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct List {
    /// Comma-separated: `public_channel`, `private_channel`, `mpim`, `im` (default public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub types: Option<String>,
    /// Leave archived channels out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_archived: Option<bool>,
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
    /// Public channels, unless `types` says otherwise.
    pub fn new() -> Self {
        List::default()
    }
}

setters!(List {
    types: String,
    exclude_archived: bool,
    team_id: String
});

/// A page of `conversations.list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResponse {
    /// The conversations.
    #[serde(default)]
    pub channels: Vec<Conversation>,
    /// The next page's cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_metadata: Option<ResponseMetadata>,
}

method!(List => "conversations.list", ListResponse, Form);
page!(ListResponse, channels: Conversation);

/// `conversations.members`: member ids.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Members {
    /// The conversation.
    pub channel: String,
    /// The page's start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl Members {
    /// The members of `channel`.
    pub fn new(channel: impl Into<String>) -> Self {
        Members {
            channel: channel.into(),
            ..Members::default()
        }
    }
}

/// A page of `conversations.members`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MembersResponse {
    /// User ids.
    #[serde(default)]
    pub members: Vec<String>,
    /// The next page's cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_metadata: Option<ResponseMetadata>,
}

method!(Members => "conversations.members", MembersResponse, Form);
page!(MembersResponse, members: String);
paginated!(History, Replies, List, Members);

/// `conversations.join`: the bot joins a public channel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Join {
    /// The channel.
    pub channel: String,
}

impl Join {
    /// Joins `channel`.
    pub fn new(channel: impl Into<String>) -> Self {
        Join {
            channel: channel.into(),
        }
    }
}

method!(Join => "conversations.join", ConversationResponse);

/// `conversations.open`: opens (or finds) a DM or group DM.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Open {
    /// Comma-separated user ids (one for a DM, up to 8 for a group DM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<String>,
    /// Or: resume this conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Return the whole conversation, not only its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_im: Option<bool>,
    /// Do not create it; only find it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevent_creation: Option<bool>,
}

impl Open {
    /// The DM (one user) or group DM with `users`.
    pub fn with_users<U: AsRef<str>>(users: impl IntoIterator<Item = U>) -> Self {
        let users: Vec<U> = users.into_iter().collect();
        let users: Vec<&str> = users.iter().map(AsRef::as_ref).collect();
        Open {
            users: Some(users.join(",")),
            ..Open::default()
        }
    }
}

setters!(Open {
    return_im: bool,
    prevent_creation: bool
});
method!(Open => "conversations.open", ConversationResponse);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::{Encoding, Method, Page};
    use serde_json::json;

    #[test]
    fn reads_take_form_fields_and_writes_json() {
        assert_eq!(History::ENCODING, Encoding::Form);
        assert_eq!(Join::ENCODING, Encoding::Json);
        assert_eq!(
            serde_json::to_value(Open::with_users(["U1", "U2"])).unwrap(),
            json!({"users": "U1,U2"})
        );
        assert_eq!(
            serde_json::to_value(Replies::new("C1", "1.0").inclusive(true).limit(50)).unwrap(),
            json!({"channel": "C1", "ts": "1.0", "inclusive": true, "limit": 50})
        );
    }

    #[test]
    fn pages_of_each_kind_read_their_items() {
        let page: ListResponse = serde_json::from_value(json!({"ok": true,
            "channels": [{"id": "C1", "name": "general", "is_channel": true, "is_member": true}],
            "response_metadata": {"next_cursor": "dGVhbTpD"}}))
        .unwrap();
        assert_eq!(page.items()[0].name.as_deref(), Some("general"));
        assert_eq!(page.next_cursor(), Some("dGVhbTpD"));
        let page: MembersResponse =
            serde_json::from_value(json!({"ok": true, "members": ["U1", "U2"]})).unwrap();
        assert_eq!(page.into_items(), ["U1", "U2"]);
    }
}
