//! File upload, in three steps: [`GetUploadUrlExternal`] reserves a file id and an upload URL;
//! the client POSTs the file's bytes to that URL (a plain HTTP POST, any content type, no
//! Slack token; HTTP 200 means received); [`CompleteUploadExternal`] finishes the upload and
//! shares the file.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::objects::File;
use crate::web::{method, setters};

/// `files.getUploadURLExternal` (form fields only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetUploadUrlExternal {
    /// The file's name.
    pub filename: String,
    /// Its size in bytes: exactly what will be uploaded.
    pub length: u64,
    /// Alt text for images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_txt: Option<String>,
    /// For snippets: the syntax, e.g. `python`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet_type: Option<String>,
}

impl GetUploadUrlExternal {
    /// Reserves an upload of `length` bytes named `filename`.
    pub fn new(filename: impl Into<String>, length: u64) -> Self {
        GetUploadUrlExternal {
            filename: filename.into(),
            length,
            alt_txt: None,
            snippet_type: None,
        }
    }
}

setters!(GetUploadUrlExternal {
    alt_txt: String,
    snippet_type: String
});

/// `files.getUploadURLExternal`'s response: where to POST the bytes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadUrl {
    /// POST the file's bytes here.
    #[serde(default)]
    pub upload_url: String,
    /// The file's id, for [`CompleteUploadExternal`].
    #[serde(default)]
    pub file_id: String,
}

impl UploadUrl {
    /// The request that completes this upload (after the bytes were POSTed), with a title.
    pub fn complete(&self, title: impl Into<String>) -> CompleteUploadExternal {
        CompleteUploadExternal::new(vec![FileRef::new(self.file_id.clone(), title)])
    }
}

method!(GetUploadUrlExternal => "files.getUploadURLExternal", UploadUrl, Form);

/// `files.completeUploadExternal`: finishes uploads and optionally shares the files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompleteUploadExternal {
    /// The uploaded files.
    pub files: Vec<FileRef>,
    /// Share them in this conversation (else they stay private to the uploader).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// A message posted with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_comment: Option<String>,
    /// Share them as a reply in this thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
}

impl CompleteUploadExternal {
    /// Completes `files`.
    pub fn new(files: Vec<FileRef>) -> Self {
        CompleteUploadExternal {
            files,
            ..CompleteUploadExternal::default()
        }
    }
}

setters!(CompleteUploadExternal {
    channel_id: String,
    initial_comment: String,
    thread_ts: String
});

/// A file being completed: its id and title.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    /// From [`UploadUrl::file_id`].
    pub id: String,
    /// The title shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl FileRef {
    /// File `id` titled `title`.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        FileRef {
            id: id.into(),
            title: Some(title.into()),
        }
    }
}

/// `files.completeUploadExternal`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompleteUploadResponse {
    /// The files (id and title; sharing happens asynchronously).
    #[serde(default)]
    pub files: Vec<File>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

method!(CompleteUploadExternal => "files.completeUploadExternal", CompleteUploadResponse);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::{Encoding, Method};
    use serde_json::json;

    #[test]
    fn the_three_steps_chain() {
        let reserve = GetUploadUrlExternal::new("report.csv", 1234);
        assert_eq!(GetUploadUrlExternal::ENCODING, Encoding::Form);
        assert_eq!(
            reserve.form_fields().unwrap(),
            [
                ("filename".into(), "report.csv".into()),
                ("length".into(), "1234".into())
            ]
        );
        let url: UploadUrl = serde_json::from_value(json!({"ok": true,
            "upload_url": "https://files.slack.com/upload/v1/abc", "file_id": "F1"}))
        .unwrap();
        let complete = url.complete("Report").channel_id("C1").thread_ts("1.0");
        assert_eq!(
            serde_json::to_value(&complete).unwrap(),
            json!({"files": [{"id": "F1", "title": "Report"}], "channel_id": "C1", "thread_ts": "1.0"})
        );
        let done: CompleteUploadResponse =
            serde_json::from_value(json!({"ok": true, "files": [{"id": "F1", "title": "Report"}]}))
                .unwrap();
        assert_eq!(done.files[0].title.as_deref(), Some("Report"));
    }
}
