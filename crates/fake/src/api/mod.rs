//! The Web API a bot calls, answered from a [`Workspace`](workspace::Workspace) with the bodies
//! of Slack's documentation and its argument errors. One module per method family; arguments
//! are read the same way from JSON and form bodies ([`args`]); scripts can stub any method
//! ([`stubs`]) and every call is recorded ([`calls`]).
//!
//! Handlers are plain functions of the workspace, a [`Ctx`] (time, caller) and the arguments,
//! returning the fields of the `ok: true` body or Slack's error; `FakeSlack` does the token
//! checks, scripted failures and stubs before, and the records after.

pub(crate) mod args;
mod blocks;
pub(crate) mod calls;
mod chat;
mod conversations;
mod files;
mod learn;
mod page;
mod reactions;
pub(crate) mod reply;
pub(crate) mod stubs;
mod team;
mod users;
mod views;
pub(crate) mod workspace;

use slackline::Instant;

use crate::ids::IdGen;
use args::Args;
use reply::Answer;
use workspace::{Caller, Workspace};

pub(crate) use files::receive_upload as files_receive_upload;
pub(crate) use learn::learn_from_payload;

/// The methods answered here, and whether each reads form arguments only (Slack's read
/// methods ignore a JSON body: they answer as if no argument was given).
pub(crate) const METHODS: [(&str, bool); 30] = [
    ("auth.test", true),
    ("bots.info", true),
    ("chat.delete", false),
    ("chat.getPermalink", true),
    ("chat.postEphemeral", false),
    ("chat.postMessage", false),
    ("chat.scheduleMessage", false),
    ("chat.update", false),
    ("conversations.history", true),
    ("conversations.info", true),
    ("conversations.join", false),
    ("conversations.list", true),
    ("conversations.members", true),
    ("conversations.open", false),
    ("conversations.replies", true),
    ("emoji.list", true),
    ("files.completeUploadExternal", false),
    ("files.getUploadURLExternal", true),
    ("pins.add", false),
    ("reactions.add", false),
    ("reactions.remove", false),
    ("team.info", true),
    ("usergroups.list", true),
    ("users.info", true),
    ("users.list", true),
    ("users.lookupByEmail", true),
    ("views.open", false),
    ("views.publish", false),
    ("views.push", false),
    ("views.update", false),
];

/// Whether the fake answers `method` here.
pub(crate) fn is_known(method: &str) -> bool {
    METHODS.iter().any(|(name, _)| *name == method)
}

/// Whether `method` reads form arguments only.
pub(crate) fn form_only(method: &str) -> bool {
    METHODS.iter().any(|(name, form)| *name == method && *form)
}

/// What a handler knows besides the workspace and the arguments.
pub(crate) struct Ctx<'a> {
    /// Now.
    pub(crate) now: Instant,
    /// Who calls.
    pub(crate) caller: Caller,
    /// Where upload URLs point (`http://127.0.0.1:PORT`).
    pub(crate) files_base_url: &'a str,
    /// Milliseconds since the start (for reports).
    pub(crate) at_ms: u64,
    ids: &'a mut IdGen,
    epoch: u64,
    start: Instant,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        now: Instant,
        caller: Caller,
        ids: &'a mut IdGen,
        epoch: u64,
        start: Instant,
        files_base_url: &'a str,
    ) -> Self {
        let at_ms =
            u64::try_from(now.saturating_duration_since(start).as_millis()).unwrap_or(u64::MAX);
        Ctx {
            now,
            caller,
            files_base_url,
            at_ms,
            ids,
            epoch,
            start,
        }
    }

    /// A fresh message `ts` for now (strictly increasing).
    pub(crate) fn ts(&mut self) -> String {
        self.ids.ts(self.epoch, self.start, self.now)
    }

    /// A fresh opaque key (upload URLs).
    pub(crate) fn key(&mut self) -> String {
        self.ids.uuid().replace('-', "")
    }

    /// Unix time now, in microseconds.
    pub(crate) fn unix_micros(&self) -> u64 {
        let elapsed = self.now.saturating_duration_since(self.start);
        self.epoch
            .saturating_mul(1_000_000)
            .saturating_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX / 2))
    }

    /// Unix time now, in seconds.
    pub(crate) fn unix(&self) -> i64 {
        i64::try_from(self.unix_micros() / 1_000_000).unwrap_or(i64::MAX)
    }
}

/// Answers `method` (one of [`METHODS`]); `None` for any other.
pub(crate) fn call(
    ws: &mut Workspace,
    cx: &mut Ctx<'_>,
    method: &str,
    args: &Args,
) -> Option<Answer> {
    ws.settle(cx.unix_micros());
    let (family, _) = method.split_once('.')?;
    match family {
        "chat" => chat::call(ws, cx, method, args),
        "conversations" => conversations::call(ws, cx, method, args),
        "users" => users::call(ws, cx, method, args),
        "views" => views::call(ws, cx, method, args),
        "files" => files::call(ws, cx, method, args),
        "reactions" | "pins" => reactions::call(ws, cx, method, args),
        "auth" | "team" | "bots" | "emoji" | "usergroups" => team::call(ws, cx, method, args),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing;
