//! `chat.*`: posting, updating, deleting and scheduling messages.
//!
//! Message content is set with the [`Compose`] builder methods:
//! `chat::PostMessage::new("C123").text("hi").thread_ts(ts)`.

use serde::{Deserialize, Serialize};

use crate::compose::{Compose, MessageContent};
use crate::extra::Extra;
use crate::objects::Message;
use crate::web::method;

/// `chat.postMessage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostMessage {
    /// The conversation (or a user id, for the app's DM with them).
    pub channel: String,
    /// What it says.
    #[serde(flatten)]
    pub content: MessageContent,
}

impl PostMessage {
    /// A message to `channel`; add text and blocks with the [`Compose`] methods.
    pub fn new(channel: impl Into<String>) -> Self {
        PostMessage {
            channel: channel.into(),
            content: MessageContent::default(),
        }
    }
}

/// `chat.postMessage`'s and `chat.update`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageResponse {
    /// The conversation's id (even if a name or user id was given).
    #[serde(default)]
    pub channel: String,
    /// The message's `ts`.
    #[serde(default)]
    pub ts: String,
    /// The message as posted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

method!(PostMessage => "chat.postMessage", MessageResponse);

/// `chat.update`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// The conversation.
    pub channel: String,
    /// The message's `ts`.
    pub ts: String,
    /// The new content.
    #[serde(flatten)]
    pub content: MessageContent,
}

impl Update {
    /// Updates message `ts` in `channel`.
    pub fn new(channel: impl Into<String>, ts: impl Into<String>) -> Self {
        Update {
            channel: channel.into(),
            ts: ts.into(),
            content: MessageContent::default(),
        }
    }
}

method!(Update => "chat.update", MessageResponse);

/// `chat.delete`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Delete {
    /// The conversation.
    pub channel: String,
    /// The message's `ts`.
    pub ts: String,
}

impl Delete {
    /// Deletes message `ts` in `channel`.
    pub fn new(channel: impl Into<String>, ts: impl Into<String>) -> Self {
        Delete {
            channel: channel.into(),
            ts: ts.into(),
        }
    }
}

/// `chat.delete`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteResponse {
    /// The conversation.
    #[serde(default)]
    pub channel: String,
    /// The deleted message's `ts`.
    #[serde(default)]
    pub ts: String,
}

method!(Delete => "chat.delete", DeleteResponse);

/// `chat.postEphemeral`: a message only `user` sees.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostEphemeral {
    /// The conversation.
    pub channel: String,
    /// Who sees it (a member of `channel`).
    pub user: String,
    /// What it says.
    #[serde(flatten)]
    pub content: MessageContent,
}

impl PostEphemeral {
    /// An ephemeral message to `user` in `channel`.
    pub fn new(channel: impl Into<String>, user: impl Into<String>) -> Self {
        PostEphemeral {
            channel: channel.into(),
            user: user.into(),
            content: MessageContent::default(),
        }
    }
}

/// `chat.postEphemeral`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostEphemeralResponse {
    /// The ephemeral message's `ts`.
    #[serde(default)]
    pub message_ts: String,
}

method!(PostEphemeral => "chat.postEphemeral", PostEphemeralResponse);

/// `chat.scheduleMessage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleMessage {
    /// The conversation.
    pub channel: String,
    /// When to post, UNIX seconds (up to 120 days ahead).
    pub post_at: i64,
    /// What it says.
    #[serde(flatten)]
    pub content: MessageContent,
}

impl ScheduleMessage {
    /// A message to `channel` at `post_at`.
    pub fn new(channel: impl Into<String>, post_at: i64) -> Self {
        ScheduleMessage {
            channel: channel.into(),
            post_at,
            content: MessageContent::default(),
        }
    }
}

/// `chat.scheduleMessage`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleMessageResponse {
    /// The conversation.
    #[serde(default)]
    pub channel: String,
    /// For `chat.deleteScheduledMessage`.
    #[serde(default)]
    pub scheduled_message_id: String,
    /// When it will be posted. Slack's documented example sends it as a string of digits,
    /// the message's own `post_at` as a number: both are read.
    #[serde(default, deserialize_with = "seconds_as_number_or_text")]
    pub post_at: i64,
    /// The message as it will be posted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

method!(ScheduleMessage => "chat.scheduleMessage", ScheduleMessageResponse);

/// UNIX seconds written as a JSON number or as a string of digits.
fn seconds_as_number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(i64),
        Text(String),
    }
    match Seconds::deserialize(d)? {
        Seconds::Number(n) => Ok(n),
        Seconds::Text(text) => text.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// `chat.getPermalink`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetPermalink {
    /// The conversation.
    pub channel: String,
    /// The message's `ts`.
    pub message_ts: String,
}

impl GetPermalink {
    /// The link to message `message_ts` in `channel`.
    pub fn new(channel: impl Into<String>, message_ts: impl Into<String>) -> Self {
        GetPermalink {
            channel: channel.into(),
            message_ts: message_ts.into(),
        }
    }
}

/// `chat.getPermalink`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PermalinkResponse {
    /// The conversation.
    #[serde(default)]
    pub channel: String,
    /// The link.
    #[serde(default)]
    pub permalink: String,
}

method!(GetPermalink => "chat.getPermalink", PermalinkResponse, Form);

/// `Compose` for the requests that carry a message.
macro_rules! compose {
    ($($request:ty),*) => {
        $(impl Compose for $request {
            fn content_mut(&mut self) -> &mut MessageContent {
                &mut self.content
            }
        })*
    };
}

compose!(PostMessage, Update, PostEphemeral, ScheduleMessage);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::Block;
    use crate::composition::Text;
    use crate::web::Method;
    use serde_json::json;

    #[test]
    fn post_message_serialises_flat_and_skips_what_is_unset() {
        let request = PostMessage::new("C1")
            .text("Deployed")
            .thread_ts("1.0")
            .block(Block::section(Text::mrkdwn("*Deployed*")));
        assert_eq!(PostMessage::NAME, "chat.postMessage");
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"channel": "C1", "text": "Deployed", "thread_ts": "1.0",
                   "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Deployed*"}}]})
        );
        assert_eq!(
            serde_json::to_value(ScheduleMessage::new("C1", 1700000000).text("later")).unwrap(),
            json!({"channel": "C1", "post_at": 1700000000, "text": "later"})
        );
        for body in [
            r#"{"channel":"C1","scheduled_message_id":"Q1","post_at":"1562180400"}"#,
            r#"{"channel":"C1","scheduled_message_id":"Q1","post_at":1562180400}"#,
        ] {
            let answer: ScheduleMessageResponse = serde_json::from_str(body).unwrap();
            assert_eq!(answer.post_at, 1562180400);
        }
        assert_eq!(
            serde_json::to_value(PostEphemeral::new("C1", "U1").text("psst")).unwrap(),
            json!({"channel": "C1", "user": "U1", "text": "psst"})
        );
    }
}
