//! The Web API a bot calls, as pure request and response types.
//!
//! Each request type implements [`Method`]: its name, how to send its arguments, and the type
//! its successful response decodes into. Sending, errors (`ok: false`, `needed`/`provided`,
//! warnings) and rate limits are the client's job (`slackline::webapi` classifies responses);
//! these types only say what goes in and what comes out.
//!
//! Paginated methods also implement [`Paginated`], and their responses [`Page`], so one loop
//! walks any of them:
//!
//! ```
//! use slackline_types::web::{conversations, Method, Page, Paginated};
//!
//! let mut request = conversations::History::new("C123").limit(200);
//! // POST request.form_fields() to conversations.history, then decode the body:
//! let body = r#"{"ok":true,"messages":[{"type":"message","text":"hi","ts":"1.0"}],
//!                "has_more":true,"response_metadata":{"next_cursor":"bmV4dA=="}}"#;
//! let page: <conversations::History as Method>::Response = serde_json::from_str(body).unwrap();
//! assert_eq!(page.items()[0].text.as_deref(), Some("hi"));
//! match request.next_request(&page) {
//!     Some(next) => request = next, // same arguments, `cursor` set
//!     None => {}                    // last page
//! }
//! assert_eq!(request.cursor.as_deref(), Some("bmV4dA=="));
//! ```

pub mod auth;
pub mod bots;
pub mod chat;
pub mod conversations;
pub mod emoji;
pub mod files;
pub mod pins;
pub mod reactions;
pub mod team;
pub mod usergroups;
pub mod users;
pub mod views;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::extra::Extra;

/// How a method takes its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// A JSON body (`application/json`, token as `Authorization: Bearer`): Slack's write
    /// methods.
    Json,
    /// Form fields (`application/x-www-form-urlencoded`, or the query string): the read methods
    /// (`conversations.history`, `users.info`...) and `files.getUploadURLExternal`, which ignore
    /// a JSON body. [`Method::form_fields`] gives the pairs.
    Form,
}

/// A Web API method: the request's fields are its arguments.
pub trait Method: Serialize {
    /// The method's name: `chat.postMessage`.
    const NAME: &'static str;
    /// How to send the arguments.
    const ENCODING: Encoding = Encoding::Json;
    /// What a successful (`ok: true`) response decodes into.
    type Response: DeserializeOwned;

    /// The arguments as form fields: strings as they are, numbers and booleans as text,
    /// arrays and objects as JSON text (how Slack reads them in forms); absent fields left out.
    fn form_fields(&self) -> serde_json::Result<Vec<(String, String)>> {
        let Value::Object(arguments) = serde_json::to_value(self)? else {
            return Ok(Vec::new());
        };
        Ok(arguments
            .into_iter()
            .filter_map(|(key, value)| {
                let text = match value {
                    Value::Null => return None,
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                Some((key, text))
            })
            .collect())
    }
}

/// `response_metadata`: where the next page starts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseMetadata {
    /// The cursor of the next page; empty or absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Fields not modelled here (`warnings`, `messages`: the core reports those).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One page of a paginated method's response.
pub trait Page {
    /// What the page lists.
    type Item;

    /// The page's `response_metadata`.
    fn response_metadata(&self) -> Option<&ResponseMetadata>;

    /// The page's items.
    fn items(&self) -> &[Self::Item];

    /// The page's items, owned.
    fn into_items(self) -> Vec<Self::Item>;

    /// The cursor of the next page, `None` on the last one (Slack marks it with an empty
    /// string as often as with no field).
    fn next_cursor(&self) -> Option<&str> {
        self.response_metadata()?
            .next_cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
    }
}

/// A method whose results come in pages, by cursor.
pub trait Paginated: Method<Response: Page> + Clone {
    /// Asks for the page starting at `cursor`.
    fn set_cursor(&mut self, cursor: String);

    /// The request for the page after `page`, or `None` if `page` was the last.
    fn next_request(&self, page: &Self::Response) -> Option<Self> {
        let cursor = page.next_cursor()?;
        let mut next = self.clone();
        next.set_cursor(cursor.to_owned());
        Some(next)
    }
}

/// The response of methods that answer nothing but `ok` (`reactions.add`, `pins.add`...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {
    /// Whatever came (`ok`, maybe `warning`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Implements [`Method`]: `method!(Request => "family.method", Response)`, with `, Form` for
/// methods taking form fields.
macro_rules! method {
    ($request:ty => $name:literal, $response:ty $(, $encoding:ident)?) => {
        impl $crate::web::Method for $request {
            const NAME: &'static str = $name;
            $(const ENCODING: $crate::web::Encoding = $crate::web::Encoding::$encoding;)?
            type Response = $response;
        }
    };
}

/// Implements [`Page`] for a response listing `items` of `Item`, with `response_metadata`.
macro_rules! page {
    ($response:ty, $items:ident: $item:ty) => {
        impl $crate::web::Page for $response {
            type Item = $item;
            fn response_metadata(&self) -> Option<&$crate::web::ResponseMetadata> {
                self.response_metadata.as_ref()
            }
            fn items(&self) -> &[$item] {
                &self.$items
            }
            fn into_items(self) -> Vec<$item> {
                self.$items
            }
        }
    };
}

/// Implements [`Paginated`] for requests with `cursor` and `limit` fields, and their builders.
macro_rules! paginated {
    ($($request:ty),*) => {
        $(
            impl $crate::web::Paginated for $request {
                fn set_cursor(&mut self, cursor: String) {
                    self.cursor = Some(cursor);
                }
            }

            impl $request {
                /// Starts at `cursor` (from the previous page's `next_cursor`).
                pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
                    self.cursor = Some(cursor.into());
                    self
                }

                /// At most `limit` items per page (Slack advises 100 to 200).
                pub fn limit(mut self, limit: u32) -> Self {
                    self.limit = Some(limit);
                    self
                }
            }
        )*
    };
}

/// Builder methods for optional arguments: `setters!(Request { oldest: String, inclusive: bool })`
/// makes `request.oldest("1.0").inclusive(true)`.
macro_rules! setters {
    ($request:ty { $($field:ident: $arg:ty),* $(,)? }) => {
        impl $request {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field(mut self, $field: impl Into<$arg>) -> Self {
                    self.$field = Some($field.into());
                    self
                }
            )*
        }
    };
}

pub(crate) use {method, page, paginated, setters};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_flatten_the_arguments() {
        let request = conversations::List::new()
            .types("public_channel,private_channel")
            .exclude_archived(true)
            .limit(100);
        let mut fields = request.form_fields().unwrap();
        fields.sort();
        assert_eq!(
            fields,
            [
                ("exclude_archived".to_owned(), "true".to_owned()),
                ("limit".to_owned(), "100".to_owned()),
                (
                    "types".to_owned(),
                    "public_channel,private_channel".to_owned()
                ),
            ]
        );
        let complete = files::CompleteUploadExternal::new(vec![files::FileRef::new("F1", "a.png")]);
        let fields = complete.form_fields().unwrap();
        assert_eq!(
            fields,
            [(
                "files".to_owned(),
                r#"[{"id":"F1","title":"a.png"}]"#.to_owned()
            )]
        );
    }

    #[test]
    fn an_empty_or_missing_cursor_ends_the_walk() {
        let request = users::List::new().limit(2);
        for body in [
            r#"{"ok":true,"members":[]}"#,
            r#"{"ok":true,"members":[],"response_metadata":{"next_cursor":""}}"#,
        ] {
            let page: users::ListResponse = serde_json::from_str(body).unwrap();
            assert_eq!(page.next_cursor(), None);
            assert!(request.next_request(&page).is_none());
        }
        let page: users::ListResponse = serde_json::from_str(
            r#"{"ok":true,"members":[{"id":"U1"}],"response_metadata":{"next_cursor":"dXNlcjpV"}}"#,
        )
        .unwrap();
        let next = request.next_request(&page).unwrap();
        assert_eq!(
            (next.cursor.as_deref(), next.limit),
            (Some("dXNlcjpV"), Some(2))
        );
        assert_eq!(page.into_items()[0].id, "U1");
    }
}
