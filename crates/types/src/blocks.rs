//! Layout blocks: what messages, modals and Home tabs are made of.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::composition::{Text, TextKind};
use crate::elements::{Element, ImageElement};
use crate::extra::Extra;
use crate::tagged::{self, tagged_union, Decoded, TaggedUnion};

/// A layout block.
// Not boxed: blocks are built once per message, and a box per block costs more than the room.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Block {
    /// `section`: text, fields and an optional accessory element.
    Section(Section),
    /// `actions`: a row of interactive elements.
    Actions(Actions),
    /// `context`: small images and text.
    Context(Context),
    /// `divider`.
    Divider(Divider),
    /// `header`: large plain text.
    Header(Header),
    /// `image`.
    Image(Image),
    /// `input`: a labelled input element (modals, and messages with `dispatch_action`).
    Input(Input),
    /// `rich_text`: what Slack's composer produces; read-only here, its elements kept as JSON.
    RichText(RichText),
    /// A block of a type this version does not model, as received.
    Other(Value),
}

tagged_union!(Block {
    "section" => Section,
    "actions" => Actions,
    "context" => Context,
    "divider" => Divider,
    "header" => Header,
    "image" => Image,
    "input" => Input,
    "rich_text" => RichText,
});

impl Block {
    /// A `section` with `text`.
    pub fn section(text: Text) -> Section {
        Section {
            text: Some(text),
            ..Section::default()
        }
    }

    /// An `actions` block with `elements`.
    pub fn actions<E: Into<Element>>(elements: impl IntoIterator<Item = E>) -> Actions {
        Actions {
            elements: elements.into_iter().map(Into::into).collect(),
            ..Actions::default()
        }
    }

    /// A `context` block with `elements` ([`Text`] or [`ImageElement`]).
    pub fn context<E: Into<ContextElement>>(elements: impl IntoIterator<Item = E>) -> Context {
        Context {
            elements: elements.into_iter().map(Into::into).collect(),
            ..Context::default()
        }
    }

    /// A `divider`.
    pub fn divider() -> Divider {
        Divider::default()
    }

    /// A `header` with plain `text`.
    pub fn header(text: impl Into<String>) -> Header {
        Header {
            text: Text::plain(text),
            ..Header::default()
        }
    }

    /// An `image` block.
    pub fn image(image_url: impl Into<String>, alt_text: impl Into<String>) -> Image {
        Image {
            image_url: Some(image_url.into()),
            alt_text: alt_text.into(),
            ..Image::default()
        }
    }

    /// An `input` block: a plain-text `label` over `element`.
    pub fn input(label: impl Into<String>, element: impl Into<Element>) -> Input {
        Input {
            label: Text::plain(label),
            element: element.into(),
            block_id: None,
            hint: None,
            optional: None,
            dispatch_action: None,
            extra: Extra::default(),
        }
    }

    /// `block_id`, if it has one.
    pub fn block_id(&self) -> Option<&str> {
        match self {
            Block::Section(b) => b.block_id.as_deref(),
            Block::Actions(b) => b.block_id.as_deref(),
            Block::Context(b) => b.block_id.as_deref(),
            Block::Divider(b) => b.block_id.as_deref(),
            Block::Header(b) => b.block_id.as_deref(),
            Block::Image(b) => b.block_id.as_deref(),
            Block::Input(b) => b.block_id.as_deref(),
            Block::RichText(b) => b.block_id.as_deref(),
            Block::Other(raw) => raw.get("block_id").and_then(Value::as_str),
        }
    }
}

/// `block_id(...)` for each block builder, and `From<struct> for Block`.
macro_rules! block_builders {
    ($($ty:ident),*) => {
        $(
            impl $ty {
                /// Sets `block_id` (how the block is named in actions and `view.state`).
                pub fn block_id(mut self, block_id: impl Into<String>) -> Self {
                    self.block_id = Some(block_id.into());
                    self
                }
            }

            impl From<$ty> for Block {
                fn from(block: $ty) -> Self {
                    Block::$ty(block)
                }
            }
        )*
    };
}

block_builders!(Section, Actions, Context, Divider, Header, Image, Input, RichText);

/// A `section` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// The text (required unless `fields` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
    /// Up to 10 short texts shown in two columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Text>>,
    /// One element shown to the right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessory: Option<Box<Element>>,
    /// Show all the text rather than "see more".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expand: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Section {
    /// Sets the `accessory`.
    pub fn accessory(mut self, element: impl Into<Element>) -> Self {
        self.accessory = Some(Box::new(element.into()));
        self
    }

    /// Adds a field.
    pub fn field(mut self, text: Text) -> Self {
        self.fields.get_or_insert_with(Vec::new).push(text);
        self
    }
}

/// An `actions` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Actions {
    /// Up to 25 interactive elements.
    #[serde(default)]
    pub elements: Vec<Element>,
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `context` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Up to 10 texts and images.
    #[serde(default)]
    pub elements: Vec<ContextElement>,
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a context block holds: text objects and images.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ContextElement {
    /// A `plain_text` or `mrkdwn` object.
    Text(Text),
    /// An `image` element.
    Image(ImageElement),
    /// Anything else, as received.
    Other(Value),
}

impl TaggedUnion for ContextElement {
    fn decode<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Decoded<Self, D>, D::Error> {
        Ok(Decoded::Known(match tag {
            "image" => ContextElement::Image(ImageElement::deserialize(rest)?),
            "plain_text" | "mrkdwn" => ContextElement::Text(Text {
                kind: TextKind::from(tag),
                ..Text::deserialize(rest)?
            }),
            _ => return Ok(Decoded::Unknown(rest)),
        }))
    }

    fn other(object: Value) -> Self {
        ContextElement::Other(object)
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // A text object writes its own `type`.
            ContextElement::Text(text) => text.serialize(serializer),
            ContextElement::Image(image) => tagged::serialize_with_tag("image", image, serializer),
            ContextElement::Other(raw) => raw.serialize(serializer),
        }
    }
}

tagged::tagged_serde!(ContextElement);

impl From<Text> for ContextElement {
    fn from(text: Text) -> Self {
        ContextElement::Text(text)
    }
}

impl From<ImageElement> for ContextElement {
    fn from(image: ImageElement) -> Self {
        ContextElement::Image(image)
    }
}

/// A `divider` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Divider {
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
}

/// A `header` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The text (`plain_text`, up to 150 characters).
    #[serde(default)]
    pub text: Text,
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
}

/// An `image` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// The picture's public URL (or `slack_file`, kept in `extra`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Text for screen readers.
    #[serde(default)]
    pub alt_text: String,
    /// A caption (`plain_text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Image {
    /// Sets the caption.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(Text::plain(title));
        self
    }
}

/// An `input` block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// The label (`plain_text`).
    pub label: Text,
    /// The input element.
    pub element: Element,
    /// `block_id`: the outer key of `view.state.values`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
    /// Help text under the element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Whether the view can be submitted with it empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// Send `block_actions` when the element changes (not only on submission).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_action: Option<bool>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Input {
    /// Sets `hint`.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(Text::plain(hint));
        self
    }

    /// Marks it optional.
    pub fn optional(mut self) -> Self {
        self.optional = Some(true);
        self
    }

    /// Sets `dispatch_action`.
    pub fn dispatch_action(mut self) -> Self {
        self.dispatch_action = Some(true);
        self
    }
}

/// A `rich_text` block, as Slack's composer makes them. Its nested elements (sections, lists,
/// quotes, preformatted text, with styled runs, links, mentions, emoji) are kept as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RichText {
    /// `block_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_id: Option<String>,
    /// The nested elements, as received.
    #[serde(default)]
    pub elements: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::composition::SelectOption;
    use serde_json::json;

    #[test]
    fn a_section_with_a_button_accessory_matches_the_docs() {
        let block: Block = Block::section(Text::mrkdwn("*Deploy* to production?"))
            .block_id("deploy")
            .accessory(Element::button("Go", "go_action").value("prod"))
            .into();
        let json = json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Deploy* to production?"},
            "block_id": "deploy",
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Go"},
                "action_id": "go_action",
                "value": "prod"
            }
        });
        assert_eq!(serde_json::to_value(&block).unwrap(), json);
        assert_eq!(serde_json::from_value::<Block>(json).unwrap(), block);
        assert_eq!(block.block_id(), Some("deploy"));
    }

    #[test]
    fn actions_context_divider_header_image_input_round_trip() {
        let blocks: Vec<Block> = vec![
            Block::header("Lunch").into(),
            Block::actions([
                Element::from(Element::button("Yes", "yes")),
                Element::static_select("pick", vec![SelectOption::new("Soup", "soup")]).into(),
            ])
            .into(),
            Block::context([
                ContextElement::from(Element::image("https://x.test/a.png", "a")),
                Text::mrkdwn("by *me*").into(),
            ])
            .into(),
            Block::divider().into(),
            Block::image("https://x.test/b.png", "b").title("B").into(),
            Block::input("Why?", Element::plain_text_input("why").multiline())
                .block_id("reason")
                .optional()
                .into(),
        ];
        let json = json!([
            {"type": "header", "text": {"type": "plain_text", "text": "Lunch"}},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Yes"}, "action_id": "yes"},
                {"type": "static_select", "action_id": "pick", "options": [
                    {"text": {"type": "plain_text", "text": "Soup"}, "value": "soup"}]}
            ]},
            {"type": "context", "elements": [
                {"type": "image", "image_url": "https://x.test/a.png", "alt_text": "a"},
                {"type": "mrkdwn", "text": "by *me*"}
            ]},
            {"type": "divider"},
            {"type": "image", "image_url": "https://x.test/b.png", "alt_text": "b",
             "title": {"type": "plain_text", "text": "B"}},
            {"type": "input", "label": {"type": "plain_text", "text": "Why?"},
             "element": {"type": "plain_text_input", "action_id": "why", "multiline": true},
             "block_id": "reason", "optional": true}
        ]);
        assert_eq!(serde_json::to_value(&blocks).unwrap(), json);
        assert_eq!(serde_json::from_value::<Vec<Block>>(json).unwrap(), blocks);
    }

    #[test]
    fn rich_text_is_read_and_unknown_blocks_are_kept() {
        let json = json!([
            {"type": "rich_text", "block_id": "r1", "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}]},
            {"type": "video", "block_id": "v", "video_url": "https://x.test/v"}
        ]);
        let blocks: Vec<Block> = serde_json::from_value(json.clone()).unwrap();
        let Block::RichText(rich) = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert_eq!(rich.elements[0]["elements"][0]["text"], "hi");
        assert_eq!(blocks[1], Block::Other(json[1].clone()));
        assert_eq!(blocks[1].block_id(), Some("v"));
        assert_eq!(blocks[1].type_name(), "video");
        assert_eq!(serde_json::to_value(&blocks).unwrap(), json);
    }
}
