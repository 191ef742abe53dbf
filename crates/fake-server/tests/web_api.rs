//! The Web API of the fake over real loopback HTTP, spoken by hand (HTTP/1.1 on a TCP
//! socket): form bodies, JSON bodies and query strings, the upload URL, a script's stub and its
//! wait for a call, and the report with each call's arguments.

use std::time::Duration;

use serde_json::{json, Value};
use slackline_fake::Script;
use slackline_fake_server::{FakeServer, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every wait is bounded: a hang fails the test instead of blocking CI.
const PATIENCE: Duration = Duration::from_secs(20);
const BOT: &str = "xoxb-1-2-loopback";

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`), answer read to the end.
async fn http(url: &str, method: &str, content_type: Option<&str>, body: &[u8]) -> Answer {
    let rest = url.strip_prefix("http://").expect("a loopback URL");
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let mut tcp = TcpStream::connect(host).await.unwrap();
    let mut head = format!(
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAuthorization: Bearer {BOT}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (headers, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        headers: headers.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

async fn form(api: &str, method: &str, body: &str) -> Answer {
    let url = format!("{api}{method}");
    http(
        &url,
        "POST",
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    )
    .await
}

async fn post_json(api: &str, method: &str, body: Value) -> Answer {
    let url = format!("{api}{method}");
    let body = body.to_string();
    http(
        &url,
        "POST",
        Some("application/json; charset=utf-8"),
        body.as_bytes(),
    )
    .await
}

#[tokio::test]
async fn form_json_and_query_string_arguments() {
    let script =
        Script::parse("{\"slackline_script\":1}\n{\"after\":\"1h\",\"end\":true}").unwrap();
    let server = FakeServer::start(script, ServerConfig::default())
        .await
        .unwrap();
    let api = server.api_url();
    let posted = post_json(
        &api,
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "hello", "thread_ts": null}),
    )
    .await;
    assert_eq!(posted.status, 200);
    assert!(posted.headers.contains("content-type: application/json"));
    let ts = posted.json()["ts"].as_str().unwrap().to_owned();
    let history = form(&api, "conversations.history", "channel=C0GENERAL&limit=10").await;
    assert_eq!(history.json()["messages"][0]["ts"], ts.as_str());
    let by_query = http(&format!("{api}users.info?user=U0ALICE"), "GET", None, b"").await;
    assert_eq!(by_query.json()["user"]["name"], "alice");
    let json_read = post_json(
        &api,
        "conversations.history",
        json!({"channel": "C0GENERAL"}),
    )
    .await;
    assert_eq!(
        json_read.json()["error"],
        "channel_not_found",
        "read methods take forms only"
    );
    let unknown = form(&api, "admin.users.list", "").await;
    assert_eq!(unknown.json()["error"], "unknown_method");
    let verdict = server.verdict().await.unwrap();
    let methods: Vec<(&str, &str)> = verdict
        .calls
        .iter()
        .map(|c| (c.method.as_str(), c.encoding.as_str()))
        .collect();
    assert_eq!(
        methods,
        [
            ("chat.postMessage", "json"),
            ("conversations.history", "form"),
            ("users.info", "form"),
            ("conversations.history", "json"),
            ("admin.users.list", "none"),
        ]
    );
    assert_eq!(verdict.calls[2].args, json!({"user": "U0ALICE"}));
    assert_eq!(verdict.posted[0].text, "hello");
    let _ = server.shutdown().await.unwrap();
}

#[tokio::test]
async fn files_are_uploaded_to_the_url_handed_out() {
    let script =
        Script::parse("{\"slackline_script\":1}\n{\"after\":\"1h\",\"end\":true}").unwrap();
    let server = FakeServer::start(script, ServerConfig::default())
        .await
        .unwrap();
    let api = server.api_url();
    let reserved = form(
        &api,
        "files.getUploadURLExternal",
        "filename=hello.txt&length=12",
    )
    .await
    .json();
    let upload_url = reserved["upload_url"].as_str().unwrap();
    let port = server.local_addr().port();
    assert!(
        upload_url.starts_with(&format!("http://127.0.0.1:{port}/upload/v1/")),
        "{upload_url}"
    );
    // The bytes go as they are, without a Slack token or form encoding.
    let uploaded = http(upload_url, "POST", Some("text/plain"), b"hello, world").await;
    assert_eq!((uploaded.status, uploaded.body.as_str()), (200, "OK - 12"));
    let bogus = http(
        &format!("http://127.0.0.1:{port}/upload/v1/nope"),
        "POST",
        None,
        b"x",
    )
    .await;
    assert_eq!(bogus.status, 404);
    let done = post_json(
        &api,
        "files.completeUploadExternal",
        json!({"files": [{"id": reserved["file_id"], "title": "Hello"}], "channel_id": "C0GENERAL", "initial_comment": "a file"}),
    )
    .await
    .json();
    assert_eq!(done["files"][0]["id"], reserved["file_id"]);
    let again = http(upload_url, "POST", None, b"late").await;
    assert_eq!(
        again.status, 404,
        "the URL is spent once the upload is complete"
    );
    let shared = form(&api, "conversations.history", "channel=C0GENERAL&limit=1")
        .await
        .json();
    assert_eq!(shared["messages"][0]["files"][0]["name"], "hello.txt");
    let verdict = server.verdict().await.unwrap();
    let u = &verdict.uploads[0];
    assert_eq!(
        (u.received, u.completed, u.channel.as_deref()),
        (Some(12), true, Some("C0GENERAL"))
    );
    let _ = server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_script_stubs_a_method_and_waits_for_a_call() {
    let script = Script::parse(
        r#"{"slackline_script":1,"name":"stub and wait"}
{"stub":"views.open","answer":{"view":{"id":"V0STUBBED","type":"modal"}},"times":1}
{"stub":"users.info","status":429,"retry_after":1,"times":1}
{"wait":"call","method":"chat.postMessage","with":{"channel":"C0GENERAL"}}
{"end":true}"#,
    )
    .unwrap();
    let mut server = FakeServer::start(script, ServerConfig::default())
        .await
        .unwrap();
    let api = server.api_url();
    let opened = post_json(
        &api,
        "views.open",
        json!({"trigger_id": "1.2", "view": {"type": "modal"}}),
    )
    .await;
    assert_eq!(
        opened.json(),
        json!({"ok": true, "view": {"id": "V0STUBBED", "type": "modal"}})
    );
    let limited = form(&api, "users.info", "user=U0ALICE").await;
    assert_eq!(limited.status, 429);
    assert!(
        limited.headers.contains("retry-after: 1"),
        "{}",
        limited.headers
    );
    assert!(!server.is_finished(), "waiting for the post");
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*done*"}}]);
    post_json(
        &api,
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "done", "blocks": blocks}),
    )
    .await;
    let verdict = tokio::time::timeout(PATIENCE, server.finished())
        .await
        .unwrap()
        .unwrap();
    assert!(verdict.ok, "{}", verdict.summary_text());
    assert_eq!(verdict.posted[0].blocks.as_ref(), Some(&blocks));
    assert_eq!(verdict.http["views.open"].stubbed, 1);
    // What `slackline serve --report` writes: the calls with their arguments.
    let report = serde_json::to_value(&verdict).unwrap();
    assert_eq!(report["calls"][0]["method"], "views.open");
    assert_eq!(report["calls"][0]["stubbed"], true);
    assert_eq!(report["calls"][2]["args"]["text"], "done");
    assert_eq!(report["posted"][0]["channel"], "C0GENERAL");
    let _ = server.shutdown().await.unwrap();
}
