//! The workspace the Web API answers from: channels (with members and messages, threads,
//! reactions, pins), users, DMs, views, trigger ids, file uploads and scheduled messages.
//!
//! Lookups follow Slack's rules: private conversations are invisible to non-members
//! (`channel_not_found`), a message is found by its `ts` (`message_not_found`), and in the
//! default lenient mode a well-formed id the fake never heard of is taken as existing (see
//! [`WorkspaceSettings::strict`](crate::script::WorkspaceSettings)).

mod render;
mod seed;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use slackline::{Instant, TokenKind};

use super::reply::ApiError;
use crate::script::{is_conversation_id, is_user_id, TeamInfo};

/// Unix seconds are taken as at most this (the year 5138), so that dates never overflow.
const MAX_EPOCH: u64 = 100_000_000_000;

/// Slack's trigger ids are good for 3 seconds.
pub(crate) const TRIGGER_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3);

/// What kind of conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConvKind {
    Public,
    Private,
    Im,
    Mpim,
}

impl ConvKind {
    /// The scope family: `channels`, `groups`, `im` or `mpim`.
    pub(crate) fn scope_family(self) -> &'static str {
        match self {
            ConvKind::Public => "channels",
            ConvKind::Private => "groups",
            ConvKind::Im => "im",
            ConvKind::Mpim => "mpim",
        }
    }

    /// The name `conversations.list` filters by.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            ConvKind::Public => "public_channel",
            ConvKind::Private => "private_channel",
            ConvKind::Im => "im",
            ConvKind::Mpim => "mpim",
        }
    }
}

/// A conversation.
#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: ConvKind,
    pub(crate) archived: bool,
    pub(crate) general: bool,
    pub(crate) created: i64,
    pub(crate) creator: String,
    pub(crate) topic: String,
    pub(crate) purpose: String,
    pub(crate) members: BTreeSet<String>,
    /// DMs: the other user.
    pub(crate) im_user: Option<String>,
    /// Messages and thread replies, by `ts`.
    pub(crate) messages: BTreeMap<u64, Message>,
}

/// A message (a thread reply too).
#[derive(Clone, Debug, Default)]
pub(crate) struct Message {
    pub(crate) ts: String,
    pub(crate) user: String,
    pub(crate) bot_id: Option<String>,
    pub(crate) app_id: Option<String>,
    pub(crate) text: String,
    pub(crate) blocks: Option<Value>,
    pub(crate) attachments: Option<Value>,
    pub(crate) metadata: Option<Value>,
    pub(crate) files: Vec<Value>,
    pub(crate) subtype: Option<String>,
    /// Replies: the parent's `ts`. Parents: their own, once they have replies.
    pub(crate) thread_ts: Option<String>,
    /// Parents: their replies.
    pub(crate) replies: BTreeSet<u64>,
    /// A reply also shown in the channel.
    pub(crate) broadcast: bool,
    /// Who edited it last, and when.
    pub(crate) edited: Option<(String, String)>,
    /// Reaction name and who reacted, in order.
    pub(crate) reactions: Vec<(String, Vec<String>)>,
    pub(crate) pinned: bool,
    /// A deleted parent kept for its replies.
    pub(crate) tombstone: bool,
}

impl Message {
    /// A reply in a thread (not the parent).
    pub(crate) fn is_reply(&self) -> bool {
        self.thread_ts.as_deref().is_some_and(|t| t != self.ts)
    }

    /// What `conversations.history` shows: parents, plain messages, broadcast replies.
    pub(crate) fn in_history(&self) -> bool {
        !self.is_reply() || self.broadcast
    }
}

/// A user.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) real_name: String,
    pub(crate) email: String,
    pub(crate) is_bot: bool,
    pub(crate) bot_id: Option<String>,
    pub(crate) deleted: bool,
    pub(crate) is_admin: bool,
    pub(crate) is_owner: bool,
    pub(crate) updated: i64,
}

/// A view Slack shows, as the Web API last returned it.
#[derive(Clone, Debug)]
pub(crate) struct View {
    pub(crate) id: String,
    /// The view object (with `id`, `hash`, `state`...).
    pub(crate) body: Value,
    pub(crate) hash: String,
    pub(crate) external_id: Option<String>,
    /// Modals: how many views are under it on its stack (0 for a root).
    pub(crate) depth: u32,
    pub(crate) root_view_id: String,
    /// Home tabs: whose.
    pub(crate) home_of: Option<String>,
}

/// A trigger id from a payload the fake delivered.
#[derive(Clone, Debug)]
pub(crate) struct Trigger {
    pub(crate) issued_at: Instant,
    pub(crate) used: bool,
    /// The view the interaction happened in (for `views.push`).
    pub(crate) view_id: Option<String>,
}

/// A file upload (`files.getUploadURLExternal` and after).
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub(crate) file_id: String,
    /// The secret part of the upload URL.
    pub(crate) key: String,
    pub(crate) filename: String,
    pub(crate) length: u64,
    pub(crate) user: String,
    pub(crate) created: i64,
    pub(crate) received: Option<u64>,
    pub(crate) title: Option<String>,
    pub(crate) completed: bool,
    pub(crate) shared_in: Option<String>,
    pub(crate) reserved_ms: u64,
}

/// A message waiting for its `post_at`.
#[derive(Clone, Debug)]
pub(crate) struct Scheduled {
    pub(crate) channel: String,
    pub(crate) post_at: i64,
    pub(crate) message: Message,
}

/// Who makes a call.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) kind: TokenKind,
    pub(crate) user: String,
    pub(crate) bot_id: Option<String>,
    pub(crate) app_id: Option<String>,
}

/// The workspace. See the module documentation.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) strict: bool,
    pub(crate) team: TeamInfo,
    pub(crate) app_id: String,
    pub(crate) channels: BTreeMap<String, Channel>,
    pub(crate) users: BTreeMap<String, User>,
    /// DMs and group DMs by their sorted member ids.
    pub(crate) dms: BTreeMap<Vec<String>, String>,
    pub(crate) views: BTreeMap<String, View>,
    pub(crate) triggers: BTreeMap<String, Trigger>,
    pub(crate) uploads: Vec<Upload>,
    pub(crate) scheduled: Vec<Scheduled>,
    pub(crate) emoji: BTreeMap<String, String>,
    pub(crate) bot_scopes: Vec<String>,
    pub(crate) user_scopes: Vec<String>,
    /// Who user tokens belong to.
    pub(crate) token_user: String,
    /// Unix seconds at the start (at most [`MAX_EPOCH`]).
    pub(crate) epoch: u64,
    counter: u64,
}

/// A message `ts` as a sortable number of microseconds; `None` if it is not one.
pub(crate) fn ts_key(ts: &str) -> Option<u64> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    if secs.is_empty() || secs.len() > 12 || frac.len() > 6 {
        return None;
    }
    if !secs.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = secs.parse().ok()?;
    let micros: u64 = format!("{frac:0<6}").parse().ok()?;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// The `ts` of a key.
pub(crate) fn key_ts(key: u64) -> String {
    format!("{}.{:06}", key / 1_000_000, key % 1_000_000)
}

/// An empty conversation named after its id.
pub(crate) fn seed_channel(id: &str, kind: ConvKind, created: i64) -> Channel {
    seed::channel(id, &id.to_lowercase(), kind, created, "U0ALICE")
}

/// A user named after their id.
pub(crate) fn seed_user(id: &str, epoch: u64) -> User {
    seed::plain_user(id, &id.to_lowercase(), None, epoch)
}

impl Workspace {
    /// Unix seconds at the start.
    pub(crate) fn start_secs(&self) -> i64 {
        self.epoch.min(MAX_EPOCH) as i64
    }

    /// A fresh id: `prefix` and ten capitals or digits, the same on every run.
    pub(crate) fn new_id(&mut self, prefix: char) -> String {
        self.counter += 1;
        format!("{prefix}0{:09}", self.counter)
    }

    /// A view `hash`, like Slack's `1700000000.Xy12ab34`.
    pub(crate) fn new_hash(&mut self, unix: i64) -> String {
        self.counter += 1;
        format!(
            "{unix}.{:08x}",
            self.counter.wrapping_mul(0x9E37_79B9) & 0xffff_ffff
        )
    }

    /// The caller for a token kind: the bot user, or the user user tokens belong to.
    pub(crate) fn caller(&self, kind: TokenKind) -> Caller {
        match kind {
            TokenKind::User => Caller {
                kind,
                user: self.token_user.clone(),
                bot_id: None,
                app_id: None,
            },
            _ => Caller {
                kind,
                user: self.team.bot_user_id.clone(),
                bot_id: Some(self.team.bot_id.clone()),
                app_id: Some(self.app_id.clone()),
            },
        }
    }

    /// The scopes of a token kind.
    pub(crate) fn scopes(&self, kind: TokenKind) -> &[String] {
        match kind {
            TokenKind::User => &self.user_scopes,
            _ => &self.bot_scopes,
        }
    }

    /// `missing_scope` unless the caller's token has `scope`.
    pub(crate) fn require(&self, caller: &Caller, scope: &str) -> Result<(), ApiError> {
        let scopes = self.scopes(caller.kind);
        if scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::missing_scope(scope, scopes))
        }
    }

    // ----- users -----

    /// A user by id (adopting a well-formed unknown id unless strict).
    pub(crate) fn user(&mut self, id: &str) -> Result<&User, ApiError> {
        if !self.users.contains_key(id) {
            if self.strict || !is_user_id(id) {
                return Err(ApiError::new("user_not_found"));
            }
            let user = seed::plain_user(id, &id.to_lowercase(), None, self.epoch);
            self.users.insert(id.to_owned(), user);
        }
        self.users
            .get(id)
            .ok_or_else(|| ApiError::new("user_not_found"))
    }

    // ----- conversations -----

    /// The id of the conversation `name` names (an id, or a channel name with or without
    /// `#`), visible to `caller`: `channel_not_found` otherwise. Unknown well-formed ids are
    /// adopted as conversations the bot is in, unless strict.
    pub(crate) fn conversation(&mut self, name: &str, caller: &Caller) -> Result<String, ApiError> {
        let name = name.trim();
        let id = if self.channels.contains_key(name) {
            name.to_owned()
        } else if let Some(found) = self.by_name(name.trim_start_matches('#')) {
            found
        } else if !self.strict && is_conversation_id(name) {
            self.adopt(name, caller);
            name.to_owned()
        } else {
            return Err(ApiError::new("channel_not_found"));
        };
        let channel = self
            .channels
            .get(&id)
            .ok_or_else(|| ApiError::new("channel_not_found"))?;
        if channel.kind != ConvKind::Public && !channel.members.contains(&caller.user) {
            return Err(ApiError::new("channel_not_found"));
        }
        Ok(id)
    }

    /// Like [`conversation`](Self::conversation), and the caller must be a member
    /// (`not_in_channel`).
    pub(crate) fn joined(&mut self, name: &str, caller: &Caller) -> Result<String, ApiError> {
        let id = self.conversation(name, caller)?;
        if !self.channel(&id)?.members.contains(&caller.user) {
            return Err(ApiError::new("not_in_channel"));
        }
        Ok(id)
    }

    fn by_name(&self, name: &str) -> Option<String> {
        if name.is_empty() {
            return None;
        }
        self.channels
            .values()
            .find(|c| c.name == name && matches!(c.kind, ConvKind::Public | ConvKind::Private))
            .map(|c| c.id.clone())
    }

    fn adopt(&mut self, id: &str, caller: &Caller) {
        let kind = match id.chars().next() {
            Some('D') => ConvKind::Im,
            Some('G') => ConvKind::Private,
            _ => ConvKind::Public,
        };
        // The bot and the caller only: a workspace filled with thousands of users would make
        // every made-up id cost as much.
        let members = BTreeSet::from([self.team.bot_user_id.clone(), caller.user.clone()]);
        let created = self.start_secs() - 86_400;
        let mut channel = seed::channel(id, &id.to_lowercase(), kind, created, &self.token_user);
        channel.members = members;
        self.channels.insert(id.to_owned(), channel);
    }

    /// Ids of the users who are people (not bots, not deactivated, not Slackbot).
    pub(crate) fn humans(&self) -> Vec<String> {
        self.users
            .values()
            .filter(|u| !u.is_bot && !u.deleted && u.id != "USLACKBOT")
            .map(|u| u.id.clone())
            .collect()
    }

    pub(crate) fn channel(&self, id: &str) -> Result<&Channel, ApiError> {
        self.channels
            .get(id)
            .ok_or_else(|| ApiError::new("channel_not_found"))
    }

    pub(crate) fn channel_mut(&mut self, id: &str) -> Result<&mut Channel, ApiError> {
        self.channels
            .get_mut(id)
            .ok_or_else(|| ApiError::new("channel_not_found"))
    }

    /// The DM (one other user) or group DM (more) of `caller` with `users`, opened if needed;
    /// the id, and whether it was open already.
    pub(crate) fn open_dm(&mut self, caller: &Caller, users: &[String]) -> (String, bool) {
        let mut key: Vec<String> = users.to_vec();
        key.push(caller.user.clone());
        key.sort();
        key.dedup();
        if let Some(id) = self.dms.get(&key) {
            return (id.clone(), true);
        }
        let others: Vec<&String> = key.iter().filter(|u| **u != caller.user).collect();
        let created = self.start_secs();
        let channel = if others.len() <= 1 {
            let other = others
                .first()
                .map_or_else(|| caller.user.clone(), |u| (*u).clone());
            let id = self.new_id('D');
            let mut c = seed::channel(&id, &id, ConvKind::Im, created, &caller.user);
            c.im_user = Some(other);
            c
        } else {
            let id = self.new_id('G');
            let names: Vec<String> = key
                .iter()
                .map(|u| {
                    self.users
                        .get(u)
                        .map_or_else(|| u.to_lowercase(), |u| u.name.clone())
                })
                .collect();
            let name = format!("mpdm-{}-1", names.join("--"));
            seed::channel(&id, &name, ConvKind::Mpim, created, &caller.user)
        };
        let id = channel.id.clone();
        let mut channel = channel;
        channel.members = key.iter().cloned().collect();
        self.channels.insert(id.clone(), channel);
        self.dms.insert(key, id.clone());
        (id, false)
    }

    // ----- messages -----

    /// Adds `message` to channel `id` (with its `ts` set), threading it under its
    /// `thread_ts` (a reply's parent is the thread's parent).
    pub(crate) fn add_message(&mut self, id: &str, mut message: Message) -> Result<(), ApiError> {
        let key = ts_key(&message.ts).ok_or_else(|| ApiError::new("invalid_ts"))?;
        let channel = self.channel_mut(id)?;
        if let Some(thread) = message.thread_ts.clone() {
            let parent_key =
                ts_key(&thread)
                    .and_then(|k| channel.messages.get(&k))
                    .map(|p| match (&p.thread_ts, p.is_reply()) {
                        (Some(t), true) => ts_key(t),
                        _ => ts_key(&p.ts),
                    });
            match parent_key.flatten() {
                Some(pk) if pk != key => {
                    if let Some(parent) = channel.messages.get_mut(&pk) {
                        parent.replies.insert(key);
                        parent.thread_ts = Some(parent.ts.clone());
                        message.thread_ts = Some(parent.ts.clone());
                    }
                }
                // A thread the fake does not know: kept as written.
                _ => {}
            }
        }
        channel.messages.insert(key, message);
        Ok(())
    }

    /// The message `ts` in channel `id`.
    pub(crate) fn message(&self, id: &str, ts: &str) -> Result<&Message, ApiError> {
        let key = ts_key(ts).ok_or_else(|| ApiError::new("message_not_found"))?;
        self.channel(id)?
            .messages
            .get(&key)
            .filter(|m| !m.tombstone)
            .ok_or_else(|| ApiError::new("message_not_found"))
    }

    pub(crate) fn message_mut(&mut self, id: &str, ts: &str) -> Result<&mut Message, ApiError> {
        let key = ts_key(ts).ok_or_else(|| ApiError::new("message_not_found"))?;
        self.channel_mut(id)?
            .messages
            .get_mut(&key)
            .filter(|m| !m.tombstone)
            .ok_or_else(|| ApiError::new("message_not_found"))
    }

    /// Deletes message `ts`: a parent with replies stays as a tombstone, a reply leaves its
    /// thread.
    pub(crate) fn delete_message(&mut self, id: &str, ts: &str) -> Result<(), ApiError> {
        let key = ts_key(ts).ok_or_else(|| ApiError::new("message_not_found"))?;
        let channel = self.channel_mut(id)?;
        let message = channel
            .messages
            .get(&key)
            .filter(|m| !m.tombstone)
            .ok_or_else(|| ApiError::new("message_not_found"))?;
        let parent = message
            .thread_ts
            .as_deref()
            .filter(|_| message.is_reply())
            .and_then(ts_key);
        if !message.replies.is_empty() {
            if let Some(m) = channel.messages.get_mut(&key) {
                *m = Message {
                    ts: m.ts.clone(),
                    user: "USLACKBOT".into(),
                    text: "This message was deleted.".into(),
                    subtype: Some("tombstone".into()),
                    thread_ts: m.thread_ts.clone(),
                    replies: std::mem::take(&mut m.replies),
                    tombstone: true,
                    ..Message::default()
                };
            }
            return Ok(());
        }
        channel.messages.remove(&key);
        if let Some(p) = parent {
            if let Some(parent) = channel.messages.get_mut(&p) {
                parent.replies.remove(&key);
                // A tombstone goes with its last reply.
                if parent.tombstone && parent.replies.is_empty() {
                    channel.messages.remove(&p);
                }
            }
        }
        Ok(())
    }

    /// Posts the scheduled messages whose time has come (`now` in unix microseconds).
    pub(crate) fn settle(&mut self, now_micros: u64) {
        let due: Vec<Scheduled>;
        (due, self.scheduled) = std::mem::take(&mut self.scheduled)
            .into_iter()
            .partition(|s| (s.post_at.max(0) as u64).saturating_mul(1_000_000) <= now_micros);
        for s in due {
            let Some(channel) = self.channels.get(&s.channel) else {
                continue;
            };
            let mut key = (s.post_at.max(0) as u64).saturating_mul(1_000_000);
            while channel.messages.contains_key(&key) && key < u64::MAX {
                key += 1;
            }
            let mut message = s.message;
            message.ts = key_ts(key);
            let _ = self.add_message(&s.channel, message);
        }
    }
}

#[cfg(test)]
mod tests;
