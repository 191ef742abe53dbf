//! Files, as messages, `file_shared` and `files.completeUploadExternal` carry them.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;

/// A file. Thumbnails, previews and sharing details stay in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct File {
    /// `F…`.
    #[serde(default)]
    pub id: String,
    /// The file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mimetype: Option<String>,
    /// Slack's type, e.g. `png`, `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filetype: Option<String>,
    /// Who uploaded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Download URL (needs the bot token in `Authorization`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_private: Option<String>,
    /// Download URL that forces a download.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_private_download: Option<String>,
    /// Link to the file in Slack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// When it was uploaded, UNIX seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
