//! [`Event`]: the inner `event` of an Events API delivery (and, for the types both share, an RTM
//! frame).

use serde_json::Value;

use crate::events::kinds::{
    AppHomeOpened, AppUninstalled, ChannelArchive, ChannelChange, FileShared, FunctionExecuted,
    LinkShared, MemberChannel, Reaction, TokensRevoked, UserChange,
};
use crate::objects::Message;
use crate::tagged::tagged_union;

/// An event, by its `type`. Types this version does not model are kept whole in
/// [`Other`](Event::Other).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `message`, of any subtype.
    Message(Box<Message>),
    /// `app_mention`: the bot was mentioned (same shape as a message).
    AppMention(Box<Message>),
    /// `reaction_added`.
    ReactionAdded(Reaction),
    /// `reaction_removed`.
    ReactionRemoved(Reaction),
    /// `member_joined_channel`.
    MemberJoinedChannel(MemberChannel),
    /// `member_left_channel`.
    MemberLeftChannel(MemberChannel),
    /// `app_home_opened`.
    AppHomeOpened(AppHomeOpened),
    /// `team_join`: a new member.
    TeamJoin(Box<UserChange>),
    /// `user_change`.
    UserChange(Box<UserChange>),
    /// `channel_created`.
    ChannelCreated(Box<ChannelChange>),
    /// `channel_rename`.
    ChannelRename(Box<ChannelChange>),
    /// `channel_archive`.
    ChannelArchive(ChannelArchive),
    /// `file_shared`.
    FileShared(FileShared),
    /// `link_shared`.
    LinkShared(LinkShared),
    /// `app_uninstalled`.
    AppUninstalled(AppUninstalled),
    /// `tokens_revoked`.
    TokensRevoked(TokensRevoked),
    /// `function_executed`.
    FunctionExecuted(FunctionExecuted),
    /// An event of a type this version does not model, as received.
    Other(Value),
}

tagged_union!(Event {
    "message" => Message,
    "app_mention" => AppMention,
    "reaction_added" => ReactionAdded,
    "reaction_removed" => ReactionRemoved,
    "member_joined_channel" => MemberJoinedChannel,
    "member_left_channel" => MemberLeftChannel,
    "app_home_opened" => AppHomeOpened,
    "team_join" => TeamJoin,
    "user_change" => UserChange,
    "channel_created" => ChannelCreated,
    "channel_rename" => ChannelRename,
    "channel_archive" => ChannelArchive,
    "file_shared" => FileShared,
    "link_shared" => LinkShared,
    "app_uninstalled" => AppUninstalled,
    "tokens_revoked" => TokensRevoked,
    "function_executed" => FunctionExecuted,
});

impl Event {
    /// The message, for `message` and `app_mention` (for `message_changed`, the event itself:
    /// [`Message::current`] has the new version).
    pub fn message(&self) -> Option<&Message> {
        match self {
            Event::Message(m) | Event::AppMention(m) => Some(m),
            _ => None,
        }
    }

    /// The `message` subtype, if it is a message with one.
    pub fn subtype(&self) -> Option<&str> {
        match self {
            Event::Message(m) => m.subtype.as_ref().map(|s| s.as_str()),
            _ => None,
        }
    }

    /// The conversation the event happened in: where `say` posts.
    pub fn channel(&self) -> Option<&str> {
        match self {
            Event::Message(m) | Event::AppMention(m) => m.channel.as_deref(),
            Event::ReactionAdded(r) | Event::ReactionRemoved(r) => r.item.channel.as_deref(),
            Event::MemberJoinedChannel(m) | Event::MemberLeftChannel(m) => Some(&m.channel),
            Event::AppHomeOpened(h) => Some(&h.channel),
            Event::ChannelCreated(c) | Event::ChannelRename(c) => Some(&c.channel.id),
            Event::ChannelArchive(c) => Some(&c.channel),
            Event::FileShared(f) => f.channel_id.as_deref(),
            Event::LinkShared(l) => Some(&l.channel),
            Event::Other(raw) => raw.get("channel").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The user who acted: the author of a message (of the new version, for an edit), who
    /// reacted, joined, opened the Home tab...
    pub fn user(&self) -> Option<&str> {
        match self {
            Event::Message(m) | Event::AppMention(m) => m.current().user.as_deref(),
            Event::ReactionAdded(r) | Event::ReactionRemoved(r) => Some(&r.user),
            Event::MemberJoinedChannel(m) | Event::MemberLeftChannel(m) => Some(&m.user),
            Event::AppHomeOpened(h) => Some(&h.user),
            Event::TeamJoin(u) | Event::UserChange(u) => Some(&u.user.id),
            Event::ChannelArchive(c) => c.user.as_deref(),
            Event::FileShared(f) => Some(&f.user_id),
            Event::LinkShared(l) => Some(&l.user),
            Event::Other(raw) => raw.get("user").and_then(Value::as_str),
            _ => None,
        }
    }

    /// A message's text (the new text, for an edit).
    pub fn text(&self) -> Option<&str> {
        self.message()?.current().text.as_deref()
    }

    /// The `ts` of the message the event is about: the message itself, the message reacted
    /// to, the message with the links.
    pub fn ts(&self) -> Option<&str> {
        match self {
            Event::Message(m) | Event::AppMention(m) => m.current().ts.as_deref(),
            Event::ReactionAdded(r) | Event::ReactionRemoved(r) => r.item.ts.as_deref(),
            Event::LinkShared(l) => Some(&l.message_ts),
            _ => None,
        }
    }

    /// The thread to reply in: the message's thread if it is in one, else a new thread under
    /// the message. `None` where the event is not about a message whose thread is known.
    pub fn thread_ts(&self) -> Option<&str> {
        match self {
            Event::Message(m) | Event::AppMention(m) => m.current().reply_thread_ts(),
            Event::LinkShared(l) => l.thread_ts.as_deref().or(Some(&l.message_ts)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::MessageSubtype;
    use serde_json::json;

    #[test]
    fn a_thread_reply_replies_in_its_thread_and_a_top_level_message_starts_one() {
        let reply: Event = serde_json::from_value(json!({"type": "message", "channel": "C1",
            "user": "U1", "text": "re", "ts": "2.0", "thread_ts": "1.0", "parent_user_id": "U2"}))
        .unwrap();
        assert_eq!(reply.thread_ts(), Some("1.0"));
        assert!(reply.message().unwrap().is_thread_reply());
        let top: Event = serde_json::from_value(json!({"type": "message", "channel": "C1",
            "user": "U1", "text": "hi", "ts": "3.0"}))
        .unwrap();
        assert_eq!(
            (top.channel(), top.user(), top.text()),
            (Some("C1"), Some("U1"), Some("hi"))
        );
        assert_eq!(top.thread_ts(), Some("3.0"));
        assert!(!top.message().unwrap().is_thread_reply());
    }

    #[test]
    fn an_edit_reads_through_to_the_new_version() {
        let edit: Event = serde_json::from_value(json!({"type": "message",
            "subtype": "message_changed", "channel": "C1", "ts": "9.0", "hidden": true,
            "message": {"type": "message", "user": "U1", "text": "new", "ts": "5.0"},
            "previous_message": {"type": "message", "user": "U1", "text": "old", "ts": "5.0"}}))
        .unwrap();
        assert_eq!(edit.subtype(), Some("message_changed"));
        assert_eq!(
            (edit.text(), edit.ts(), edit.user()),
            (Some("new"), Some("5.0"), Some("U1"))
        );
        assert_eq!(edit.channel(), Some("C1"));
    }

    #[test]
    fn unknown_subtypes_and_events_are_kept() {
        let event: Event = serde_json::from_value(json!({"type": "message",
            "subtype": "huddle_thread", "channel": "C1", "ts": "1.0"}))
        .unwrap();
        assert_eq!(
            event.message().unwrap().subtype,
            Some(MessageSubtype::Other("huddle_thread".into()))
        );
        let raw = json!({"type": "pin_added", "user": "U1", "channel_id": "C1"});
        let event: Event = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(event, Event::Other(raw));
        assert_eq!(event.user(), Some("U1"));
        assert_eq!(event.type_name(), "pin_added");
    }

    #[test]
    fn reactions_point_at_their_message() {
        let event: Event = serde_json::from_value(json!({"type": "reaction_added", "user": "U1",
            "reaction": "thumbsup", "item_user": "U2",
            "item": {"type": "message", "channel": "C1", "ts": "1.5"}, "event_ts": "2.0"}))
        .unwrap();
        let Event::ReactionAdded(reaction) = &event else {
            panic!("{event:?}")
        };
        assert_eq!(reaction.reaction, "thumbsup");
        assert_eq!(
            (event.channel(), event.ts(), event.thread_ts()),
            (Some("C1"), Some("1.5"), None)
        );
    }
}
