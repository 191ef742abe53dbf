//! Socket Mode end to end on tokio, against the scripted server in `support` over loopback.
//! Timings are shortened (100 ms pings, 300 ms pong deadline) so each test takes well under a
//! few seconds; every wait is bounded, and no test sleeps to let a race settle.

mod support;

use std::time::{Duration, Instant};

use slackline_tokio::slackline::{CloseCause, DisconnectReason, ReconnectCause, StopReason};
use slackline_tokio::{
    AckError, ApiError, ClientBuilder, ClientHandle, Error, Event, EventStream, LateAckPolicy,
    SocketModeClient, SocketModeRoutes, TokioRuntime, UrlError,
};
use support::*;
use tokio::sync::{mpsc, Notify};

const TOKEN: &str = "xapp-1-A1-1-supersecret";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn builder(slack: &FakeSlack) -> ClientBuilder<TokioRuntime, SocketModeRoutes> {
    init_tracing();
    SocketModeClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .ping_interval(ms(100))
        .pong_timeout(ms(300))
        .backoff(ms(20), ms(200))
        .close_timeout(ms(300))
        .shutdown_timeout(Duration::from_secs(2))
}

/// A client running on its own task, with its events and a handle.
struct Running {
    events: EventStream,
    handle: ClientHandle,
    run: tokio::task::JoinHandle<Result<(), Error>>,
}

fn launch(builder: ClientBuilder<TokioRuntime, SocketModeRoutes>) -> Running {
    let mut client = builder.build().unwrap();
    let events = client.events();
    let handle = client.handle();
    Running {
        events,
        handle,
        run: tokio::spawn(client.run()),
    }
}

impl Running {
    async fn hello(&mut self) -> slackline_tokio::slackline::Hello {
        match next_event(&mut self.events, "hello", |e| matches!(e, Event::Hello(_))).await {
            Event::Hello(hello) => hello,
            _ => unreachable!(),
        }
    }

    /// Shuts down and expects a clean `Ok(())`.
    async fn shut_down(self) {
        self.handle.shutdown().await;
        within("run to return", self.run).await.unwrap().unwrap();
    }
}

/// A handler that reports `label envelope_id` on a channel.
fn reporter(
    label: &'static str,
    tx: &mpsc::Sender<String>,
) -> impl Fn(
    slackline_tokio::Envelope,
    slackline_tokio::Responder,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
       + Send
       + Sync
       + 'static {
    let tx = tx.clone();
    move |envelope, _responder| {
        let tx = tx.clone();
        Box::pin(async move {
            let _ = tx.send(format!("{label} {}", envelope.envelope_id())).await;
        })
    }
}

async fn collect(rx: &mut mpsc::Receiver<String>, n: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..n {
        seen.push(within("a handler call", rx.recv()).await.unwrap());
    }
    seen.sort();
    seen
}

#[tokio::test]
async fn hello_then_envelopes_are_acked_and_routed_by_type() {
    let mut slack = FakeSlack::start().await;
    let (tx, mut seen) = mpsc::channel(16);
    let mut client = builder(&slack)
        .on_event("app_mention", reporter("mention", &tx))
        .on_envelope(reporter("other", &tx))
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("supersecret"));
    let mut events = client.events();
    let handle = client.handle();
    let run = tokio::spawn(client.run());

    let open = slack.request().await;
    assert_eq!(open.method, "apps.connections.open");
    assert_eq!(
        open.authorization.as_deref(),
        Some("Bearer xapp-1-A1-1-supersecret")
    );
    let mut conn = slack.accept_hello().await;
    assert!(conn.path.contains("ticket=1"), "{}", conn.path);
    let Event::Hello(hello) =
        next_event(&mut events, "hello", |e| matches!(e, Event::Hello(_))).await
    else {
        unreachable!()
    };
    assert_eq!(hello.app_id.as_deref(), Some("A1"));

    conn.send(events_api("e1", "app_mention")).await;
    conn.send(events_api("e2", "reaction_added")).await;
    assert_eq!(conn.next_text().await, ack("e1"));
    assert_eq!(conn.next_text().await, ack("e2"));
    assert_eq!(collect(&mut seen, 2).await, ["mention e1", "other e2"]);

    handle.shutdown().await;
    assert_eq!(conn.closed().await, Some(1000));
    within("run to return", run).await.unwrap().unwrap();
}

#[tokio::test]
async fn disconnect_warning_refreshes_make_before_break_without_losing_an_envelope() {
    let mut slack = FakeSlack::start().await;
    let (tx, mut seen) = mpsc::channel(16);
    let mut client = launch(builder(&slack).on_envelope(reporter("got", &tx)));

    slack.request().await;
    let mut old = slack.accept_hello().await;
    client.hello().await;

    old.send(disconnect("warning")).await;
    next_event(&mut client.events, "the disconnect", |e| {
        matches!(
            e,
            Event::Disconnect {
                reason: DisconnectReason::Warning,
                ..
            }
        )
    })
    .await;
    assert_eq!(slack.request().await.method, "apps.connections.open");
    let mut new = slack.accept().await;

    // The old connection still serves until the new one is up.
    old.send(events_api("before", "message")).await;
    assert_eq!(old.next_text().await, ack("before"));

    new.send(hello()).await;
    assert_eq!(old.closed().await, Some(1000));
    next_event(&mut client.events, "the old connection closing", |e| {
        matches!(
            e,
            Event::ConnectionClosed {
                cause: CloseCause::Replaced,
                ..
            }
        )
    })
    .await;
    new.send(events_api("after", "message")).await;
    assert_eq!(new.next_text().await, ack("after"));
    assert_eq!(collect(&mut seen, 2).await, ["got after", "got before"]);

    client.handle.shutdown().await;
    assert_eq!(new.closed().await, Some(1000));
    within("run to return", client.run).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_server_that_stops_answering_pings_is_replaced() {
    let mut slack = FakeSlack::start().await;
    let mut client = launch(builder(&slack));

    slack.request().await;
    let half_open = slack.accept_hello().await;
    let first = client.hello().await;
    let frozen_at = Instant::now();
    half_open.freeze().await;

    next_event(&mut client.events, "the pong timeout", |e| {
        matches!(e, Event::ConnectionClosed { cause: CloseCause::PongTimeout, conn } if *conn == first.conn)
    })
    .await;
    // Within one ping interval plus the pong deadline (plus scheduling slack).
    assert!(frozen_at.elapsed() < ms(1000), "{:?}", frozen_at.elapsed());
    slack.request().await;
    let mut replacement = slack.accept_hello().await;
    let second = client.hello().await;
    assert_ne!(first.conn, second.conn);
    replacement.send(events_api("e1", "message")).await;
    assert_eq!(replacement.next_text().await, ack("e1"));

    client.shut_down().await;
    drop(half_open);
}

#[tokio::test]
async fn a_rate_limited_connections_open_is_retried_after_retry_after() {
    let mut slack = FakeSlack::start().await;
    slack.script("apps.connections.open", [Reply::rate_limited("1")]);
    let mut client = launch(builder(&slack));

    let first = slack.request().await;
    let Event::Reconnecting { delay, cause, .. } =
        next_event(&mut client.events, "the retry", |e| {
            matches!(e, Event::Reconnecting { .. })
        })
        .await
    else {
        unreachable!()
    };
    assert_eq!(
        cause,
        ReconnectCause::Api(ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        })
    );
    assert!(delay >= Duration::from_secs(1), "{delay:?}");
    let second = slack.request().await;
    assert!(
        second.at - first.at >= Duration::from_secs(1),
        "retried after {:?}",
        second.at - first.at
    );
    slack.accept_hello().await;
    client.hello().await;

    client.shut_down().await;
}

#[tokio::test]
async fn link_disabled_stops_with_its_own_error() {
    let mut slack = FakeSlack::start().await;
    let mut client = builder(&slack).build().unwrap();
    let mut events = client.events();
    let run = tokio::spawn(client.run());

    slack.request().await;
    let mut conn = slack.accept_hello().await;
    next_event(&mut events, "hello", |e| matches!(e, Event::Hello(_))).await;
    conn.send(disconnect("link_disabled")).await;
    assert_eq!(conn.closed().await, Some(1000));
    next_event(&mut events, "the stop", |e| {
        matches!(e, Event::Stopped(StopReason::LinkDisabled))
    })
    .await;
    let error = within("run to return", run).await.unwrap().unwrap_err();
    assert!(matches!(error, Error::LinkDisabled), "{error:?}");
    assert!(error.is_fatal_stop());
}

#[tokio::test]
async fn a_refused_token_stops_at_once_and_the_error_does_not_show_it() {
    let mut slack = FakeSlack::start().await;
    slack.script(
        "apps.connections.open",
        [Reply::ok(r#"{"ok":false,"error":"invalid_auth"}"#)],
    );
    let client = builder(&slack).build().unwrap();
    let run = tokio::spawn(client.run());
    slack.request().await;
    let error = within("run to return", run).await.unwrap().unwrap_err();
    let Error::Fatal(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.code(), Some("invalid_auth"));
    assert!(!format!("{error} {error:?}").contains("supersecret"));
}

#[tokio::test]
async fn graceful_shutdown_lets_a_running_handler_send_its_ack() {
    let mut slack = FakeSlack::start().await;
    let started = std::sync::Arc::new(Notify::new());
    let release = std::sync::Arc::new(Notify::new());
    let (result_tx, mut result) = mpsc::channel(1);
    let client = {
        let (started, release) = (started.clone(), release.clone());
        builder(&slack)
            .on_command("/slow", move |_envelope, responder| {
                let (started, release, result_tx) =
                    (started.clone(), release.clone(), result_tx.clone());
                async move {
                    started.notify_one();
                    release.notified().await;
                    let acked = responder
                        .ack_with(&serde_json::json!({ "text": "done" }))
                        .await;
                    let _ = result_tx.send(acked).await;
                }
            })
            .build()
            .unwrap()
    };
    let handle = client.handle();
    let run = tokio::spawn(client.run());

    slack.request().await;
    let mut conn = slack.accept_hello().await;
    conn.send(slash_command("s1", "/slow", "please")).await;
    within("the handler to start", started.notified()).await;

    handle.shutdown().await;
    release.notify_one();
    let (id, payload) = parse_ack(&conn.next_text().await);
    assert_eq!(id, "s1");
    assert_eq!(payload, Some(serde_json::json!({ "text": "done" })));
    assert_eq!(
        within("the handler's result", result.recv()).await,
        Some(Ok(()))
    );
    assert_eq!(conn.closed().await, Some(1000));
    within("run to return", run).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_handler_slower_than_the_ack_deadline_does_not_delay_other_acks() {
    let mut slack = FakeSlack::start().await;
    // Slack's deadline is 3 s; a 300 ms one keeps the test short with the same shape.
    let deadline = ms(300);
    let (late_tx, mut late) = mpsc::channel(1);
    let mut client = launch(
        builder(&slack)
            .ack_policy(deadline, LateAckPolicy::AutoAck)
            .on_command("/slow", move |_envelope, responder| {
                let late_tx = late_tx.clone();
                async move {
                    tokio::time::sleep(ms(900)).await;
                    let _ = late_tx.send(responder.ack().await).await;
                }
            })
            .on_event("message", |_, _| async {}),
    );

    slack.request().await;
    let mut conn = slack.accept_hello().await;
    client.hello().await;

    let sent = Instant::now();
    conn.send(slash_command("slow", "/slow", "x")).await;
    conn.send(events_api("fast1", "message")).await;
    conn.send(events_api("fast2", "message")).await;
    assert_eq!(conn.next_text().await, ack("fast1"));
    assert_eq!(conn.next_text().await, ack("fast2"));
    assert!(
        sent.elapsed() < deadline,
        "fast acks took {:?}",
        sent.elapsed()
    );

    // The slow envelope is acked bare at its deadline, so Slack does not retry it.
    assert_eq!(conn.next_text().await, ack("slow"));
    assert!(sent.elapsed() >= deadline);
    next_event(&mut client.events, "the overdue report", |e| {
        matches!(
            e,
            Event::AckOverdue {
                auto_acked: true,
                ..
            }
        )
    })
    .await;
    // The handler's own ack, too late, is refused rather than sent twice.
    assert_eq!(
        within("the slow handler", late.recv()).await,
        Some(Err(AckError::NotPending))
    );

    client.shut_down().await;
}

#[tokio::test]
async fn plain_ws_urls_to_other_hosts_are_refused_before_connecting() {
    let mut slack = FakeSlack::start().await;
    slack.script(
        "apps.connections.open",
        [Reply::ok(
            r#"{"ok":true,"url":"ws://example.invalid/link/?ticket=topsecret"}"#,
        )],
    );
    let mut client = launch(builder(&slack));

    slack.request().await;
    let Event::ConnectionClosed {
        cause: CloseCause::ConnectFailed(detail),
        ..
    } = next_event(&mut client.events, "the refusal", |e| {
        matches!(
            e,
            Event::ConnectionClosed {
                cause: CloseCause::ConnectFailed(_),
                ..
            }
        )
    })
    .await
    else {
        unreachable!()
    };
    assert!(
        detail.contains("loopback") && detail.contains("wss://"),
        "{detail}"
    );
    assert!(!detail.contains("topsecret"), "{detail}");
    // The next URL is a loopback one and works.
    slack.request().await;
    slack.accept_hello().await;
    client.hello().await;
    client.shut_down().await;
}

#[tokio::test]
async fn plain_http_api_urls_to_other_hosts_are_refused_at_build() {
    let error = SocketModeClient::builder(TOKEN)
        .api_url("http://slack.example.com/api/")
        .build()
        .unwrap_err();
    assert!(
        matches!(error, Error::Url(UrlError::Insecure { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains("https://"), "{error}");
    assert!(SocketModeClient::builder(TOKEN)
        .api_url("http://localhost:9/api/")
        .build()
        .is_ok());
    let wrong_token = SocketModeClient::builder("xoxb-not-an-app-token").build();
    assert!(matches!(wrong_token, Err(Error::Config(_))));
}
