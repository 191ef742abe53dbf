//! # slackline-types: what Slack bots receive and send, as serde types
//!
//! Pure data (serde and serde_json only; no IO, no async, no clock), decoded on demand: the
//! core acks and routes envelopes without touching these types, and an app decodes a payload
//! only when it wants it typed.
//!
//! - **Payloads in**: [`payload::Payload::decode`] takes an envelope's type and payload text
//!   (`events_api` → [`events::EventCallback`] around an [`events::Event`], `interactive` →
//!   [`interactive::Interactive`], `slash_commands` → [`command::SlashCommand`]). Each can also
//!   be decoded directly, e.g. `envelope.payload::<Interactive>()`.
//! - **Never failing on the unknown**: an event, interactive payload, block or element of a
//!   type this version does not model decodes into its enum's `Other(Value)`, whole; unknown
//!   fields land in each struct's [`extra::Extra`] (whose `Debug` hides tokens and secrets), and
//!   names Slack may extend (`subtype`, `style`...) keep unknown values as `Other(String)`.
//! - **Block Kit out**: [`blocks`], [`elements`], [`composition`] and [`view`] with builders;
//!   acks and answers in [`response`]; message content shared by all senders in [`compose`].
//! - **Web API**: [`web::Method`] requests with builders and typed responses, and cursor
//!   pagination through [`web::Paginated`] / [`web::Page`].
//!
//! ```
//! use slackline_types::blocks::Block;
//! use slackline_types::compose::Compose;
//! use slackline_types::composition::Text;
//! use slackline_types::elements::Element;
//! use slackline_types::events::Event;
//! use slackline_types::payload::Payload;
//! use slackline_types::web::{chat, Method};
//!
//! let payload = r#"{"type":"event_callback","team_id":"T1","api_app_id":"A1","event_id":"Ev1",
//!     "event_time":1,"event":{"type":"app_mention","user":"U1","text":"<@U0> deploy",
//!     "channel":"C1","ts":"1.5"}}"#;
//! let Payload::EventCallback(callback) = Payload::decode("events_api", payload)? else {
//!     unreachable!()
//! };
//! assert!(matches!(callback.event, Event::AppMention(_)));
//! let reply = chat::PostMessage::new(callback.event.channel().unwrap())
//!     .thread_ts(callback.event.thread_ts().unwrap())
//!     .text("Deploy?")
//!     .block(Block::section(Text::mrkdwn("*Deploy* now?"))
//!         .accessory(Element::button("Go", "deploy_go").primary()));
//! assert_eq!(chat::PostMessage::NAME, "chat.postMessage");
//! assert_eq!(serde_json::to_value(&reply)?["thread_ts"], "1.5");
//! # Ok::<(), serde_json::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]
#![deny(missing_debug_implementations)]

mod names;
mod tagged;

pub mod blocks;
pub mod command;
pub mod compose;
pub mod composition;
pub mod elements;
pub mod events;
pub mod extra;
pub mod interactive;
pub mod objects;
pub mod payload;
pub mod response;
pub mod view;
pub mod web;
