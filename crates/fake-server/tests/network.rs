//! The fake Slack over real loopback sockets, with the project's tokio client and with raw
//! WebSockets: the demo plays to an ok verdict, HTTP answers what the fake decides, a silent
//! socket is really half-open.

use slackline_test_support::drivers::socket_url;
use slackline_tokio::TokioRuntime;
use std::time::Duration;

use async_tungstenite::tokio::connect_async;
use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use serde_json::{json, Value};
use slackline_fake::{AckOutcome, Script};
use slackline_fake_server::{FakeServer, Observed, ServerConfig};
use slackline_tokio::{Error, SocketModeClient};
use tokio::sync::mpsc;

/// Every wait is bounded: a hang fails the test instead of blocking CI.
const PATIENCE: Duration = Duration::from_secs(20);

fn demo() -> Script {
    Script::parse(include_str!("../../../scripts/demo.jsonl")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_plays_to_an_ok_verdict_with_the_tokio_client() {
    let (observer, mut observed) = mpsc::channel(1024);
    let mut server = FakeServer::start(demo(), ServerConfig::default().observer(observer))
        .await
        .unwrap();
    let client = SocketModeClient::builder("xapp-1-A0DEMOAPP01-1-secret")
        .api_url(server.api_url())
        .on_command("/echo", |envelope, responder| async move {
            let text = envelope.payload::<Value>().unwrap()["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let _ = responder
                .ack_with(&json!({ "text": format!("echo: {text}") }))
                .await;
        })
        .on_interactive("view_submission", |_, responder| async move {
            let _ = responder
                .ack_with(&json!({ "response_action": "clear" }))
                .await;
        })
        .build()
        .unwrap();
    let ran = tokio::time::timeout(PATIENCE, client.run()).await.unwrap();
    assert!(matches!(ran, Err(Error::LinkDisabled)), "{ran:?}");
    let verdict = tokio::time::timeout(PATIENCE, server.finished())
        .await
        .unwrap()
        .unwrap();
    assert!(verdict.ok, "{}", verdict.summary_text());
    assert_eq!(verdict.summary.acks_with_payload, 2);
    assert_eq!(verdict.summary.redeliveries, 1);
    assert_eq!(verdict.connections.opened, 2);
    assert!(verdict
        .envelopes
        .iter()
        .all(|d| d.outcome == AckOutcome::Acked));
    // The observer saw the wire: URL requests, sockets, frames both ways, the end.
    let mut seen = Vec::new();
    while let Ok(event) = observed.try_recv() {
        seen.push(event.what);
    }
    let count = |f: &dyn Fn(&Observed) -> bool| seen.iter().filter(|e| f(e)).count();
    assert_eq!(
        count(
            &|e| matches!(e, Observed::Http { method, status: 200, .. } if method == "apps.connections.open")
        ),
        2
    );
    assert_eq!(count(&|e| matches!(e, Observed::Connected { .. })), 2);
    assert!(
        count(&|e| matches!(e, Observed::Received { text, .. } if text.contains("echo: ping")))
            == 1
    );
    assert_eq!(count(&|e| matches!(e, Observed::Finished)), 1);
    let _ = server.shutdown().await.unwrap();
}

#[tokio::test]
async fn web_api_calls_are_answered_by_the_fake() {
    let script = Script::parse(
        r#"{"slackline_script":1}
{"after":"1s","end":true}"#,
    )
    .unwrap();
    let server = FakeServer::start(script, ServerConfig::default())
        .await
        .unwrap();
    let web = slackline_tokio::WebClient::builder("xoxb-1-test-secret")
        .api_url(server.api_url())
        .build()
        .unwrap();
    let posted = web
        .call_json(
            "chat.postMessage",
            &json!({ "channel": "C1", "text": "hello" }),
        )
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(posted.body()).unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["message"]["text"], "hello");
    // A wrong-kind token is refused, and the token is never echoed.
    let app = slackline_tokio::WebClient::builder("xapp-1-A1-1-secret")
        .api_url(server.api_url())
        .build()
        .unwrap();
    let refused = app.chat_post_message("C1", "hello").await.unwrap_err();
    assert!(
        refused.to_string().contains("not_allowed_token_type"),
        "{refused}"
    );
    assert!(!refused.to_string().contains("secret"));
    let verdict = server.verdict().await.unwrap();
    assert_eq!(verdict.posted.len(), 1);
    assert!(verdict
        .violations
        .iter()
        .any(|v| v.kind.to_string().contains("chat.postMessage")));
    let _ = server.shutdown().await.unwrap();
}

/// Opens a Socket Mode WebSocket by hand: the URL from `apps.connections.open`, then the socket.
async fn open_socket(
    api_url: &str,
) -> async_tungstenite::WebSocketStream<async_tungstenite::tokio::ConnectStream> {
    let url = socket_url::<TokioRuntime>(api_url).await;
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
    connect_async(url).await.unwrap().0
}

#[tokio::test]
async fn a_silent_socket_stays_open_and_answers_nothing() {
    let script = Script::parse(
        r#"{"slackline_script":1}
{"after":"100ms","silence":true}
{"after":"2s","end":true}"#,
    )
    .unwrap();
    let server = FakeServer::start(script, ServerConfig::default())
        .await
        .unwrap();
    let mut ws = open_socket(&server.api_url()).await;
    let hello = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
    assert!(matches!(hello, Some(Ok(Message::Text(t))) if t.contains("hello")));
    // Before the silence, a ping is answered.
    ws.send(Message::Ping(b"one".to_vec().into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
    assert!(matches!(pong, Some(Ok(Message::Pong(p))) if &p[..] == b"one"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // After it: no pong, no close, nothing; the connection is still up.
    ws.send(Message::Ping(b"two".to_vec().into()))
        .await
        .unwrap();
    let nothing = tokio::time::timeout(Duration::from_millis(700), ws.next()).await;
    assert!(nothing.is_err(), "expected silence, got {nothing:?}");
    let verdict = server.verdict().await.unwrap();
    assert_eq!(verdict.connections.silenced, 1);
    let _ = server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_its_own_thread_reports_its_cpu_time() {
    let script = Script::parse(
        r#"{"slackline_script":1}
{"after":"50ms","envelope":{"type":"events_api","payload":{"event":{"type":"message"}}}}
{"wait":"acks"}
{"end":true}"#,
    )
    .unwrap();
    let server = FakeServer::spawn_thread(script, ServerConfig::default()).unwrap();
    let client = SocketModeClient::builder("xapp-1-A1-1-secret")
        .api_url(server.api_url())
        .build()
        .unwrap();
    let handle = client.handle();
    let running = tokio::spawn(client.run());
    let report = tokio::task::spawn_blocking(move || server.join_finished(PATIENCE))
        .await
        .unwrap()
        .unwrap();
    handle.shutdown().await;
    let _ = tokio::time::timeout(PATIENCE, running).await;
    assert!(report.verdict.ok, "{}", report.verdict.summary_text());
    assert_eq!(report.verdict.summary.acked, 1);
    let cpu = report
        .cpu_time
        .expect("the platform reports thread CPU time");
    assert!(cpu > Duration::ZERO && cpu < PATIENCE, "{cpu:?}");
}
