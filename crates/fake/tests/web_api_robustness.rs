//! Nothing a client sends to the Web API panics the fake: valid calls of every method, as JSON
//! and as forms, with both kinds of token, mutated byte by byte with a fixed-seed generator;
//! upload URLs mutated too. Every answer is a JSON object with `ok` (or an upload's text), and
//! the verdict still serialises without a token in it.

use serde_json::Value;
use slackline::Instant;
use slackline_fake::{ApiRequest, FakeConfig, FakeSlack, Output, Script};
use slackline_test_support::mutator::Mutator;

/// A plausible body for each method, JSON and form.
fn bodies(method: &str) -> (&'static str, &'static str) {
    match method {
        "chat.postMessage" => (
            r#"{"channel":"C0GENERAL","text":"hi","thread_ts":"1700000000.000100","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*x*"}}]}"#,
            "channel=C0GENERAL&text=hi&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D",
        ),
        "chat.update" | "chat.delete" => (
            r#"{"channel":"C0GENERAL","ts":"1700000000.000100","text":"v2"}"#,
            "channel=C0GENERAL&ts=1700000000.000100&text=v2",
        ),
        "chat.postEphemeral" => (
            r#"{"channel":"C0GENERAL","user":"U0ALICE","text":"psst"}"#,
            "channel=C0GENERAL&user=U0ALICE&text=psst",
        ),
        "chat.scheduleMessage" => (
            r#"{"channel":"C0GENERAL","post_at":1700000100,"text":"later"}"#,
            "channel=C0GENERAL&post_at=1700000100&text=later",
        ),
        "chat.getPermalink" => (
            r#"{"channel":"C0GENERAL","message_ts":"1700000000.000100"}"#,
            "channel=C0GENERAL&message_ts=1700000000.000100",
        ),
        "views.open" | "views.push" => (
            r#"{"trigger_id":"1.2.3","view":{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[]}}"#,
            "trigger_id=1.2.3&view=%7B%22type%22%3A%22modal%22%7D",
        ),
        "views.update" => (
            r#"{"view_id":"V0000000001","hash":"1.2","view":{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[]}}"#,
            "external_id=e&view=%7B%7D",
        ),
        "views.publish" => (
            r#"{"user_id":"U0ALICE","view":{"type":"home","blocks":[{"type":"divider"}]}}"#,
            "user_id=U0ALICE&view=%7B%22type%22%3A%22home%22%7D",
        ),
        "conversations.history" | "conversations.replies" => (
            r#"{"channel":"C0GENERAL","ts":"1700000000.000100","limit":2,"cursor":"bmV4dF90czoxLjI="}"#,
            "channel=C0GENERAL&ts=1700000000.000100&limit=2&oldest=1.0&latest=9999999999.0&inclusive=1",
        ),
        "conversations.list" | "conversations.members" => (
            r#"{"channel":"C0GENERAL","types":"public_channel,im","limit":1}"#,
            "channel=C0GENERAL&types=public_channel%2Cprivate_channel&limit=1&cursor=dGVhbTpDMA%3D%3D",
        ),
        "conversations.open" => (r#"{"users":"U0ALICE,U0BOB","return_im":true}"#, "users=U0ALICE"),
        "users.lookupByEmail" => (r#"{"email":"alice@example.com"}"#, "email=bob%40example.com"),
        "reactions.add" | "reactions.remove" | "pins.add" => (
            r#"{"channel":"C0GENERAL","timestamp":"1700000000.000100","name":"wave"}"#,
            "channel=C0GENERAL&timestamp=1700000000.000100&name=wave",
        ),
        "files.getUploadURLExternal" => (r#"{"filename":"a.txt","length":3}"#, "filename=a.txt&length=3"),
        "files.completeUploadExternal" => (
            r#"{"files":[{"id":"F0000000001","title":"A"}],"channel_id":"C0GENERAL"}"#,
            "files=%5B%7B%22id%22%3A%22F0000000002%22%7D%5D",
        ),
        _ => (
            r#"{"channel":"C0GENERAL","user":"U0ALICE","bot":"B0FAKEBOT","limit":1}"#,
            "channel=C0GENERAL&user=U0ALICE&limit=1&include_users=true",
        ),
    }
}

#[test]
fn mutated_web_api_calls_never_panic_the_fake() {
    let script = Script::parse(
        r#"{"slackline_script":1,"workspace":{"fill":{"channels":3,"users":3,"messages":5,"replies":3}}}
{"stub":"emoji.list","answer":{"emoji":{}},"with":{"include_categories":"1"}}
{"wait":"call","method":"chat.postMessage","count":1000000}"#,
    )
    .unwrap();
    let mut fake = FakeSlack::new(
        script,
        FakeConfig::new().with_ws_base_url("ws://127.0.0.1:1"),
        Instant::ZERO,
    );
    let methods: Vec<&str> = slackline_fake::web_api_methods().collect();
    let mut m = Mutator::new(0x5DEE_CE66_D1CE_4E5B)
        .with_alphabet(b"{}[]\":,\\0&=%.-CUVT9")
        .with_splice(b"xoxb-1-2-leak");
    let mut upload_urls: Vec<Vec<u8>> = Vec::new();
    for round in 0..3000u64 {
        let now = Instant::from_millis(round * 13);
        let method = methods[(round % methods.len() as u64) as usize];
        let (json, form) = bodies(method);
        let (content_type, body) = if round % 2 == 0 {
            ("application/json", json)
        } else {
            ("application/x-www-form-urlencoded", form)
        };
        let body = if round % 7 == 0 {
            body.as_bytes().to_vec()
        } else {
            m.mutate(body.as_bytes())
        };
        let token =
            ["xoxb-1-2-robust", "xoxp-1-2-robust", "xapp-1-A1-1-robust"][(round % 3) as usize];
        let auth = format!("Bearer {token}");
        let content_type = (round % 5 != 0).then_some(content_type);
        fake.handle_http_request(
            now,
            ApiRequest {
                method,
                authorization: Some(&auth),
                content_type,
                body: &body,
            },
        );
        if round % 11 == 0 {
            let target = match upload_urls.last() {
                Some(url) if round % 3 != 0 => String::from_utf8_lossy(&m.mutate(url)).into_owned(),
                Some(url) => String::from_utf8_lossy(url).into_owned(),
                None => "/upload/v1/".to_owned(),
            };
            fake.handle_upload(now, &target, &body);
        }
        while let Some(output) = fake.poll_output() {
            if let Output::HttpResponse { response, .. } = output {
                if response.content_type.starts_with("text/plain") {
                    continue;
                }
                let v: Value = serde_json::from_str(&response.body)
                    .unwrap_or_else(|e| panic!("{method}: {e}: {}", response.body));
                assert!(v["ok"].is_boolean(), "{method}: {}", response.body);
                if let Some(url) = v["upload_url"].as_str() {
                    upload_urls.push(url.as_bytes().to_vec());
                }
            }
        }
    }
    let verdict = fake.verdict();
    assert!(verdict.calls.len() > 2500);
    let report = serde_json::to_string(&verdict).unwrap();
    // Whole tokens; a mutation may cut one in two, and what follows the cut is no token.
    for secret in ["robust", "xoxb-1-2-leak"] {
        if let Some(at) = report.find(secret) {
            let from = report[..at]
                .char_indices()
                .rev()
                .nth(300)
                .map_or(0, |(i, _)| i);
            let to = report[at..]
                .char_indices()
                .nth(100)
                .map_or(report.len(), |(i, _)| at + i);
            panic!("a token in the report: …{}…", &report[from..to]);
        }
    }
}
