//! Views (modals and the Home tab), and the state of their inputs as Slack reports it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::blocks::Block;
use crate::composition::{SelectOption, Text};
use crate::extra::Extra;
use crate::names::name_enum;

name_enum! {
    /// A view's `type`.
    ViewKind default Modal {
        /// `modal`.
        Modal = "modal",
        /// `home`: the app's Home tab.
        Home = "home",
    }
}

/// A view: what a bot opens, pushes, updates or publishes, and what Slack sends back in
/// `view_submission`, `view_closed`, `block_actions` and `app_home_opened` (with its `id`,
/// `hash` and `state` filled in).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// `modal` or `home`.
    #[serde(rename = "type", default)]
    pub kind: ViewKind,
    /// The title (`plain_text`; modals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// The blocks.
    #[serde(default)]
    pub blocks: Vec<Block>,
    /// The submit button's label (`plain_text`; modals with inputs need one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit: Option<Text>,
    /// The close button's label (`plain_text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<Text>,
    /// Up to 3000 characters the app gets back with every payload about the view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<String>,
    /// Names the view in `view_submission` / `view_closed` payloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_id: Option<String>,
    /// Closing it closes the whole stack of views.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clear_on_close: Option<bool>,
    /// Send `view_closed` when the user closes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_on_close: Option<bool>,
    /// An id of the app's own, unique in the workspace (`views.update` can use it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Disable the submit button until an input is filled (modals built with workflow steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit_disabled: Option<bool>,
    /// Received: the view's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Received: the workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Received: what the inputs hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ViewState>,
    /// Received: guards `views.update` against a newer version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Received: the view this one was pushed over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_view_id: Option<String>,
    /// Received: the first view of the stack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_view_id: Option<String>,
    /// Received: the app that opened it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Received: the app's bot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl View {
    /// A modal with a plain-text title (up to 24 characters).
    pub fn modal(title: impl Into<String>) -> Self {
        View {
            kind: ViewKind::Modal,
            title: Some(Text::plain(title)),
            ..View::default()
        }
    }

    /// A Home tab.
    pub fn home() -> Self {
        View {
            kind: ViewKind::Home,
            ..View::default()
        }
    }

    /// Sets `callback_id`.
    pub fn callback_id(mut self, callback_id: impl Into<String>) -> Self {
        self.callback_id = Some(callback_id.into());
        self
    }

    /// Sets the submit button's label.
    pub fn submit(mut self, label: impl Into<String>) -> Self {
        self.submit = Some(Text::plain(label));
        self
    }

    /// Sets the close button's label.
    pub fn close(mut self, label: impl Into<String>) -> Self {
        self.close = Some(Text::plain(label));
        self
    }

    /// Adds a block.
    pub fn block(mut self, block: impl Into<Block>) -> Self {
        self.blocks.push(block.into());
        self
    }

    /// Adds blocks.
    pub fn blocks(mut self, blocks: impl IntoIterator<Item = Block>) -> Self {
        self.blocks.extend(blocks);
        self
    }

    /// Sets `private_metadata`.
    pub fn private_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.private_metadata = Some(metadata.into());
        self
    }

    /// Asks for `view_closed`.
    pub fn notify_on_close(mut self) -> Self {
        self.notify_on_close = Some(true);
        self
    }

    /// Closing it closes the whole stack.
    pub fn clear_on_close(mut self) -> Self {
        self.clear_on_close = Some(true);
        self
    }

    /// Sets `external_id`.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// The value of input `action_id` in block `block_id`, if the view came with its state.
    pub fn value(&self, block_id: &str, action_id: &str) -> Option<InputValue<'_>> {
        self.state.as_ref()?.value(block_id, action_id)
    }
}

/// `view.state`: the value of every input, by `block_id` then `action_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewState {
    /// `block_id` → `action_id` → state.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, ElementState>>,
}

impl ViewState {
    /// The state of input `action_id` in block `block_id`, as received.
    pub fn get(&self, block_id: &str, action_id: &str) -> Option<&ElementState> {
        self.values.get(block_id)?.get(action_id)
    }

    /// What input `action_id` in block `block_id` holds.
    pub fn value(&self, block_id: &str, action_id: &str) -> Option<InputValue<'_>> {
        self.get(block_id, action_id).map(ElementState::value)
    }
}

/// What an interactive element holds, as Slack reports it in `view.state.values` and in each
/// of `block_actions`' actions: its `type` and whichever of the `value` / `selected_*` fields
/// that type uses. [`value`](Self::value) reads it as an [`InputValue`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ElementState {
    /// The element's `type` (`plain_text_input`, `static_select`, `button`...).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Text inputs (numbers as text too) and buttons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Single selects, radio buttons, overflow menus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_option: Option<SelectOption>,
    /// Multi static/external selects, checkboxes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_options: Option<Vec<SelectOption>>,
    /// Users select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_user: Option<String>,
    /// Multi users select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_users: Option<Vec<String>>,
    /// Conversations select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_conversation: Option<String>,
    /// Multi conversations select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_conversations: Option<Vec<String>>,
    /// Channels select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_channel: Option<String>,
    /// Multi channels select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_channels: Option<Vec<String>>,
    /// Date picker: `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_date: Option<String>,
    /// Time picker: `HH:mm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_time: Option<String>,
    /// Date-time picker: UNIX seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_date_time: Option<i64>,
    /// Fields not modelled here (e.g. `rich_text_value`, `files`, a button's `text`).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ElementState {
    /// What it holds. Read from the fields present rather than from `type`, so element types
    /// Slack adds later that report through the same fields read as well.
    pub fn value(&self) -> InputValue<'_> {
        if let Some(options) = &self.selected_options {
            InputValue::Options(options)
        } else if let Some(option) = &self.selected_option {
            InputValue::Option(option)
        } else if let Some(users) = &self.selected_users {
            InputValue::Users(users)
        } else if let Some(user) = &self.selected_user {
            InputValue::User(user)
        } else if let Some(conversations) = &self.selected_conversations {
            InputValue::Conversations(conversations)
        } else if let Some(conversation) = &self.selected_conversation {
            InputValue::Conversation(conversation)
        } else if let Some(channels) = &self.selected_channels {
            InputValue::Channels(channels)
        } else if let Some(channel) = &self.selected_channel {
            InputValue::Channel(channel)
        } else if let Some(date) = &self.selected_date {
            InputValue::Date(date)
        } else if let Some(time) = &self.selected_time {
            InputValue::Time(time)
        } else if let Some(moment) = self.selected_date_time {
            InputValue::DateTime(moment)
        } else if let Some(text) = &self.value {
            InputValue::Text(text)
        } else if self.extra.is_empty() {
            InputValue::Empty
        } else {
            InputValue::Unknown
        }
    }
}

/// What an input holds, typed. Borrowed from its [`ElementState`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum InputValue<'a> {
    /// Text typed into a text, number, email or URL input, or a button's value.
    Text(&'a str),
    /// The option chosen in a single select, radio buttons or an overflow menu.
    Option(&'a SelectOption),
    /// The options chosen in a multi-select or checkboxes (possibly none).
    Options(&'a [SelectOption]),
    /// A user id.
    User(&'a str),
    /// User ids.
    Users(&'a [String]),
    /// A conversation id.
    Conversation(&'a str),
    /// Conversation ids.
    Conversations(&'a [String]),
    /// A public channel id.
    Channel(&'a str),
    /// Public channel ids.
    Channels(&'a [String]),
    /// `YYYY-MM-DD`.
    Date(&'a str),
    /// `HH:mm`.
    Time(&'a str),
    /// UNIX seconds.
    DateTime(i64),
    /// Nothing typed or chosen (an optional input left empty, a cleared select).
    Empty,
    /// A kind of value this version does not read; see [`ElementState::extra`].
    Unknown,
}

impl<'a> InputValue<'a> {
    /// The single string it holds: text, the chosen option's `value`, an id, a date or a time.
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            InputValue::Text(s)
            | InputValue::User(s)
            | InputValue::Conversation(s)
            | InputValue::Channel(s)
            | InputValue::Date(s)
            | InputValue::Time(s) => Some(s),
            InputValue::Option(option) => Some(&option.value),
            _ => None,
        }
    }

    /// Every string it holds: the chosen options' values or the ids (one for single choices).
    pub fn values(&self) -> Vec<&'a str> {
        match *self {
            InputValue::Options(options) => options.iter().map(|o| o.value.as_str()).collect(),
            InputValue::Users(ids) | InputValue::Conversations(ids) | InputValue::Channels(ids) => {
                ids.iter().map(String::as_str).collect()
            }
            _ => self.as_str().into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elements::Element;
    use serde_json::json;

    #[test]
    fn a_modal_serialises_as_in_the_docs() {
        let view = View::modal("Request")
            .callback_id("request-modal")
            .submit("Send")
            .close("Cancel")
            .block(Block::input("Details", Element::plain_text_input("details")).block_id("b"));
        assert_eq!(
            serde_json::to_value(&view).unwrap(),
            json!({
                "type": "modal",
                "title": {"type": "plain_text", "text": "Request"},
                "blocks": [{"type": "input", "block_id": "b",
                    "label": {"type": "plain_text", "text": "Details"},
                    "element": {"type": "plain_text_input", "action_id": "details"}}],
                "submit": {"type": "plain_text", "text": "Send"},
                "close": {"type": "plain_text", "text": "Cancel"},
                "callback_id": "request-modal"
            })
        );
        assert_eq!(
            serde_json::to_value(View::home()).unwrap(),
            json!({"type": "home", "blocks": []})
        );
    }

    #[test]
    fn state_values_read_by_block_and_action() {
        let state: ViewState = serde_json::from_value(json!({"values": {
            "title": {"t": {"type": "plain_text_input", "value": "Hello"}},
            "when": {"d": {"type": "datepicker", "selected_date": "2024-05-01"},
                     "dt": {"type": "datetimepicker", "selected_date_time": 1714550400}},
            "who": {"u": {"type": "multi_users_select", "selected_users": ["U1", "U2"]},
                    "c": {"type": "conversations_select", "selected_conversation": null}},
            "pick": {"s": {"type": "static_select", "selected_option": {
                        "text": {"type": "plain_text", "text": "Soup"}, "value": "soup"}},
                     "x": {"type": "checkboxes", "selected_options": []}},
            "rich": {"r": {"type": "rich_text_input", "rich_text_value": {"type": "rich_text"}}}
        }}))
        .unwrap();
        assert_eq!(state.value("title", "t"), Some(InputValue::Text("Hello")));
        assert_eq!(
            state.value("when", "d"),
            Some(InputValue::Date("2024-05-01"))
        );
        assert_eq!(
            state.value("when", "dt"),
            Some(InputValue::DateTime(1714550400))
        );
        assert_eq!(state.value("who", "u").unwrap().values(), ["U1", "U2"]);
        assert_eq!(state.value("who", "c"), Some(InputValue::Empty));
        assert_eq!(state.value("pick", "s").unwrap().as_str(), Some("soup"));
        assert_eq!(state.value("pick", "x"), Some(InputValue::Options(&[])));
        assert_eq!(state.value("rich", "r"), Some(InputValue::Unknown));
        assert_eq!(
            state.get("rich", "r").unwrap().extra["rich_text_value"]["type"],
            "rich_text"
        );
        assert_eq!(state.value("title", "nope"), None);
    }
}
