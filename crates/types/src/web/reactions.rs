//! `reactions.add` / `reactions.remove`.

use serde::{Deserialize, Serialize};

use crate::web::{method, Empty};

/// An emoji reaction on a message: the arguments of both methods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// The conversation.
    pub channel: String,
    /// The message's `ts`.
    pub timestamp: String,
    /// The emoji's name, without colons.
    pub name: String,
}

impl Reaction {
    /// Reaction `name` on message `timestamp` in `channel`.
    pub fn new(
        channel: impl Into<String>,
        timestamp: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Reaction {
            channel: channel.into(),
            timestamp: timestamp.into(),
            name: name.into(),
        }
    }

    /// As `reactions.add`.
    pub fn add(self) -> Add {
        Add(self)
    }

    /// As `reactions.remove`.
    pub fn remove(self) -> Remove {
        Remove(self)
    }
}

/// `reactions.add`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Add(pub Reaction);

/// `reactions.remove`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Remove(pub Reaction);

method!(Add => "reactions.add", Empty);
method!(Remove => "reactions.remove", Empty);
