//! RTM end to end on tokio: rtm.connect, hello, events to handlers, messages and their
//! `reply_to`, typing, app-level ping, shutdown.

mod support;

use std::time::Duration;

use slackline_tokio::{Error, Event, RtmClient, RtmError, UrlError};
use support::*;
use tokio::sync::mpsc;

const TOKEN: &str = "xoxb-1-2-botsecret";

fn frame(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("client frames are JSON")
}

#[tokio::test]
async fn events_reach_handlers_and_sent_messages_resolve_with_their_reply() {
    init_tracing();
    let mut slack = FakeSlack::start().await;
    let (results_tx, mut results) = mpsc::channel(4);
    let mut client = RtmClient::builder(TOKEN)
        .api_url(&slack.api_url)
        // Long liveness pings keep the script free of them; pacing is shortened.
        .ping_interval(Duration::from_secs(30))
        .configure(|c| c.with_rtm_send_interval(Duration::from_millis(10)))
        .close_timeout(Duration::from_millis(300))
        .on_event("message", move |event, rtm| {
            let results_tx = results_tx.clone();
            async move {
                let text = event
                    .payload::<serde_json::Value>()
                    .ok()
                    .and_then(|v| v["text"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                let sent = rtm.send_message("C1", &format!("echo: {text}")).await;
                let _ = results_tx.send(sent).await;
            }
        })
        .build()
        .unwrap();
    let mut events = client.events();
    let rtm = client.handle();
    let run = tokio::spawn(client.run());

    let connect = slack.request().await;
    assert_eq!(connect.method, "rtm.connect");
    assert_eq!(
        connect.authorization.as_deref(),
        Some("Bearer xoxb-1-2-botsecret")
    );
    let mut conn = slack.accept().await;
    conn.send(r#"{"type":"hello"}"#).await;
    let Event::RtmConnected(granted) = next_event(&mut events, "the grant", |e| {
        matches!(e, Event::RtmConnected(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(granted.self_id(), Some("UBOT"));

    conn.send(r#"{"type":"message","channel":"C1","user":"U2","text":"hi","ts":"1.0"}"#)
        .await;
    let sent = frame(&conn.next_text().await);
    assert_eq!(sent["type"], "message");
    assert_eq!(sent["channel"], "C1");
    assert_eq!(sent["text"], "echo: hi");
    let id = sent["id"].as_u64().expect("an id");
    conn.send(format!(
        r#"{{"ok":true,"reply_to":{id},"ts":"2.0","text":"echo: hi"}}"#
    ))
    .await;
    let reply = within("the handler's reply", results.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((reply.id, reply.ts.as_deref()), (id, Some("2.0")));

    // Typing goes out without a reply; a ping resolves with its pong.
    let typing = rtm.typing("C1");
    within("typing", typing).await.unwrap();
    assert_eq!(frame(&conn.next_text().await)["type"], "typing");
    let ping = tokio::spawn({
        let rtm = rtm.clone();
        async move { rtm.ping().await }
    });
    let ping_frame = frame(&conn.next_text().await);
    assert_eq!(ping_frame["type"], "ping");
    conn.send(format!(
        r#"{{"type":"pong","reply_to":{}}}"#,
        ping_frame["id"]
    ))
    .await;
    within("the pong", ping).await.unwrap().unwrap();

    // An error reply is an error for the sender.
    let refused = tokio::spawn({
        let rtm = rtm.clone();
        async move { rtm.send_message("C404", "nope").await }
    });
    let id = frame(&conn.next_text().await)["id"].as_u64().unwrap();
    conn.send(format!(
        r#"{{"ok":false,"reply_to":{id},"error":{{"code":2,"msg":"channel_not_found"}}}}"#
    ))
    .await;
    assert_eq!(
        within("the refusal", refused).await.unwrap(),
        Err(RtmError::Failed {
            code: 2,
            msg: "channel_not_found".into()
        })
    );

    rtm.shutdown().await;
    assert_eq!(conn.closed().await, Some(1000));
    within("run to return", run).await.unwrap().unwrap();
    // Once stopped, sends are refused rather than hanging.
    assert!(rtm.send_message("C1", "late").await.is_err());
}

#[tokio::test]
async fn rtm_refuses_plain_http_to_other_hosts() {
    let error = RtmClient::builder(TOKEN)
        .api_url("http://10.1.2.3/api/")
        .build()
        .unwrap_err();
    assert!(
        matches!(error, Error::Url(UrlError::Insecure { .. })),
        "{error:?}"
    );
}
