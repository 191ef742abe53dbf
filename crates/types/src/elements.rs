//! Block elements: the interactive parts of blocks (buttons, selects, inputs...), and images.
//!
//! Selects of every kind share one struct, [`Select`], as do the text-like inputs
//! ([`TextInput`]): their fields overlap almost entirely, and one builder reads better than ten.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::composition::{Confirm, ConversationFilter, OptionGroup, SelectOption, Style, Text};
use crate::extra::Extra;
use crate::names::name_enum;
use crate::tagged::{self, Decoded, TaggedUnion};

/// A block element.
// Not boxed: elements are built once per message, and a box per element costs more than the room.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Element {
    /// `button`.
    Button(Button),
    /// Any of the select menus: `static_select`, `multi_users_select`... ([`SelectKind`]).
    Select(Select),
    /// `overflow`.
    Overflow(Overflow),
    /// `datepicker`.
    DatePicker(DatePicker),
    /// `timepicker`.
    TimePicker(TimePicker),
    /// `datetimepicker`.
    DateTimePicker(DateTimePicker),
    /// `plain_text_input`, `number_input`, `email_text_input` or `url_text_input`.
    TextInput(TextInput),
    /// `checkboxes`.
    Checkboxes(Checkboxes),
    /// `radio_buttons`.
    RadioButtons(RadioButtons),
    /// `image`.
    Image(ImageElement),
    /// An element of a type this version does not model, as received.
    Other(Value),
}

impl Element {
    /// A button with a plain-text label.
    pub fn button(text: impl Into<String>, action_id: impl Into<String>) -> Button {
        Button {
            text: Text::plain(text),
            action_id: Some(action_id.into()),
            ..Button::default()
        }
    }

    /// A `static_select` over `options`.
    pub fn static_select(action_id: impl Into<String>, options: Vec<SelectOption>) -> Select {
        Select {
            options: Some(options),
            ..Select::new(SelectKind::StaticSelect, action_id)
        }
    }

    /// A `multi_static_select` over `options`.
    pub fn multi_static_select(action_id: impl Into<String>, options: Vec<SelectOption>) -> Select {
        Element::static_select(action_id, options).multi()
    }

    /// An `external_select`: its options come from `block_suggestion` payloads.
    pub fn external_select(action_id: impl Into<String>) -> Select {
        Select::new(SelectKind::ExternalSelect, action_id)
    }

    /// A `users_select`.
    pub fn users_select(action_id: impl Into<String>) -> Select {
        Select::new(SelectKind::UsersSelect, action_id)
    }

    /// A `conversations_select`.
    pub fn conversations_select(action_id: impl Into<String>) -> Select {
        Select::new(SelectKind::ConversationsSelect, action_id)
    }

    /// A `channels_select`.
    pub fn channels_select(action_id: impl Into<String>) -> Select {
        Select::new(SelectKind::ChannelsSelect, action_id)
    }

    /// An `overflow` menu.
    pub fn overflow(action_id: impl Into<String>, options: Vec<SelectOption>) -> Overflow {
        Overflow {
            action_id: Some(action_id.into()),
            options,
            ..Overflow::default()
        }
    }

    /// A `datepicker`.
    pub fn datepicker(action_id: impl Into<String>) -> DatePicker {
        DatePicker {
            action_id: Some(action_id.into()),
            ..DatePicker::default()
        }
    }

    /// A `timepicker`.
    pub fn timepicker(action_id: impl Into<String>) -> TimePicker {
        TimePicker {
            action_id: Some(action_id.into()),
            ..TimePicker::default()
        }
    }

    /// A `datetimepicker`.
    pub fn datetimepicker(action_id: impl Into<String>) -> DateTimePicker {
        DateTimePicker {
            action_id: Some(action_id.into()),
            ..DateTimePicker::default()
        }
    }

    /// A `plain_text_input`.
    pub fn plain_text_input(action_id: impl Into<String>) -> TextInput {
        TextInput::new(TextInputKind::PlainTextInput, action_id)
    }

    /// A `number_input`; `decimal` allows decimals (Slack requires the flag).
    pub fn number_input(action_id: impl Into<String>, decimal: bool) -> TextInput {
        TextInput {
            is_decimal_allowed: Some(decimal),
            ..TextInput::new(TextInputKind::NumberInput, action_id)
        }
    }

    /// An `email_text_input`.
    pub fn email_input(action_id: impl Into<String>) -> TextInput {
        TextInput::new(TextInputKind::EmailTextInput, action_id)
    }

    /// A `url_text_input`.
    pub fn url_input(action_id: impl Into<String>) -> TextInput {
        TextInput::new(TextInputKind::UrlTextInput, action_id)
    }

    /// A `checkboxes` group.
    pub fn checkboxes(action_id: impl Into<String>, options: Vec<SelectOption>) -> Checkboxes {
        Checkboxes {
            action_id: Some(action_id.into()),
            options,
            ..Checkboxes::default()
        }
    }

    /// A `radio_buttons` group.
    pub fn radio_buttons(action_id: impl Into<String>, options: Vec<SelectOption>) -> RadioButtons {
        RadioButtons {
            action_id: Some(action_id.into()),
            options,
            ..RadioButtons::default()
        }
    }

    /// An `image` element (in context blocks and section accessories).
    pub fn image(image_url: impl Into<String>, alt_text: impl Into<String>) -> ImageElement {
        ImageElement {
            image_url: Some(image_url.into()),
            alt_text: alt_text.into(),
            ..ImageElement::default()
        }
    }

    /// `action_id`, for the interactive elements that have one.
    pub fn action_id(&self) -> Option<&str> {
        match self {
            Element::Button(e) => e.action_id.as_deref(),
            Element::Select(e) => e.action_id.as_deref(),
            Element::Overflow(e) => e.action_id.as_deref(),
            Element::DatePicker(e) => e.action_id.as_deref(),
            Element::TimePicker(e) => e.action_id.as_deref(),
            Element::DateTimePicker(e) => e.action_id.as_deref(),
            Element::TextInput(e) => e.action_id.as_deref(),
            Element::Checkboxes(e) => e.action_id.as_deref(),
            Element::RadioButtons(e) => e.action_id.as_deref(),
            Element::Image(_) => None,
            Element::Other(raw) => raw.get("action_id").and_then(Value::as_str),
        }
    }

    /// The `type` on the wire.
    pub fn type_name(&self) -> &str {
        match self {
            Element::Button(_) => "button",
            Element::Select(e) => e.kind.as_str(),
            Element::Overflow(_) => "overflow",
            Element::DatePicker(_) => "datepicker",
            Element::TimePicker(_) => "timepicker",
            Element::DateTimePicker(_) => "datetimepicker",
            Element::TextInput(e) => e.kind.as_str(),
            Element::Checkboxes(_) => "checkboxes",
            Element::RadioButtons(_) => "radio_buttons",
            Element::Image(_) => "image",
            Element::Other(raw) => raw.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

impl TaggedUnion for Element {
    fn decode<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Decoded<Self, D>, D::Error> {
        Ok(Decoded::Known(match tag {
            "button" => Element::Button(Button::deserialize(rest)?),
            "overflow" => Element::Overflow(Overflow::deserialize(rest)?),
            "datepicker" => Element::DatePicker(DatePicker::deserialize(rest)?),
            "timepicker" => Element::TimePicker(TimePicker::deserialize(rest)?),
            "datetimepicker" => Element::DateTimePicker(DateTimePicker::deserialize(rest)?),
            "checkboxes" => Element::Checkboxes(Checkboxes::deserialize(rest)?),
            "radio_buttons" => Element::RadioButtons(RadioButtons::deserialize(rest)?),
            "image" => Element::Image(ImageElement::deserialize(rest)?),
            other => match (SelectKind::from(other), TextInputKind::from(other)) {
                (SelectKind::Other(_), TextInputKind::Other(_)) => {
                    return Ok(Decoded::Unknown(rest))
                }
                (SelectKind::Other(_), kind) => Element::TextInput(TextInput {
                    kind,
                    ..TextInput::deserialize(rest)?
                }),
                (kind, _) => Element::Select(Select {
                    kind,
                    ..Select::deserialize(rest)?
                }),
            },
        }))
    }

    fn other(object: Value) -> Self {
        Element::Other(object)
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let tag = self.type_name();
        match self {
            Element::Button(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::Select(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::Overflow(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::DatePicker(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::TimePicker(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::DateTimePicker(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::TextInput(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::Checkboxes(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::RadioButtons(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::Image(e) => tagged::serialize_with_tag(tag, e, serializer),
            Element::Other(raw) => raw.serialize(serializer),
        }
    }
}

tagged::tagged_serde!(Element);

/// `From<struct> for Element` for each element struct, so builders take `impl Into<Element>`.
macro_rules! into_element {
    ($($ty:ident => $variant:ident),*) => {
        $(impl From<$ty> for Element {
            fn from(element: $ty) -> Self {
                Element::$variant(element)
            }
        })*
    };
}

into_element!(
    Button => Button, Select => Select, Overflow => Overflow, DatePicker => DatePicker,
    TimePicker => TimePicker, DateTimePicker => DateTimePicker, TextInput => TextInput,
    Checkboxes => Checkboxes, RadioButtons => RadioButtons, ImageElement => Image
);

/// A `button`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Button {
    /// The label (`plain_text`).
    #[serde(default)]
    pub text: Text,
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// A URL opened in the browser on click (the app still gets a `block_actions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the app receives on click.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `primary` or `danger`; default grey when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<Style>,
    /// A confirmation dialog shown first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// What screen readers say instead of the label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessibility_label: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Button {
    /// Sets `value`.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Sets `url`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Sets `style`.
    pub fn style(mut self, style: Style) -> Self {
        self.style = Some(style);
        self
    }

    /// Sets `style` to `primary`.
    pub fn primary(self) -> Self {
        self.style(Style::Primary)
    }

    /// Sets `style` to `danger`.
    pub fn danger(self) -> Self {
        self.style(Style::Danger)
    }

    /// Sets `confirm`.
    pub fn confirm(mut self, confirm: Confirm) -> Self {
        self.confirm = Some(confirm);
        self
    }
}

name_enum! {
    /// Which select menu a [`Select`] is.
    SelectKind default StaticSelect {
        /// `static_select`: options given in the element.
        StaticSelect = "static_select",
        /// `multi_static_select`.
        MultiStaticSelect = "multi_static_select",
        /// `external_select`: options come from the app's `block_suggestion` answers.
        ExternalSelect = "external_select",
        /// `multi_external_select`.
        MultiExternalSelect = "multi_external_select",
        /// `users_select`.
        UsersSelect = "users_select",
        /// `multi_users_select`.
        MultiUsersSelect = "multi_users_select",
        /// `conversations_select`.
        ConversationsSelect = "conversations_select",
        /// `multi_conversations_select`.
        MultiConversationsSelect = "multi_conversations_select",
        /// `channels_select`: public channels.
        ChannelsSelect = "channels_select",
        /// `multi_channels_select`.
        MultiChannelsSelect = "multi_channels_select",
    }
}

impl SelectKind {
    /// The multi-select counterpart (a multi-select is its own counterpart).
    pub fn multi(&self) -> SelectKind {
        match self {
            SelectKind::StaticSelect => SelectKind::MultiStaticSelect,
            SelectKind::ExternalSelect => SelectKind::MultiExternalSelect,
            SelectKind::UsersSelect => SelectKind::MultiUsersSelect,
            SelectKind::ConversationsSelect => SelectKind::MultiConversationsSelect,
            SelectKind::ChannelsSelect => SelectKind::MultiChannelsSelect,
            other => other.clone(),
        }
    }
}

/// A select menu of any [`SelectKind`]. Each field applies to the kinds its doc names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Select {
    /// Which select (the `type`, written by [`Element`]).
    #[serde(skip)]
    pub kind: SelectKind,
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// Shown before anything is chosen (`plain_text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Text>,
    /// Static selects: the options (or `option_groups`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<SelectOption>>,
    /// Static selects: grouped options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_groups: Option<Vec<OptionGroup>>,
    /// Static and external selects: preselected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_option: Option<SelectOption>,
    /// Multi static and external selects: preselected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_options: Option<Vec<SelectOption>>,
    /// Users select: preselected user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_user: Option<String>,
    /// Multi users select: preselected user ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_users: Option<Vec<String>>,
    /// Conversations select: preselected conversation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_conversation: Option<String>,
    /// Multi conversations select: preselected conversation ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_conversations: Option<Vec<String>>,
    /// Channels select: preselected channel id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_channel: Option<String>,
    /// Multi channels select: preselected channel ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_channels: Option<Vec<String>>,
    /// Conversations selects: preselect the conversation the view was opened from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_to_current_conversation: Option<bool>,
    /// Conversations selects: which conversations are listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<ConversationFilter>,
    /// Conversations and channels selects in modals: the submission carries a `response_url`
    /// for the chosen conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_url_enabled: Option<bool>,
    /// External selects: characters typed before Slack asks for options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_query_length: Option<u32>,
    /// Multi-selects: how many may be chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_selected_items: Option<u32>,
    /// A confirmation dialog shown after choosing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Select {
    /// A select of `kind` with nothing else set.
    pub fn new(kind: SelectKind, action_id: impl Into<String>) -> Self {
        Select {
            kind,
            action_id: Some(action_id.into()),
            ..Select::default()
        }
    }

    /// Makes it the multi-select of the same family.
    pub fn multi(mut self) -> Self {
        self.kind = self.kind.multi();
        self
    }

    /// Sets `placeholder`.
    pub fn placeholder(mut self, placeholder: impl Into<String>) -> Self {
        self.placeholder = Some(Text::plain(placeholder));
        self
    }

    /// Sets `option_groups` (static selects; replaces `options`).
    pub fn option_groups(mut self, groups: Vec<OptionGroup>) -> Self {
        self.options = None;
        self.option_groups = Some(groups);
        self
    }

    /// Sets `initial_option`.
    pub fn initial_option(mut self, option: SelectOption) -> Self {
        self.initial_option = Some(option);
        self
    }

    /// Sets `initial_user`.
    pub fn initial_user(mut self, user: impl Into<String>) -> Self {
        self.initial_user = Some(user.into());
        self
    }

    /// Sets `initial_conversation`.
    pub fn initial_conversation(mut self, conversation: impl Into<String>) -> Self {
        self.initial_conversation = Some(conversation.into());
        self
    }

    /// Sets `min_query_length` (external selects).
    pub fn min_query_length(mut self, length: u32) -> Self {
        self.min_query_length = Some(length);
        self
    }

    /// Sets `max_selected_items` (multi-selects).
    pub fn max_selected_items(mut self, max: u32) -> Self {
        self.max_selected_items = Some(max);
        self
    }

    /// Sets `confirm`.
    pub fn confirm(mut self, confirm: Confirm) -> Self {
        self.confirm = Some(confirm);
        self
    }
}

/// An `overflow` menu (`...`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overflow {
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// 2 to 5 options.
    #[serde(default)]
    pub options: Vec<SelectOption>,
    /// A confirmation dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `datepicker`; dates are `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatePicker {
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// Shown before a date is picked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Text>,
    /// Preselected date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_date: Option<String>,
    /// A confirmation dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DatePicker {
    /// Sets `initial_date` (`YYYY-MM-DD`).
    pub fn initial_date(mut self, date: impl Into<String>) -> Self {
        self.initial_date = Some(date.into());
        self
    }
}

/// A `timepicker`; times are `HH:mm`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimePicker {
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// Shown before a time is picked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Text>,
    /// Preselected time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_time: Option<String>,
    /// IANA time zone the picker shows (the user's own by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// A confirmation dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `datetimepicker`; values are UNIX seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DateTimePicker {
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// Preselected moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_date_time: Option<i64>,
    /// A confirmation dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

name_enum! {
    /// Which text-like input a [`TextInput`] is.
    TextInputKind default PlainTextInput {
        /// `plain_text_input`.
        PlainTextInput = "plain_text_input",
        /// `number_input`.
        NumberInput = "number_input",
        /// `email_text_input`.
        EmailTextInput = "email_text_input",
        /// `url_text_input`.
        UrlTextInput = "url_text_input",
    }
}

/// A text-like input of any [`TextInputKind`]. Numbers travel as strings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TextInput {
    /// Which input (the `type`, written by [`Element`]).
    #[serde(skip)]
    pub kind: TextInputKind,
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// Shown while empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<Text>,
    /// Prefilled value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_value: Option<String>,
    /// Plain text: a multi-line box.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiline: Option<bool>,
    /// Plain text: minimum length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// Plain text: maximum length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Number: whether decimals are allowed (required for `number_input`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_decimal_allowed: Option<bool>,
    /// Number: minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<String>,
    /// Number: maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<String>,
    /// When to send `block_actions` while typing (`{"trigger_actions_on": [...]}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_action_config: Option<Value>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TextInput {
    /// An input of `kind` with nothing else set.
    pub fn new(kind: TextInputKind, action_id: impl Into<String>) -> Self {
        TextInput {
            kind,
            action_id: Some(action_id.into()),
            ..TextInput::default()
        }
    }

    /// Sets `placeholder`.
    pub fn placeholder(mut self, placeholder: impl Into<String>) -> Self {
        self.placeholder = Some(Text::plain(placeholder));
        self
    }

    /// Sets `initial_value`.
    pub fn initial_value(mut self, value: impl Into<String>) -> Self {
        self.initial_value = Some(value.into());
        self
    }

    /// Makes a plain text input multi-line.
    pub fn multiline(mut self) -> Self {
        self.multiline = Some(true);
        self
    }

    /// Sets `max_length`.
    pub fn max_length(mut self, max: u32) -> Self {
        self.max_length = Some(max);
        self
    }
}

/// A `checkboxes` group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkboxes {
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// The boxes.
    #[serde(default)]
    pub options: Vec<SelectOption>,
    /// Those checked at first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_options: Option<Vec<SelectOption>>,
    /// A confirmation dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `radio_buttons` group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RadioButtons {
    /// `action_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// The choices.
    #[serde(default)]
    pub options: Vec<SelectOption>,
    /// The one chosen at first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_option: Option<SelectOption>,
    /// A confirmation dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
    /// Focus it when the view opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_on_load: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An `image` element: a small picture in a context block or a section's accessory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageElement {
    /// The picture's public URL (or `slack_file`, kept in `extra`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Text for screen readers.
    #[serde(default)]
    pub alt_text: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_button_serialises_as_in_the_docs() {
        let button = Element::button("Click Me", "button-action")
            .value("click_me_123")
            .primary();
        let json = json!({
            "type": "button",
            "text": {"type": "plain_text", "text": "Click Me"},
            "action_id": "button-action",
            "value": "click_me_123",
            "style": "primary"
        });
        assert_eq!(
            serde_json::to_value(Element::from(button.clone())).unwrap(),
            json
        );
        assert_eq!(
            serde_json::from_value::<Element>(json).unwrap(),
            Element::Button(button)
        );
    }

    #[test]
    fn every_select_kind_decodes_into_select_with_its_kind() {
        for kind in [
            "static_select",
            "multi_static_select",
            "external_select",
            "multi_external_select",
            "users_select",
            "multi_users_select",
            "conversations_select",
            "multi_conversations_select",
            "channels_select",
            "multi_channels_select",
        ] {
            let element: Element = serde_json::from_value(
                json!({"type": kind, "action_id": "a", "max_selected_items": 3}),
            )
            .unwrap();
            let Element::Select(select) = &element else {
                panic!("{element:?}")
            };
            assert_eq!(select.kind.as_str(), kind);
            assert_eq!(select.action_id.as_deref(), Some("a"));
            assert_eq!(serde_json::to_value(&element).unwrap()["type"], kind);
        }
    }

    #[test]
    fn a_multi_users_select_serialises_as_in_the_docs() {
        let select = Element::users_select("assignees")
            .multi()
            .placeholder("Pick people")
            .max_selected_items(2);
        assert_eq!(
            serde_json::to_value(Element::from(select)).unwrap(),
            json!({
                "type": "multi_users_select",
                "action_id": "assignees",
                "placeholder": {"type": "plain_text", "text": "Pick people"},
                "max_selected_items": 2
            })
        );
    }

    #[test]
    fn text_inputs_keep_their_kind() {
        let number = Element::number_input("age", false).initial_value("42");
        let json = json!({"type": "number_input", "action_id": "age", "initial_value": "42",
                          "is_decimal_allowed": false});
        assert_eq!(
            serde_json::to_value(Element::from(number.clone())).unwrap(),
            json
        );
        assert_eq!(
            serde_json::from_value::<Element>(json).unwrap(),
            Element::TextInput(number)
        );
    }

    #[test]
    fn unknown_elements_and_fields_are_kept() {
        let json = json!({"type": "rich_text_input", "action_id": "r", "future": 1});
        let element: Element = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(element, Element::Other(json.clone()));
        assert_eq!(element.action_id(), Some("r"));
        assert_eq!(serde_json::to_value(&element).unwrap(), json);

        let button: Element =
            serde_json::from_value(json!({"type": "button", "action_id": "b", "shiny": true}))
                .unwrap();
        let Element::Button(button) = button else {
            panic!()
        };
        assert_eq!(button.extra["shiny"], true);
    }
}
