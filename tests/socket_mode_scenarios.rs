//! Socket Mode rules, one scenario each, in virtual time.

use std::time::Duration;

use slackline::{
    AckError, AckState, Action, ApiError, CloseCause, DisconnectReason, Event, Instant,
    LateAckPolicy, ProtocolErrorKind, ReconnectCause, StopReason, Timer, CLOSE_GOING_AWAY,
    CLOSE_NORMAL,
};
use slackline_test_support::session::*;
use slackline_test_support::{leaks_a_token, APP_TOKEN};

fn envelopes(actions: &[Action]) -> Vec<slackline::Envelope> {
    events(actions)
        .into_iter()
        .filter_map(|e| {
            if let Event::Envelope(e) = e {
                Some(e)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn first_action_is_apps_connections_open_with_the_token_in_the_header_only() {
    let sim = Sim::new(socket_mode());
    let requests = http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>());
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method(), "apps.connections.open");
    assert_eq!(request.url(), "https://slack.com/api/apps.connections.open");
    assert_eq!(request.authorization(), format!("Bearer {APP_TOKEN}"));
    assert!(!leaks_a_token(request.body()));
    assert!(!leaks_a_token(&format!("{:?}", sim.session)));
    assert!(!leaks_a_token(&format!("{:?}", sim.log)));
    assert!(!leaks_a_token(&format!("{:?}", sim.session.config())));
}

#[test]
fn envelopes_are_acked_before_dispatch_and_hello_is_reported() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let hello = sim
        .all_events()
        .into_iter()
        .find_map(|e| {
            if let Event::Hello(h) = e {
                Some(h)
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(hello.conn, conn);
    assert_eq!(hello.app_id.as_deref(), Some("A111"));
    assert_eq!(
        hello.approximate_connection_time,
        Some(Duration::from_secs(18060))
    );

    let out = sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    assert!(matches!(&out[0], Action::SendText { text, .. } if *text == ack_frame("env-1")));
    assert!(
        matches!(&out[1], Action::Dispatch(Event::Envelope(e)) if e.envelope_id() == "env-1" && e.ack_state() == AckState::Acked)
    );
    assert_eq!(out.len(), 2);
}

#[test]
fn redeliveries_are_acked_again_but_dispatched_once() {
    let (mut sim, conn) = Sim::live(socket_mode());
    sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    // Same envelope id again (bolt-js#2487), then a retry with a new envelope id but the same event id.
    let again = sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    let retry = sim.text(conn, &envelope("env-2", "events_api", Some("Ev1"), false));
    assert_eq!(texts(&again), vec![(conn, ack_frame("env-1"))]);
    assert_eq!(texts(&retry), vec![(conn, ack_frame("env-2"))]);
    assert!(envelopes(&again).is_empty() && envelopes(&retry).is_empty());
    assert!(events(&retry)
        .iter()
        .any(|e| matches!(e, Event::Duplicate { envelope_id, .. } if envelope_id == "env-2")));
    assert_eq!(sim.session.stats().duplicates, 2);

    // After the window, the same id is new again.
    sim.advance(slackline::Config::DEFAULT_DEDUPE_WINDOW + Duration::from_secs(1));
    let later = sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    assert_eq!(envelopes(&later).len(), 1);
}

#[test]
fn dedupe_can_be_turned_off() {
    let (mut sim, conn) = Sim::live(socket_mode().without_dedupe());
    sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    let again = sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    assert_eq!(envelopes(&again).len(), 1);
}

#[test]
fn envelopes_that_accept_a_response_wait_for_the_app_then_ack_with_payload() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let out = sim.text(conn, &envelope("cmd-1", "slash_commands", None, true));
    assert!(texts(&out).is_empty(), "no ack before the app gives one");
    let envelope = envelopes(&out).remove(0);
    let AckState::AwaitingApp { deadline } = envelope.ack_state() else {
        panic!("should await the app")
    };
    assert_eq!(deadline, sim.now + slackline::Config::DEFAULT_ACK_TIMEOUT);
    assert_eq!(sim.session.timeout_reason(), Some(Timer::AckDeadline));

    sim.advance(Duration::from_millis(400));
    let payload = serde_json::json!({ "text": "pong" });
    let out = sim.feed(|s, now| s.ack_with(now, "cmd-1", &payload).unwrap());
    assert_eq!(
        texts(&out),
        vec![(
            conn,
            r#"{"envelope_id":"cmd-1","payload":{"text":"pong"}}"#.to_owned()
        )]
    );
    assert_eq!(sim.session.pending_acks(), 0);
    // Acking twice is refused; nothing else goes out at the old deadline.
    assert_eq!(sim.session.ack(sim.now, "cmd-1"), Err(AckError::NotPending));
    assert!(texts(&sim.advance(Duration::from_secs(5))).is_empty());
}

#[test]
fn late_acks_are_auto_acked_at_the_deadline_by_default() {
    let (mut sim, conn) = Sim::live(socket_mode());
    sim.text(conn, &envelope("cmd-1", "slash_commands", None, true));
    let received = sim.now;
    assert!(texts(&sim.advance(Duration::from_millis(2499))).is_empty());
    let at_deadline = sim.advance(Duration::from_millis(1));
    assert_eq!(texts(&at_deadline), vec![(conn, ack_frame("cmd-1"))]);
    assert!(events(&at_deadline)
        .iter()
        .any(|e| matches!(e, Event::AckOverdue { envelope_id, auto_acked: true } if envelope_id == "cmd-1")));
    // The auto-ack goes out inside Slack's 3 s.
    assert!(sim.now - received < Duration::from_secs(3));
    assert_eq!(sim.session.ack(sim.now, "cmd-1"), Err(AckError::NotPending));
    assert_eq!(sim.session.stats().auto_acks, 1);
}

#[test]
fn late_acks_can_be_reported_instead_and_still_sent_late() {
    let (mut sim, conn) = Sim::live(socket_mode().with_late_ack_policy(LateAckPolicy::Report));
    sim.text(conn, &envelope("cmd-1", "slash_commands", None, true));
    let at_deadline = sim.advance(slackline::Config::DEFAULT_ACK_TIMEOUT);
    assert!(texts(&at_deadline).is_empty());
    assert!(events(&at_deadline).iter().any(|e| matches!(
        e,
        Event::AckOverdue {
            auto_acked: false,
            ..
        }
    )));
    sim.advance(Duration::from_secs(2));
    let late = sim.feed(|s, now| s.ack(now, "cmd-1").unwrap());
    assert_eq!(texts(&late), vec![(conn, ack_frame("cmd-1"))]);
    assert_eq!(sim.session.stats().late_acks, 1);
}

#[test]
fn with_app_acks_nothing_is_acked_that_the_app_did_not_ack() {
    // What `slackline listen` runs with: every envelope waits for the app (an event as much as
    // a slash command), the deadline is only reported, a shutdown sends nothing on its behalf.
    let config = socket_mode()
        .with_app_acks(true)
        .with_late_ack_policy(LateAckPolicy::Report)
        .with_shutdown_timeout(Duration::from_secs(2));
    let (mut sim, conn) = Sim::live(config);
    let out = sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    assert!(texts(&out).is_empty(), "an event is not acked on arrival");
    assert!(matches!(
        envelopes(&out)[0].ack_state(),
        AckState::AwaitingApp { .. }
    ));
    sim.text(conn, &envelope("env-2", "events_api", Some("Ev2"), false));
    sim.text(conn, &envelope("cmd-3", "slash_commands", None, true));
    assert_eq!(sim.session.pending_acks(), 3);

    // The app acks the first: exactly that ack goes out.
    let out = sim.feed(|s, now| s.ack(now, "env-1").unwrap());
    assert_eq!(texts(&out), vec![(conn, ack_frame("env-1"))]);

    // Past the deadline: reported, nothing sent.
    let overdue = sim.advance(slackline::Config::DEFAULT_ACK_TIMEOUT);
    assert!(texts(&overdue).is_empty());
    assert_eq!(
        events(&overdue)
            .iter()
            .filter(|e| matches!(
                e,
                Event::AckOverdue {
                    auto_acked: false,
                    ..
                }
            ))
            .count(),
        2
    );
    // Slack redelivers env-2 (same id, as it does after 3 s): not acked on its own, not
    // dispatched again; the app's ack of env-2 answers both deliveries.
    let redelivered = sim.text(conn, &envelope("env-2", "events_api", Some("Ev2"), false));
    assert!(texts(&redelivered).is_empty(), "{redelivered:?}");
    assert!(envelopes(&redelivered).is_empty());
    let out = sim.feed(|s, now| s.ack(now, "env-2").unwrap());
    assert_eq!(
        texts(&out),
        vec![(conn, ack_frame("env-2")), (conn, ack_frame("env-2"))]
    );
    // Once acked, a further redelivery is a plain duplicate again: acked.
    let again = sim.text(conn, &envelope("env-2", "events_api", Some("Ev2"), false));
    assert_eq!(texts(&again), vec![(conn, ack_frame("env-2"))]);

    // Shutdown with cmd-3 never acked by the app: closed with 1000 after the timeout, and
    // cmd-3 left unacked for Slack to redeliver.
    let out = sim.feed(|s, now| s.shutdown(now));
    assert!(closes(&out).is_empty());
    let out = sim.advance(Duration::from_secs(2));
    assert!(
        texts(&out).is_empty(),
        "nothing acked on the app's behalf: {out:?}"
    );
    assert_eq!(closes(&out), vec![(conn, CLOSE_NORMAL)]);
    assert!(sim.session.is_stopped());
    assert_eq!(sim.session.stats().auto_acks, 0);
}

#[test]
fn with_app_acks_a_retry_of_an_owed_event_waits_for_the_first_delivery_s_ack() {
    // Slack retries an event under a new envelope id (the fleet's hand-off sees this while an
    // append is still retrying): acking the retry as a duplicate at once would settle the
    // event with Slack before the app took care of it, and a process dying then would lose it.
    let config = socket_mode()
        .with_connections(2)
        .with_app_acks(true)
        .with_late_ack_policy(LateAckPolicy::Report);
    let (mut sim, conn) = Sim::live(config);
    let log: Vec<Action> = sim.log.iter().map(|(_, a)| a.clone()).collect();
    let (second, _) = sim.open_connection(&log);
    assert_ne!(second, conn);
    sim.text(conn, &envelope("env-1", "events_api", Some("Ev1"), false));
    let retry = sim.text(
        second,
        &envelope("env-1b", "events_api", Some("Ev1"), false),
    );
    assert!(texts(&retry).is_empty(), "{retry:?}");
    assert!(envelopes(&retry).is_empty(), "not dispatched twice");
    // The app acks the first delivery: both deliveries are answered, each on its connection.
    let out = sim.feed(|s, now| s.ack(now, "env-1").unwrap());
    assert_eq!(
        texts(&out),
        vec![(conn, ack_frame("env-1")), (second, ack_frame("env-1b"))]
    );
    // A later retry finds the event settled: a plain duplicate, acked at once.
    let again = sim.text(conn, &envelope("env-1c", "events_api", Some("Ev1"), false));
    assert_eq!(texts(&again), vec![(conn, ack_frame("env-1c"))]);
    assert!(envelopes(&again).is_empty());
}

#[test]
fn acks_over_20480_bytes_are_refused_and_the_ack_stays_pending() {
    let (mut sim, conn) = Sim::live(socket_mode());
    sim.text(conn, &envelope("cmd-1", "slash_commands", None, true));
    let huge = serde_json::json!({ "text": "x".repeat(20_480) });
    let err = sim.session.ack_with(sim.now, "cmd-1", &huge).unwrap_err();
    assert!(
        matches!(err, AckError::TooLarge { limit: 20_480, .. }),
        "{err:?}"
    );
    assert!(texts(&sim.drain()).is_empty());
    // Exactly at the limit is accepted.
    let overhead = r#"{"envelope_id":"cmd-1","payload":{"text":""}}"#.len();
    let fits = serde_json::json!({ "text": "y".repeat(20_480 - overhead) });
    let out = sim.feed(|s, now| s.ack_with(now, "cmd-1", &fits).unwrap());
    assert_eq!(texts(&out)[0].1.len(), 20_480);
}

#[test]
fn disconnect_warning_refreshes_make_before_break_without_a_gap() {
    let (mut sim, old) = Sim::live(socket_mode());
    let out = sim.text(
        old,
        r#"{"type":"disconnect","reason":"warning","debug_info":{"host":"wss-1"}}"#,
    );
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::Disconnect {
            reason: DisconnectReason::Warning,
            ..
        }
    )));
    assert!(
        closes(&out).is_empty(),
        "the old connection stays until the new one is up"
    );
    let request = http_requests(&out).pop().expect("replacement requested");
    // The old connection still delivers, and its envelopes are acked on it.
    let during = sim.text(old, &envelope("during", "events_api", Some("EvD"), false));
    assert_eq!(texts(&during), vec![(old, ack_frame("during"))]);

    let granted = sim.grant(request.id(), 2);
    let new = connects(&granted)[0];
    assert_eq!(sim.open_sockets(), 2);
    sim.feed(|s, now| s.handle_connected(now, new));
    let hello = sim.text(new, &hello_frame(18060));
    assert_eq!(closes(&hello), vec![(old, CLOSE_NORMAL)]);
    assert!(events(&hello).iter().any(|e| matches!(e, Event::ConnectionClosed { conn, cause: CloseCause::Replaced } if *conn == old)));
    assert_eq!(sim.open_sockets(), 1);
    let after = sim.text(new, &envelope("after", "events_api", Some("EvA"), false));
    assert_eq!(texts(&after), vec![(new, ack_frame("after"))]);
}

#[test]
fn refresh_requested_and_unknown_reasons_also_replace() {
    for reason in ["refresh_requested", "something_new"] {
        let (mut sim, old) = Sim::live(socket_mode());
        let out = sim.text(
            old,
            &format!(r#"{{"type":"disconnect","reason":"{reason}"}}"#),
        );
        assert_eq!(http_requests(&out).len(), 1, "{reason}");
        assert!(sim.is_open(old));
    }
}

/// What a hostile server does after every `hello` (the storm of issue 14: ~1,000 URL requests
/// a second). Replacements count like losses: the first since a stable period goes out at once
/// (make before break, as for Slack's own refreshes); a connection replaced less than
/// `stable_after` after that is a failure and backs off, capped and jittered, while it stays
/// open (it still delivers until the replacement is up).
#[test]
fn a_refresh_asked_for_right_after_every_hello_backs_off_instead_of_storming() {
    for reason in ["warning", "refresh_requested", "something_new"] {
        let disconnect = format!(r#"{{"type":"disconnect","reason":"{reason}"}}"#);
        let (mut sim, first) = Sim::live(socket_mode());
        let out = sim.text(first, &disconnect);
        assert_eq!(
            http_requests(&out).len(),
            1,
            "{reason}: the first goes at once"
        );
        let (mut conn, _) = sim.open_connection(&out);
        let mut out = sim.text(conn, &disconnect);
        let mut requests = 1;
        let mut delays = Vec::new();
        let hour = Instant::from_secs(3600);
        while sim.now < hour {
            // The backoff, announced: the connection asked to go is still open meanwhile.
            let Some(Event::Reconnecting {
                attempt,
                delay,
                cause,
            }) = events(&out)
                .into_iter()
                .find(|e| matches!(e, Event::Reconnecting { .. }))
            else {
                panic!("{reason}: no backoff: {out:?}")
            };
            assert_eq!(
                cause,
                ReconnectCause::ShortLived {
                    lived: Duration::ZERO
                }
            );
            assert!(http_requests(&out).is_empty(), "{reason}: asked at once");
            assert!(sim.is_open(conn), "{reason}: make before break");
            let nominal = Duration::from_secs(1 << (attempt - 1).min(7))
                .min(slackline::Config::DEFAULT_BACKOFF_MAX);
            assert!(
                delay >= nominal / 2 && delay <= nominal,
                "{reason}: attempt {attempt}: {delay:?}"
            );
            delays.push(delay);
            let pending = sim.advance(delay);
            assert_eq!(
                http_requests(&pending).len(),
                1,
                "{reason}: one request after the delay"
            );
            requests += 1;
            let (new, after_hello) = sim.open_connection(&pending);
            assert_eq!(closes(&after_hello), vec![(conn, CLOSE_NORMAL)]);
            conn = new;
            out = sim.text(conn, &disconnect);
        }
        // Today's code made ~1,000 a second; backed off, an hour takes a few dozen, one per
        // 60 to 120 s once at the cap.
        assert!(
            requests <= 8 + 3600 / 60,
            "{reason}: {requests} requests in an hour"
        );
        assert!(delays
            .iter()
            .rev()
            .take(10)
            .all(|d| *d >= slackline::Config::DEFAULT_BACKOFF_MAX / 2));
        // The server calms down: a connection that lives its hours is replaced at once again.
        let quiet = sim.advance(delay_of(&out));
        let (conn, _) = sim.open_connection(&quiet);
        sim.advance(Duration::from_secs(3600));
        let out = sim.text(conn, &disconnect);
        assert_eq!(
            http_requests(&out).len(),
            1,
            "{reason}: make before break, no delay"
        );
        assert!(!events(&out)
            .iter()
            .any(|e| matches!(e, Event::Reconnecting { .. })));
        assert!(sim.is_open(conn));
    }
}

/// A `disconnect` before `hello`, like a connection lost before it, is a failed attempt: it
/// backs off, even the first time.
#[test]
fn a_refresh_asked_for_before_hello_backs_off() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let conn = connects(&sim.grant(first.id(), 1))[0];
    sim.feed(|s, now| s.handle_connected(now, conn));
    let out = sim.text(
        conn,
        r#"{"type":"disconnect","reason":"refresh_requested"}"#,
    );
    assert!(http_requests(&out).is_empty());
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::Reconnecting { attempt: 1, cause: ReconnectCause::ShortLived { lived }, .. } if lived.is_zero()
    )));
}

/// `approximate_connection_time: 1` made the session refresh every 0.75 s forever. The lifetime
/// is taken as at least two minutes: the replacement goes out 90 s after hello, make before
/// break, and the `Hello` event still says what the server said.
#[test]
fn a_second_long_connection_time_is_clamped_to_a_sane_minimum() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let mut conn = connects(&sim.grant(first.id(), 1))[0];
    sim.feed(|s, now| s.handle_connected(now, conn));
    let out = sim.text(conn, &hello_frame(1));
    let mut requests = 0;
    let mut last = sim.now;
    assert!(events(&out).iter().any(|e| matches!(e, Event::Hello(h) if h.approximate_connection_time == Some(Duration::from_secs(1)))));
    while sim.now < Instant::from_secs(3600) {
        let out = sim.advance(Duration::from_secs(1));
        let Some(request) = http_requests(&out).pop() else {
            continue;
        };
        requests += 1;
        let live_for = sim.now - last;
        let expected = slackline::Config::MIN_APPROXIMATE_CONNECTION_TIME * 3 / 4;
        assert!(
            live_for >= expected && live_for <= expected + Duration::from_secs(1),
            "{live_for:?}"
        );
        assert!(
            !events(&out)
                .iter()
                .any(|e| matches!(e, Event::Reconnecting { .. })),
            "no backoff"
        );
        let granted = sim.grant(request.id(), 100 + requests);
        let new = connects(&granted)[0];
        sim.feed(|s, now| s.handle_connected(now, new));
        let hello = sim.text(new, &hello_frame(1));
        assert_eq!(
            closes(&hello),
            vec![(conn, CLOSE_NORMAL)],
            "make before break"
        );
        conn = new;
        last = sim.now;
    }
    assert!(
        (39..=41).contains(&requests),
        "{requests} refreshes in an hour"
    );
}

fn delay_of(out: &[Action]) -> Duration {
    events(out)
        .into_iter()
        .find_map(|e| match e {
            Event::Reconnecting { delay, .. } => Some(delay),
            _ => None,
        })
        .expect("a backoff")
}

#[test]
fn the_replacement_opens_ahead_of_approximate_connection_time() {
    let (mut sim, old) = Sim::live(socket_mode());
    // hello said 18060 s; the replacement is requested one refresh-ahead (60 s) earlier.
    let before = sim.run_until(Instant::from_secs(18060 - 61));
    assert!(http_requests(&before).is_empty());
    let at = sim.run_until(Instant::from_secs(18060 - 59));
    let request = http_requests(&at)
        .pop()
        .expect("replacement requested ahead of time");
    let (new, out) = sim.open_connection(&[Action::Http(request)]);
    assert_eq!(closes(&out), vec![(old, CLOSE_NORMAL)]);
    assert!(sim.is_open(new));
}

#[test]
fn five_hours_of_refreshes_keep_one_live_connection_and_run_fast() {
    let (mut sim, mut conn) = Sim::live(socket_mode().with_connections(1));
    let end = Instant::from_secs(5 * 18060);
    let mut delivered = 0;
    while sim.now < end {
        let out = sim.advance(Duration::from_secs(30));
        if let Some(request) = http_requests(&out).pop() {
            let (new, _) = sim.open_connection(&[Action::Http(request)]);
            conn = new;
        }
        delivered += 1;
        let id = format!("e{delivered}");
        let acked = sim.text(
            conn,
            &envelope(&id, "events_api", Some(&format!("Ev{delivered}")), false),
        );
        assert_eq!(texts(&acked), vec![(conn, ack_frame(&id))]);
        assert!(sim.open_sockets() >= 1);
    }
    assert_eq!(sim.session.stats().hellos, 6);
}

#[test]
fn a_half_open_connection_is_replaced_within_ping_interval_plus_pong_timeout() {
    let config = socket_mode()
        .with_ping_interval(Duration::from_secs(10))
        .with_pong_timeout(Duration::from_secs(5));
    let (mut sim, conn) = Sim::live(config);
    sim.auto_pong = false;
    let live_at = sim.now;
    // The network goes silent: no pongs, no frames.
    let out = sim.run_until(live_at + Duration::from_secs(15));
    assert_eq!(pings(&out).len(), 1);
    assert_eq!(closes(&out), vec![(conn, CLOSE_GOING_AWAY)]);
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::ConnectionClosed {
            cause: CloseCause::PongTimeout,
            ..
        }
    )));
    assert_eq!(
        http_requests(&out).len(),
        1,
        "replacement requested at once"
    );
}

#[test]
fn pongs_keep_a_connection_alive_and_wrong_pongs_do_not() {
    let config = socket_mode()
        .with_ping_interval(Duration::from_secs(10))
        .with_pong_timeout(Duration::from_secs(5));
    let (mut sim, conn) = Sim::live(config);
    sim.auto_pong = false;
    for _ in 0..10 {
        let out = sim.advance(Duration::from_secs(10));
        let (_, payload) = pings(&out)[0];
        sim.feed(|s, now| s.handle_pong(now, conn, &payload));
    }
    assert!(sim.is_open(conn));
    let out = sim.advance(Duration::from_secs(10));
    assert_eq!(pings(&out).len(), 1);
    sim.feed(|s, now| s.handle_pong(now, conn, b"someone else"));
    let out = sim.advance(Duration::from_secs(5));
    assert_eq!(closes(&out), vec![(conn, CLOSE_GOING_AWAY)]);
}

/// A driver whose handlers are behind stops reading; the pong sits unread in the socket. The
/// pause must not read as a dead connection, and a dead one is still found once it ends.
#[test]
fn a_pause_in_reading_suspends_the_liveness_deadlines() {
    let config = socket_mode()
        .with_ping_interval(Duration::from_secs(10))
        .with_pong_timeout(Duration::from_secs(5));
    let (mut sim, conn) = Sim::live(config);
    sim.auto_pong = false;
    let out = sim.advance(Duration::from_secs(10));
    assert_eq!(pings(&out).len(), 1);
    sim.feed(|s, now| s.handle_input_paused(now, true));
    // Far past the pong deadline and the idle timeout: nothing is abandoned while paused.
    let out = sim.advance(slackline::Config::DEFAULT_IDLE_TIMEOUT * 3);
    assert!(closes(&out).is_empty(), "{out:?}");
    assert!(sim.is_open(conn));
    // Reading resumes: the unanswered ping gets a fresh pong deadline from now...
    sim.feed(|s, now| s.handle_input_paused(now, false));
    let out = sim.advance(Duration::from_secs(4));
    assert!(closes(&out).is_empty(), "{out:?}");
    // ...and a connection that stays silent past it is replaced as usual.
    let out = sim.advance(Duration::from_secs(1));
    assert_eq!(closes(&out), vec![(conn, CLOSE_GOING_AWAY)]);
}

#[test]
fn a_pause_in_reading_holds_the_hello_deadline_until_it_ends() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let granted = sim.grant(first.id(), 1);
    let conn = connects(&granted)[0];
    sim.feed(|s, now| s.handle_input_paused(now, true));
    sim.feed(|s, now| s.handle_connected(now, conn));
    let out = sim.advance(slackline::Config::DEFAULT_HELLO_TIMEOUT * 2);
    assert!(closes(&out).is_empty(), "{out:?}");
    sim.feed(|s, now| s.handle_input_paused(now, false));
    let out = sim.advance(slackline::Config::DEFAULT_HELLO_TIMEOUT);
    assert_eq!(closes(&out), vec![(conn, CLOSE_GOING_AWAY)]);
}

#[test]
fn no_hello_in_time_counts_as_a_failure() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let granted = sim.grant(first.id(), 1);
    let conn = connects(&granted)[0];
    sim.feed(|s, now| s.handle_connected(now, conn));
    let out = sim.advance(slackline::Config::DEFAULT_HELLO_TIMEOUT);
    assert_eq!(closes(&out), vec![(conn, CLOSE_GOING_AWAY)]);
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::Reconnecting {
            attempt: 1,
            cause: ReconnectCause::Connection(CloseCause::HelloTimeout),
            ..
        }
    )));
}

#[test]
fn http_429_honours_retry_after() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let response = slackline::HttpResponse::new(429, r#"{"ok":false,"error":"ratelimited"}"#)
        .with_retry_after_header("30");
    let out = sim.feed(|s, now| s.handle_http_response(now, first.id(), response));
    let Some(Event::Reconnecting { delay, cause, .. }) = events(&out).pop() else {
        panic!("{out:?}")
    };
    assert!(
        delay >= Duration::from_secs(30) && delay <= Duration::from_secs(31),
        "{delay:?}"
    );
    assert_eq!(
        cause,
        ReconnectCause::Api(ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(30))
        })
    );
    assert!(
        http_requests(&sim.advance(Duration::from_millis(29_999))).is_empty(),
        "not before Retry-After"
    );
    let retry = sim.run_until(Instant::ZERO + delay);
    let (conn, _) = sim.open_connection(&retry);
    assert!(sim.is_open(conn));
}

/// `Retry-After: u64::MAX` used to hold the session back forever without a word. It is
/// honoured up to a cap (default 300 s, configurable), and the event says both what Slack asked
/// for and how long the session waits, so a driver can print "asked for X s; waiting Y s".
#[test]
fn retry_after_is_capped_and_the_event_says_what_was_asked_and_what_is_waited() {
    let huge = Duration::from_secs(u64::MAX);
    for (config, header, asked, waited) in [
        (
            socket_mode(),
            "18446744073709551615",
            huge,
            slackline::Config::DEFAULT_MAX_RETRY_AFTER,
        ),
        (
            socket_mode().with_max_retry_after(Duration::from_secs(60)),
            "3600",
            Duration::from_secs(3600),
            Duration::from_secs(60),
        ),
    ] {
        let mut sim = Sim::new(config);
        let first =
            http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
        let response = slackline::HttpResponse::new(429, r#"{"ok":false,"error":"ratelimited"}"#)
            .with_retry_after_header(header);
        let out = sim.feed(|s, now| s.handle_http_response(now, first.id(), response));
        let Some(Event::Reconnecting { delay, cause, .. }) = events(&out).pop() else {
            panic!("{out:?}")
        };
        assert_eq!(delay, waited, "{header}");
        assert_eq!(
            cause,
            ReconnectCause::Api(ApiError::RateLimited {
                retry_after: Some(asked)
            })
        );
        assert_eq!(sim.session.poll_timeout(), Some(Instant::ZERO + waited));
        assert!(
            http_requests(&sim.run_until(Instant::ZERO + (waited - Duration::from_millis(1))))
                .is_empty()
        );
        let retry = sim.run_until(Instant::ZERO + waited);
        assert_eq!(
            http_requests(&retry).len(),
            1,
            "asks again once the capped wait is over"
        );
    }
}

#[test]
fn rate_limited_without_retry_after_waits_the_default() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let out = sim.respond(first.id(), 200, r#"{"ok":false,"error":"ratelimited"}"#);
    let Some(Event::Reconnecting { delay, .. }) = events(&out).pop() else {
        panic!()
    };
    assert!(delay >= slackline::Config::DEFAULT_RATE_LIMIT_WAIT);
}

#[test]
fn server_errors_back_off_exponentially_with_a_cap() {
    let config = socket_mode().with_backoff(Duration::from_secs(1), Duration::from_secs(16));
    let mut sim = Sim::new(config);
    let mut pending = sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>();
    let mut delays = Vec::new();
    for _ in 0..8 {
        let request = http_requests(&pending).pop().expect("a retry");
        let out = sim.respond(request.id(), 503, "<html>unavailable</html>");
        let Some(Event::Reconnecting { delay, attempt, .. }) = events(&out).pop() else {
            panic!()
        };
        delays.push((attempt, delay));
        pending = sim.advance(delay);
    }
    for (attempt, delay) in &delays {
        let nominal = Duration::from_secs(1 << (attempt - 1).min(4)).min(Duration::from_secs(16));
        assert!(
            *delay >= nominal / 2 && *delay <= nominal,
            "attempt {attempt}: {delay:?}"
        );
    }
    assert!(delays.last().unwrap().1 <= Duration::from_secs(16));
    // A hello resets the count once the connection proves stable.
    let (conn, _) = sim.open_connection(&pending);
    sim.advance(slackline::Config::DEFAULT_STABLE_AFTER);
    let out = sim.peer_closed(conn);
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Reconnecting { attempt: 1, delay, .. } if delay.is_zero())));
    assert_eq!(http_requests(&out).len(), 1);
}

#[test]
fn fatal_auth_errors_stop_the_session() {
    for code in [
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "account_inactive",
        "not_allowed_token_type",
    ] {
        let mut sim = Sim::new(socket_mode());
        let first =
            http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
        let out = sim.respond(
            first.id(),
            200,
            &format!(r#"{{"ok":false,"error":"{code}"}}"#),
        );
        let Some(Event::Stopped(StopReason::Fatal(error))) = events(&out).pop() else {
            panic!("{code}: {out:?}")
        };
        assert_eq!(error.code(), Some(code));
        assert!(sim.session.is_stopped());
        assert_eq!(sim.session.poll_timeout(), None);
        // Nothing more, whatever happens.
        assert!(sim.advance(Duration::from_secs(3600)).is_empty());
    }
}

#[test]
fn link_disabled_stops_the_session_and_closes_every_connection() {
    let (mut sim, conn) = Sim::live(socket_mode().with_connections(2));
    let pending = sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>();
    let (second, _) = sim.open_connection(&pending);
    let out = sim.text(conn, r#"{"type":"disconnect","reason":"link_disabled","debug_info":{"host":"wss-111.slack.com"}}"#);
    assert_eq!(
        closes(&out),
        vec![(conn, CLOSE_NORMAL), (second, CLOSE_NORMAL)]
    );
    assert!(matches!(
        events(&out).last(),
        Some(Event::Stopped(StopReason::LinkDisabled))
    ));
    assert_eq!(sim.session.stop_reason(), Some(&StopReason::LinkDisabled));
    assert!(sim.advance(Duration::from_secs(600)).is_empty());
}

#[test]
fn too_many_websockets_sheds_the_connection_and_backs_off() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let out = sim.text(
        conn,
        r#"{"type":"disconnect","reason":"too_many_websockets","num_connections":11}"#,
    );
    assert_eq!(closes(&out), vec![(conn, CLOSE_NORMAL)]);
    let Some(Event::Reconnecting {
        delay, attempt: 1, ..
    }) = events(&out).pop()
    else {
        panic!("{out:?}")
    };
    assert!(!delay.is_zero());
    assert!(
        http_requests(&out).is_empty(),
        "waits before opening another"
    );
    assert_eq!(http_requests(&sim.advance(delay)).len(), 1);
}

#[test]
fn a_pool_keeps_n_connections_and_never_more_than_n_plus_one_sockets() {
    let (mut sim, _) = Sim::live(socket_mode().with_connections(3));
    let mut pending = sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>();
    let mut conns = Vec::new();
    for _ in 0..2 {
        let (conn, out) = sim.open_connection(&pending);
        conns.push(conn);
        pending = out;
    }
    assert_eq!(sim.open_sockets(), 3);
    assert!(http_requests(&pending).is_empty(), "pool full");
    sim.advance(Duration::from_secs(3600));
    // Every connection is told to refresh at once: replacements go one at a time.
    let all: Vec<_> = sim.session.connections().map(|c| c.id).collect();
    let mut requests = Vec::new();
    for conn in &all {
        requests.extend(http_requests(
            &sim.text(*conn, r#"{"type":"disconnect","reason":"warning"}"#),
        ));
    }
    assert_eq!(requests.len(), 1);
    let mut pending: Vec<Action> = requests.into_iter().map(Action::Http).collect();
    for _ in 0..3 {
        let (_, out) = sim.open_connection(&pending);
        assert!(sim.open_sockets() <= 4);
        pending = out;
    }
    assert_eq!(sim.open_sockets(), 3);
    assert!(sim.session.connections().all(|c| !c.retiring));
}

#[test]
fn bad_input_never_kills_the_connection_and_readable_ids_are_still_acked() {
    let (mut sim, conn) = Sim::live(socket_mode().with_max_inbound_frame(4096));
    let cases: Vec<(&[u8], bool)> = vec![
        (br#"{"envelope_id":"broken-1","payload":{"#, true),
        (b"not json at all", false),
        (b"[1,2,3]", false),
        (br#"{"type":"brand_new_thing"}"#, false),
        (br#"{"envelope_id":17}"#, false),
        (b"\xff\xfe", false),
    ];
    for (frame, acked) in cases {
        let out = sim.feed(|s, now| s.handle_text(now, conn, bytes::Bytes::copy_from_slice(frame)));
        let errors: Vec<_> = events(&out)
            .into_iter()
            .filter(|e| matches!(e, Event::ProtocolError(_)))
            .collect();
        assert_eq!(errors.len(), 1, "{:?}", String::from_utf8_lossy(frame));
        assert_eq!(
            !texts(&out).is_empty(),
            acked,
            "{:?}",
            String::from_utf8_lossy(frame)
        );
    }
    let binary = sim.feed(|s, now| {
        s.handle_binary(
            now,
            conn,
            bytes::Bytes::from_static(br#"{"envelope_id":"bin-1"}"#),
        )
    });
    assert_eq!(texts(&binary), vec![(conn, ack_frame("bin-1"))]);
    let oversized = format!(
        r#"{{"envelope_id":"big-1","type":"events_api","payload":{{"x":"{}"}}}}"#,
        "y".repeat(5000)
    );
    let out = sim.text(conn, &oversized);
    assert_eq!(texts(&out), vec![(conn, ack_frame("big-1"))]);
    assert!(events(&out).iter().any(|e| matches!(e, Event::ProtocolError(p) if matches!(p.kind, ProtocolErrorKind::Oversized { len, limit: 4096 } if len > 4096))));
    // An empty frame is liveness noise: reported (the first one), nothing sent.
    let empty = sim.text(conn, "");
    assert!(texts(&empty).is_empty());
    assert!(
        matches!(events(&empty).as_slice(), [Event::ProtocolError(p)] if p.kind == ProtocolErrorKind::Empty { total: 1 })
    );
    // The connection is fine.
    let ok = sim.text(conn, &envelope("fine", "events_api", Some("EvF"), false));
    assert_eq!(texts(&ok), vec![(conn, ack_frame("fine"))]);
    assert_eq!(sim.session.stats().protocol_errors, 9);
}

/// Slack sends empty text frames now and then. None is dropped silently: every one is counted,
/// and the 1st, 2nd, 4th, 8th... are reported with the count, so a flood of them (a thousand
/// here) makes ten reports, not a thousand.
#[test]
fn empty_frames_are_counted_and_reported_as_they_double() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let mut reported = Vec::new();
    for i in 0..1000 {
        let frame = ["", " ", "\n", "\r\n\t "][i % 4];
        let out = sim.text(conn, frame);
        assert!(texts(&out).is_empty() && closes(&out).is_empty());
        for event in events(&out) {
            let Event::ProtocolError(p) = event else {
                panic!("{event:?}")
            };
            let ProtocolErrorKind::Empty { total } = p.kind else {
                panic!("{p:?}")
            };
            assert_eq!(p.conn, conn);
            reported.push(total);
        }
    }
    assert_eq!(reported, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    assert_eq!(sim.session.stats().empty_frames, 1000);
    assert_eq!(sim.session.stats().protocol_errors, 10);
    assert!(sim.is_open(conn));
    let ok = sim.text(conn, &envelope("after", "events_api", Some("EvA"), false));
    assert_eq!(texts(&ok), vec![(conn, ack_frame("after"))]);
}

/// Both Python SDK mock servers echo every frame back. An echoed ack (`envelope_id`, no `type`)
/// is not an envelope: reported, never acked, so the echo ends after one round.
#[test]
fn an_echoed_ack_is_reported_and_not_acked_so_an_echoing_server_cannot_loop() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let mut inbound = vec![
        envelope("env-1", "events_api", Some("Ev1"), false),
        envelope("cmd-1", "slash_commands", None, true),
    ];
    let (mut frames, mut acks, mut untyped) = (0, Vec::new(), 0);
    while let Some(frame) = inbound.pop() {
        frames += 1;
        assert!(frames <= 10, "the echo goes on: {acks:?}");
        let mut out = sim.text(conn, &frame);
        if frame.contains("cmd-1") && frame.contains("slash_commands") {
            let payload = serde_json::json!({ "text": "done" });
            out.extend(sim.feed(|s, now| s.ack_with(now, "cmd-1", &payload).unwrap()));
        }
        for event in events(&out) {
            match event {
                Event::ProtocolError(p) => {
                    assert_eq!(p.kind, ProtocolErrorKind::UnknownType(None));
                    assert_eq!(p.envelope_id, None, "not acked");
                    untyped += 1;
                }
                Event::Envelope(e) => assert!(frame.contains(&*e.envelope_id())),
                other => panic!("{other:?}"),
            }
        }
        // The echoing server sends every frame back.
        for (_, text) in texts(&out) {
            acks.push(text.clone());
            inbound.push(text);
        }
    }
    assert_eq!(
        acks,
        vec![
            r#"{"envelope_id":"cmd-1","payload":{"text":"done"}}"#.to_owned(),
            ack_frame("env-1")
        ]
    );
    assert_eq!(untyped, 2);
    assert_eq!(sim.session.stats().acks_sent, 2);
    assert_eq!(sim.session.stats().envelopes, 2);
}

/// Slack's envelope ids are strings, and an ack echoes the id exactly as it came: a number has
/// no ack Slack would match, so such a frame is reported and neither acked nor dispatched.
#[test]
fn a_numeric_envelope_id_is_reported_and_not_acked() {
    let (mut sim, conn) = Sim::live(socket_mode());
    let out = sim.text(
        conn,
        r#"{"envelope_id":17,"type":"events_api","payload":{"event_id":"Ev17","event":{"type":"message"}}}"#,
    );
    assert!(texts(&out).is_empty(), "{out:?}");
    let errors: Vec<_> = events(&out)
        .into_iter()
        .map(|e| match e {
            Event::ProtocolError(p) => p,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(&errors[0].kind, ProtocolErrorKind::Malformed(detail) if detail.contains("envelope_id")),
        "{:?}",
        errors[0].kind
    );
    assert_eq!(errors[0].envelope_id, None);
}

#[test]
fn an_envelope_before_hello_is_reported_and_still_handled() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let conn = connects(&sim.grant(first.id(), 1))[0];
    sim.feed(|s, now| s.handle_connected(now, conn));
    let out = sim.text(conn, &envelope("early", "events_api", Some("EvE"), false));
    assert_eq!(texts(&out), vec![(conn, ack_frame("early"))]);
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::ProtocolError(p) if p.kind == ProtocolErrorKind::BeforeHello)));
    assert_eq!(envelopes(&out).len(), 1);
}

#[test]
fn a_lost_connection_is_replaced_and_late_input_for_it_is_ignored() {
    let (mut sim, conn) = Sim::live(socket_mode());
    sim.advance(Duration::from_secs(60));
    let out = sim.peer_closed(conn);
    assert_eq!(http_requests(&out).len(), 1);
    // Frames or closes reported late for the dead connection change nothing.
    assert!(sim
        .text(conn, &envelope("ghost", "events_api", None, false))
        .is_empty());
    assert!(sim
        .feed(|s, now| s.handle_closed(now, conn, None, "again"))
        .is_empty());
}

#[test]
fn connections_that_keep_dying_right_after_hello_back_off() {
    let (mut sim, conn) = Sim::live(socket_mode());
    // The first loss is replaced at once...
    let out = sim.peer_closed(conn);
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Reconnecting { attempt: 1, delay, .. } if delay.is_zero())));
    // ...but a flapping server is not hammered.
    let (conn, _) = sim.open_connection(&out);
    let out = sim.peer_closed(conn);
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Reconnecting { attempt: 2, delay, .. } if !delay.is_zero())));
    assert!(http_requests(&out).is_empty());
}

#[test]
fn connect_failures_back_off_and_responses_to_stale_requests_are_ignored() {
    let mut sim = Sim::new(socket_mode());
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    // The request times out; its late answer must not open anything.
    let out = sim.advance(slackline::Config::DEFAULT_HTTP_TIMEOUT);
    assert!(events(&out).iter().any(|e| matches!(
        e,
        Event::Reconnecting {
            cause: ReconnectCause::Api(ApiError::Timeout),
            ..
        }
    )));
    assert!(sim.grant(first.id(), 1).is_empty());
    let retry = sim.advance(Duration::from_secs(2));
    let second = http_requests(&retry).pop().unwrap();
    let conn = connects(&sim.grant(second.id(), 2))[0];
    let out = sim.connect_failed(conn);
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, Event::Reconnecting { attempt: 2, .. })));
}

#[test]
fn debug_reconnects_is_appended_to_the_url() {
    let mut sim = Sim::new(socket_mode().with_debug_reconnects(true));
    let first =
        http_requests(&sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())[0].clone();
    let out = sim.grant(first.id(), 1);
    let Some(Action::Connect { url, .. }) = out
        .into_iter()
        .find(|a| matches!(a, Action::Connect { .. }))
    else {
        panic!()
    };
    assert!(url.ends_with("&debug_reconnects=true"), "{url}");
}

#[test]
fn graceful_shutdown_waits_for_deferred_acks_then_closes_with_1000() {
    let (mut sim, conn) = Sim::live(socket_mode());
    sim.text(conn, &envelope("cmd-1", "slash_commands", None, true));
    let out = sim.feed(|s, now| s.shutdown(now));
    assert!(closes(&out).is_empty(), "waits for the pending ack");
    // New envelopes are left unacked for Slack to redeliver elsewhere.
    let refused = sim.text(conn, &envelope("late", "events_api", Some("EvL"), false));
    assert!(texts(&refused).is_empty() && envelopes(&refused).is_empty());
    let out = sim.feed(|s, now| s.ack(now, "cmd-1").unwrap());
    assert_eq!(texts(&out), vec![(conn, ack_frame("cmd-1"))]);
    assert_eq!(closes(&out), vec![(conn, CLOSE_NORMAL)]);
    assert!(matches!(
        events(&out).last(),
        Some(Event::Stopped(StopReason::Shutdown))
    ));
}

#[test]
fn graceful_shutdown_is_bounded_by_its_timeout() {
    let config = socket_mode()
        .with_shutdown_timeout(Duration::from_secs(1))
        .with_ack_timeout(Duration::from_secs(2));
    let (mut sim, conn) = Sim::live(config);
    sim.text(conn, &envelope("cmd-1", "slash_commands", None, true));
    sim.feed(|s, now| s.shutdown(now));
    let out = sim.advance(Duration::from_secs(1));
    assert_eq!(
        texts(&out),
        vec![(conn, ack_frame("cmd-1"))],
        "auto-acked on the way out"
    );
    assert_eq!(closes(&out), vec![(conn, CLOSE_NORMAL)]);
    assert!(sim.session.is_stopped());
}

#[test]
fn spurious_timeouts_and_time_going_backwards_are_harmless() {
    let (mut sim, conn) = Sim::live(socket_mode());
    for _ in 0..100 {
        assert!(sim.feed(|s, now| s.handle_timeout(now)).is_empty());
    }
    let now = sim.now;
    sim.session.handle_timeout(Instant::ZERO);
    sim.session.handle_text(
        Instant::ZERO,
        conn,
        envelope("x", "events_api", None, false),
    );
    sim.drain();
    assert!(sim.session.poll_timeout().unwrap() >= now);
}

#[test]
fn config_errors_are_clear() {
    use slackline::{Config, ConfigError, Session};
    let wrong = Session::new(Config::socket_mode("xoxb-1-2"), Instant::ZERO).unwrap_err();
    assert!(matches!(wrong, ConfigError::WrongTokenKind { .. }));
    assert!(wrong.to_string().contains("xapp-"));
    assert!(!wrong.to_string().contains("xoxb-1-2"));
    assert!(matches!(
        Session::new(Config::socket_mode(""), Instant::ZERO),
        Err(ConfigError::MissingToken)
    ));
    assert!(matches!(
        Session::new(socket_mode().with_connections(11), Instant::ZERO),
        Err(ConfigError::Connections(11))
    ));
    assert!(matches!(
        Session::new(socket_mode().with_connections(0), Instant::ZERO),
        Err(ConfigError::Connections(0))
    ));
    assert!(Session::new(socket_mode().with_api_url("ftp://x"), Instant::ZERO).is_err());
    assert!(Session::new(Config::rtm("xapp-1"), Instant::ZERO).is_err());
}
