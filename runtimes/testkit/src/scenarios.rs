//! The end-to-end scenarios, written once against [`Client`] and run by every driver:
//! `slackline_testkit::end_to_end_tests!(MyClient);` in a driver's `tests/` makes one `#[test]`
//! per scenario. Timings are shortened (100 ms pings, 300 ms pong deadline); every wait is
//! bounded, and no scenario sleeps to let a race settle.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use slackline::{
    AckError, ApiError, CloseCause, DisconnectReason, Event, LateAckPolicy, ReconnectCause,
    StopReason,
};
use slackline_driver::{Error, RtmError, UrlError};

use crate::client::{Behaviour, Client, Gate, Route, RtmOp, Setup, Web, WebSetup};
use crate::{
    ack, disconnect, events_api, frame, hello, init_tracing, ms, parse_ack, recv, slash_command,
    FakeSlack, Reply, TestPki, TestProxy,
};

const APP_TOKEN: &str = "xapp-1-A1-1-supersecret";
const BOT_TOKEN: &str = "xoxb-1-2-botsecret";

/// One `#[test]` per scenario for the client type given.
#[macro_export]
macro_rules! end_to_end_tests {
    ($client:ty) => {
        $crate::end_to_end_tests!(@each $client;
            hello_then_envelopes_are_acked_and_routed_by_type,
            disconnect_warning_refreshes_make_before_break_without_losing_an_envelope,
            a_server_that_stops_answering_pings_is_replaced,
            a_rate_limited_connections_open_is_retried_after_retry_after,
            link_disabled_stops_with_its_own_error,
            a_refused_token_stops_at_once_and_the_error_does_not_show_it,
            graceful_shutdown_lets_a_running_handler_send_its_ack,
            a_handler_slower_than_the_ack_deadline_does_not_delay_other_acks,
            plain_ws_urls_to_other_hosts_are_refused_before_connecting,
            plain_http_api_urls_to_other_hosts_are_refused_at_build,
            a_panicking_handler_takes_nothing_down,
            ordered_mode_runs_handlers_one_at_a_time_in_arrival_order,
            busy_handlers_make_the_client_stop_reading_instead_of_buffering,
            rtm_events_reach_handlers_and_sends_resolve_with_their_reply,
            web_calls_carry_the_token_in_the_header_only,
            web_rate_limits_are_waited_out_and_errors_classified,
            socket_mode_runs_over_https_and_wss,
            certificates_are_verified_by_default,
            every_connection_goes_through_the_connect_proxy_with_its_credentials,
            tls_runs_inside_the_tunnel_and_checks_the_real_host,
            no_proxy_bypasses_the_proxy,
            proxy_refusals_are_reported_without_credentials
        );
    };
    (@each $client:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::scenarios::$name::<$client>();
            }
        )*
    };
}

fn socket_mode(slack: &FakeSlack) -> Setup {
    init_tracing();
    Setup::socket_mode(APP_TOKEN, &slack.api_url)
}

fn is_hello(event: &Event) -> bool {
    matches!(event, Event::Hello(_))
}

fn hello_conn<C: Client>(client: &mut C) -> slackline::ConnId {
    match client.next_event("hello", &is_hello) {
        Event::Hello(hello) => hello.conn,
        _ => unreachable!(),
    }
}

/// Shuts down and expects a clean `Ok(())`.
fn shut_down<C: Client>(client: C) {
    client.shutdown();
    client.finish().expect("a clean shutdown");
}

/// `n` handler reports, sorted.
fn collect(log: &mpsc::Receiver<String>, n: usize) -> Vec<String> {
    let mut seen: Vec<String> = (0..n)
        .map(|_| recv(log, "a handler report").expect("handlers gone"))
        .collect();
    seen.sort();
    seen
}

fn next_log(log: &mpsc::Receiver<String>) -> String {
    recv(log, "a handler report").expect("handlers gone")
}

pub fn hello_then_envelopes_are_acked_and_routed_by_type<C: Client>() {
    let slack = FakeSlack::start();
    let (tx, log) = mpsc::channel();
    let client = C::build(
        socket_mode(&slack)
            .route(
                Route::Event("app_mention"),
                Behaviour::Report("mention", tx.clone()),
            )
            .route(Route::AnyEnvelope, Behaviour::Report("other", tx)),
    )
    .unwrap();
    assert!(
        !client.debug().contains("supersecret"),
        "{}",
        client.debug()
    );
    let mut client = client.start();

    let open = slack.request();
    assert_eq!(open.method, "apps.connections.open");
    assert_eq!(
        open.authorization.as_deref(),
        Some("Bearer xapp-1-A1-1-supersecret")
    );
    let conn = slack.accept_hello();
    assert!(conn.path.contains("ticket=1"), "{}", conn.path);
    let Event::Hello(hello) = client.next_event("hello", &is_hello) else {
        unreachable!()
    };
    assert_eq!(hello.app_id.as_deref(), Some("A1"));

    conn.send(events_api("e1", "app_mention"));
    conn.send(events_api("e2", "reaction_added"));
    assert_eq!(conn.next_text(), ack("e1"));
    assert_eq!(conn.next_text(), ack("e2"));
    assert_eq!(collect(&log, 2), ["mention e1", "other e2"]);

    client.shutdown();
    assert_eq!(conn.closed(), Some(1000));
    client.finish().unwrap();
}

pub fn disconnect_warning_refreshes_make_before_break_without_losing_an_envelope<C: Client>() {
    let slack = FakeSlack::start();
    let (tx, log) = mpsc::channel();
    let mut client =
        C::launch(socket_mode(&slack).route(Route::AnyEnvelope, Behaviour::Report("got", tx)));

    slack.request();
    let old = slack.accept_hello();
    hello_conn(&mut client);

    old.send(disconnect("warning"));
    client.next_event("the disconnect", &|e| {
        matches!(
            e,
            Event::Disconnect {
                reason: DisconnectReason::Warning,
                ..
            }
        )
    });
    assert_eq!(slack.request().method, "apps.connections.open");
    let new = slack.accept();

    // The old connection still serves until the new one is up.
    old.send(events_api("before", "message"));
    assert_eq!(old.next_text(), ack("before"));

    new.send(hello());
    assert_eq!(old.closed(), Some(1000));
    client.next_event("the old connection closing", &|e| {
        matches!(
            e,
            Event::ConnectionClosed {
                cause: CloseCause::Replaced,
                ..
            }
        )
    });
    new.send(events_api("after", "message"));
    assert_eq!(new.next_text(), ack("after"));
    assert_eq!(collect(&log, 2), ["got after", "got before"]);

    client.shutdown();
    assert_eq!(new.closed(), Some(1000));
    client.finish().unwrap();
}

pub fn a_server_that_stops_answering_pings_is_replaced<C: Client>() {
    let slack = FakeSlack::start();
    let mut client = C::launch(socket_mode(&slack));

    slack.request();
    let half_open = slack.accept_hello();
    let first = hello_conn(&mut client);
    let frozen_at = Instant::now();
    half_open.freeze();

    client.next_event("the pong timeout", &|e| {
        matches!(e, Event::ConnectionClosed { cause: CloseCause::PongTimeout, conn } if *conn == first)
    });
    // Within one ping interval plus the pong deadline (plus scheduling slack).
    assert!(frozen_at.elapsed() < ms(1000), "{:?}", frozen_at.elapsed());
    slack.request();
    let replacement = slack.accept_hello();
    let second = hello_conn(&mut client);
    assert_ne!(first, second);
    replacement.send(events_api("e1", "message"));
    assert_eq!(replacement.next_text(), ack("e1"));

    shut_down(client);
    drop(half_open);
}

pub fn a_rate_limited_connections_open_is_retried_after_retry_after<C: Client>() {
    let slack = FakeSlack::start();
    slack.script("apps.connections.open", [Reply::rate_limited("1")]);
    let mut client = C::launch(socket_mode(&slack));

    let first = slack.request();
    let Event::Reconnecting { delay, cause, .. } =
        client.next_event("the retry", &|e| matches!(e, Event::Reconnecting { .. }))
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
    let second = slack.request();
    assert!(
        second.at - first.at >= Duration::from_secs(1),
        "retried after {:?}",
        second.at - first.at
    );
    slack.accept_hello();
    hello_conn(&mut client);
    shut_down(client);
}

pub fn link_disabled_stops_with_its_own_error<C: Client>() {
    let slack = FakeSlack::start();
    let mut client = C::launch(socket_mode(&slack));

    slack.request();
    let conn = slack.accept_hello();
    hello_conn(&mut client);
    conn.send(disconnect("link_disabled"));
    assert_eq!(conn.closed(), Some(1000));
    client.next_event("the stop", &|e| {
        matches!(e, Event::Stopped(StopReason::LinkDisabled))
    });
    let error = client.finish().unwrap_err();
    assert!(matches!(error, Error::LinkDisabled), "{error:?}");
    assert!(error.is_fatal_stop());
}

pub fn a_refused_token_stops_at_once_and_the_error_does_not_show_it<C: Client>() {
    let slack = FakeSlack::start();
    slack.script(
        "apps.connections.open",
        [Reply::ok(r#"{"ok":false,"error":"invalid_auth"}"#)],
    );
    let client = C::launch(socket_mode(&slack));
    slack.request();
    let error = client.finish().unwrap_err();
    let Error::Fatal(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.code(), Some("invalid_auth"));
    assert!(!format!("{error} {error:?}").contains("supersecret"));
}

pub fn graceful_shutdown_lets_a_running_handler_send_its_ack<C: Client>() {
    let slack = FakeSlack::start();
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    let client = C::launch(socket_mode(&slack).route(
        Route::Command("/slow"),
        Behaviour::Hold {
            log: tx,
            gate: gate.clone(),
            ack: Some(Some(serde_json::json!({ "text": "done" }))),
        },
    ));

    slack.request();
    let conn = slack.accept_hello();
    conn.send(slash_command("s1", "/slow", "please"));
    assert_eq!(next_log(&log), "start s1");

    client.shutdown();
    gate.open(1);
    let (id, payload) = parse_ack(&conn.next_text());
    assert_eq!(id, "s1");
    assert_eq!(payload, Some(serde_json::json!({ "text": "done" })));
    assert_eq!(next_log(&log), "done s1 Ok(())");
    assert_eq!(conn.closed(), Some(1000));
    client.finish().unwrap();
}

pub fn a_handler_slower_than_the_ack_deadline_does_not_delay_other_acks<C: Client>() {
    let slack = FakeSlack::start();
    // Slack's deadline is 3 s; a 300 ms one keeps the test short with the same shape.
    let deadline = ms(300);
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    let mut client = C::launch(
        socket_mode(&slack)
            .configure(move |c| {
                c.with_ack_timeout(deadline)
                    .with_late_ack_policy(LateAckPolicy::AutoAck)
            })
            .route(
                Route::Command("/slow"),
                Behaviour::Hold {
                    log: tx.clone(),
                    gate: gate.clone(),
                    ack: Some(None),
                },
            )
            .route(Route::Event("message"), Behaviour::Report("fast", tx)),
    );

    slack.request();
    let conn = slack.accept_hello();
    hello_conn(&mut client);

    let sent = Instant::now();
    conn.send(slash_command("slow", "/slow", "x"));
    conn.send(events_api("fast1", "message"));
    conn.send(events_api("fast2", "message"));
    // The slow handler is only let go once everything below has been seen, so a client that
    // waited for it before reading on could not get here (no wall-clock bound needed, which
    // would be flaky on a loaded machine).
    assert_eq!(conn.next_text(), ack("fast1"));
    assert_eq!(conn.next_text(), ack("fast2"));

    // The slow envelope is acked bare at its deadline, so Slack does not retry it.
    assert_eq!(conn.next_text(), ack("slow"));
    assert!(sent.elapsed() >= deadline);
    client.next_event("the overdue report", &|e| {
        matches!(
            e,
            Event::AckOverdue {
                auto_acked: true,
                ..
            }
        )
    });
    // The handler's own ack, too late, is refused rather than sent twice.
    gate.open(1);
    let mut reports = collect(&log, 4);
    reports.retain(|r| r.starts_with("done"));
    assert_eq!(
        reports,
        [format!(
            "done slow {:?}",
            Err::<(), _>(AckError::NotPending)
        )]
    );

    shut_down(client);
}

pub fn plain_ws_urls_to_other_hosts_are_refused_before_connecting<C: Client>() {
    let slack = FakeSlack::start();
    slack.script(
        "apps.connections.open",
        [Reply::ok(
            r#"{"ok":true,"url":"ws://example.invalid/link/?ticket=topsecret"}"#,
        )],
    );
    let mut client = C::launch(socket_mode(&slack));

    slack.request();
    let Event::ConnectionClosed {
        cause: CloseCause::ConnectFailed(detail),
        ..
    } = client.next_event("the refusal", &|e| {
        matches!(
            e,
            Event::ConnectionClosed {
                cause: CloseCause::ConnectFailed(_),
                ..
            }
        )
    })
    else {
        unreachable!()
    };
    assert!(
        detail.contains("loopback") && detail.contains("wss://"),
        "{detail}"
    );
    assert!(!detail.contains("topsecret"), "{detail}");
    // The next URL is a loopback one and works.
    slack.request();
    slack.accept_hello();
    hello_conn(&mut client);
    shut_down(client);
}

pub fn plain_http_api_urls_to_other_hosts_are_refused_at_build<C: Client>() {
    let refused = |url: &str| C::build(Setup::socket_mode(APP_TOKEN, url)).err();
    let error = refused("http://slack.example.com/api/").expect("refused");
    assert!(
        matches!(error, Error::Url(UrlError::Insecure { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains("https://"), "{error}");
    assert!(refused("http://localhost:9/api/").is_none());
    let error = C::build(Setup::rtm(BOT_TOKEN, "http://10.1.2.3/api/")).err();
    assert!(
        matches!(error, Some(Error::Url(UrlError::Insecure { .. }))),
        "{error:?}"
    );
    let wrong_token = C::build(Setup::socket_mode(
        "xoxb-not-an-app-token",
        "http://127.0.0.1:9/",
    ));
    assert!(matches!(wrong_token.err(), Some(Error::Config(_))));
}

pub fn a_panicking_handler_takes_nothing_down<C: Client>() {
    let slack = FakeSlack::start();
    let (tx, log) = mpsc::channel();
    let client = C::launch(
        socket_mode(&slack)
            .route(Route::Event("boom"), Behaviour::Panic)
            .route(Route::AnyEnvelope, Behaviour::Report("ok", tx)),
    );
    slack.request();
    let conn = slack.accept_hello();
    conn.send(events_api("p1", "boom"));
    conn.send(events_api("ok1", "message"));
    assert_eq!(conn.next_text(), ack("p1"));
    assert_eq!(conn.next_text(), ack("ok1"));
    assert_eq!(next_log(&log), "ok ok1");
    // And the next panic is contained as well.
    conn.send(events_api("p2", "boom"));
    conn.send(events_api("ok2", "message"));
    assert_eq!(next_log(&log), "ok ok2");
    shut_down(client);
}

pub fn ordered_mode_runs_handlers_one_at_a_time_in_arrival_order<C: Client>() {
    let slack = FakeSlack::start();
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    let client = C::launch(socket_mode(&slack).ordered().route(
        Route::AnyEnvelope,
        Behaviour::Hold {
            log: tx,
            gate: gate.clone(),
            ack: None,
        },
    ));
    slack.request();
    let conn = slack.accept_hello();
    for i in 1..=3 {
        conn.send(events_api(&format!("e{i}"), "message"));
    }
    // Concurrent handlers would all start before the first is let through.
    for i in 1..=3 {
        assert_eq!(next_log(&log), format!("start e{i}"));
        gate.open(1);
        assert_eq!(next_log(&log), format!("done e{i}"));
    }
    shut_down(client);
}

pub fn busy_handlers_make_the_client_stop_reading_instead_of_buffering<C: Client>() {
    let slack = FakeSlack::start();
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    const N: usize = 200;
    let client = C::launch(socket_mode(&slack).limits(1, 1).route(
        Route::AnyEnvelope,
        Behaviour::Hold {
            log: tx,
            gate: gate.clone(),
            ack: None,
        },
    ));
    slack.request();
    let conn = slack.accept_hello();

    for i in 0..N {
        conn.send(events_api(&format!("e{i}"), "message"));
    }
    // Acks stop once the handler, its queue and the client's buffers are full and the socket
    // buffers fill: far fewer than N arrive while the handler is blocked.
    let mut acked = 0;
    while conn.next_within(ms(300)).is_some() {
        acked += 1;
    }
    assert!(
        acked < N,
        "all {acked} envelopes were read while handlers were blocked"
    );

    gate.open(N);
    while acked < N {
        assert_eq!(conn.next_text(), ack(&format!("e{acked}")));
        acked += 1;
    }
    let mut done = 0;
    while done < N {
        if next_log(&log).starts_with("done") {
            done += 1;
        }
    }
    shut_down(client);
}

pub fn rtm_events_reach_handlers_and_sends_resolve_with_their_reply<C: Client>() {
    init_tracing();
    let slack = FakeSlack::start();
    let (results_tx, results) = mpsc::channel();
    let mut client = C::launch(
        Setup::rtm(BOT_TOKEN, &slack.api_url)
            .route(Route::Rtm("message"), Behaviour::Echo(results_tx)),
    );

    let connect = slack.request();
    assert_eq!(connect.method, "rtm.connect");
    assert_eq!(
        connect.authorization.as_deref(),
        Some("Bearer xoxb-1-2-botsecret")
    );
    let conn = slack.accept();
    conn.send(r#"{"type":"hello"}"#);
    let Event::RtmConnected(granted) =
        client.next_event("the grant", &|e| matches!(e, Event::RtmConnected(_)))
    else {
        unreachable!()
    };
    assert_eq!(granted.self_id(), Some("UBOT"));

    conn.send(r#"{"type":"message","channel":"C1","user":"U2","text":"hi","ts":"1.0"}"#);
    let sent = frame(&conn.next_text());
    assert_eq!(
        (sent["type"].as_str(), sent["channel"].as_str()),
        (Some("message"), Some("C1"))
    );
    assert_eq!(sent["text"], "echo: hi");
    let id = sent["id"].as_u64().expect("an id");
    conn.send(format!(
        r#"{{"ok":true,"reply_to":{id},"ts":"2.0","text":"echo: hi"}}"#
    ));
    let reply = recv(&results, "the handler's reply").unwrap().unwrap();
    assert_eq!((reply.id, reply.ts.as_deref()), (id, Some("2.0")));

    // Typing goes out without a reply; a ping resolves with its pong.
    let typing = client.rtm(RtmOp::Typing("C1"));
    assert_eq!(recv(&typing, "typing").unwrap(), Ok(None));
    assert_eq!(frame(&conn.next_text())["type"], "typing");
    let ping = client.rtm(RtmOp::Ping);
    let ping_frame = frame(&conn.next_text());
    assert_eq!(ping_frame["type"], "ping");
    conn.send(format!(
        r#"{{"type":"pong","reply_to":{}}}"#,
        ping_frame["id"]
    ));
    assert!(recv(&ping, "the pong").unwrap().is_ok());

    // An error reply is an error for the sender.
    let refused = client.rtm(RtmOp::Message("C404", "nope"));
    let id = frame(&conn.next_text())["id"].as_u64().unwrap();
    conn.send(format!(
        r#"{{"ok":false,"reply_to":{id},"error":{{"code":2,"msg":"channel_not_found"}}}}"#
    ));
    assert_eq!(
        recv(&refused, "the refusal").unwrap(),
        Err(RtmError::Failed {
            code: 2,
            msg: "channel_not_found".into()
        })
    );

    client.shutdown();
    assert_eq!(conn.closed(), Some(1000));
    let late = client.rtm(RtmOp::Message("C1", "late"));
    client.finish().unwrap();
    // Once stopped, sends are refused rather than hanging.
    assert!(recv(&late, "the late send").unwrap().is_err());
}

pub fn web_calls_carry_the_token_in_the_header_only<C: Client>() {
    init_tracing();
    let slack = FakeSlack::start();
    let web = C::web(WebSetup::new("xoxb-9-9-websecret", &slack.api_url)).unwrap();

    let me = web.auth_test().unwrap();
    assert_eq!(me.user_id.as_deref(), Some("UBOT"));
    let request = slack.request();
    assert_eq!(request.method, "auth.test");
    assert_eq!(
        request.authorization.as_deref(),
        Some("Bearer xoxb-9-9-websecret")
    );
    assert!(!request.body.contains("websecret"));

    let posted = web.chat_post_message("C1", "hello").unwrap();
    assert_eq!(posted.ts, "1700000000.000100");
    let request = slack.request();
    assert_eq!(request.method, "chat.postMessage");
    assert!(request
        .content_type
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(frame(&request.body)["text"], "hello");

    // A loopback port nobody listens on: an error at once, not a hang.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let nobody = C::web(WebSetup::new(
        "xoxb-9-9-websecret",
        &format!("http://127.0.0.1:{port}/api/"),
    ))
    .unwrap();
    let error = nobody.auth_test().unwrap_err();
    assert!(matches!(error, ApiError::Transport { .. }), "{error:?}");
    assert!(!format!("{error:?}").contains("websecret"));
}

pub fn web_rate_limits_are_waited_out_and_errors_classified<C: Client>() {
    let slack = FakeSlack::start();
    slack.script("chat.postMessage", [Reply::rate_limited("1")]);
    slack.script(
        "auth.test",
        [Reply::ok(r#"{"ok":false,"error":"invalid_auth"}"#)],
    );
    let web = C::web(WebSetup::new("xoxb-9-9-websecret", &slack.api_url)).unwrap();

    web.chat_post_message("C1", "hi").unwrap();
    let first = slack.request();
    let second = slack.request();
    assert!(
        second.at - first.at >= Duration::from_secs(1),
        "{:?}",
        second.at - first.at
    );

    let error = web.auth_test().unwrap_err();
    assert!(error.is_fatal());
    assert_eq!(error.code(), Some("invalid_auth"));

    // With retries off the 429 comes straight back.
    slack.script("chat.postMessage", [Reply::rate_limited("7")]);
    let impatient = C::web(WebSetup {
        rate_limit_retries: Some(0),
        ..WebSetup::new("xoxb-9-9-websecret", &slack.api_url)
    })
    .unwrap();
    assert_eq!(
        impatient.chat_post_message("C1", "hi").unwrap_err(),
        ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

pub fn socket_mode_runs_over_https_and_wss<C: Client>() {
    init_tracing();
    let pki = TestPki::new();
    let slack = FakeSlack::start_tls(pki.server.clone());
    assert!(slack.api_url.starts_with("https://127.0.0.1:"));
    let mut client = C::launch(socket_mode(&slack).tls(pki.client.clone()));

    assert_eq!(slack.request().method, "apps.connections.open");
    let conn = slack.accept_hello();
    hello_conn(&mut client);
    conn.send(events_api("t1", "message"));
    assert_eq!(conn.next_text(), ack("t1"));
    client.shutdown();
    assert_eq!(conn.closed(), Some(1000));
    client.finish().unwrap();
}

pub fn certificates_are_verified_by_default<C: Client>() {
    let pki = TestPki::new();
    let slack = FakeSlack::start_tls(pki.server.clone());

    // The default roots (webpki-roots) do not know the test certificate: refused.
    let web = C::web(WebSetup::new("xoxb-1-secret", &slack.api_url)).unwrap();
    let error = web.auth_test().unwrap_err();
    let ApiError::Transport { detail } = &error else {
        panic!("{error:?}")
    };
    assert!(detail.to_lowercase().contains("certificate"), "{detail}");

    // Trusting it works.
    let web = C::web(WebSetup {
        tls: Some(pki.client),
        ..WebSetup::new("xoxb-1-secret", &slack.api_url)
    })
    .unwrap();
    web.auth_test().unwrap();
}

/// `Proxy-Authorization` for `user:pa ss` (the space percent-encoded in the URL).
const PROXY_USER: &str = "user:pa%20ss";
const PROXY_BASIC: &str = "Basic dXNlcjpwYSBzcw==";

fn authority_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or_default().to_owned()
}

pub fn every_connection_goes_through_the_connect_proxy_with_its_credentials<C: Client>() {
    let slack = FakeSlack::start();
    let proxy = TestProxy::start(Some(PROXY_BASIC));
    let mut client = C::launch(socket_mode(&slack).proxy(proxy.url(Some(PROXY_USER)), None));

    assert_eq!(slack.request().method, "apps.connections.open");
    let api = proxy.connect();
    assert_eq!(api.authority, authority_of(&slack.api_url));
    assert_eq!(api.authorization.as_deref(), Some(PROXY_BASIC));
    let conn = slack.accept_hello();
    let ws = proxy.connect();
    assert_eq!(ws.authority, authority_of(&slack.ws_url()));
    assert_eq!(ws.authorization.as_deref(), Some(PROXY_BASIC));
    hello_conn(&mut client);
    conn.send(events_api("p1", "message"));
    assert_eq!(conn.next_text(), ack("p1"));
    assert!(!client.debug().contains("pa%20ss"), "{}", client.debug());
    client.shutdown();
    assert_eq!(conn.closed(), Some(1000));
    client.finish().unwrap();

    // The Web API client takes the same route.
    let web = C::web(WebSetup {
        proxy: Some(proxy.url(Some(PROXY_USER))),
        ..WebSetup::new("xoxb-9-9-websecret", &slack.api_url)
    })
    .unwrap();
    web.auth_test().unwrap();
    assert_eq!(proxy.connect().authority, authority_of(&slack.api_url));
}

pub fn tls_runs_inside_the_tunnel_and_checks_the_real_host<C: Client>() {
    init_tracing();
    let pki = TestPki::new();
    let slack = FakeSlack::start_tls(pki.server.clone());
    let proxy = TestProxy::start(None);
    let mut client = C::launch(
        socket_mode(&slack)
            .tls(pki.client.clone())
            .proxy(proxy.url(None), None),
    );
    slack.request();
    assert_eq!(proxy.connect().authority, authority_of(&slack.api_url));
    let conn = slack.accept_hello();
    assert_eq!(proxy.connect().authority, authority_of(&slack.ws_url()));
    hello_conn(&mut client);
    conn.send(events_api("t1", "message"));
    assert_eq!(conn.next_text(), ack("t1"));
    shut_down(client);

    // Through the tunnel, the certificate is still checked against the real host.
    let web = C::web(WebSetup {
        proxy: Some(proxy.url(None)),
        ..WebSetup::new("xoxb-1-secret", &slack.api_url)
    })
    .unwrap();
    let error = web.auth_test().unwrap_err();
    assert!(
        format!("{error}").to_lowercase().contains("certificate"),
        "{error}"
    );
}

pub fn no_proxy_bypasses_the_proxy<C: Client>() {
    let slack = FakeSlack::start();
    let proxy = TestProxy::start(None);
    let mut client = C::launch(socket_mode(&slack).proxy(proxy.url(None), Some("127.0.0.0/8")));
    slack.request();
    let conn = slack.accept_hello();
    hello_conn(&mut client);
    conn.send(events_api("d1", "message"));
    assert_eq!(conn.next_text(), ack("d1"));
    shut_down(client);
    assert_eq!(proxy.seen(), []);
}

pub fn proxy_refusals_are_reported_without_credentials<C: Client>() {
    let slack = FakeSlack::start();
    let proxy = TestProxy::start(Some("Basic something-else"));
    let mut client = C::launch(socket_mode(&slack).proxy(proxy.url(Some("user:hunter2")), None));
    let Event::Reconnecting { cause, .. } = client.next_event("the failed open", &|e| {
        matches!(e, Event::Reconnecting { .. })
    }) else {
        unreachable!()
    };
    let shown = format!("{cause} {cause:?}");
    assert!(shown.contains("407"), "{shown}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("supersecret"),
        "{shown}"
    );
    assert!(proxy.connect().authorization.is_some());
    shut_down(client);

    let error =
        C::build(socket_mode(&slack).proxy("socks5://user:hunter2@127.0.0.1:1".into(), None))
            .err()
            .expect("refused");
    assert!(matches!(error, Error::Proxy(_)), "{error:?}");
    assert!(
        !format!("{error} {error:?}").contains("hunter2"),
        "{error:?}"
    );
}
