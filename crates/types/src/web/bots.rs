//! `bots.info`.

use serde::{Deserialize, Serialize};

use crate::objects::Bot;
use crate::web::method;

/// `bots.info`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// The bot (`B…`).
    pub bot: String,
}

impl Info {
    /// About `bot`.
    pub fn new(bot: impl Into<String>) -> Self {
        Info { bot: bot.into() }
    }
}

/// `bots.info`'s response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// The bot.
    #[serde(default)]
    pub bot: Bot,
}

method!(Info => "bots.info", InfoResponse, Form);
