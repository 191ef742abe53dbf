//! What a bot answers: in an envelope's ack (`response_action`s for view submissions, options
//! for suggestions, a message for slash commands), or through a `response_url`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compose::{Compose, MessageContent};
use crate::composition::{OptionGroup, SelectOption};
use crate::names::name_enum;
use crate::view::View;

/// The ack of a `view_submission`, when the modal should not just close.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "response_action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResponseAction {
    /// Keep the modal open and show an error under each input, by `block_id`.
    Errors {
        /// `block_id` → message.
        errors: BTreeMap<String, String>,
    },
    /// Replace the modal.
    Update {
        /// The new view.
        view: Box<View>,
    },
    /// Push a new modal on the stack.
    Push {
        /// The view pushed.
        view: Box<View>,
    },
    /// Close every modal of the stack.
    Clear,
}

impl ResponseAction {
    /// Errors by `block_id`.
    pub fn errors<B: Into<String>, M: Into<String>>(
        errors: impl IntoIterator<Item = (B, M)>,
    ) -> Self {
        ResponseAction::Errors {
            errors: errors
                .into_iter()
                .map(|(block, message)| (block.into(), message.into()))
                .collect(),
        }
    }

    /// Replace the modal with `view`.
    pub fn update(view: View) -> Self {
        ResponseAction::Update {
            view: Box::new(view),
        }
    }

    /// Push `view`.
    pub fn push(view: View) -> Self {
        ResponseAction::Push {
            view: Box::new(view),
        }
    }

    /// Close them all.
    pub fn clear() -> Self {
        ResponseAction::Clear
    }
}

/// The ack of a `block_suggestion`: the options to show (at most 100).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OptionsResponse {
    /// Flat options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<SelectOption>>,
    /// Grouped options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_groups: Option<Vec<OptionGroup>>,
}

impl OptionsResponse {
    /// Flat options.
    pub fn options(options: Vec<SelectOption>) -> Self {
        OptionsResponse {
            options: Some(options),
            option_groups: None,
        }
    }

    /// Grouped options.
    pub fn groups(groups: Vec<OptionGroup>) -> Self {
        OptionsResponse {
            options: None,
            option_groups: Some(groups),
        }
    }
}

name_enum! {
    /// Who sees a message sent through a `response_url` or a slash command's ack.
    ResponseType {
        /// `in_channel`: everyone in the conversation.
        InChannel = "in_channel",
        /// `ephemeral`: only the user who acted (the default).
        Ephemeral = "ephemeral",
    }
}

/// A message sent through a `response_url`, or in a slash command's ack.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageResponse {
    /// Who sees it (ephemeral when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_type: Option<ResponseType>,
    /// Replace the message the interaction came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace_original: Option<bool>,
    /// Delete the message the interaction came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_original: Option<bool>,
    /// What it says.
    #[serde(flatten)]
    pub content: MessageContent,
}

impl MessageResponse {
    /// A message everyone in the conversation sees.
    pub fn in_channel(text: impl Into<String>) -> Self {
        MessageResponse {
            response_type: Some(ResponseType::InChannel),
            ..MessageResponse::default()
        }
        .text(text)
    }

    /// A message only the user who acted sees.
    pub fn ephemeral(text: impl Into<String>) -> Self {
        MessageResponse {
            response_type: Some(ResponseType::Ephemeral),
            ..MessageResponse::default()
        }
        .text(text)
    }

    /// Replaces the message the interaction came from.
    pub fn replace_original(text: impl Into<String>) -> Self {
        MessageResponse {
            replace_original: Some(true),
            ..MessageResponse::default()
        }
        .text(text)
    }

    /// Deletes the message the interaction came from.
    pub fn delete_original() -> Self {
        MessageResponse {
            delete_original: Some(true),
            ..MessageResponse::default()
        }
    }
}

impl Compose for MessageResponse {
    fn content_mut(&mut self) -> &mut MessageContent {
        &mut self.content
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::Block;
    use crate::composition::Text;
    use serde_json::json;

    #[test]
    fn response_actions_serialise_as_in_the_docs() {
        assert_eq!(
            serde_json::to_value(ResponseAction::errors([("email", "Not an email")])).unwrap(),
            json!({"response_action": "errors", "errors": {"email": "Not an email"}})
        );
        assert_eq!(
            serde_json::to_value(ResponseAction::update(View::modal("Done"))).unwrap(),
            json!({"response_action": "update", "view": {"type": "modal",
                "title": {"type": "plain_text", "text": "Done"}, "blocks": []}})
        );
        assert_eq!(
            serde_json::to_value(ResponseAction::push(View::modal("Next"))).unwrap()
                ["response_action"],
            "push"
        );
        assert_eq!(
            serde_json::to_value(ResponseAction::clear()).unwrap(),
            json!({"response_action": "clear"})
        );
    }

    #[test]
    fn options_answer_a_suggestion() {
        assert_eq!(
            serde_json::to_value(OptionsResponse::options(vec![SelectOption::new(
                "Apple", "a"
            )]))
            .unwrap(),
            json!({"options": [{"text": {"type": "plain_text", "text": "Apple"}, "value": "a"}]})
        );
        assert_eq!(
            serde_json::to_value(OptionsResponse::groups(vec![OptionGroup::new("F", vec![])]))
                .unwrap(),
            json!({"option_groups": [{"label": {"type": "plain_text", "text": "F"}, "options": []}]})
        );
    }

    #[test]
    fn message_responses_serialise_flat() {
        let reply = MessageResponse::in_channel("Deployed")
            .thread_ts("1.0")
            .block(Block::section(Text::mrkdwn("*Deployed*")));
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json!({"response_type": "in_channel", "text": "Deployed", "thread_ts": "1.0",
                   "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Deployed*"}}]})
        );
        assert_eq!(
            serde_json::to_value(MessageResponse::replace_original("Done")).unwrap(),
            json!({"replace_original": true, "text": "Done"})
        );
        assert_eq!(
            serde_json::to_value(MessageResponse::delete_original()).unwrap(),
            json!({"delete_original": true})
        );
        assert_eq!(
            serde_json::to_value(MessageResponse::ephemeral("psst")).unwrap(),
            json!({"response_type": "ephemeral", "text": "psst"})
        );
    }
}
