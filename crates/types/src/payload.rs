//! [`Payload`]: one way in, from an envelope's type and payload text to a typed payload.
//!
//! A driver that knows the envelope type can also decode straight into [`EventCallback`],
//! [`Interactive`] or [`SlashCommand`] (e.g. `envelope.payload::<Interactive>()` with the core's
//! `Envelope`); `Payload::decode` does that choice for it. Nothing is decoded until asked, so an
//! envelope nobody looks at costs nothing here.

use serde_json::Value;

use crate::command::SlashCommand;
use crate::events::EventCallback;
use crate::interactive::Interactive;

/// A Socket Mode envelope's payload, by envelope type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// `events_api`.
    EventCallback(Box<EventCallback>),
    /// `interactive`.
    Interactive(Interactive),
    /// `slash_commands`.
    SlashCommand(Box<SlashCommand>),
    /// An envelope type this version does not know, with its payload as received.
    Other(Value),
}

impl Payload {
    /// Decodes `payload` (JSON text) as the payload of an envelope of `envelope_type`.
    pub fn decode(envelope_type: &str, payload: &str) -> serde_json::Result<Payload> {
        Ok(match envelope_type {
            "events_api" => Payload::EventCallback(serde_json::from_str(payload)?),
            "interactive" => Payload::Interactive(serde_json::from_str(payload)?),
            "slash_commands" => Payload::SlashCommand(serde_json::from_str(payload)?),
            _ => Payload::Other(serde_json::from_str(payload)?),
        })
    }

    /// The routing key: the event's `type`, the interactive payload's `type`, the command.
    pub fn route(&self) -> &str {
        match self {
            Payload::EventCallback(callback) => callback.event.type_name(),
            Payload::Interactive(interactive) => interactive.type_name(),
            Payload::SlashCommand(command) => &command.command,
            Payload::Other(_) => "",
        }
    }
}
