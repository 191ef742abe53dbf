//! Block Kit composition objects: text, options, option groups, confirmation dialogs.

use serde::{Deserialize, Serialize};

use crate::names::name_enum;

name_enum! {
    /// The `type` of a text object.
    TextKind default PlainText {
        /// `plain_text`.
        PlainText = "plain_text",
        /// `mrkdwn`: Slack's markdown.
        Mrkdwn = "mrkdwn",
    }
}

/// A text object: `{"type": "plain_text" | "mrkdwn", "text": ...}`.
///
/// One struct for both kinds (rather than an enum) because Slack echoes text objects back in
/// payloads with the other kind's flags, and a `kind` it may extend.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Text {
    /// `type`.
    #[serde(rename = "type", default)]
    pub kind: TextKind,
    /// The text.
    #[serde(default)]
    pub text: String,
    /// `plain_text` only: whether `:emoji:` codes are rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<bool>,
    /// `mrkdwn` only: when true, links and mentions are not auto-converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbatim: Option<bool>,
}

impl Text {
    /// A `plain_text` object.
    pub fn plain(text: impl Into<String>) -> Self {
        Text {
            kind: TextKind::PlainText,
            text: text.into(),
            emoji: None,
            verbatim: None,
        }
    }

    /// A `mrkdwn` object.
    pub fn mrkdwn(text: impl Into<String>) -> Self {
        Text {
            kind: TextKind::Mrkdwn,
            ..Text::plain(text)
        }
    }

    /// Sets `emoji` (plain text).
    pub fn emoji(mut self, emoji: bool) -> Self {
        self.emoji = Some(emoji);
        self
    }

    /// Sets `verbatim` (mrkdwn).
    pub fn verbatim(mut self, verbatim: bool) -> Self {
        self.verbatim = Some(verbatim);
        self
    }
}

name_enum! {
    /// A button's or confirmation dialog's `style`.
    Style {
        /// `primary`: green.
        Primary = "primary",
        /// `danger`: red.
        Danger = "danger",
    }
}

/// An option object, as offered by selects, overflow menus, checkboxes and radio buttons, and
/// as reported back when chosen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SelectOption {
    /// What the user sees (`plain_text`; checkboxes and radio buttons also take `mrkdwn`).
    #[serde(default)]
    pub text: Text,
    /// What the app receives when it is chosen.
    #[serde(default)]
    pub value: String,
    /// A line under the text (checkboxes, radio buttons).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Overflow menus only: a URL opened when chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl SelectOption {
    /// An option with plain text.
    pub fn new(text: impl Into<String>, value: impl Into<String>) -> Self {
        SelectOption {
            text: Text::plain(text),
            value: value.into(),
            description: None,
            url: None,
        }
    }

    /// Sets `description` (plain text).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(Text::plain(description));
        self
    }

    /// Sets `url` (overflow menus).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }
}

/// Options under a label, in a select menu.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OptionGroup {
    /// The group's label (`plain_text`).
    #[serde(default)]
    pub label: Text,
    /// Its options.
    #[serde(default)]
    pub options: Vec<SelectOption>,
}

impl OptionGroup {
    /// A group.
    pub fn new(label: impl Into<String>, options: Vec<SelectOption>) -> Self {
        OptionGroup {
            label: Text::plain(label),
            options,
        }
    }
}

/// A confirmation dialog shown before an element's action goes through.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Confirm {
    /// The dialog's title (`plain_text`).
    #[serde(default)]
    pub title: Text,
    /// The question.
    #[serde(default)]
    pub text: Text,
    /// The confirming button's label (`plain_text`).
    #[serde(default)]
    pub confirm: Text,
    /// The cancelling button's label (`plain_text`).
    #[serde(default)]
    pub deny: Text,
    /// The confirming button's style.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<Style>,
}

impl Confirm {
    /// A dialog: title, question (`mrkdwn`), confirm and deny labels.
    pub fn new(
        title: impl Into<String>,
        text: impl Into<String>,
        confirm: impl Into<String>,
        deny: impl Into<String>,
    ) -> Self {
        Confirm {
            title: Text::plain(title),
            text: Text::mrkdwn(text),
            confirm: Text::plain(confirm),
            deny: Text::plain(deny),
            style: None,
        }
    }

    /// Sets the confirming button's style.
    pub fn style(mut self, style: Style) -> Self {
        self.style = Some(style);
        self
    }
}

/// Which conversations a conversations select lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationFilter {
    /// Any of `im`, `mpim`, `private`, `public`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Leave out channels shared with other organisations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_external_shared_channels: Option<bool>,
    /// Leave out bot users' DMs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_bot_users: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_objects_serialise_as_in_the_docs() {
        assert_eq!(
            serde_json::to_value(Text::plain("Hi :wave:").emoji(true)).unwrap(),
            json!({"type": "plain_text", "text": "Hi :wave:", "emoji": true})
        );
        assert_eq!(
            serde_json::to_value(Text::mrkdwn("*bold*")).unwrap(),
            json!({"type": "mrkdwn", "text": "*bold*"})
        );
    }

    #[test]
    fn confirm_and_options_round_trip() {
        let confirm = Confirm::new("Sure?", "Really *delete*?", "Yes", "No").style(Style::Danger);
        let json = json!({
            "title": {"type": "plain_text", "text": "Sure?"},
            "text": {"type": "mrkdwn", "text": "Really *delete*?"},
            "confirm": {"type": "plain_text", "text": "Yes"},
            "deny": {"type": "plain_text", "text": "No"},
            "style": "danger"
        });
        assert_eq!(serde_json::to_value(&confirm).unwrap(), json);
        assert_eq!(serde_json::from_value::<Confirm>(json).unwrap(), confirm);

        let group = OptionGroup::new(
            "Fruit",
            vec![SelectOption::new("Apple", "a").description("red")],
        );
        assert_eq!(
            serde_json::to_value(&group).unwrap(),
            json!({"label": {"type": "plain_text", "text": "Fruit"}, "options": [
                {"text": {"type": "plain_text", "text": "Apple"}, "value": "a",
                 "description": {"type": "plain_text", "text": "red"}}
            ]})
        );
    }

    #[test]
    fn blank_and_unknown_values_from_slack_do_not_fail() {
        let text: Text = serde_json::from_str(r#"{"type":"","text":"","emoji":false}"#).unwrap();
        assert_eq!(text.kind, TextKind::Other(String::new()));
        let confirm: Confirm = serde_json::from_str(r#"{"style":""}"#).unwrap();
        assert_eq!(confirm.style, Some(Style::Other(String::new())));
    }
}
