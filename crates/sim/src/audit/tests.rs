use super::*;
use slackline::HttpResponse;

fn live_session() -> (Session, Audit, ConnId) {
    // No liveness timers in the way of the time jumps below.
    let config = Config::socket_mode("xapp-1-A1-1-x")
        .with_ping_interval(Duration::from_secs(3600))
        .with_idle_timeout(Duration::from_secs(7200));
    let mut audit = Audit::new(&config);
    let mut session = Session::new(config, Instant::ZERO).unwrap();
    let request = match drain(&mut session, &mut audit, Instant::ZERO).pop() {
        Some(Action::Http(request)) => request.id(),
        other => panic!("{other:?}"),
    };
    let url = r#"{"ok":true,"url":"wss://x/link/?ticket=1"}"#;
    session.handle_http_response(Instant::ZERO, request, HttpResponse::new(200, url));
    drain(&mut session, &mut audit, Instant::ZERO);
    let conn = ConnId::from_raw(1);
    session.handle_connected(Instant::ZERO, conn);
    session.handle_text(Instant::ZERO, conn, r#"{"type":"hello"}"#);
    drain(&mut session, &mut audit, Instant::ZERO);
    assert!(audit.breaches().is_empty(), "{:?}", audit.breaches());
    (session, audit, conn)
}

fn drain(session: &mut Session, audit: &mut Audit, now: Instant) -> Vec<Action> {
    let mut out = Vec::new();
    while let Some(action) = session.poll_action() {
        audit.action(now, &action);
        out.push(action);
    }
    audit.drained(now, session);
    out
}

fn rules(audit: &Audit) -> Vec<Rule> {
    audit.breaches().iter().map(|b| b.rule).collect()
}

#[test]
fn frames_on_closed_connections_and_extra_acks_are_breaches() {
    let (session, mut audit, conn) = live_session();
    let now = Instant::from_secs(1);
    audit.action(
        now,
        &Action::SendText {
            conn,
            text: r#"{"envelope_id":"e1"}"#.into(),
        },
    );
    audit.action(
        now,
        &Action::SendPing {
            conn: ConnId::from_raw(9),
            payload: [0; 8],
        },
    );
    audit.action(
        now,
        &Action::Close {
            conn: ConnId::from_raw(9),
            code: 1000,
            reason: "",
        },
    );
    audit.drained(now, &session);
    assert_eq!(
        rules(&audit),
        [
            Rule::FrameAfterClose,
            Rule::ConnectionBookkeeping,
            Rule::AckedTooOften
        ]
    );
}

#[test]
fn delays_beyond_the_policy_or_under_retry_after_are_breaches() {
    let (_, mut audit, _) = live_session();
    let now = Instant::from_secs(1);
    let rate_limited = ReconnectCause::Api(ApiError::RateLimited {
        retry_after: Some(Duration::from_secs(30)),
    });
    for (delay, cause) in [
        (Duration::from_secs(10), rate_limited),
        (Duration::from_secs(500), ReconnectCause::BadUrl),
    ] {
        let event = Event::Reconnecting {
            attempt: 1,
            delay,
            cause,
        };
        audit.action(now, &Action::Dispatch(event));
    }
    // A URL request before the announced delay.
    let request = slackline::WebApi::new(
        "https://slack.com/api/".to_owned(),
        slackline::Token::new("xapp-1"),
    )
    .apps_connections_open();
    audit.action(now + Duration::from_secs(20), &Action::Http(request));
    assert_eq!(
        rules(&audit),
        [
            Rule::DelayOutOfBounds,
            Rule::DelayOutOfBounds,
            Rule::RetryTooEarly
        ]
    );
}

#[test]
fn a_refresh_gap_is_a_breach_unless_something_disturbed_the_replacement() {
    for disturbed in [false, true] {
        let (mut session, mut audit, old) = live_session();
        let warned = Instant::from_secs(100);
        let warning = r#"{"type":"disconnect","reason":"warning"}"#;
        session.handle_text(warned, old, warning);
        let out = drain(&mut session, &mut audit, warned);
        let Some(request) = out.iter().find_map(|a| match a {
            Action::Http(request) => Some(request.id()),
            _ => None,
        }) else {
            panic!("no replacement asked for: {out:?}");
        };
        if disturbed {
            audit.disruption(warned + Duration::from_secs(1));
        }
        // Slack closes the old connection before the replacement is up: a gap...
        let closed = warned + Duration::from_secs(10);
        session.handle_closed(closed, old, Some(1000), "bye");
        drain(&mut session, &mut audit, closed);
        // ...that ends when the replacement says hello.
        let up = closed + Duration::from_secs(1);
        let url = r#"{"ok":true,"url":"wss://x/link/?ticket=2"}"#;
        session.handle_http_response(up, request, HttpResponse::new(200, url));
        drain(&mut session, &mut audit, up);
        session.handle_connected(up, ConnId::from_raw(2));
        session.handle_text(up, ConnId::from_raw(2), r#"{"type":"hello"}"#);
        drain(&mut session, &mut audit, up);
        let expected: &[Rule] = if disturbed { &[] } else { &[Rule::RefreshGap] };
        assert_eq!(rules(&audit), expected, "disturbed: {disturbed}");
    }
}

#[test]
fn anything_after_a_stop_is_a_breach() {
    let (mut session, mut audit, conn) = live_session();
    let now = Instant::from_secs(5);
    session.handle_text(
        now,
        conn,
        r#"{"type":"disconnect","reason":"link_disabled"}"#,
    );
    drain(&mut session, &mut audit, now);
    assert!(session.is_stopped());
    assert!(audit.breaches().is_empty(), "{:?}", audit.breaches());
    audit.action(
        now,
        &Action::SendPing {
            conn,
            payload: [0; 8],
        },
    );
    assert_eq!(
        rules(&audit),
        [Rule::ActionAfterStop, Rule::FrameAfterClose]
    );
}
