//! The end-to-end scenarios the fake Slack cannot play, written once against [`Client`] and
//! run by every driver against the testkit's own [`ScriptedSlack`] (with TLS from [`TestPki`])
//! and [`TestProxy`]. Everything the fake can play is in [`against_fake`](crate::drivers::against_fake).
//!
//! What stays here, and why:
//! - **TLS** (`https://` / `wss://`, certificate checks): the fake server speaks plain HTTP on
//!   loopback only.
//! - **The CONNECT proxy** (credentials, TLS inside the tunnel, `no_proxy`, refusals): the
//!   proxy sees what the client sends it, which no Slack server can.
//! - **Exact headers and bodies of Web API calls** (`Authorization: Bearer …` and nothing in the
//!   body, JSON content type) and a port nobody listens on: the fake checks the token's kind and
//!   where it is, not the request as sent.
//! - **URL refusals** (a non-loopback `ws://` handed out by `apps.connections.open`, plain
//!   `http://` API URLs): the fake only hands out its own loopback URLs.
//! - **Back-pressure**: counting acks while handlers are blocked needs a server that writes
//!   a fixed burst and reads with a short timeout, without redelivering what is not acked.
//!
//! `slackline_testkit::end_to_end_tests!(MyClient);` in a driver's `tests/` makes one `#[test]`
//! per scenario, these and the ones against the fake. Timings are shortened (100 ms pings,
//! 300 ms pong deadline); every wait is bounded, and no scenario sleeps to let a race settle.

use std::sync::mpsc;
use std::time::Duration;

use std::collections::BTreeMap;

use serde_json::json;
use slackline::{ApiError, CloseCause, Event};
use slackline_async_driver::{Error, UrlError};
use slackline_client::types::composition::SelectOption;
use slackline_client::types::response::{MessageResponse, OptionsResponse, ResponseAction};

use crate::drivers::client::{
    hello_conn, shut_down, Behaviour, Client, Gate, Route, Setup, Step, Typed, Web, WebSetup,
    APP_TOKEN, BOT_TOKEN,
};
use crate::drivers::{
    ack, block_actions, block_suggestion, events_api, form, frame, init_tracing, message, ms, recv,
    shortcut, view_submission, Reply, ScriptedSlack, TestPki, TestProxy,
};

/// One `#[test]` per scenario for the client type given: the ones here, and (in a module
/// `against_fake`) the ones against the fake Slack.
#[macro_export]
macro_rules! end_to_end_tests {
    ($client:ty) => {
        $crate::end_to_end_tests!(@each $client;
            plain_ws_urls_to_other_hosts_are_refused_before_connecting,
            plain_http_api_urls_to_other_hosts_are_refused_at_build,
            busy_handlers_make_the_client_stop_reading_instead_of_buffering,
            web_calls_carry_the_token_in_the_header_only,
            web_rate_limits_are_waited_out_and_errors_classified,
            socket_mode_runs_over_https_and_wss,
            certificates_are_verified_by_default,
            every_connection_goes_through_the_connect_proxy_with_its_credentials,
            tls_runs_inside_the_tunnel_and_checks_the_real_host,
            no_proxy_bypasses_the_proxy,
            proxy_refusals_are_reported_without_credentials,
            typed_routes_answer_in_the_ack_respond_and_say,
            web_pages_are_walked_by_cursor_with_form_arguments,
            web_rate_limits_hold_back_only_the_same_method,
            web_file_upload_takes_three_steps
        );
        $crate::against_fake_tests!($client);
    };
    (@each $client:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::drivers::scenarios::$name::<$client>();
            }
        )*
    };
}

fn socket_mode(slack: &ScriptedSlack) -> Setup {
    init_tracing();
    Setup::socket_mode(APP_TOKEN, &slack.api_url)
}

fn next_log(log: &mpsc::Receiver<String>) -> String {
    recv(log, "a handler report").expect("handlers gone")
}

pub fn plain_ws_urls_to_other_hosts_are_refused_before_connecting<C: Client>() {
    let slack = ScriptedSlack::start();
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

pub fn busy_handlers_make_the_client_stop_reading_instead_of_buffering<C: Client>() {
    let slack = ScriptedSlack::start();
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    const N: usize = 200;
    // Liveness far shorter than the hold: pongs sit unread in the socket while the loop is
    // not reading, which must not get this healthy connection dropped as dead.
    let client = C::launch(
        socket_mode(&slack)
            .limits(1, 1)
            .configure(|config| config.with_ping_interval(ms(50)).with_pong_timeout(ms(50)))
            .route(
                Route::AnyEnvelope,
                Behaviour::Hold {
                    log: tx,
                    gate: gate.clone(),
                    ack: None,
                },
            ),
    );
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

pub fn web_calls_carry_the_token_in_the_header_only<C: Client>() {
    init_tracing();
    let slack = ScriptedSlack::start();
    let web = C::web(WebSetup::new("xoxb-9-9-websecret", &slack.api_url)).unwrap();

    let me = web.auth_test().unwrap();
    assert_eq!(me.user_id, "UBOT");
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
    let slack = ScriptedSlack::start();
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
    let slack = ScriptedSlack::start_tls(pki.server.clone());
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
    let slack = ScriptedSlack::start_tls(pki.server.clone());

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
    let slack = ScriptedSlack::start();
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
    let slack = ScriptedSlack::start_tls(pki.server.clone());
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
    let slack = ScriptedSlack::start();
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
    let slack = ScriptedSlack::start();
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
        !shown.contains("hunter2") && !crate::leaks_a_token(&shown),
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

/// Typed routes by `action_id` (exactly and by pattern), view `callback_id`, suggestion
/// `action_id`, shortcut `callback_id` and message text (a regex, with its captures); the
/// untyped catch-all takes the rest. Handlers answer in the ack (a `ResponseAction` with
/// errors per block, options), post to the payload's `response_url` (without the token), and
/// `say` into the message's thread with the bot token; helpers that cannot work for a payload
/// say why.
pub fn typed_routes_answer_in_the_ack_respond_and_say<C: Client>() {
    init_tracing();
    let slack = ScriptedSlack::start();
    let (tx, log) = mpsc::channel();
    let steps = |steps: Vec<Step>| Behaviour::Steps(steps, tx.clone());
    let errors = ResponseAction::errors([("title", "At least 10 characters, please")]);
    let options = OptionsResponse::options(vec![SelectOption::new("Apple", "apple")]);
    let client = C::launch(
        socket_mode(&slack)
            .bot_token(BOT_TOKEN)
            .route(
                Route::Typed(Typed::Action("approve")),
                steps(vec![
                    Step::Report("approve"),
                    Step::Respond(MessageResponse::replace_original("Approved")),
                ]),
            )
            .route(
                Route::Typed(Typed::ActionMatching("^vote_")),
                steps(vec![Step::Report("vote")]),
            )
            .route(
                Route::Typed(Typed::ViewSubmission("ticket")),
                steps(vec![Step::Report("ticket"), Step::AckWith(json!(errors))]),
            )
            .route(
                Route::Typed(Typed::Options("pick_fruit")),
                steps(vec![Step::AckWith(json!(options))]),
            )
            .route(
                Route::Typed(Typed::Message(r"^deploy (\w+)$")),
                steps(vec![Step::Report("deploy"), Step::Say("deploying")]),
            )
            .route(
                Route::Typed(Typed::Shortcut("nowhere")),
                steps(vec![
                    Step::Respond(MessageResponse::ephemeral("x")),
                    Step::Say("x"),
                ]),
            )
            .route(Route::AnyEnvelope, Behaviour::Report("other", tx.clone())),
    );
    assert_eq!(slack.request().method, "apps.connections.open");
    let conn = slack.accept_hello();
    let response_url = format!("{}respond/T1/a1", slack.api_url);
    let frames = [
        block_actions("a1", "approve", &response_url),
        block_actions("a2", "vote_yes", &response_url),
        block_actions("a3", "deny", &response_url),
        view_submission("v1", "ticket"),
        block_suggestion("o1", "pick_fruit"),
        message("m1", "deploy api", Some("1.0")),
        message("m2", "hello", None),
        shortcut("s1", "nowhere"),
    ];
    for frame in &frames {
        conn.send(frame.as_str());
    }
    // Every envelope acked once; the deferred ones with the handler's answer.
    let mut acks = BTreeMap::new();
    for _ in 0..frames.len() {
        let ack = frame(&conn.next_text());
        let id = ack["envelope_id"].as_str().unwrap().to_owned();
        assert!(
            acks.insert(id, ack["payload"].clone()).is_none(),
            "acked twice"
        );
    }
    assert_eq!(acks.len(), frames.len());
    assert_eq!(acks["v1"], json!(errors));
    assert_eq!(
        acks["v1"],
        json!({"response_action": "errors", "errors": {"title": "At least 10 characters, please"}})
    );
    assert_eq!(acks["o1"]["options"][0]["value"], "apple");
    for id in ["a1", "a2", "a3", "m1", "m2", "s1"] {
        assert_eq!(acks[id], serde_json::Value::Null, "{id} is acked bare");
    }

    let mut reports: Vec<String> = (0..12).map(|_| next_log(&log)).collect();
    reports.sort();
    assert_eq!(
        reports,
        [
            "ack_with Ok",
            "ack_with Ok",
            "approve a1",
            "deploy m1 deploy api|api",
            "other a3",
            "other m2",
            "respond Err(Slack error `no_response_url`)",
            "respond Ok",
            "say Err(Slack error `channel_not_found`)",
            "say Ok",
            "ticket v1",
            "vote a2",
        ]
    );

    // What reached Slack: the response_url post without the token, and the bot's message in
    // the thread of the message it answers.
    let mut requests = [slack.request(), slack.request()];
    requests.sort_by(|a, b| a.method.cmp(&b.method));
    let [posted, responded] = requests;
    assert_eq!(responded.method, "respond/T1/a1");
    assert_eq!(responded.authorization, None);
    assert!(responded
        .content_type
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        frame(&responded.body),
        json!({"replace_original": true, "text": "Approved"})
    );
    assert_eq!(posted.method, "chat.postMessage");
    assert_eq!(
        posted.authorization.as_deref(),
        Some(format!("Bearer {BOT_TOKEN}").as_str())
    );
    assert_eq!(
        frame(&posted.body),
        json!({"channel": "C1", "text": "deploying", "thread_ts": "1.0"})
    );

    let stats = client.stats();
    shut_down(client);
    let counts = stats.snapshot();
    assert_eq!(
        (counts.handled, counts.failed, counts.panicked),
        (8, 0, 0),
        "{counts:?}"
    );
}

/// `paginate` walks `conversations.history` by `response_metadata.next_cursor`, one form
/// request per page with the same arguments and the cursor; an empty cursor ends the walk, and
/// a failed page is the last item.
pub fn web_pages_are_walked_by_cursor_with_form_arguments<C: Client>() {
    init_tracing();
    let slack = ScriptedSlack::start();
    let page = |texts: &[&str], cursor: &str| {
        let messages: Vec<_> = texts
            .iter()
            .map(|t| json!({"type": "message", "text": t, "ts": "1.0"}))
            .collect();
        Reply::ok(
            json!({"ok": true, "messages": messages, "has_more": !cursor.is_empty(),
                   "response_metadata": {"next_cursor": cursor}})
            .to_string(),
        )
    };
    slack.script(
        "conversations.history",
        [
            page(&["m1", "m2"], "c2"),
            page(&["m3", "m4"], "c3"),
            page(&["m5"], ""),
        ],
    );
    let web = C::web(WebSetup::new(BOT_TOKEN, &slack.api_url)).unwrap();
    let texts: Vec<Vec<String>> = web
        .history("C1", 2)
        .into_iter()
        .map(|page| {
            page.unwrap()
                .messages
                .into_iter()
                .map(|m| m.text.unwrap())
                .collect()
        })
        .collect();
    assert_eq!(texts, [vec!["m1", "m2"], vec!["m3", "m4"], vec!["m5"]]);
    let pairs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    for cursor in [None, Some("c2"), Some("c3")] {
        let request = slack.request();
        assert_eq!(request.method, "conversations.history");
        assert_eq!(
            request.content_type.as_deref(),
            Some("application/x-www-form-urlencoded"),
            "read methods take form fields"
        );
        let mut expected = vec![("channel", "C1"), ("limit", "2")];
        expected.extend(cursor.map(|c| ("cursor", c)));
        expected.sort();
        assert_eq!(form(&request.body), pairs(&expected));
    }

    slack.script(
        "conversations.history",
        [
            page(&["m1"], "c2"),
            Reply::ok(r#"{"ok":false,"error":"channel_not_found"}"#),
        ],
    );
    let pages = web.history("C1", 1);
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[0].is_ok());
    assert_eq!(
        pages[1].as_ref().unwrap_err().code(),
        Some("channel_not_found")
    );
}

/// A 429 for `chat.postMessage` holds back this client's `chat.postMessage` calls until its
/// `Retry-After` has passed, not its other methods. With retries off the hold is visible at
/// once: the next `chat.postMessage` fails without reaching Slack, an `auth.test` goes through.
/// (With retries on, held calls wait the hold out: the `Exchange` unit tests; the wait after
/// a call's own 429: `web_rate_limits_are_waited_out_and_errors_classified`.)
pub fn web_rate_limits_hold_back_only_the_same_method<C: Client>() {
    init_tracing();
    let slack = ScriptedSlack::start();
    slack.script("chat.postMessage", [Reply::rate_limited("3")]);
    let web = C::web(WebSetup {
        rate_limit_retries: Some(0),
        ..WebSetup::new(BOT_TOKEN, &slack.api_url)
    })
    .unwrap();
    let error = web.chat_post_message("C1", "first").unwrap_err();
    assert_eq!(
        error,
        ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(3))
        }
    );
    assert_eq!(slack.request().method, "chat.postMessage");

    web.auth_test().unwrap();
    assert_eq!(slack.request().method, "auth.test", "another method goes");
    let held = web.clone().chat_post_message("C1", "second").unwrap_err();
    let Some(wait) = held.retry_after() else {
        panic!("{held:?}")
    };
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(3),
        "{wait:?}"
    );
    // Nothing was sent for it: the next request Slack sees is this one.
    web.auth_test().unwrap();
    assert_eq!(
        slack.request().method,
        "auth.test",
        "the held call was not sent"
    );
}

/// File upload v2: `files.getUploadURLExternal` with the file's name and size (form fields),
/// the bytes POSTed to the upload URL it gave (no token), then `files.completeUploadExternal`
/// (JSON) with the file id, title and channel; an upload URL that is not HTTPS (nor loopback)
/// is refused before any byte is sent.
pub fn web_file_upload_takes_three_steps<C: Client>() {
    init_tracing();
    let slack = ScriptedSlack::start();
    let upload_url = format!("{}upload/F1?sig=abc", slack.api_url);
    slack.script(
        "files.getUploadURLExternal",
        [
            Reply::ok(json!({"ok": true, "upload_url": upload_url, "file_id": "F1"}).to_string()),
            Reply::ok(r#"{"ok":true,"upload_url":"http://files.example.com/up","file_id":"F2"}"#),
        ],
    );
    slack.script("upload/F1", [Reply::ok("OK - 11")]);
    slack.script(
        "files.completeUploadExternal",
        [Reply::ok(
            r#"{"ok":true,"files":[{"id":"F1","title":"Report"}]}"#,
        )],
    );
    let web = C::web(WebSetup::new(BOT_TOKEN, &slack.api_url)).unwrap();
    let done = web.upload("report.csv", b"a,b\n1,2\n3,4").unwrap();
    assert_eq!(done.files[0].id, "F1");

    let reserve = slack.request();
    assert_eq!(reserve.method, "files.getUploadURLExternal");
    assert_eq!(
        form(&reserve.body),
        [
            ("filename".to_owned(), "report.csv".to_owned()),
            ("length".to_owned(), "11".to_owned())
        ]
    );
    let bytes = slack.request();
    assert_eq!(bytes.method, "upload/F1");
    assert_eq!(bytes.authorization, None, "the upload URL is signed");
    assert_eq!(bytes.body, "a,b\n1,2\n3,4");
    let complete = slack.request();
    assert_eq!(complete.method, "files.completeUploadExternal");
    assert_eq!(
        frame(&complete.body),
        json!({"files": [{"id": "F1", "title": "Report"}], "channel_id": "C1"})
    );

    let refused = web.upload("x.txt", b"x").unwrap_err();
    assert!(
        matches!(&refused, ApiError::Transport { detail } if detail.contains("https://")),
        "{refused:?}"
    );
    assert_eq!(slack.request().method, "files.getUploadURLExternal");
}
