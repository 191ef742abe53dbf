//! The Web API client on tokio: the common calls, errors by Slack's rules, and 429 retries.

mod support;

use std::time::Duration;

use slackline_tokio::{ApiError, Error, UrlError, WebClient};
use support::*;

const TOKEN: &str = "xoxb-9-9-websecret";

#[tokio::test]
async fn common_calls_carry_the_token_in_the_header_only() {
    init_tracing();
    let mut slack = FakeSlack::start().await;
    let web = WebClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .build()
        .unwrap();
    assert!(!format!("{web:?}").contains("websecret"));

    let me = within("auth.test", web.auth_test()).await.unwrap();
    assert_eq!(me.user_id.as_deref(), Some("UBOT"));
    let request = slack.request().await;
    assert_eq!(request.method, "auth.test");
    assert_eq!(
        request.authorization.as_deref(),
        Some("Bearer xoxb-9-9-websecret")
    );
    assert!(!request.body.contains("websecret"));

    let posted = within("chat.postMessage", web.chat_post_message("C1", "hello"))
        .await
        .unwrap();
    assert_eq!(posted.ts, "1700000000.000100");
    let request = slack.request().await;
    assert_eq!(request.method, "chat.postMessage");
    assert!(request
        .content_type
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&request.body).unwrap()["text"],
        "hello"
    );

    within("reactions.add", web.reactions_add("C1", "1.0", "eyes"))
        .await
        .unwrap();
    assert_eq!(
        slack.request().await.body,
        "channel=C1&timestamp=1.0&name=eyes"
    );

    let any = within(
        "a generic call",
        web.call("conversations.info", &[("channel", "C1")]),
    )
    .await
    .unwrap();
    assert_eq!(any.body(), br#"{"ok":true}"#);
    assert_eq!(slack.request().await.method, "conversations.info");
}

#[tokio::test]
async fn rate_limits_are_waited_out_and_errors_classified() {
    let mut slack = FakeSlack::start().await;
    slack.script("chat.postMessage", [Reply::rate_limited("1")]);
    slack.script(
        "auth.test",
        [Reply::ok(r#"{"ok":false,"error":"invalid_auth"}"#)],
    );
    let web = WebClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .build()
        .unwrap();

    within("chat.postMessage", web.chat_post_message("C1", "hi"))
        .await
        .unwrap();
    let first = slack.request().await;
    let second = slack.request().await;
    assert!(
        second.at - first.at >= Duration::from_secs(1),
        "{:?}",
        second.at - first.at
    );

    let error = within("auth.test", web.auth_test()).await.unwrap_err();
    assert!(error.is_fatal());
    assert_eq!(error.code(), Some("invalid_auth"));

    // With retries off the 429 comes straight back.
    slack.script("chat.postMessage", [Reply::rate_limited("7")]);
    let impatient = WebClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .rate_limit_retries(0, Duration::ZERO)
        .build()
        .unwrap();
    assert_eq!(
        within("a 429", impatient.chat_post_message("C1", "hi")).await,
        Err(ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        })
    );
}

#[tokio::test]
async fn unreachable_servers_and_plain_remote_urls_are_errors_not_hangs() {
    let error = WebClient::builder(TOKEN)
        .api_url("http://example.com/api/")
        .build()
        .unwrap_err();
    assert!(
        matches!(error, Error::Url(UrlError::Insecure { .. })),
        "{error:?}"
    );

    // A loopback port nobody listens on: refused at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let web = WebClient::builder(TOKEN)
        .api_url(format!("http://127.0.0.1:{port}/api/"))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let error = within("a refused connection", web.auth_test())
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::Transport { .. }), "{error:?}");
}
