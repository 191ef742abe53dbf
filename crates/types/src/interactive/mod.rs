//! Interactivity: what an `interactive` envelope's payload is, by its `type`.

mod block_actions;
mod dialog;
mod legacy;
mod refs;
mod shortcuts;
mod suggestion;
mod views;

use serde_json::Value;

use crate::tagged::tagged_union;

pub use block_actions::{Action, BlockActions};
pub use dialog::Dialog;
pub use legacy::{AttachmentAction, AttachmentOption, InteractiveMessage};
pub use refs::{ChannelRef, Container, EnterpriseRef, TeamRef, UserRef};
pub use shortcuts::{MessageAction, Shortcut};
pub use suggestion::BlockSuggestion;
pub use views::{ResponseUrl, ViewClosed, ViewSubmission};

/// An interactive payload, by its `type`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Interactive {
    /// `block_actions`.
    BlockActions(Box<BlockActions>),
    /// `view_submission`.
    ViewSubmission(Box<ViewSubmission>),
    /// `view_closed`.
    ViewClosed(Box<ViewClosed>),
    /// `shortcut`: a global shortcut.
    Shortcut(Box<Shortcut>),
    /// `message_action`: a message shortcut.
    MessageAction(Box<MessageAction>),
    /// `block_suggestion`.
    BlockSuggestion(Box<BlockSuggestion>),
    /// `interactive_message`: legacy attachment buttons and menus.
    InteractiveMessage(Box<InteractiveMessage>),
    /// `dialog_submission`.
    DialogSubmission(Box<Dialog>),
    /// `dialog_cancellation`.
    DialogCancellation(Box<Dialog>),
    /// `dialog_suggestion`.
    DialogSuggestion(Box<Dialog>),
    /// A payload of a type this version does not model, as received.
    Other(Value),
}

tagged_union!(Interactive {
    "block_actions" => BlockActions,
    "view_submission" => ViewSubmission,
    "view_closed" => ViewClosed,
    "shortcut" => Shortcut,
    "message_action" => MessageAction,
    "block_suggestion" => BlockSuggestion,
    "interactive_message" => InteractiveMessage,
    "dialog_submission" => DialogSubmission,
    "dialog_cancellation" => DialogCancellation,
    "dialog_suggestion" => DialogSuggestion,
});

impl Interactive {
    /// Who acted.
    pub fn user_id(&self) -> Option<&str> {
        let user = match self {
            Interactive::BlockActions(p) => &p.user,
            Interactive::ViewSubmission(p) => &p.user,
            Interactive::ViewClosed(p) => &p.user,
            Interactive::Shortcut(p) => &p.user,
            Interactive::MessageAction(p) => &p.user,
            Interactive::BlockSuggestion(p) => &p.user,
            Interactive::InteractiveMessage(p) => &p.user,
            Interactive::DialogSubmission(p)
            | Interactive::DialogCancellation(p)
            | Interactive::DialogSuggestion(p) => &p.user,
            Interactive::Other(raw) => return raw.pointer("/user/id").and_then(Value::as_str),
        };
        Some(&user.id)
    }

    /// The `callback_id` to route by: the view's, the shortcut's, the dialog's or the
    /// attachment's.
    pub fn callback_id(&self) -> Option<&str> {
        match self {
            Interactive::ViewSubmission(p) => p.callback_id(),
            Interactive::ViewClosed(p) => p.callback_id(),
            Interactive::Shortcut(p) => Some(&p.callback_id),
            Interactive::MessageAction(p) => Some(&p.callback_id),
            Interactive::InteractiveMessage(p) => Some(&p.callback_id),
            Interactive::DialogSubmission(p)
            | Interactive::DialogCancellation(p)
            | Interactive::DialogSuggestion(p) => Some(&p.callback_id),
            Interactive::BlockActions(p) => p.view.as_ref()?.callback_id.as_deref(),
            Interactive::BlockSuggestion(p) => p.view.as_ref()?.callback_id.as_deref(),
            Interactive::Other(raw) => raw.get("callback_id").and_then(Value::as_str),
        }
    }

    /// Where to answer with a message (`respond`), when the payload has one.
    pub fn response_url(&self) -> Option<&str> {
        match self {
            Interactive::BlockActions(p) => p.response_url.as_deref(),
            Interactive::MessageAction(p) => p.response_url.as_deref(),
            Interactive::InteractiveMessage(p) => p.response_url.as_deref(),
            Interactive::DialogSubmission(p)
            | Interactive::DialogCancellation(p)
            | Interactive::DialogSuggestion(p) => p.response_url.as_deref(),
            Interactive::ViewSubmission(p) => {
                p.response_urls.first().map(|r| r.response_url.as_str())
            }
            Interactive::Other(raw) => raw.get("response_url").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The trigger for opening a modal (valid for 3 seconds).
    pub fn trigger_id(&self) -> Option<&str> {
        match self {
            Interactive::BlockActions(p) => p.trigger_id.as_deref(),
            Interactive::ViewSubmission(p) => p.trigger_id.as_deref(),
            Interactive::Shortcut(p) => Some(&p.trigger_id),
            Interactive::MessageAction(p) => Some(&p.trigger_id),
            Interactive::InteractiveMessage(p) => p.trigger_id.as_deref(),
            Interactive::Other(raw) => raw.get("trigger_id").and_then(Value::as_str),
            _ => None,
        }
    }
}
