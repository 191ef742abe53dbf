//! Slack's objects, as events, payloads and Web API responses carry them: messages,
//! conversations, users, files, teams, bots and user groups.
//!
//! Each models the fields a bot commonly reads; the rest stay in its `extra`. Fields are
//! optional unless Slack always sends them, so a partial object (`{"id": "U1"}`) decodes too.

mod conversation;
mod file;
mod message;
mod team;
mod user;

pub use conversation::{Conversation, Topic};
pub use file::File;
pub use message::{Edited, Message, MessageSubtype, ReactionCount};
pub use team::{Bot, Team, Usergroup};
pub use user::{Profile, User};
