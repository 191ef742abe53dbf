//! What a typed handler gets beside its payload: [`Context`], with Bolt's helpers (`ack`,
//! `ack_with`, `respond`, `say`), written once for every driver. Each helper that waits on the
//! network returns the driver's [`Kind::Io`]: a future to `.await` on the async drivers, the
//! result itself on the blocking one.

use std::fmt;
use std::sync::Mutex;

use serde::Serialize;
use slackline::{AckError, AckState, ApiError, Envelope};
use slackline_types::compose::MessageContent;
use slackline_types::response::MessageResponse;
use slackline_types::web::chat;

use crate::builder::Kind;
use crate::listen::ReplyTo;
use crate::web::{respond, WebClient};

/// A typed handler's helpers: acking (with a typed answer: a `ResponseAction` for a view
/// submission, an `OptionsResponse` for a suggestion, a `MessageResponse` for a command),
/// answering through the payload's `response_url`, posting into the conversation it came from,
/// and the [`WebClient`] for everything else.
///
/// The envelope is acked exactly once: by [`ack`](Self::ack) or [`ack_with`](Self::ack_with)
/// for envelopes that wait for the app (commands, view submissions, suggestions...), or, if the
/// handler returns (or panics) without acking, bare, at once. Envelopes of other kinds were
/// acked before the handler ran.
pub struct Context<K: Kind> {
    envelope: Envelope,
    responder: Mutex<Option<K::Responder>>,
    pending: bool,
    reply: ReplyTo,
    captures: Vec<Option<String>>,
    http: K::Http,
    web: Option<WebClient<K>>,
}

/// A message for [`Context::say`]: text, or a `chat::PostMessage` (whose `channel` and
/// `thread_ts`, when left empty, are filled in from the payload).
#[derive(Clone, Debug)]
pub struct Say(pub chat::PostMessage);

impl From<&str> for Say {
    fn from(text: &str) -> Self {
        Say::from(text.to_owned())
    }
}

impl From<String> for Say {
    fn from(text: String) -> Self {
        Say(chat::PostMessage {
            channel: String::new(),
            content: MessageContent {
                text: Some(text),
                ..MessageContent::default()
            },
        })
    }
}

impl From<chat::PostMessage> for Say {
    fn from(message: chat::PostMessage) -> Self {
        Say(message)
    }
}

impl From<MessageContent> for Say {
    fn from(content: MessageContent) -> Self {
        Say(chat::PostMessage {
            channel: String::new(),
            content,
        })
    }
}

/// An `ok: false`-style error for a helper that cannot be used here, with why.
fn unusable(code: &str, why: &str) -> ApiError {
    ApiError::Platform {
        code: code.to_owned(),
        needed: None,
        provided: None,
        messages: vec![why.to_owned()],
        warning: None,
    }
}

impl<K: Kind> Context<K> {
    pub(crate) fn new(
        envelope: Envelope,
        responder: K::Responder,
        reply: ReplyTo,
        captures: Vec<Option<String>>,
        http: K::Http,
        web: Option<WebClient<K>>,
    ) -> Self {
        let pending = matches!(envelope.ack_state(), AckState::AwaitingApp { .. });
        Context {
            envelope,
            responder: Mutex::new(Some(responder)),
            pending,
            reply,
            captures,
            http,
            web,
        }
    }

    fn take_responder(&self) -> Option<K::Responder> {
        self.responder
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// The envelope as received (its id, retry attempt, the payload's JSON text).
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Whether the envelope still waits for this handler's ack.
    pub fn awaits_ack(&self) -> bool {
        self.pending
            && self
                .responder
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .is_some()
    }

    /// Acks the envelope without an answer (within Slack's 3 seconds, for envelopes that wait
    /// for it).
    pub fn ack(&self) -> K::Io<Result<(), AckError>> {
        match self.take_responder() {
            Some(responder) => K::ack(responder, None),
            None => K::ready(Err(AckError::NotPending)),
        }
    }

    /// Acks with an answer: a `ResponseAction` (errors per block, update, push, clear) for a
    /// view submission, an `OptionsResponse` for a suggestion, a `MessageResponse` for a slash
    /// command. Refused if the frame would exceed 20,480 bytes.
    pub fn ack_with<T: Serialize + ?Sized>(&self, answer: &T) -> K::Io<Result<(), AckError>> {
        let json = match serde_json::to_string(answer) {
            Ok(json) => json,
            Err(error) => return K::ready(Err(AckError::Payload(error.to_string()))),
        };
        match self.take_responder() {
            Some(responder) => K::ack(responder, Some(json)),
            None => K::ready(Err(AckError::NotPending)),
        }
    }

    /// Answers through the payload's `response_url` (slash commands, block actions in
    /// messages, message shortcuts; up to 5 times within 30 minutes): in the channel,
    /// ephemeral, replacing or deleting the original (`MessageResponse::in_channel`,
    /// `ephemeral`, `replace_original`, `delete_original`). No token is needed.
    pub fn respond(&self, message: &MessageResponse) -> K::Io<Result<(), ApiError>> {
        match &self.reply.response_url {
            Some(url) => respond::<K>(&self.http, url, message),
            None => K::ready(Err(unusable(
                "no_response_url",
                "respond(): this payload has no response_url",
            ))),
        }
    }

    /// Posts into the conversation the payload came from (`chat.postMessage`), in its thread
    /// if it happened in one (a reply, a button on a reply). Needs the bot token: the
    /// client's `bot_token` or `web` setting.
    pub fn say(&self, message: impl Into<Say>) -> K::Io<Result<chat::MessageResponse, ApiError>> {
        let Some(web) = &self.web else {
            return K::ready(Err(unusable(
                "not_authed",
                "say() needs a bot token: set bot_token(...) or web(...) on the client builder",
            )));
        };
        let Say(mut message) = message.into();
        if message.channel.is_empty() {
            match &self.reply.channel {
                Some(channel) => message.channel = channel.clone(),
                None => {
                    return K::ready(Err(unusable(
                        "channel_not_found",
                        "say(): this payload names no conversation; give the channel",
                    )))
                }
            }
        }
        if message.content.thread_ts.is_none() {
            message.content.thread_ts = self.reply.thread_ts.clone();
        }
        web.send(&message)
    }

    /// The Web API client made from the builder's `bot_token` (or given with `web`), if any.
    pub fn web(&self) -> Option<&WebClient<K>> {
        self.web.as_ref()
    }

    /// What a text pattern captured (`listen::message`, `Listen::text`): the whole match
    /// first, then each group (`None` where a group took no part); empty for other routes.
    pub fn matches(&self) -> &[Option<String>] {
        &self.captures
    }

    /// The conversation the payload came from, if it names one: where `say` posts.
    pub fn channel_id(&self) -> Option<&str> {
        self.reply.channel.as_deref()
    }

    /// The thread the payload happened in, if any: where `say` replies.
    pub fn thread_ts(&self) -> Option<&str> {
        self.reply.thread_ts.as_deref()
    }

    /// The payload's `response_url`, if it has one: where `respond` posts.
    pub fn response_url(&self) -> Option<&str> {
        self.reply.response_url.as_deref()
    }
}

impl<K: Kind> fmt::Debug for Context<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The response_url is a credential: only whether there is one.
        f.debug_struct("Context")
            .field("envelope", &self.envelope)
            .field("awaits_ack", &self.awaits_ack())
            .field("channel", &self.reply.channel)
            .field("thread_ts", &self.reply.thread_ts)
            .field("response_url", &self.reply.response_url.is_some())
            .field("web", &self.web.is_some())
            .finish_non_exhaustive()
    }
}
