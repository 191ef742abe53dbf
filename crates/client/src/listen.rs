//! Typed routes, as Bolt has them: which envelopes a handler listens to (by event type, message
//! subtype and text, `action_id` / `block_id`, view or shortcut `callback_id`, suggestion
//! `action_id`, command) and the typed payload it is handed.
//!
//! A [`Listen<P>`] says where it is filed (the envelope type and its routing key: the event's
//! `type`, the interactive payload's `type`, the command) and what must hold of the decoded
//! payload; `P` is what the handler gets. The router decodes a payload only when a listener is
//! filed under its key, once, however many listeners are tried.
//!
//! ```
//! use slackline_client::listen;
//! use slackline_client::Regex;
//!
//! let approve = listen::action("approve");                       // action_id, exactly
//! let vote = listen::action(Regex::new("^vote_").unwrap()).block("poll");
//! let deploy = listen::message(Regex::new(r"^deploy (\w+)$").unwrap());
//! let edits = listen::event("message").subtype("message_changed");
//! let submit = listen::view_submission("new_ticket");
//! # let _ = (approve, vote, deploy, edits, submit);
//! ```

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};
use slackline_types::command::SlashCommand;
use slackline_types::events::{Event, EventCallback};
use slackline_types::interactive::{
    Action, BlockActions, BlockSuggestion, Interactive, MessageAction, Shortcut, ViewClosed,
    ViewSubmission,
};
use slackline_types::payload::Payload;

/// What an id or a text must be: a string (an id equal to it; a message text containing it, as
/// in Bolt) or a regular expression (anywhere in the text or id, unless anchored).
#[derive(Clone)]
#[non_exhaustive]
pub enum Pattern {
    /// Equal to it (ids) or containing it (message text).
    Text(String),
    /// Matching it.
    Regex(Regex),
}

impl Pattern {
    /// The captures of a match: for a string, the string itself; for a regex, each group
    /// (`None` for a group that took no part).
    fn hit(&self, text: &str, whole: bool) -> Option<Vec<Option<String>>> {
        match self {
            Pattern::Text(want) if whole => (text == want).then(|| vec![Some(want.clone())]),
            Pattern::Text(want) => text
                .contains(want.as_str())
                .then(|| vec![Some(want.clone())]),
            Pattern::Regex(regex) => regex.captures(text).map(|groups| {
                groups
                    .iter()
                    .map(|group| group.map(|m| m.as_str().to_owned()))
                    .collect()
            }),
        }
    }

    fn is_match(&self, id: &str) -> bool {
        match self {
            Pattern::Text(want) => id == want,
            Pattern::Regex(regex) => regex.is_match(id),
        }
    }
}

impl From<&str> for Pattern {
    fn from(text: &str) -> Self {
        Pattern::Text(text.to_owned())
    }
}

impl From<String> for Pattern {
    fn from(text: String) -> Self {
        Pattern::Text(text)
    }
}

impl From<Regex> for Pattern {
    fn from(regex: Regex) -> Self {
        Pattern::Regex(regex)
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Text(text) => write!(f, "{text:?}"),
            Pattern::Regex(regex) => write!(f, "/{}/", regex.as_str()),
        }
    }
}

/// Which table of the router a listener is filed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Table {
    /// Events API, by `payload.event.type`.
    Events,
    /// Interactive payloads, by `payload.type`.
    Interactive,
    /// Slash commands, by `payload.command`.
    Commands,
}

/// What must hold of the decoded payload, beyond its routing key.
#[derive(Clone, Debug)]
pub(crate) enum Matcher {
    /// Nothing more (a command, an event type).
    Always,
    /// An event: its message subtype and text.
    Event {
        subtype: Option<Pattern>,
        text: Option<Pattern>,
        ignore_self: bool,
    },
    /// `block_actions`: one of its actions.
    Action {
        action_id: Option<Pattern>,
        block_id: Option<Pattern>,
    },
    /// `block_suggestion`: the select asking.
    Suggestion {
        action_id: Option<Pattern>,
        block_id: Option<Pattern>,
    },
    /// A view's, shortcut's or message shortcut's `callback_id`.
    Callback(Pattern),
}

/// How a payload matched: which action, and what the text pattern captured.
#[derive(Clone, Debug, Default)]
pub(crate) struct Hit {
    /// `block_actions`: the index of the action that matched.
    pub(crate) action: usize,
    /// The text pattern's captures (group 0 is the whole match).
    pub(crate) captures: Vec<Option<String>>,
}

fn matches_opt(pattern: &Option<Pattern>, id: &str) -> bool {
    pattern.as_ref().is_none_or(|p| p.is_match(id))
}

impl Matcher {
    /// How `payload` matches, if it does.
    pub(crate) fn hit(&self, payload: &Payload) -> Option<Hit> {
        match (self, payload) {
            (Matcher::Always, _) => Some(Hit::default()),
            (
                Matcher::Event {
                    subtype,
                    text,
                    ignore_self,
                },
                Payload::EventCallback(callback),
            ) => {
                let event = &callback.event;
                if let Some(subtype) = subtype {
                    if !subtype.is_match(event.subtype()?) {
                        return None;
                    }
                }
                if *ignore_self && is_from_self(callback) {
                    return None;
                }
                let captures = match text {
                    // The message's own text: an edit (`message_changed`) carries the new text
                    // in `message`, and does not match a text pattern again (as in Bolt).
                    Some(text) => text.hit(event.message()?.text.as_deref()?, false)?,
                    None => Vec::new(),
                };
                Some(Hit {
                    action: 0,
                    captures,
                })
            }
            (
                Matcher::Action {
                    action_id,
                    block_id,
                },
                Payload::Interactive(Interactive::BlockActions(actions)),
            ) => actions
                .actions
                .iter()
                .position(|a| {
                    matches_opt(action_id, &a.action_id) && matches_opt(block_id, &a.block_id)
                })
                .map(|action| Hit {
                    action,
                    captures: Vec::new(),
                }),
            (
                Matcher::Suggestion {
                    action_id,
                    block_id,
                },
                Payload::Interactive(Interactive::BlockSuggestion(s)),
            ) => (matches_opt(action_id, &s.action_id) && matches_opt(block_id, &s.block_id))
                .then(Hit::default),
            (Matcher::Callback(pattern), Payload::Interactive(interactive)) => interactive
                .callback_id()
                .filter(|id| pattern.is_match(id))
                .map(|_| Hit::default()),
            _ => None,
        }
    }
}

/// Whether a message event was posted by the app's own bot user (what a bot that answers
/// messages must not answer, or it talks to itself).
fn is_from_self(callback: &EventCallback) -> bool {
    let Some(message) = callback.event.message() else {
        return false;
    };
    match (callback.bot_user_id(), message.user.as_deref()) {
        (Some(me), Some(author)) => me == author,
        _ => false,
    }
}

/// A typed route: where it is filed, what must match, and how the handler's payload `P` is
/// taken out of the decoded payload. Made by this module's functions ([`action`],
/// [`message`], [`view_submission`]...), given to `ClientBuilder::on`.
pub struct Listen<P> {
    pub(crate) table: Table,
    pub(crate) key: String,
    pub(crate) matcher: Matcher,
    pub(crate) take: fn(Payload, &Hit) -> Option<P>,
}

impl<P> fmt::Debug for Listen<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listen")
            .field("table", &self.table)
            .field("key", &self.key)
            .field("matcher", &self.matcher)
            .finish()
    }
}

/// The action that matched an [`action`] route, with the whole `block_actions` payload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockAction {
    /// The action whose ids matched.
    pub action: Action,
    /// The payload: who, where, the message or view, `trigger_id`, `response_url`...
    pub body: BlockActions,
}

impl BlockAction {
    /// The action's value: a button's `value`, the chosen option's value, a date...
    pub fn value(&self) -> Option<&str> {
        self.action.value().as_str()
    }
}

fn take_event(payload: Payload, _: &Hit) -> Option<EventCallback> {
    match payload {
        Payload::EventCallback(callback) => Some(*callback),
        _ => None,
    }
}

fn take_action(payload: Payload, hit: &Hit) -> Option<BlockAction> {
    match payload {
        Payload::Interactive(Interactive::BlockActions(body)) => Some(BlockAction {
            action: body.actions.get(hit.action)?.clone(),
            body: *body,
        }),
        _ => None,
    }
}

/// `take` functions for the interactive payloads kept whole.
macro_rules! take_interactive {
    ($($name:ident: $variant:ident => $payload:ty),* $(,)?) => {
        $(fn $name(payload: Payload, _: &Hit) -> Option<$payload> {
            match payload {
                Payload::Interactive(Interactive::$variant(body)) => Some(*body),
                _ => None,
            }
        })*
    };
}

take_interactive!(
    take_submission: ViewSubmission => ViewSubmission,
    take_closed: ViewClosed => ViewClosed,
    take_shortcut: Shortcut => Shortcut,
    take_message_action: MessageAction => MessageAction,
    take_suggestion: BlockSuggestion => BlockSuggestion,
);

fn take_command(payload: Payload, _: &Hit) -> Option<SlashCommand> {
    match payload {
        Payload::SlashCommand(command) => Some(*command),
        _ => None,
    }
}

fn interactive<P>(
    payload_type: &str,
    matcher: Matcher,
    take: fn(Payload, &Hit) -> Option<P>,
) -> Listen<P> {
    Listen {
        table: Table::Interactive,
        key: payload_type.to_owned(),
        matcher,
        take,
    }
}

/// Events API events of `event_type` (`app_mention`, `reaction_added`, `message`...); the
/// handler gets the whole [`EventCallback`] (`.event` is the typed [`Event`]). Narrow it with
/// [`subtype`](Listen::subtype) and [`text`](Listen::text).
pub fn event(event_type: impl Into<String>) -> Listen<EventCallback> {
    Listen {
        table: Table::Events,
        key: event_type.into(),
        matcher: Matcher::Event {
            subtype: None,
            text: None,
            ignore_self: false,
        },
        take: take_event,
    }
}

/// `message` events whose text contains `pattern` (a string) or matches it (a [`Regex`]); the
/// captures are in the handler's `Context::matches`. Messages the app's own bot user posted
/// are skipped (see [`including_self`](Listen::including_self)), as are edits.
pub fn message(pattern: impl Into<Pattern>) -> Listen<EventCallback> {
    Listen {
        table: Table::Events,
        key: "message".to_owned(),
        matcher: Matcher::Event {
            subtype: None,
            text: Some(pattern.into()),
            ignore_self: true,
        },
        take: take_event,
    }
}

impl Listen<EventCallback> {
    /// Only messages of this `subtype` (`bot_message`, `message_changed`, `thread_broadcast`,
    /// `file_share`...); messages without one do not match.
    pub fn subtype(mut self, subtype: impl Into<Pattern>) -> Self {
        if let Matcher::Event { subtype: s, .. } = &mut self.matcher {
            *s = Some(subtype.into());
        }
        self
    }

    /// Only messages whose text contains (a string) or matches (a [`Regex`]) `pattern`.
    pub fn text(mut self, pattern: impl Into<Pattern>) -> Self {
        if let Matcher::Event { text, .. } = &mut self.matcher {
            *text = Some(pattern.into());
        }
        self
    }

    /// Also messages the app's own bot user posted.
    pub fn including_self(mut self) -> Self {
        if let Matcher::Event { ignore_self, .. } = &mut self.matcher {
            *ignore_self = false;
        }
        self
    }
}

/// `block_actions` with an action whose `action_id` is (or matches) `action_id`; the handler
/// gets that action and the payload, as a [`BlockAction`].
pub fn action(action_id: impl Into<Pattern>) -> Listen<BlockAction> {
    interactive(
        "block_actions",
        Matcher::Action {
            action_id: Some(action_id.into()),
            block_id: None,
        },
        take_action,
    )
}

/// `block_actions` with an action in a block whose `block_id` is (or matches) `block_id`.
pub fn block(block_id: impl Into<Pattern>) -> Listen<BlockAction> {
    interactive(
        "block_actions",
        Matcher::Action {
            action_id: None,
            block_id: Some(block_id.into()),
        },
        take_action,
    )
}

impl Listen<BlockAction> {
    /// Also by the action's block: its `block_id` is (or matches) `block_id`.
    pub fn block(mut self, block_id: impl Into<Pattern>) -> Self {
        if let Matcher::Action { block_id: b, .. } = &mut self.matcher {
            *b = Some(block_id.into());
        }
        self
    }
}

/// `block_suggestion` from an external select whose `action_id` is (or matches) `action_id`:
/// answer in the ack with an `OptionsResponse`.
pub fn options(action_id: impl Into<Pattern>) -> Listen<BlockSuggestion> {
    interactive(
        "block_suggestion",
        Matcher::Suggestion {
            action_id: Some(action_id.into()),
            block_id: None,
        },
        take_suggestion,
    )
}

impl Listen<BlockSuggestion> {
    /// Also by the select's block.
    pub fn block(mut self, block_id: impl Into<Pattern>) -> Self {
        if let Matcher::Suggestion { block_id: b, .. } = &mut self.matcher {
            *b = Some(block_id.into());
        }
        self
    }
}

/// `view_submission` of a view whose `callback_id` is (or matches) `callback_id`: answer in
/// the ack (nothing closes the modal; a `ResponseAction` shows errors, updates, pushes, clears).
pub fn view_submission(callback_id: impl Into<Pattern>) -> Listen<ViewSubmission> {
    let matcher = Matcher::Callback(callback_id.into());
    interactive("view_submission", matcher, take_submission)
}

/// `view_closed` of a view whose `callback_id` is (or matches) `callback_id` (views opened
/// with `notify_on_close`).
pub fn view_closed(callback_id: impl Into<Pattern>) -> Listen<ViewClosed> {
    let matcher = Matcher::Callback(callback_id.into());
    interactive("view_closed", matcher, take_closed)
}

/// A global shortcut (`shortcut`) by `callback_id`.
pub fn shortcut(callback_id: impl Into<Pattern>) -> Listen<Shortcut> {
    let matcher = Matcher::Callback(callback_id.into());
    interactive("shortcut", matcher, take_shortcut)
}

/// A message shortcut (`message_action`) by `callback_id`.
pub fn message_shortcut(callback_id: impl Into<Pattern>) -> Listen<MessageAction> {
    let matcher = Matcher::Callback(callback_id.into());
    interactive("message_action", matcher, take_message_action)
}

/// A slash command (`/deploy`, with the slash); the handler gets the [`SlashCommand`] and
/// answers in the ack (a `MessageResponse`) or through `respond`.
pub fn command(command: impl Into<String>) -> Listen<SlashCommand> {
    Listen {
        table: Table::Commands,
        key: command.into(),
        matcher: Matcher::Always,
        take: take_command,
    }
}

/// Where `say` posts and `respond` answers, read from a payload before the handler gets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReplyTo {
    pub(crate) channel: Option<String>,
    pub(crate) thread_ts: Option<String>,
    pub(crate) response_url: Option<String>,
}

impl ReplyTo {
    pub(crate) fn of(payload: &Payload) -> ReplyTo {
        let owned = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        match payload {
            Payload::EventCallback(callback) => ReplyTo {
                channel: owned(callback.event.channel()),
                thread_ts: owned(in_thread(&callback.event)),
                response_url: None,
            },
            Payload::Interactive(interactive) => {
                let (channel, thread_ts) = match interactive {
                    Interactive::BlockActions(p) => (
                        p.channel_id(),
                        p.message.as_ref().and_then(|m| m.thread_ts.as_deref()),
                    ),
                    Interactive::MessageAction(p) => {
                        (Some(p.channel.id.as_str()), p.message.thread_ts.as_deref())
                    }
                    Interactive::BlockSuggestion(p) => {
                        (p.channel.as_ref().map(|c| c.id.as_str()), None)
                    }
                    Interactive::ViewSubmission(p) => {
                        (p.response_urls.first().map(|r| r.channel_id.as_str()), None)
                    }
                    _ => (None, None),
                };
                ReplyTo {
                    channel: owned(channel),
                    thread_ts: owned(thread_ts),
                    response_url: owned(interactive.response_url()),
                }
            }
            Payload::SlashCommand(command) => ReplyTo {
                channel: owned(Some(&command.channel_id)),
                thread_ts: None,
                response_url: owned(Some(&command.response_url)),
            },
            _ => ReplyTo::default(),
        }
    }
}

/// The thread an event happened in, if it happened in one (a reply in a thread, a reaction to
/// a reply): `say` answers there. Top-level messages are answered top level.
fn in_thread(event: &Event) -> Option<&str> {
    match event {
        Event::Message(m) | Event::AppMention(m) => m.current().thread_ts.as_deref(),
        Event::LinkShared(l) => l.thread_ts.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(kind: &str, payload: serde_json::Value) -> Payload {
        Payload::decode(kind, &payload.to_string()).unwrap()
    }

    fn block_actions(actions: serde_json::Value) -> Payload {
        decode(
            "interactive",
            json!({"type": "block_actions", "user": {"id": "U1"}, "actions": actions,
                   "channel": {"id": "C1"}, "response_url": "https://hooks.slack.com/actions/x",
                   "message": {"type": "message", "ts": "2.0", "thread_ts": "1.0"}}),
        )
    }

    fn posted(text: &str, user: &str) -> Payload {
        decode(
            "events_api",
            json!({"type": "event_callback", "event_id": "Ev1",
                   "authorizations": [{"user_id": "UBOT", "is_bot": true}],
                   "event": {"type": "message", "channel": "C1", "user": user, "text": text, "ts": "5.0"}}),
        )
    }

    fn hit<P>(listen: &Listen<P>, payload: &Payload) -> Option<Hit> {
        listen.matcher.hit(payload)
    }

    #[test]
    fn actions_match_by_action_id_and_block_id_exactly_or_by_pattern() {
        let payload = block_actions(json!([
            {"type": "button", "action_id": "deny", "block_id": "b1", "value": "0"},
            {"type": "button", "action_id": "approve_7", "block_id": "poll", "value": "7"}
        ]));
        assert!(hit(&action("approve"), &payload).is_none(), "exact ids");
        let by_regex = action(Regex::new("^approve_").unwrap());
        assert_eq!(hit(&by_regex, &payload).unwrap().action, 1);
        assert!(hit(&by_regex.block("other"), &payload).is_none());
        assert_eq!(hit(&block("poll"), &payload).unwrap().action, 1);
        let listen = action("deny").block(Regex::new("^b").unwrap());
        let found = hit(&listen, &payload).unwrap();
        let taken = (listen.take)(payload, &found).unwrap();
        assert_eq!(
            (taken.action.action_id.as_str(), taken.value()),
            ("deny", Some("0"))
        );
        assert_eq!(taken.body.actions.len(), 2);
    }

    #[test]
    fn message_text_is_a_substring_or_a_regex_with_captures() {
        let payload = posted("please deploy api now", "U2");
        assert!(hit(&message("deploy api"), &payload).is_some());
        assert!(hit(&message("Deploy"), &payload).is_none());
        let regex = message(Regex::new(r"deploy (\w+)").unwrap());
        let found = hit(&regex, &payload).unwrap();
        assert_eq!(
            found.captures,
            [Some("deploy api".to_owned()), Some("api".to_owned())]
        );
        // The bot's own messages are skipped unless asked for.
        let own = posted("deploy api", "UBOT");
        assert!(hit(&regex, &own).is_none());
        assert!(hit(&regex.including_self(), &own).is_some());
    }

    #[test]
    fn subtypes_and_edits() {
        let edit = decode(
            "events_api",
            json!({"type": "event_callback", "event": {"type": "message",
                   "subtype": "message_changed", "channel": "C1",
                   "message": {"type": "message", "text": "deploy api", "ts": "1.0"}}}),
        );
        assert!(
            hit(&message("deploy"), &edit).is_none(),
            "edits do not match text"
        );
        assert!(hit(&event("message").subtype("message_changed"), &edit).is_some());
        assert!(hit(&event("message").subtype("bot_message"), &edit).is_none());
        assert!(hit(&event("message"), &edit).is_some());
        let plain = posted("hi", "U1");
        assert!(hit(&event("message").subtype("bot_message"), &plain).is_none());
    }

    #[test]
    fn callbacks_suggestions_and_commands() {
        let submission = decode(
            "interactive",
            json!({"type": "view_submission", "view": {"type": "modal", "callback_id": "ticket_v2"}}),
        );
        assert!(hit(&view_submission("ticket_v2"), &submission).is_some());
        assert!(hit(&view_submission("ticket"), &submission).is_none());
        assert!(hit(
            &view_submission(Regex::new("^ticket").unwrap()),
            &submission
        )
        .is_some());
        assert!(
            hit(&shortcut("ticket_v2"), &submission).is_some(),
            "the key decides the type"
        );
        let suggestion = decode(
            "interactive",
            json!({"type": "block_suggestion", "action_id": "pick_user", "block_id": "who", "value": "al"}),
        );
        assert!(hit(&options("pick_user"), &suggestion).is_some());
        assert!(hit(&options("pick_user").block("where"), &suggestion).is_none());
        let listen = command("/ticket");
        assert_eq!(
            (listen.table, listen.key.as_str()),
            (Table::Commands, "/ticket")
        );
    }

    #[test]
    fn replies_go_to_the_payloads_channel_thread_and_response_url() {
        let actions = block_actions(json!([{"type": "button", "action_id": "a"}]));
        assert_eq!(
            ReplyTo::of(&actions),
            ReplyTo {
                channel: Some("C1".into()),
                thread_ts: Some("1.0".into()),
                response_url: Some("https://hooks.slack.com/actions/x".into()),
            }
        );
        let top = posted("hi", "U1");
        assert_eq!(
            ReplyTo::of(&top),
            ReplyTo {
                channel: Some("C1".into()),
                ..ReplyTo::default()
            }
        );
        let reply = decode(
            "events_api",
            json!({"type": "event_callback", "event": {"type": "app_mention", "channel": "C2",
                   "text": "hi", "ts": "9.0", "thread_ts": "8.0"}}),
        );
        assert_eq!(ReplyTo::of(&reply).thread_ts.as_deref(), Some("8.0"));
        let command = decode(
            "slash_commands",
            json!({"command": "/x", "channel_id": "C3", "response_url": "https://hooks.slack.com/commands/y"}),
        );
        assert_eq!(
            ReplyTo::of(&command),
            ReplyTo {
                channel: Some("C3".into()),
                thread_ts: None,
                response_url: Some("https://hooks.slack.com/commands/y".into()),
            }
        );
    }
}
