//! The end-to-end scenarios against the project's fake Slack: `slackline-fake-server` (the
//! sans-IO [`slackline_fake::FakeSlack`] on a loopback port) plays a script, the driver under
//! test talks to it over real sockets, and each scenario checks two views of the same run: the
//! fake's [`Verdict`] (every envelope acked once and in time, `Retry-After` honoured, how many
//! sockets were open at once, ...) and what the client's handlers and lifecycle events saw.
//!
//! The fake runs on a thread of its own ([`FakeServer::spawn_thread`]), so the same test body
//! serves tokio, smol, async-std and the blocking driver. Tests wait on what the fake observed
//! ([`Fake::wait_for`]) or on client events, each wait bounded by [`PATIENCE`]; timing comes
//! from the script (`after`, `wait`, `ack_deadline`) and the client's settings, never from
//! sleeps.
//!
//! [`against_fake_tests!`](crate::drivers::against_fake_tests) makes one `#[test]` per scenario for a
//! driver; [`end_to_end_tests!`](crate::drivers::end_to_end_tests) includes them.

use std::cell::RefCell;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use slackline::{
    AckError, ApiError, CloseCause, DisconnectReason, Event, LateAckPolicy, ReconnectCause,
    StopReason,
};
use slackline_async_driver::{Error, RtmError};
use slackline_client::types::response::MessageResponse;
use slackline_fake::{AckOutcome, DeliveryReport, FakeConfig, Script, Verdict};
use slackline_fake_server::{FakeServer, Observation, Observed, ServerConfig, ServerThread};

use crate::drivers::client::{
    hello_conn, is_hello, shut_down, Behaviour, Client, Gate, Route, RtmOp, Setup, Step, Typed,
    APP_TOKEN, BOT_TOKEN,
};
use crate::drivers::{init_tracing, ms, recv, PATIENCE};

/// One `#[test]` per scenario against the fake, in a module `against_fake`, for the client
/// type given.
#[macro_export]
macro_rules! against_fake_tests {
    ($client:ty) => {
        /// The shared scenarios against `slackline-fake-server`.
        mod against_fake {
            #[allow(unused_imports)]
            use super::*;

            $crate::against_fake_tests!(@each $client;
                hello_then_each_envelope_type_is_acked_and_routed,
                a_redelivery_is_acked_and_not_dispatched_twice,
                disconnect_warning_refreshes_make_before_break_without_losing_an_envelope,
                a_server_that_stops_answering_pings_is_replaced,
                a_rate_limited_connections_open_is_retried_after_retry_after,
                link_disabled_stops_with_its_own_error,
                a_refused_token_stops_at_once_and_the_error_does_not_show_it,
                graceful_shutdown_lets_a_running_handler_send_its_ack,
                a_handler_slower_than_the_ack_deadline_does_not_delay_other_acks,
                a_panicking_handler_takes_nothing_down,
                typed_routes_say_and_answer_commands_against_the_fake,
                ordered_mode_runs_handlers_one_at_a_time_without_holding_acks,
                rtm_hello_events_and_sends_resolved_by_reply_to
            );
        }
    };
    (@each $client:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::drivers::against_fake::$name::<$client>();
            }
        )*
    };
}

// ----- the fake on its thread -----

/// `slackline-fake-server` on a thread of its own, playing one script, with what it observed
/// collected for the test.
pub struct Fake {
    api_url: String,
    server: Option<ServerThread>,
    observed: mpsc::Receiver<Observation>,
    /// Everything received from `observed` so far, in the server's order.
    seen: RefCell<Vec<Observation>>,
}

impl Fake {
    /// Plays `script` (JSON lines) with the fake's default settings.
    pub fn start(script: &str) -> Fake {
        Self::start_with(script, FakeConfig::new())
    }

    /// Plays `script` with these fake settings (accepted tokens, ...).
    pub fn start_with(script: &str, config: FakeConfig) -> Fake {
        init_tracing();
        let script = Script::parse(script).unwrap_or_else(|e| panic!("the scenario's script: {e}"));
        // Big enough that nothing a scenario does is dropped (observers are lossy by design).
        let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
        let config = ServerConfig::default().fake(config).observer(tx);
        let server = FakeServer::spawn_thread(script, config).expect("the fake server starts");
        // The observer channel is tokio's; a plain thread turns it into one the test can wait
        // on with a timeout. It ends when the server does (its sender is dropped).
        let (forward, observed) = mpsc::channel();
        std::thread::Builder::new()
            .name("fake-observer".into())
            .spawn(move || {
                while let Some(observation) = rx.blocking_recv() {
                    if forward.send(observation).is_err() {
                        break;
                    }
                }
            })
            .expect("a thread for the observer");
        Fake {
            api_url: server.api_url(),
            server: Some(server),
            observed,
            seen: RefCell::new(Vec::new()),
        }
    }

    /// `http://127.0.0.1:PORT/api/`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The position (in the server's order) of the first observation `wanted` accepts, waiting
    /// for it if it has not happened yet. Earlier observations stay available to later calls,
    /// so waits may come in any order; comparing positions checks the order things happened in.
    pub fn wait_for(&self, what: &str, wanted: impl Fn(&Observed) -> bool) -> usize {
        let mut seen = self.seen.borrow_mut();
        if let Some(i) = seen.iter().position(|o| wanted(&o.what)) {
            return i;
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.observed.recv_timeout(left) {
                Ok(observation) => {
                    let hit = wanted(&observation.what);
                    seen.push(observation);
                    if hit {
                        return seen.len() - 1;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let last: Vec<_> = seen.iter().rev().take(12).rev().collect();
                    panic!("the fake did not see {what} in time; last seen: {last:#?}")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the fake stopped before {what}")
                }
            }
        }
    }

    /// The observation at `position` (from [`wait_for`](Self::wait_for)).
    pub fn seen(&self, position: usize) -> Observation {
        self.seen.borrow()[position].clone()
    }

    /// Waits until the script has played to its end and every ack is settled.
    pub fn wait_finished(&self) {
        self.wait_for("the end of the script", |o| matches!(o, Observed::Finished));
    }

    /// Stops the server and returns its verdict (final if the script finished).
    pub fn stop(mut self) -> Verdict {
        let server = self.server.take().expect("stopped once");
        server.stop().expect("the fake server stops").verdict
    }
}

// ----- scripts -----

/// A script: the header (`name` plus `header`, extra fields starting with a comma) and steps.
pub fn script(name: &str, header: &str, steps: &[&str]) -> String {
    let mut text = format!(r#"{{"slackline_script":1,"name":"{name}"{header}}}"#);
    for step in steps {
        text.push('\n');
        text.push_str(step);
    }
    text
}

/// An envelope step labelled and identified by `id` (handlers report envelope ids, the
/// verdict labels: one name for both).
fn envelope(id: &str, kind: &str, payload: &str) -> String {
    format!(
        r#"{{"label":"{id}","envelope":{{"type":"{kind}","envelope_id":"{id}","payload":{payload}}}}}"#
    )
}

/// An Events API envelope with an event of `event_type`.
pub fn event_step(id: &str, event_type: &str) -> String {
    envelope(
        id,
        "events_api",
        &format!(
            r#"{{"type":"event_callback","event_id":"Ev-{id}","event":{{"type":"{event_type}","text":"hi","channel":"C1","ts":"1.1"}}}}"#
        ),
    )
}

/// An interactive envelope of `payload_type` (acked on arrival: it takes no response payload).
pub fn interactive_step(id: &str, payload_type: &str) -> String {
    envelope(
        id,
        "interactive",
        &format!(
            r#"{{"type":"{payload_type}","user":{{"id":"U1"}},"trigger_id":"1.2.3","actions":[]}}"#
        ),
    )
}

/// A slash command envelope (it accepts a response payload, so the handler's ack is awaited).
pub fn command_step(id: &str, command: &str, text: &str) -> String {
    envelope(
        id,
        "slash_commands",
        &format!(r#"{{"command":"{command}","text":"{text}","channel_id":"C1"}}"#),
    )
}

/// Waits until every envelope sent so far is acked.
pub const WAIT_ACKS: &str = r#"{"wait":"acks"}"#;
/// Ends the script.
pub const END: &str = r#"{"end":true}"#;

// ----- checks -----

fn socket_mode(fake: &Fake) -> Setup {
    Setup::socket_mode(APP_TOKEN, fake.api_url())
}

fn assert_ok(verdict: &Verdict) {
    assert!(verdict.ok, "{}", verdict.summary_text());
    // Reports name token kinds at most, never a token.
    let shown = format!("{verdict:?}");
    assert!(!crate::leaks_a_token(&shown), "{shown}");
}

/// The first delivery of the envelope labelled `label`.
fn delivery<'v>(verdict: &'v Verdict, label: &str) -> &'v DeliveryReport {
    verdict
        .envelopes
        .iter()
        .find(|d| d.label == label)
        .unwrap_or_else(|| panic!("{label} was never delivered: {verdict:#?}"))
}

/// A frame the fake received, as JSON.
fn received(observed: &Observed) -> Option<serde_json::Value> {
    match observed {
        Observed::Received { text, .. } => serde_json::from_str(text).ok(),
        _ => None,
    }
}

/// The client's ack of `envelope_id`, as the fake received it.
fn ack_of(envelope_id: &str) -> impl Fn(&Observed) -> bool + '_ {
    move |o| received(o).is_some_and(|f| f["envelope_id"] == envelope_id)
}

/// A close frame from the client with this code on the fake's socket `socket`.
fn client_closed(socket: u32, code: u16) -> impl Fn(&Observed) -> bool {
    move |o| matches!(o, Observed::ClientClosed { socket: s, code: Some(c) } if *s == socket && *c == code)
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

fn api_calls(verdict: &Verdict, method: &str) -> (u64, u64) {
    verdict
        .http
        .get(method)
        .map_or((0, 0), |m| (m.calls, m.errors))
}

// ----- the scenarios -----

/// The fake's `hello` reaches the app; Events API envelopes are routed by event type (and to
/// the catch-all when no handler takes them), interactive ones by payload type, slash commands
/// by command; every one is acked in time, the command's with the handler's response payload.
pub fn hello_then_each_envelope_type_is_acked_and_routed<C: Client>() {
    let fake = Fake::start(&script(
        "routing",
        r#","hello":{"app_id":"A0ROUTING"}"#,
        &[
            &event_step("mention", "app_mention"),
            &event_step("reaction", "reaction_added"),
            &interactive_step("button", "block_actions"),
            &command_step("deploy", "/deploy", "now"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let answer = Gate::new();
    answer.open(1);
    let client = C::build(
        socket_mode(&fake)
            .route(
                Route::Event("app_mention"),
                Behaviour::Report("mention", tx.clone()),
            )
            .route(
                Route::Interactive("block_actions"),
                Behaviour::Report("button", tx.clone()),
            )
            .route(
                Route::Command("/deploy"),
                Behaviour::Hold {
                    log: tx.clone(),
                    gate: answer,
                    ack: Some(Some(serde_json::json!({ "text": "deploying" }))),
                },
            )
            .route(Route::AnyEnvelope, Behaviour::Report("other", tx)),
    )
    .unwrap();
    assert!(!crate::leaks_a_token(&client.debug()), "{}", client.debug());
    let mut client = client.start();
    let Event::Hello(hello) = client.next_event("hello", &is_hello) else {
        unreachable!()
    };
    assert_eq!(hello.app_id.as_deref(), Some("A0ROUTING"));

    assert_eq!(
        collect(&log, 5),
        [
            "button button",
            "done deploy Ok(())",
            "mention mention",
            "other reaction",
            "start deploy",
        ]
    );
    let ack = fake.wait_for("the command's ack", ack_of("deploy"));
    let ack = received(&fake.seen(ack).what).unwrap();
    assert_eq!(ack["payload"], serde_json::json!({ "text": "deploying" }));
    fake.wait_finished();
    shut_down(client);
    fake.wait_for("the client's close", client_closed(1, 1000));

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(
        (verdict.summary.delivered, verdict.summary.acked),
        (4, 4),
        "{}",
        verdict.summary_text()
    );
    assert_eq!(verdict.summary.acks_with_payload, 1);
    assert!(delivery(&verdict, "deploy").ack_payload);
    assert_eq!(verdict.connections.opened, 1);
    assert_eq!(verdict.connections.closed_by_client, 1);
    assert_eq!(api_calls(&verdict, "apps.connections.open"), (1, 0));
}

/// Slack's retry of an envelope already handled is acked again and not dispatched twice.
pub fn a_redelivery_is_acked_and_not_dispatched_twice<C: Client>() {
    let fake = Fake::start(&script(
        "redelivery",
        "",
        &[
            &event_step("e1", "message"),
            WAIT_ACKS,
            r#"{"redeliver":"e1","retry_attempt":1,"retry_reason":"timeout"}"#,
            WAIT_ACKS,
            &event_step("e2", "message"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let mut client =
        C::launch(socket_mode(&fake).route(Route::AnyEnvelope, Behaviour::Report("got", tx)));
    client.next_event("the duplicate", &|e| {
        matches!(e, Event::Duplicate { envelope_id, retry_attempt: 1, .. } if envelope_id == "e1")
    });
    assert_eq!(collect(&log, 2), ["got e1", "got e2"]);
    fake.wait_finished();
    shut_down(client);
    // Every handler has returned once `run()` has: a second dispatch of e1 would be here.
    assert!(log.try_recv().is_err(), "e1 was dispatched twice");

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(verdict.summary.redeliveries, 1);
    assert_eq!(verdict.summary.acked, 3, "{}", verdict.summary_text());
}

/// `disconnect: warning`: the client opens a new connection first and closes the old one only
/// once the new one said hello (the fake counts two sockets open at once); an envelope sent on
/// the old connection in between is acked there, nothing is lost.
pub fn disconnect_warning_refreshes_make_before_break_without_losing_an_envelope<C: Client>() {
    let fake = Fake::start(&script(
        "refresh",
        "",
        &[
            &event_step("before", "message"),
            WAIT_ACKS,
            r#"{"disconnect":"warning"}"#,
            // Sent with the warning, before any replacement exists: it can only go to the old
            // connection, while the client is busy replacing it.
            &event_step("during", "message"),
            r#"{"wait":"connection"}"#,
            &event_step("after", "message"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let mut client =
        C::launch(socket_mode(&fake).route(Route::AnyEnvelope, Behaviour::Report("got", tx)));
    let first = hello_conn(&mut client);
    client.next_event("the disconnect", &|e| {
        matches!(
            e,
            Event::Disconnect {
                reason: DisconnectReason::Warning,
                ..
            }
        )
    });
    client.next_event("the old connection replaced", &|e| {
        matches!(e, Event::ConnectionClosed { conn, cause: CloseCause::Replaced } if *conn == first)
    });
    assert_eq!(collect(&log, 3), ["got after", "got before", "got during"]);
    let opened = fake.wait_for("the new connection", |o| {
        matches!(o, Observed::Connected { socket: 2 })
    });
    let closed = fake.wait_for("the old connection closed", client_closed(1, 1000));
    assert!(opened < closed, "the old connection closed first");
    fake.wait_finished();
    shut_down(client);

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(
        verdict.connections.max_concurrent, 2,
        "make before break: {:?}",
        verdict.connections
    );
    assert_eq!(verdict.connections.opened, 2);
    assert_eq!(verdict.summary.lost, 0);
    let during = delivery(&verdict, "during");
    assert_eq!((during.socket, during.ack_socket), (1, Some(1)));
    assert_eq!(delivery(&verdict, "after").socket, 2);
    assert!(verdict
        .envelopes
        .iter()
        .all(|d| d.outcome == AckOutcome::Acked));
}

/// A socket the fake makes half-open (no pongs, nothing read, TCP still up) is detected by the
/// client's unanswered ping and replaced; the next envelope arrives on the replacement.
pub fn a_server_that_stops_answering_pings_is_replaced<C: Client>() {
    let fake = Fake::start(&script(
        "half-open",
        "",
        &[
            &event_step("first", "message"),
            WAIT_ACKS,
            r#"{"silence":true}"#,
            r#"{"wait":"connection"}"#,
            &event_step("second", "message"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let mut client =
        C::launch(socket_mode(&fake).route(Route::AnyEnvelope, Behaviour::Report("got", tx)));
    let first = hello_conn(&mut client);
    fake.wait_for("the silence", |o| {
        matches!(o, Observed::Silenced { socket: 1 })
    });
    let silenced = Instant::now();
    client.next_event("the pong timeout", &|e| {
        matches!(e, Event::ConnectionClosed { cause: CloseCause::PongTimeout, conn } if *conn == first)
    });
    // Within one ping interval plus the pong deadline (400 ms here), with room for a loaded
    // machine; the defaults (10 s + 10 s) or no liveness check at all would not get here.
    assert!(silenced.elapsed() < ms(3000), "{:?}", silenced.elapsed());
    let second = hello_conn(&mut client);
    assert_ne!(first, second);
    assert_eq!(collect(&log, 2), ["got first", "got second"]);
    fake.wait_finished();
    shut_down(client);

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(verdict.connections.silenced, 1);
    assert_eq!(verdict.connections.opened, 2);
    assert_eq!(delivery(&verdict, "second").socket, 2);
    assert_eq!(api_calls(&verdict, "apps.connections.open"), (2, 0));
}

/// `apps.connections.open` answers 429 with `Retry-After: 1`: the client waits that long (the
/// fake would report a call made before it passed) and then connects.
pub fn a_rate_limited_connections_open_is_retried_after_retry_after<C: Client>() {
    let fake = Fake::start(&script(
        "rate-limited",
        "",
        &[
            r#"{"fail":"apps.connections.open","status":429,"retry_after":1}"#,
            &event_step("e1", "message"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let mut client =
        C::launch(socket_mode(&fake).route(Route::AnyEnvelope, Behaviour::Report("got", tx)));
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
    hello_conn(&mut client);
    assert_eq!(next_log(&log), "got e1");
    let open = |status: u16| move |o: &Observed| matches!(o, Observed::Http { method, status: s, .. } if method == "apps.connections.open" && *s == status);
    let refused = fake.seen(fake.wait_for("the 429", open(429)));
    let granted = fake.seen(fake.wait_for("the retry", open(200)));
    assert!(
        granted.at - refused.at >= Duration::from_secs(1),
        "retried after {:?}",
        granted.at - refused.at
    );
    fake.wait_finished();
    shut_down(client);

    let verdict = fake.stop();
    // `ok` includes: no call came before its `Retry-After` had passed.
    assert_ok(&verdict);
    assert_eq!(api_calls(&verdict, "apps.connections.open"), (2, 1));
    assert_eq!(delivery(&verdict, "e1").outcome, AckOutcome::Acked);
}

/// `disconnect: link_disabled` stops the client for good with its own error, after a clean
/// close, without asking for another connection.
pub fn link_disabled_stops_with_its_own_error<C: Client>() {
    let fake = Fake::start(&script(
        "link-disabled",
        "",
        &[
            &event_step("e1", "message"),
            WAIT_ACKS,
            r#"{"disconnect":"link_disabled"}"#,
            END,
        ],
    ));
    let mut client = C::launch(socket_mode(&fake));
    hello_conn(&mut client);
    client.next_event("the stop", &|e| {
        matches!(e, Event::Stopped(StopReason::LinkDisabled))
    });
    let error = client.finish().unwrap_err();
    assert!(matches!(error, Error::LinkDisabled), "{error:?}");
    assert!(error.is_fatal_stop());
    fake.wait_for("the client's close", client_closed(1, 1000));
    fake.wait_finished();

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(verdict.connections.opened, 1);
    assert_eq!(api_calls(&verdict, "apps.connections.open"), (1, 0));
}

/// A token the workspace does not accept (`invalid_auth`) stops the client at once, and
/// neither the error nor the fake's report shows it.
pub fn a_refused_token_stops_at_once_and_the_error_does_not_show_it<C: Client>() {
    let fake = Fake::start_with(
        &script("refused-token", "", &[END]),
        FakeConfig::new().with_accepted_token("xapp-1-A1-1-theotherone"),
    );
    let client = C::launch(socket_mode(&fake));
    let error = client.finish().unwrap_err();
    let Error::Fatal(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.code(), Some("invalid_auth"));
    assert!(!crate::leaks_a_token(&format!("{error} {error:?}")));

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(api_calls(&verdict, "apps.connections.open"), (1, 1));
    assert_eq!(verdict.connections.opened, 0);
}

/// A shutdown asked for while a slash command's handler is still running: the session waits
/// for the handler's ack (with its payload), which reaches the fake before the close (1000).
pub fn graceful_shutdown_lets_a_running_handler_send_its_ack<C: Client>() {
    let fake = Fake::start(&script(
        "shutdown",
        "",
        &[&command_step("s1", "/slow", "please"), WAIT_ACKS, END],
    ));
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    let client = C::launch(socket_mode(&fake).route(
        Route::Command("/slow"),
        Behaviour::Hold {
            log: tx,
            gate: gate.clone(),
            ack: Some(Some(serde_json::json!({ "text": "done" }))),
        },
    ));
    assert_eq!(next_log(&log), "start s1");

    client.shutdown();
    gate.open(1);
    assert_eq!(next_log(&log), "done s1 Ok(())");
    client.finish().unwrap();
    let ack = fake.wait_for("the handler's ack", ack_of("s1"));
    let closed = fake.wait_for("the client's close", client_closed(1, 1000));
    assert!(ack < closed, "closed before the ack");
    assert_eq!(
        received(&fake.seen(ack).what).unwrap()["payload"],
        serde_json::json!({ "text": "done" })
    );
    fake.wait_finished();

    let verdict = fake.stop();
    assert_ok(&verdict);
    let s1 = delivery(&verdict, "s1");
    assert_eq!(s1.outcome, AckOutcome::Acked);
    assert!(s1.ack_payload);
}

/// A slash command whose handler outlasts the ack deadline: the envelopes behind it are acked
/// while it runs, the session acks it bare at the client's deadline (so Slack, here the fake
/// with a 2 s deadline, does not retry), and the handler's own ack, long after, is refused
/// rather than sent twice.
pub fn a_handler_slower_than_the_ack_deadline_does_not_delay_other_acks<C: Client>() {
    // Slack's 3 s and the client's 2.5 s, shortened: the fake's deadline 2 s, the client's
    // 300 ms (a wide margin, so a loaded machine does not make the session's own ack late).
    // The script ends 2.2 s after the envelopes, past the fake's deadline, and that is when
    // the handler is let go.
    let fake = Fake::start(&script(
        "slow-handler",
        r#","ack_deadline":"2s""#,
        &[
            &command_step("slow", "/slow", "x"),
            &event_step("fast1", "message"),
            &event_step("fast2", "message"),
            r#"{"after":"2200ms","end":true}"#,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    let mut client = C::launch(
        socket_mode(&fake)
            .configure(|c| {
                c.with_ack_timeout(ms(300))
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
    // The slow handler is still held at its gate: acks that arrive now were not waiting for it.
    fake.wait_for("fast1's ack", ack_of("fast1"));
    fake.wait_for("fast2's ack", ack_of("fast2"));
    let auto = fake.wait_for("the slow envelope's ack", ack_of("slow"));
    assert_eq!(
        received(&fake.seen(auto).what).unwrap().get("payload"),
        None,
        "the session's own ack is bare"
    );
    client.next_event("the overdue report", &|e| {
        matches!(e, Event::AckOverdue { envelope_id, auto_acked: true } if envelope_id == "slow")
    });
    fake.wait_finished();
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

    let verdict = fake.stop();
    // `ok` includes: no ack late or missing, none twice.
    assert_ok(&verdict);
    assert_eq!(verdict.summary.acked, 3, "{}", verdict.summary_text());
    assert_eq!(verdict.summary.redeliveries, 0);
    let slow = delivery(&verdict, "slow");
    assert!(!slow.ack_payload);
    let latency = |label| delivery(&verdict, label).ack_latency_ms.unwrap();
    assert!(latency("slow") >= 300, "{}", latency("slow"));
    assert!(latency("fast2") < latency("slow"));
}

/// Panicking handlers are contained and counted: every envelope is still acked (a slash
/// command whose handler panicked before acking too, bare, in time), other handlers run, a
/// handler's `Err` is counted as a failure, and the client shuts down cleanly.
pub fn a_panicking_handler_takes_nothing_down<C: Client>() {
    let fake = Fake::start(&script(
        "panics",
        "",
        &[
            &event_step("p1", "boom"),
            &event_step("ok1", "message"),
            WAIT_ACKS,
            &event_step("p2", "boom"),
            &event_step("ok2", "message"),
            WAIT_ACKS,
            &command_step("p3", "/boom", "now"),
            &event_step("f1", "fail"),
            &event_step("ok3", "message"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let client = C::launch(
        socket_mode(&fake)
            .route(Route::Event("boom"), Behaviour::Panic)
            .route(Route::Command("/boom"), Behaviour::Panic)
            .route(
                Route::Typed(Typed::Event("fail")),
                Behaviour::Steps(vec![Step::Report("failing"), Step::Fail], tx.clone()),
            )
            .route(Route::AnyEnvelope, Behaviour::Report("ok", tx)),
    );
    // Handlers run concurrently: ok2's may finish first.
    assert_eq!(
        collect(&log, 4),
        ["failing f1", "ok ok1", "ok ok2", "ok ok3"]
    );
    fake.wait_finished();
    let stats = client.stats();
    shut_down(client);
    let counts = stats.snapshot();
    assert_eq!(
        (counts.handled, counts.panicked, counts.failed),
        (7, 3, 1),
        "{counts:?}"
    );

    let verdict = fake.stop();
    // `ok` includes: the command's ack came within its deadline.
    assert_ok(&verdict);
    assert_eq!(verdict.summary.acked, 7, "{}", verdict.summary_text());
    assert_eq!(delivery(&verdict, "p3").outcome, AckOutcome::Acked);
    assert!(!delivery(&verdict, "p3").ack_payload);
}

/// Typed routes against the fake: a message by text pattern answered with `say` (the fake
/// records the bot's `chat.postMessage` in the message's channel), a slash command answered
/// in its ack with a typed message, and a button nobody routes by its `action_id` left to the
/// catch-all.
pub fn typed_routes_say_and_answer_commands_against_the_fake<C: Client>() {
    let fake = Fake::start(&script(
        "typed",
        "",
        &[
            &event_step("m1", "message"),
            &command_step("c1", "/ticket", "open"),
            &interactive_step("b1", "block_actions"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let answer = MessageResponse::ephemeral("Opening a ticket");
    let mut client = C::launch(
        socket_mode(&fake)
            .bot_token(BOT_TOKEN)
            .route(
                Route::Typed(Typed::Message("^hi$")),
                Behaviour::Steps(
                    vec![Step::Report("hi"), Step::Say("hello back")],
                    tx.clone(),
                ),
            )
            .route(
                Route::Typed(Typed::Command("/ticket")),
                Behaviour::Steps(
                    vec![
                        Step::Report("ticket"),
                        Step::AckWith(serde_json::json!(answer)),
                    ],
                    tx.clone(),
                ),
            )
            .route(
                Route::Typed(Typed::Action("approve")),
                Behaviour::Steps(vec![Step::Report("approve")], tx.clone()),
            )
            .route(Route::AnyEnvelope, Behaviour::Report("other", tx)),
    );
    hello_conn(&mut client);
    assert_eq!(
        collect(&log, 5),
        ["ack_with Ok", "hi m1 hi", "other b1", "say Ok", "ticket c1"]
    );
    let ack = fake.wait_for("the command's ack", ack_of("c1"));
    assert_eq!(
        received(&fake.seen(ack).what).unwrap()["payload"],
        serde_json::json!({"response_type": "ephemeral", "text": "Opening a ticket"})
    );
    fake.wait_finished();
    shut_down(client);

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(verdict.summary.acked, 3, "{}", verdict.summary_text());
    assert_eq!(api_calls(&verdict, "chat.postMessage"), (1, 0));
    let posted = &verdict.posted[0];
    assert_eq!(
        (
            posted.via.as_str(),
            posted.channel.as_str(),
            posted.text.as_str()
        ),
        ("chat.postMessage", "C1", "hello back")
    );
}

/// `ordered()`: one handler at a time, in arrival order; the envelopes are acked on arrival
/// all the same (the fake's script ends, every ack in, while the first handler still runs).
pub fn ordered_mode_runs_handlers_one_at_a_time_without_holding_acks<C: Client>() {
    let fake = Fake::start(&script(
        "ordered",
        "",
        &[
            &event_step("e1", "message"),
            &event_step("e2", "message"),
            &event_step("e3", "message"),
            WAIT_ACKS,
            END,
        ],
    ));
    let (tx, log) = mpsc::channel();
    let gate = Gate::new();
    let client = C::launch(socket_mode(&fake).ordered().route(
        Route::AnyEnvelope,
        Behaviour::Hold {
            log: tx,
            gate: gate.clone(),
            ack: None,
        },
    ));
    assert_eq!(next_log(&log), "start e1");
    fake.wait_finished();
    // Concurrent handlers would all have started before the first is let through.
    for i in 1..=3 {
        if i > 1 {
            assert_eq!(next_log(&log), format!("start e{i}"));
        }
        gate.open(1);
        assert_eq!(next_log(&log), format!("done e{i}"));
    }
    shut_down(client);

    let verdict = fake.stop();
    assert_ok(&verdict);
    assert_eq!(verdict.summary.acked, 3, "{}", verdict.summary_text());
}

/// RTM: `rtm.connect` with the bot token in the header (the fake accepts only that token), the
/// `hello`, an event to a handler whose reply is resolved by the fake's `reply_to`, typing, an
/// application ping and its pong, an error reply, and sends refused once stopped.
pub fn rtm_hello_events_and_sends_resolved_by_reply_to<C: Client>() {
    let fake = Fake::start_with(
        &script(
            "rtm",
            "",
            &[
                r#"{"rtm":{"type":"message","channel":"C1","user":"U2","text":"hi","ts":"1.0"}}"#,
                END,
            ],
        ),
        FakeConfig::new().with_accepted_token(BOT_TOKEN),
    );
    let (results_tx, results) = mpsc::channel();
    let mut client = C::launch(
        Setup::rtm(BOT_TOKEN, fake.api_url())
            .route(Route::Rtm("message"), Behaviour::Echo(results_tx)),
    );
    let Event::RtmConnected(granted) =
        client.next_event("the grant", &|e| matches!(e, Event::RtmConnected(_)))
    else {
        unreachable!()
    };
    assert_eq!(granted.self_id(), Some("U0FAKEBOT"));

    let reply = recv(&results, "the handler's reply").unwrap().unwrap();
    let sent = fake.wait_for("the echo", |o| {
        received(o).is_some_and(|f| f["type"] == "message" && f["text"] == "echo: hi")
    });
    let sent = received(&fake.seen(sent).what).unwrap();
    assert_eq!(sent["channel"], "C1");
    assert_eq!(
        Some(reply.id),
        sent["id"].as_u64(),
        "resolved by its reply_to"
    );
    assert_eq!(reply.text.as_deref(), Some("echo: hi"));

    // Typing goes out without a reply; a ping resolves with its pong.
    let typing = client.rtm(RtmOp::Typing("C1"));
    assert_eq!(recv(&typing, "typing").unwrap(), Ok(None));
    let ping = client.rtm(RtmOp::Ping);
    let pong = recv(&ping, "the pong").unwrap().unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&pong.raw).contains("pong"),
        "{pong:?}"
    );
    // An error reply is an error for the sender.
    let refused = client.rtm(RtmOp::Message("C1", ""));
    assert_eq!(
        recv(&refused, "the refusal").unwrap(),
        Err(RtmError::Failed {
            code: 2,
            msg: "message text is missing".into()
        })
    );

    client.shutdown();
    fake.wait_for("the client's close", client_closed(1, 1000));
    // Once stopping, sends are refused rather than hanging.
    let late = client.rtm(RtmOp::Message("C1", "late"));
    assert!(recv(&late, "the late send").unwrap().is_err());
    client.finish().unwrap();

    let verdict = fake.stop();
    // `ok` includes: ids positive and unique, within the rate, the right kind of token.
    assert_ok(&verdict);
    assert_eq!(api_calls(&verdict, "rtm.connect"), (1, 0));
    assert_eq!(verdict.rtm.events, 1);
    assert_eq!(verdict.rtm.pings, 1);
    assert_eq!(verdict.rtm.messages, 4, "echo, typing, ping, empty message");
    assert_eq!(verdict.posted.len(), 1);
    let posted = &verdict.posted[0];
    assert_eq!(
        (
            posted.via.as_str(),
            posted.channel.as_str(),
            posted.text.as_str()
        ),
        ("rtm", "C1", "echo: hi")
    );
    assert_eq!(reply.ts.as_deref(), Some(posted.ts.as_str()));
}
