//! What a message says, shared by everything that sends one: `chat.postMessage` and its
//! siblings, and answers through `response_url` or a slash command's ack.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blocks::Block;
use crate::extra::Extra;

/// A message's content. Give `text` always: it is the notification and accessibility
/// fallback when `blocks` are given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageContent {
    /// The text (`mrkdwn` unless `mrkdwn: false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<Block>>,
    /// Legacy secondary attachments, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Value>>,
    /// Post as a reply in this thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Replies: also show it in the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_broadcast: Option<bool>,
    /// Whether `text` is markdown (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrkdwn: Option<bool>,
    /// Unfurl links to text content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_links: Option<bool>,
    /// Unfurl links to media.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_media: Option<bool>,
    /// Message metadata: `{"event_type": ..., "event_payload": {...}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Fields not modelled here (`username`, `icon_emoji`, `parse`...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Builder methods for anything that carries a [`MessageContent`].
pub trait Compose: Sized {
    /// The content to build on.
    fn content_mut(&mut self) -> &mut MessageContent;

    /// Sets `text`.
    fn text(mut self, text: impl Into<String>) -> Self {
        self.content_mut().text = Some(text.into());
        self
    }

    /// Adds a block.
    fn block(mut self, block: impl Into<Block>) -> Self {
        let blocks = self.content_mut().blocks.get_or_insert_with(Vec::new);
        blocks.push(block.into());
        self
    }

    /// Sets all the blocks.
    fn blocks(mut self, blocks: impl IntoIterator<Item = Block>) -> Self {
        self.content_mut().blocks = Some(blocks.into_iter().collect());
        self
    }

    /// Posts in the thread of `thread_ts`.
    fn thread_ts(mut self, thread_ts: impl Into<String>) -> Self {
        self.content_mut().thread_ts = Some(thread_ts.into());
        self
    }

    /// Shows a thread reply in the channel too.
    fn reply_broadcast(mut self) -> Self {
        self.content_mut().reply_broadcast = Some(true);
        self
    }

    /// Sets `unfurl_links` and `unfurl_media`.
    fn unfurl(mut self, unfurl: bool) -> Self {
        let content = self.content_mut();
        content.unfurl_links = Some(unfurl);
        content.unfurl_media = Some(unfurl);
        self
    }

    /// Sets `metadata`.
    fn metadata(mut self, event_type: impl Into<String>, event_payload: Value) -> Self {
        self.content_mut().metadata = Some(serde_json::json!({
            "event_type": event_type.into(),
            "event_payload": event_payload,
        }));
        self
    }
}

impl Compose for MessageContent {
    fn content_mut(&mut self) -> &mut MessageContent {
        self
    }
}
