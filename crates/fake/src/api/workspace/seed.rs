//! The workspace at the start: the defaults, what the script's header adds, and the generated
//! fill.

use std::collections::{BTreeMap, BTreeSet};

use super::{key_ts, ts_key, Channel, ConvKind, Message, User, Workspace};
use crate::script::{ScriptHeader, UserSeed};
use slackline::TokenKind;

/// Every scope the fake's methods need but the one that joins channels, which differs by token
/// kind (see [`default_scopes`]).
const SCOPES: [&str; 19] = [
    "channels:history",
    "channels:read",
    "chat:write",
    "emoji:read",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "pins:write",
    "reactions:write",
    "team:read",
    "usergroups:read",
    "users:read",
    "users:read.email",
];

/// Every scope the fake's methods need, sorted: bots join channels with `channels:join`,
/// users with `channels:write`.
fn default_scopes(kind: TokenKind) -> Vec<String> {
    let join = match kind {
        TokenKind::User => "channels:write",
        _ => "channels:join",
    };
    let mut scopes: Vec<String> = SCOPES
        .iter()
        .chain([&join])
        .map(|s| (*s).to_owned())
        .collect();
    scopes.sort_unstable();
    scopes
}

const DAY: i64 = 86_400;

/// A person's account.
pub(crate) fn plain_user(id: &str, name: &str, real_name: Option<&str>, epoch: u64) -> User {
    User {
        id: id.to_owned(),
        name: name.to_owned(),
        real_name: real_name.map_or_else(|| name.to_owned(), str::to_owned),
        email: format!("{name}@example.com"),
        is_bot: false,
        bot_id: None,
        deleted: false,
        is_admin: false,
        is_owner: false,
        updated: epoch as i64 - 30 * DAY,
    }
}

/// An empty conversation.
pub(crate) fn channel(
    id: &str,
    name: &str,
    kind: ConvKind,
    created: i64,
    creator: &str,
) -> Channel {
    Channel {
        id: id.to_owned(),
        name: name.to_owned(),
        kind,
        archived: false,
        general: false,
        created,
        creator: creator.to_owned(),
        topic: String::new(),
        purpose: String::new(),
        members: BTreeSet::new(),
        im_user: None,
        messages: BTreeMap::new(),
    }
}

impl Workspace {
    /// The workspace a script starts with.
    pub(crate) fn new(header: &ScriptHeader) -> Workspace {
        let settings = &header.workspace;
        let team = header.team.clone();
        let epoch = header.epoch.min(super::MAX_EPOCH);
        let mut users = BTreeMap::new();
        let mut bot = plain_user(&team.bot_user_id, &team.bot_name, None, epoch);
        bot.is_bot = true;
        bot.bot_id = Some(team.bot_id.clone());
        bot.email = String::new();
        let mut slackbot = plain_user("USLACKBOT", "slackbot", Some("Slackbot"), epoch);
        slackbot.email = String::new();
        let mut alice = plain_user("U0ALICE", "alice", Some("Alice Example"), epoch);
        alice.is_admin = true;
        alice.is_owner = true;
        let bob = plain_user("U0BOB", "bob", Some("Bob Example"), epoch);
        for user in [bot, slackbot, alice, bob] {
            users.insert(user.id.clone(), user);
        }
        for seed in &settings.users {
            users.insert(seed.id.clone(), user_from(seed, epoch));
        }
        for i in 1..=settings.fill.users {
            let user = plain_user(
                &format!("U0FILL{i:05}"),
                &format!("user{i:05}"),
                None,
                epoch,
            );
            users.insert(user.id.clone(), user);
        }
        let token_user = users
            .values()
            .find(|u| !u.is_bot && !u.deleted && u.id != "USLACKBOT")
            .map_or_else(|| "U0ALICE".to_owned(), |u| u.id.clone());
        let scopes = |given: &Option<Vec<String>>, kind| {
            given.clone().unwrap_or_else(|| default_scopes(kind))
        };
        let mut ws = Workspace {
            strict: settings.strict,
            app_id: header.hello.app_id.clone(),
            channels: BTreeMap::new(),
            users,
            dms: BTreeMap::new(),
            views: BTreeMap::new(),
            triggers: BTreeMap::new(),
            uploads: Vec::new(),
            scheduled: Vec::new(),
            emoji: default_emoji(&team.team_id),
            bot_scopes: scopes(&settings.bot_scopes, TokenKind::Bot),
            user_scopes: scopes(&settings.user_scopes, TokenKind::User),
            token_user,
            epoch,
            counter: 0,
            team,
        };
        let humans: BTreeSet<String> = ws.humans().into_iter().collect();
        let bot_id = ws.team.bot_user_id.clone();
        let created = epoch as i64 - 365 * DAY;
        let mut general = channel("C0GENERAL", "general", ConvKind::Public, created, "U0ALICE");
        general.general = true;
        general.topic = "Company-wide announcements".into();
        general.purpose = "This channel is for workspace-wide communication.".into();
        general.members = humans.clone();
        general.members.insert(bot_id.clone());
        let mut random = channel("C0RANDOM", "random", ConvKind::Public, created, "U0ALICE");
        random.purpose = "A place for non-work banter.".into();
        random.members = humans.clone();
        for c in [general, random] {
            ws.channels.insert(c.id.clone(), c);
        }
        for seed in &settings.channels {
            let kind = if seed.private || seed.id.starts_with('G') {
                ConvKind::Private
            } else {
                ConvKind::Public
            };
            let mut c = channel(&seed.id, &seed.name, kind, created + DAY, "U0ALICE");
            c.archived = seed.archived;
            c.topic = seed.topic.clone();
            c.purpose = seed.purpose.clone();
            c.members = match &seed.members {
                Some(members) => members.iter().cloned().collect(),
                None => humans.clone(),
            };
            if seed.bot_member {
                c.members.insert(bot_id.clone());
            }
            ws.channels.insert(c.id.clone(), c);
        }
        for i in 1..=settings.fill.channels {
            let id = format!("C0FILL{i:05}");
            let c = channel(
                &id,
                &format!("fill-{i:05}"),
                ConvKind::Public,
                created + 2 * DAY + i64::from(i),
                "U0ALICE",
            );
            ws.channels.insert(id, c);
        }
        ws.seed_messages(header);
        ws
    }

    fn seed_messages(&mut self, header: &ScriptHeader) {
        let settings = &header.workspace;
        let start = self.epoch * 1_000_000;
        let fill = u64::from(settings.fill.messages) + u64::from(settings.fill.replies);
        // Seeded messages come first, a second apart, ending before the generated ones.
        let mut next =
            start.saturating_sub((settings.messages.len() as u64 + fill + 1) * 1_000_000);
        for seed in &settings.messages {
            let ts = seed.ts.as_deref().and_then(ts_key).unwrap_or(next);
            next = next.max(ts) + 1_000_000;
            let message = Message {
                ts: key_ts(ts),
                user: seed.user.clone(),
                text: seed.text.clone(),
                thread_ts: seed.thread_ts.clone(),
                ..Message::default()
            };
            let caller = self.caller(slackline::TokenKind::Bot);
            if self.channels.contains_key(&seed.channel) {
                let _ = self.add_message(&seed.channel, message);
            } else if let Ok(id) = self.conversation(&seed.channel, &caller) {
                let _ = self.add_message(&id, message);
            }
        }
        let humans = self.humans();
        let author = |i: u64| {
            humans
                .get(i as usize % humans.len().max(1))
                .cloned()
                .unwrap_or_default()
        };
        let mut parent = None;
        for i in 0..u64::from(settings.fill.messages).max(u64::from(settings.fill.replies > 0)) {
            let ts = key_ts(next + i * 1_000_000);
            let message = Message {
                ts: ts.clone(),
                user: author(i),
                text: format!("message {}", i + 1),
                ..Message::default()
            };
            let _ = self.add_message("C0GENERAL", message);
            parent = Some(ts);
        }
        let Some(parent) = parent else {
            return;
        };
        let base = ts_key(&parent).unwrap_or(next) + 1;
        for i in 0..u64::from(settings.fill.replies) {
            let message = Message {
                ts: key_ts(base + i),
                user: author(i + 1),
                text: format!("reply {}", i + 1),
                thread_ts: Some(parent.clone()),
                ..Message::default()
            };
            let _ = self.add_message("C0GENERAL", message);
        }
    }
}

fn user_from(seed: &UserSeed, epoch: u64) -> User {
    let mut user = plain_user(&seed.id, &seed.name, seed.real_name.as_deref(), epoch);
    if let Some(email) = &seed.email {
        user.email = email.clone();
    }
    user.is_bot = seed.is_bot;
    user.deleted = seed.deleted;
    user.is_admin = seed.is_admin;
    user
}

fn default_emoji(team_id: &str) -> BTreeMap<String, String> {
    let url = |name: &str, hash: &str, ext: &str| {
        format!("https://emoji.slack-edge.com/{team_id}/{name}/{hash}.{ext}")
    };
    BTreeMap::from([
        (
            "slackline".to_owned(),
            url("slackline", "5b2f1c0a9d8e7f60", "png"),
        ),
        (
            "partyparrot".to_owned(),
            url("partyparrot", "1f2e3d4c5b6a7980", "gif"),
        ),
        ("shipit".to_owned(), "alias:squirrel".to_owned()),
    ])
}
