//! `pins.add`.

use serde::{Deserialize, Serialize};

use crate::web::{method, Empty};

/// `pins.add`: pins a message to its conversation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Add {
    /// The conversation.
    pub channel: String,
    /// The message's `ts`.
    pub timestamp: String,
}

impl Add {
    /// Pins message `timestamp` in `channel`.
    pub fn new(channel: impl Into<String>, timestamp: impl Into<String>) -> Self {
        Add {
            channel: channel.into(),
            timestamp: timestamp.into(),
        }
    }
}

method!(Add => "pins.add", Empty);
