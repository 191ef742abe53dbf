//! Every method the fake answers, called the way a typed client calls it (the request types of
//! `slackline-types`, sent with each method's encoding: JSON for writes, a form for reads), and
//! every answer decoded into `<Request as Method>::Response`. A shape the types cannot read, or
//! a method the fake answers and this test forgets, fails here.

use std::collections::BTreeSet;

use serde_json::Value;
use slackline::Instant;
use slackline_fake::{ApiRequest, FakeConfig, FakeSlack, Output, Script};
use slackline_types::blocks::Block;
use slackline_types::compose::Compose;
use slackline_types::composition::Text;
use slackline_types::elements::Element;
use slackline_types::view::View;
use slackline_types::web::{
    auth, bots, chat, conversations, emoji, files, pins, reactions, team, usergroups, users, views,
    Encoding, Method, Page,
};

const BOT: &str = "xoxb-1-2-typed";

struct Client {
    fake: FakeSlack,
    now: u64,
    methods: BTreeSet<&'static str>,
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl Client {
    fn new() -> Self {
        let script = Script::parse(
            r#"{"slackline_script":1,"workspace":{"fill":{"users":3,"messages":3}}}
{"after":"1h","end":true}"#,
        )
        .unwrap();
        Client {
            fake: FakeSlack::new(
                script,
                FakeConfig::new().with_ws_base_url("ws://127.0.0.1:1"),
                Instant::ZERO,
            ),
            now: 0,
            methods: BTreeSet::new(),
        }
    }

    /// Sends `request` as a typed client would, and decodes the answer into its response type.
    fn call<M: Method>(&mut self, request: &M) -> M::Response {
        self.now += 10;
        let (content_type, body) = match M::ENCODING {
            Encoding::Json => (
                "application/json; charset=utf-8",
                serde_json::to_string(request).unwrap(),
            ),
            Encoding::Form => (
                "application/x-www-form-urlencoded",
                request
                    .form_fields()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
        };
        let auth = format!("Bearer {BOT}");
        let call = self.fake.handle_http_request(
            Instant::from_millis(self.now),
            ApiRequest {
                method: M::NAME,
                authorization: Some(&auth),
                content_type: Some(content_type),
                body: body.as_bytes(),
            },
        );
        let answer = std::iter::from_fn(|| self.fake.poll_output())
            .find_map(|o| match o {
                Output::HttpResponse { call: c, response } if c == call => Some(response),
                _ => None,
            })
            .unwrap();
        assert_eq!(answer.status, 200, "{}: {}", M::NAME, answer.body);
        let value: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(value["ok"], true, "{} answered {}", M::NAME, answer.body);
        self.methods.insert(M::NAME);
        serde_json::from_str(&answer.body).unwrap_or_else(|e| {
            panic!(
                "{}'s answer does not decode into its response type: {e}\n{}",
                M::NAME,
                answer.body
            )
        })
    }
}

fn modal(title: &str) -> View {
    View::modal(title)
        .callback_id("feedback")
        .submit("Send")
        .block(Block::input(
            "What do you think?",
            Element::plain_text_input("text"),
        ))
}

#[test]
fn every_answer_decodes_into_its_response_type() {
    let mut c = Client::new();

    let me = c.call(&auth::Test::new());
    assert_eq!(
        (me.user_id.as_str(), me.bot_id.as_deref()),
        ("U0FAKEBOT", Some("B0FAKEBOT"))
    );
    let t = c.call(&team::Info::new());
    assert_eq!(t.team.domain.as_deref(), Some("fake-workspace"));
    let b = c.call(&bots::Info::new("B0FAKEBOT"));
    assert_eq!(b.bot.user_id.as_deref(), Some("U0FAKEBOT"));
    let e = c.call(&emoji::List::new().include_categories(true));
    assert_eq!(e.emoji["shipit"], "alias:squirrel");
    let g = c.call(&usergroups::List::new().include_users(true));
    assert_eq!(
        g.usergroups[0].users.as_deref(),
        Some(&["U0ALICE".to_owned()][..])
    );

    // chat.*
    let posted = c.call(
        &chat::PostMessage::new("C0GENERAL")
            .text("Deployed")
            .block(Block::section(Text::mrkdwn("*Deployed*"))),
    );
    assert_eq!(posted.channel, "C0GENERAL");
    let message = posted.message.unwrap();
    assert_eq!(message.text.as_deref(), Some("Deployed"));
    assert_eq!(message.blocks.as_ref().map(Vec::len), Some(1));
    let ts = posted.ts.clone();
    let reply = c.call(
        &chat::PostMessage::new("C0GENERAL")
            .text("details")
            .thread_ts(ts.clone()),
    );
    assert!(reply.message.unwrap().is_thread_reply());
    let updated = c.call(&chat::Update::new("C0GENERAL", ts.clone()).text("Deployed v2"));
    assert!(updated.message.unwrap().edited.is_some());
    let link = c.call(&chat::GetPermalink::new("C0GENERAL", reply.ts.clone()));
    assert!(link.permalink.contains("thread_ts="));
    let ephemeral = c.call(&chat::PostEphemeral::new("C0GENERAL", "U0ALICE").text("psst"));
    assert!(!ephemeral.message_ts.is_empty());
    let scheduled = c.call(&chat::ScheduleMessage::new("C0GENERAL", 1_700_000_600).text("later"));
    assert_eq!(scheduled.post_at, 1_700_000_600);
    assert!(scheduled.scheduled_message_id.starts_with('Q'));

    // reactions, pins
    c.call(&reactions::Reaction::new("C0GENERAL", ts.clone(), "rocket").add());
    c.call(&pins::Add::new("C0GENERAL", ts.clone()));

    // conversations.*
    let history = c.call(&conversations::History::new("C0GENERAL").limit(2));
    assert_eq!(history.items().len(), 2);
    assert!(
        history.next_cursor().is_some(),
        "three generated messages and ours"
    );
    let newest = &history.items()[0];
    assert_eq!(newest.reply_count, Some(1));
    assert_eq!(newest.reactions.as_ref().unwrap()[0].name, "rocket");
    let next = conversations::History::new("C0GENERAL").limit(2);
    let rest = c.call(&next.cursor(history.next_cursor().unwrap()));
    assert_eq!(rest.items().len(), 2);
    let thread = c.call(&conversations::Replies::new("C0GENERAL", ts.clone()));
    assert_eq!(thread.items().len(), 2);
    let info = c.call(&conversations::Info::new("C0GENERAL").include_num_members(true));
    assert_eq!(info.channel.is_general, Some(true));
    let list = c.call(&conversations::List::new().limit(1));
    assert_eq!(list.items().len(), 1);
    assert!(list.next_cursor().is_some());
    let members = c.call(&conversations::Members::new("C0GENERAL").limit(2));
    assert_eq!(members.items().len(), 2);
    let joined = c.call(&conversations::Join::new("C0RANDOM"));
    assert_eq!(joined.channel.is_member, Some(true));
    let dm = c.call(&conversations::Open::with_users(["U0ALICE"]).return_im(true));
    assert_eq!(dm.channel.is_im, Some(true));

    // users.*
    let alice = c.call(&users::Info::new("U0ALICE"));
    assert_eq!(alice.user.display_name(), "alice");
    let all = c.call(&users::List::new().limit(3));
    assert_eq!(all.items().len(), 3);
    let found = c.call(&users::LookupByEmail::new("bob@example.com"));
    assert_eq!(found.user.id, "U0BOB");

    // views.*
    let opened = c.call(&views::Open::new("1.2.trigger", modal("Feedback")));
    let view_id = opened.view.id.clone().unwrap();
    assert_eq!(opened.view.callback_id.as_deref(), Some("feedback"));
    let pushed = c.call(&views::Push::new("1.3.trigger", modal("More")));
    assert!(pushed.view.id.is_some());
    let updated = c.call(
        &views::Update::new(view_id, modal("Thanks")).hash(opened.view.hash.clone().unwrap()),
    );
    assert_eq!(updated.view.title.unwrap().text, "Thanks");
    let home = View::home().block(Block::section(Text::mrkdwn("Welcome")));
    let published = c.call(&views::Publish::new("U0ALICE", home));
    assert!(published.view.hash.is_some());

    // files: reserve, POST the bytes, complete
    let url = c.call(&files::GetUploadUrlExternal::new("report.csv", 4));
    let upload = c
        .fake
        .handle_upload(Instant::from_millis(c.now + 1), &url.upload_url, b"a,b\n");
    let answered = std::iter::from_fn(|| c.fake.poll_output()).any(|o| {
        matches!(o, Output::HttpResponse { call, response } if call == upload && response.status == 200)
    });
    assert!(answered);
    let done = c.call(&url.complete("Report").channel_id("C0GENERAL"));
    assert_eq!(done.files[0].title.as_deref(), Some("Report"));
    let shared = c.call(&conversations::History::new("C0GENERAL").limit(1));
    assert_eq!(shared.items()[0].files.as_ref().unwrap()[0].id, url.file_id);

    // Last: deleting and removing.
    c.call(&reactions::Reaction::new("C0GENERAL", ts.clone(), "rocket").remove());
    let deleted = c.call(&chat::Delete::new("C0GENERAL", reply.ts.clone()));
    assert_eq!(deleted.ts, reply.ts);

    let answered: BTreeSet<&str> = slackline_fake::web_api_methods().collect();
    assert_eq!(
        c.methods, answered,
        "every method the fake answers is decoded here"
    );
}
