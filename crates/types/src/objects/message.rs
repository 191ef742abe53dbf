//! Messages: the `message` event (every subtype) and the messages of history, replies and
//! `chat.*` responses are one shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blocks::Block;
use crate::extra::Extra;
use crate::names::name_enum;
use crate::objects::File;

name_enum! {
    /// A message's `subtype` (absent on plain user messages).
    MessageSubtype {
        /// `bot_message`: posted by a bot or integration.
        BotMessage = "bot_message",
        /// `me_message`: a `/me` message.
        MeMessage = "me_message",
        /// `message_changed`: an edit; the new version is in `message`.
        MessageChanged = "message_changed",
        /// `message_deleted`: the old version is in `previous_message`.
        MessageDeleted = "message_deleted",
        /// `message_replied`: a thread parent's reply count changed.
        MessageReplied = "message_replied",
        /// `thread_broadcast`: a thread reply also sent to the channel.
        ThreadBroadcast = "thread_broadcast",
        /// `file_share`: a message with files.
        FileShare = "file_share",
        /// `channel_join`.
        ChannelJoin = "channel_join",
        /// `channel_leave`.
        ChannelLeave = "channel_leave",
        /// `channel_topic`.
        ChannelTopic = "channel_topic",
        /// `channel_purpose`.
        ChannelPurpose = "channel_purpose",
        /// `channel_name`.
        ChannelName = "channel_name",
        /// `channel_archive`.
        ChannelArchive = "channel_archive",
        /// `channel_unarchive`.
        ChannelUnarchive = "channel_unarchive",
        /// `group_join`.
        GroupJoin = "group_join",
        /// `group_leave`.
        GroupLeave = "group_leave",
        /// `ekm_access_denied`.
        EkmAccessDenied = "ekm_access_denied",
    }
}

/// A message. As an event, the subtype says what happened; `message_changed` carries the new
/// version in [`message`](Self::message), `message_deleted` the old one in
/// [`previous_message`](Self::previous_message).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `subtype`, absent on a plain user message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<MessageSubtype>,
    /// The conversation (events; absent in history, where the request names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// `im`, `mpim`, `channel`, `group` or `app_home` (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<String>,
    /// The author (absent on some bot messages, which have `bot_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The text (with `<@U…>` mentions and `<url|label>` links as Slack encodes them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The message's timestamp: its id within the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    /// When the event happened (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ts: Option<String>,
    /// The thread's parent `ts`, on replies and on the parent itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// On replies: the parent's author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_user_id: Option<String>,
    /// On thread parents: how many replies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<u64>,
    /// On thread parents: the latest reply's `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_reply: Option<String>,
    /// The workspace of the author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Set by Slack's clients on messages typed by a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    /// Bot messages: the bot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<String>,
    /// Bot messages: the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Bot messages: the name shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The blocks (rich text for messages typed in Slack).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<Block>>,
    /// Legacy secondary attachments, as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Value>>,
    /// `file_share`: the files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<File>>,
    /// Set once the message was edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited: Option<Edited>,
    /// Reactions (history, not events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<ReactionCount>>,
    /// Hidden from the channel's history (e.g. `message_changed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// `message_changed`: the new version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<Message>>,
    /// `message_changed` / `message_deleted`: the version before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_message: Option<Box<Message>>,
    /// `message_deleted`: the deleted message's `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_ts: Option<String>,
    /// `channel_join`: who added the user, if not themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inviter: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    /// The message the event is about: the new version for `message_changed`, the message
    /// itself otherwise.
    pub fn current(&self) -> &Message {
        match (&self.subtype, &self.message) {
            (Some(MessageSubtype::MessageChanged), Some(inner)) => inner,
            _ => self,
        }
    }

    /// Whether it is a reply in a thread (not the parent).
    pub fn is_thread_reply(&self) -> bool {
        matches!((&self.thread_ts, &self.ts), (Some(thread), Some(ts)) if thread != ts)
    }

    /// The thread to reply in: its thread, or a new one under it.
    pub fn reply_thread_ts(&self) -> Option<&str> {
        self.thread_ts.as_deref().or(self.ts.as_deref())
    }

    /// Whether a bot posted it (`bot_id` or the `bot_message` subtype): what an echo bot skips.
    pub fn is_from_bot(&self) -> bool {
        self.bot_id.is_some() || self.subtype == Some(MessageSubtype::BotMessage)
    }
}

/// `edited`: who edited a message, and when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Edited {
    /// The editor.
    #[serde(default)]
    pub user: String,
    /// When.
    #[serde(default)]
    pub ts: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A reaction on a message, with who reacted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReactionCount {
    /// The emoji's name, without colons.
    #[serde(default)]
    pub name: String,
    /// How many reacted.
    #[serde(default)]
    pub count: u64,
    /// Who (possibly only the first few).
    #[serde(default)]
    pub users: Vec<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
