//! The JSON shapes of Slack's objects, as its documentation shows them: conversations, users,
//! messages, bots, the team and its user groups.

use serde_json::{json, Map, Value};

use super::{ts_key, Caller, Channel, ConvKind, Message, User, Workspace};

fn avatar(id: &str, size: u32) -> String {
    format!(
        "https://secure.gravatar.com/avatar/{}.jpg?s={size}&d=identicon",
        id.to_lowercase()
    )
}

impl Workspace {
    /// A conversation as `conversations.info` / `list` / `join` give it, seen by `caller`.
    pub(crate) fn channel_json(&self, c: &Channel, caller: &Caller, num_members: bool) -> Value {
        let team_id = &self.team.team_id;
        let updated = c.created * 1000;
        let mut v = match c.kind {
            ConvKind::Im => json!({
                "id": c.id,
                "created": c.created,
                "is_archived": c.archived,
                "is_im": true,
                "is_org_shared": false,
                "context_team_id": team_id,
                "updated": updated,
                "user": c.im_user,
                "is_user_deleted": c.im_user.as_deref()
                    .and_then(|u| self.users.get(u)).is_some_and(|u| u.deleted),
                "priority": 0,
            }),
            kind => {
                let topic = |value: &str| {
                    json!({
                        "value": value,
                        "creator": if value.is_empty() { "" } else { c.creator.as_str() },
                        "last_set": if value.is_empty() { 0 } else { c.created },
                    })
                };
                let old_group = c.id.starts_with('G');
                json!({
                    "id": c.id,
                    "name": c.name,
                    "is_channel": !old_group && kind != ConvKind::Mpim,
                    "is_group": old_group && kind != ConvKind::Mpim,
                    "is_im": false,
                    "is_mpim": kind == ConvKind::Mpim,
                    "is_private": kind != ConvKind::Public,
                    "created": c.created,
                    "is_archived": c.archived,
                    "is_general": c.general,
                    "unlinked": 0,
                    "name_normalized": c.name,
                    "is_shared": false,
                    "is_org_shared": false,
                    "is_pending_ext_shared": false,
                    "pending_shared": [],
                    "context_team_id": team_id,
                    "updated": updated,
                    "parent_conversation": null,
                    "creator": c.creator,
                    "is_ext_shared": false,
                    "shared_team_ids": [team_id],
                    "pending_connected_team_ids": [],
                    "is_member": c.members.contains(&caller.user),
                    "topic": topic(&c.topic),
                    "purpose": topic(&c.purpose),
                    "previous_names": [],
                })
            }
        };
        if num_members && c.kind != ConvKind::Im {
            v["num_members"] = json!(c.members.len());
        }
        v
    }

    /// A user as `users.info` / `list` / `lookupByEmail` give it; the email only with the
    /// `users:read.email` scope.
    pub(crate) fn user_json(&self, u: &User, with_email: bool) -> Value {
        let mut profile = json!({
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": u.real_name,
            "real_name_normalized": u.real_name,
            "display_name": if u.is_bot { "" } else { u.name.as_str() },
            "display_name_normalized": if u.is_bot { "" } else { u.name.as_str() },
            "fields": null,
            "status_text": "",
            "status_emoji": "",
            "status_emoji_display_info": [],
            "status_expiration": 0,
            "avatar_hash": format!("g{}", u.id.to_lowercase()),
            "first_name": u.real_name.split(' ').next().unwrap_or_default(),
            "last_name": u.real_name.split_once(' ').map_or("", |(_, last)| last),
            "image_24": avatar(&u.id, 24),
            "image_32": avatar(&u.id, 32),
            "image_48": avatar(&u.id, 48),
            "image_72": avatar(&u.id, 72),
            "image_192": avatar(&u.id, 192),
            "image_512": avatar(&u.id, 512),
            "status_text_canonical": "",
            "team": self.team.team_id,
        });
        if with_email && !u.email.is_empty() {
            profile["email"] = json!(u.email);
        }
        if let Some(bot_id) = &u.bot_id {
            profile["bot_id"] = json!(bot_id);
            profile["api_app_id"] = json!(self.app_id);
            profile["always_active"] = json!(false);
        }
        json!({
            "id": u.id,
            "team_id": self.team.team_id,
            "name": u.name,
            "deleted": u.deleted,
            "color": "9f69e7",
            "real_name": u.real_name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": profile,
            "is_admin": u.is_admin,
            "is_owner": u.is_owner,
            "is_primary_owner": u.is_owner,
            "is_restricted": false,
            "is_ultra_restricted": false,
            "is_bot": u.is_bot || u.id == "USLACKBOT",
            "is_app_user": false,
            "updated": u.updated,
            "is_email_confirmed": !u.is_bot,
            "who_can_share_contact_card": "EVERYONE",
        })
    }

    /// A message as history, replies and the `chat.*` answers give it.
    pub(crate) fn message_json(&self, c: &Channel, m: &Message) -> Value {
        let mut v = Map::new();
        v.insert("type".into(), json!("message"));
        if let Some(subtype) = &m.subtype {
            v.insert("subtype".into(), json!(subtype));
        } else if m.broadcast {
            v.insert("subtype".into(), json!("thread_broadcast"));
        }
        v.insert("text".into(), json!(m.text));
        v.insert("user".into(), json!(m.user));
        v.insert("ts".into(), json!(m.ts));
        if let Some(bot_id) = &m.bot_id {
            v.insert("bot_id".into(), json!(bot_id));
            if let Some(app_id) = &m.app_id {
                v.insert("app_id".into(), json!(app_id));
                v.insert(
                    "bot_profile".into(),
                    json!({
                        "id": bot_id,
                        "deleted": false,
                        "name": self.team.bot_name,
                        "updated": self.start_secs() - 86_400,
                        "app_id": app_id,
                        "icons": {"image_36": avatar(bot_id, 36), "image_48": avatar(bot_id, 48), "image_72": avatar(bot_id, 72)},
                        "team_id": self.team.team_id,
                    }),
                );
            }
        }
        if !m.tombstone {
            v.insert("team".into(), json!(self.team.team_id));
        }
        if let Some(blocks) = &m.blocks {
            v.insert("blocks".into(), blocks.clone());
        }
        if let Some(attachments) = &m.attachments {
            v.insert("attachments".into(), attachments.clone());
        }
        if let Some(metadata) = &m.metadata {
            v.insert("metadata".into(), metadata.clone());
        }
        if !m.files.is_empty() {
            v.insert("files".into(), json!(m.files));
            v.insert("upload".into(), json!(false));
            v.insert("display_as_bot".into(), json!(false));
        }
        if let Some((user, ts)) = &m.edited {
            v.insert("edited".into(), json!({"user": user, "ts": ts}));
        }
        if let Some(thread) = &m.thread_ts {
            v.insert("thread_ts".into(), json!(thread));
            if m.is_reply() {
                let parent = ts_key(thread).and_then(|k| c.messages.get(&k));
                if let Some(parent) = parent {
                    v.insert("parent_user_id".into(), json!(parent.user));
                }
            } else {
                let replies: Vec<&Message> =
                    m.replies.iter().filter_map(|k| c.messages.get(k)).collect();
                let mut users: Vec<&str> = Vec::new();
                for r in &replies {
                    if !users.contains(&r.user.as_str()) {
                        users.push(&r.user);
                    }
                }
                v.insert("reply_count".into(), json!(replies.len()));
                v.insert("reply_users_count".into(), json!(users.len()));
                v.insert(
                    "latest_reply".into(),
                    json!(replies.last().map_or(m.ts.as_str(), |r| r.ts.as_str())),
                );
                v.insert("reply_users".into(), json!(users));
                v.insert("is_locked".into(), json!(false));
                v.insert("subscribed".into(), json!(false));
            }
        }
        if !m.reactions.is_empty() {
            let reactions: Vec<Value> = m
                .reactions
                .iter()
                .map(|(name, users)| json!({"name": name, "users": users, "count": users.len()}))
                .collect();
            v.insert("reactions".into(), json!(reactions));
        }
        if m.pinned {
            v.insert("pinned_to".into(), json!([c.id]));
        }
        if m.tombstone {
            v.insert("hidden".into(), json!(true));
        }
        Value::Object(v)
    }

    /// The team, as `team.info` gives it.
    pub(crate) fn team_json(&self) -> Value {
        let t = &self.team;
        let icon = |size: u32| {
            format!("https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-{size}.png")
        };
        json!({
            "id": t.team_id,
            "name": t.team_name,
            "url": format!("https://{}.slack.com/", t.team_domain),
            "domain": t.team_domain,
            "email_domain": "example.com",
            "icon": {
                "image_default": true,
                "image_34": icon(34),
                "image_44": icon(44),
                "image_68": icon(68),
                "image_88": icon(88),
                "image_102": icon(102),
                "image_132": icon(132),
                "image_230": icon(230),
            },
            "avatar_base_url": "https://ca.slack-edge.com/",
            "is_verified": false,
            "lob_sales_home_enabled": false,
        })
    }

    /// The app's bot, as `bots.info` gives it.
    pub(crate) fn bot_json(&self) -> Value {
        let t = &self.team;
        json!({
            "id": t.bot_id,
            "deleted": false,
            "name": t.bot_name,
            "updated": self.start_secs() - 86_400,
            "app_id": self.app_id,
            "user_id": t.bot_user_id,
            "icons": {
                "image_36": avatar(&t.bot_id, 36),
                "image_48": avatar(&t.bot_id, 48),
                "image_72": avatar(&t.bot_id, 72),
            },
        })
    }

    /// The user groups, as `usergroups.list` gives them (disabled ones have a `date_delete`).
    pub(crate) fn usergroups_json(&self, users: bool, count: bool, disabled: bool) -> Vec<Value> {
        let created = self.start_secs() - 200 * 86_400;
        let admins: Vec<String> = self
            .users
            .values()
            .filter(|u| u.is_admin && !u.deleted)
            .map(|u| u.id.clone())
            .collect();
        let humans = self.humans();
        let engineers: Vec<String> = humans.iter().take(2).cloned().collect();
        let groups = [
            (
                "S0ADMINS",
                "Team Admins",
                "admins",
                "A group of all Administrators on your team.",
                Some("admin"),
                admins,
                0,
            ),
            (
                "S0ENGINEERS",
                "Engineering",
                "engineers",
                "The people who build things.",
                None,
                engineers,
                0,
            ),
            (
                "S0ALUMNI",
                "Alumni",
                "alumni",
                "People who used to work here.",
                None,
                Vec::new(),
                created + 86_400,
            ),
        ];
        groups
            .into_iter()
            .filter(|g| disabled || g.6 == 0)
            .map(
                |(id, name, handle, description, auto_type, members, deleted)| {
                    let mut v = json!({
                        "id": id,
                        "team_id": self.team.team_id,
                        "is_usergroup": true,
                        "is_subteam": true,
                        "name": name,
                        "description": description,
                        "handle": handle,
                        "is_external": false,
                        "date_create": created,
                        "date_update": created,
                        "date_delete": deleted,
                        "auto_type": auto_type,
                        "auto_provision": false,
                        "enterprise_subteam_id": "",
                        "created_by": "U0ALICE",
                        "updated_by": "U0ALICE",
                        "deleted_by": if deleted == 0 { Value::Null } else { json!("U0ALICE") },
                        "prefs": {"channels": [], "groups": []},
                    });
                    if count {
                        v["user_count"] = json!(members.len().to_string());
                    }
                    if users {
                        v["users"] = json!(members);
                    }
                    v
                },
            )
            .collect()
    }
}
