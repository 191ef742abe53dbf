//! The header's `workspace`: the channels, users and messages the Web API answers from, how
//! many more to generate for pagination, and the scopes each kind of token has.

use serde::Deserialize;

/// Most channels `fill` may generate.
pub const MAX_FILL_CHANNELS: u32 = 10_000;
/// Most users `fill` may generate.
pub const MAX_FILL_USERS: u32 = 50_000;
/// Most messages (or thread replies) `fill` may generate.
pub const MAX_FILL_MESSAGES: u32 = 50_000;

/// The workspace the fake's Web API answers from (the header's `workspace`). Besides what is
/// listed here the fake always has `#general` (`C0GENERAL`, the bot a member), `#random`
/// (`C0RANDOM`, the bot not a member), the users `U0ALICE` and `U0BOB`, the bot user of the
/// header's `team`, a few custom emoji and user groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkspaceSettings {
    /// Ids the fake does not know are errors (`channel_not_found`, `user_not_found`,
    /// `invalid_trigger_id`, `not_found`). By default a well-formed id the fake has not heard
    /// of (`C…`/`G…`/`D…`, `U…`/`W…`, a view id or trigger id) is taken as existing, so that
    /// clients posting to made-up channels keep working.
    pub strict: bool,
    /// Channels besides the default ones (one with a default's id replaces it).
    pub channels: Vec<ChannelSeed>,
    /// Users besides the default ones (one with a default's id replaces it).
    pub users: Vec<UserSeed>,
    /// Messages already in the channels when the script starts.
    pub messages: Vec<MessageSeed>,
    /// Generated channels, users and messages, to paginate over.
    pub fill: Fill,
    /// The scopes of bot tokens (`None`: every scope the fake's methods need).
    pub bot_scopes: Option<Vec<String>>,
    /// The scopes of user tokens (`None`: every scope the fake's methods need).
    pub user_scopes: Option<Vec<String>>,
}

/// A channel of the workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelSeed {
    /// `C…` (or `G…` for an old-style private channel).
    pub id: String,
    /// The name, without `#`.
    pub name: String,
    /// A private channel.
    pub private: bool,
    /// Archived (posting answers `is_archived`).
    pub archived: bool,
    /// The bot is a member (default true; false makes `not_in_channel` until
    /// `conversations.join`).
    pub bot_member: bool,
    /// Members besides the bot (default: every human user of the workspace).
    pub members: Option<Vec<String>>,
    /// The topic.
    pub topic: String,
    /// The purpose.
    pub purpose: String,
}

/// A user of the workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSeed {
    /// `U…` or `W…`.
    pub id: String,
    /// The handle.
    pub name: String,
    /// The full name (default: the handle).
    pub real_name: Option<String>,
    /// The email address (`users.lookupByEmail`; default `<name>@example.com`).
    pub email: Option<String>,
    /// A bot user.
    pub is_bot: bool,
    /// Deactivated.
    pub deleted: bool,
    /// A workspace admin.
    pub is_admin: bool,
}

/// A message already in a channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessageSeed {
    /// The channel's id.
    pub channel: String,
    /// The author.
    pub user: String,
    /// The text.
    pub text: String,
    /// Its `ts` (default: one second after the previous seeded message, before the start).
    pub ts: Option<String>,
    /// The thread it replies in.
    pub thread_ts: Option<String>,
}

/// How much to generate (the header's `workspace.fill`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fill {
    /// Public channels `fill-00001`… (`C0FILL00001`…), the bot not a member.
    pub channels: u32,
    /// Users `user00001`… (`U0FILL00001`…), members of `#general`.
    pub users: u32,
    /// Messages in `#general`, one a second before the start.
    pub messages: u32,
    /// Replies in a thread under the newest generated message of `#general`.
    pub replies: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkspaceLine {
    strict: Option<bool>,
    #[serde(default)]
    channels: Vec<ChannelLine>,
    #[serde(default)]
    users: Vec<UserLine>,
    #[serde(default)]
    messages: Vec<MessageLine>,
    fill: Option<FillLine>,
    scopes: Option<ScopesLine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelLine {
    id: String,
    name: Option<String>,
    private: Option<bool>,
    archived: Option<bool>,
    member: Option<bool>,
    members: Option<Vec<String>>,
    topic: Option<String>,
    purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserLine {
    id: String,
    name: Option<String>,
    real_name: Option<String>,
    email: Option<String>,
    is_bot: Option<bool>,
    deleted: Option<bool>,
    is_admin: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageLine {
    channel: String,
    user: String,
    text: String,
    ts: Option<String>,
    thread_ts: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FillLine {
    channels: Option<u32>,
    users: Option<u32>,
    messages: Option<u32>,
    replies: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopesLine {
    bot: Option<Vec<String>>,
    user: Option<Vec<String>>,
}

/// A conversation id as Slack writes them: `C`, `G` or `D` and capital letters or digits.
pub(crate) fn is_conversation_id(id: &str) -> bool {
    id_with_prefix(id, &['C', 'G', 'D'])
}

/// A user id as Slack writes them: `U` or `W` and capital letters or digits.
pub(crate) fn is_user_id(id: &str) -> bool {
    id_with_prefix(id, &['U', 'W'])
}

fn id_with_prefix(id: &str, prefixes: &[char]) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| prefixes.contains(&c))
        && id.len() > 1
        && id.len() <= 32
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl WorkspaceLine {
    pub(super) fn into_settings(self) -> Result<WorkspaceSettings, String> {
        let mut channels = Vec::new();
        for c in self.channels {
            if !is_conversation_id(&c.id) || c.id.starts_with('D') {
                return Err(format!(
                    "`workspace.channels`: {:?} is not a channel id (`C…` or `G…`, capitals and digits)",
                    c.id
                ));
            }
            channels.push(ChannelSeed {
                name: c.name.unwrap_or_else(|| c.id.to_lowercase()),
                id: c.id,
                private: c.private.unwrap_or(false),
                archived: c.archived.unwrap_or(false),
                bot_member: c.member.unwrap_or(true),
                members: c.members,
                topic: c.topic.unwrap_or_default(),
                purpose: c.purpose.unwrap_or_default(),
            });
        }
        let mut users = Vec::new();
        for u in self.users {
            if !is_user_id(&u.id) {
                return Err(format!(
                    "`workspace.users`: {:?} is not a user id (`U…` or `W…`, capitals and digits)",
                    u.id
                ));
            }
            users.push(UserSeed {
                name: u.name.unwrap_or_else(|| u.id.to_lowercase()),
                id: u.id,
                real_name: u.real_name,
                email: u.email,
                is_bot: u.is_bot.unwrap_or(false),
                deleted: u.deleted.unwrap_or(false),
                is_admin: u.is_admin.unwrap_or(false),
            });
        }
        let messages = self
            .messages
            .into_iter()
            .map(|m| MessageSeed {
                channel: m.channel,
                user: m.user,
                text: m.text,
                ts: m.ts,
                thread_ts: m.thread_ts,
            })
            .collect();
        let fill = match self.fill {
            None => Fill::default(),
            Some(f) => {
                let bounded = |name: &str, value: Option<u32>, max: u32| match value {
                    Some(v) if v > max => Err(format!("`workspace.fill.{name}` is at most {max}")),
                    v => Ok(v.unwrap_or(0)),
                };
                Fill {
                    channels: bounded("channels", f.channels, MAX_FILL_CHANNELS)?,
                    users: bounded("users", f.users, MAX_FILL_USERS)?,
                    messages: bounded("messages", f.messages, MAX_FILL_MESSAGES)?,
                    replies: bounded("replies", f.replies, MAX_FILL_MESSAGES)?,
                }
            }
        };
        let (bot_scopes, user_scopes) = match self.scopes {
            None => (None, None),
            Some(s) => (s.bot, s.user),
        };
        Ok(WorkspaceSettings {
            strict: self.strict.unwrap_or(false),
            channels,
            users,
            messages,
            fill,
            bot_scopes,
            user_scopes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_slacks() {
        assert!(is_conversation_id("C1") && is_conversation_id("D0AB12"));
        assert!(
            !is_conversation_id("c1")
                && !is_conversation_id("C")
                && !is_conversation_id("#general")
        );
        assert!(is_user_id("U0ALICE") && is_user_id("W12"));
        assert!(!is_user_id("U-1") && !is_user_id("B1"));
    }
}
