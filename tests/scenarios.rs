//! A `Session` against the fake in virtual time: refreshes, half-open servers, rate limits,
//! RTM, and a verdict that catches a badly behaved client.

use std::time::Duration;

use serde_json::json;
use slackline::{
    CloseCause, Config, Event, Instant, LateAckPolicy, ReconnectCause, RtmOutcome, StopReason,
    WebApi,
};
use slackline_fake::{AckOutcome, ViolationKind};
use slackline_sim::{Bot, Ctx, Ending, Harness, Outcome};

use slackline_test_support::{script, APP_TOKEN, BOT_TOKEN};

fn events_envelope(label: &str, event_id: &str) -> String {
    format!(
        r#"{{"label":"{label}","envelope":{{"type":"events_api","payload":{{"type":"event_callback","event_id":"{event_id}","event":{{"type":"message","text":"{label}"}}}}}}}}"#
    )
}

fn closes(outcome: &Outcome) -> Vec<CloseCause> {
    outcome
        .events
        .iter()
        .filter_map(|e| match &e.value {
            Event::ConnectionClosed { cause, .. } => Some(cause.clone()),
            _ => None,
        })
        .collect()
}

fn assert_every_label_acked(outcome: &Outcome) {
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    for d in &v.envelopes {
        let acked_somewhere = v
            .envelopes
            .iter()
            .any(|o| o.label == d.label && o.outcome == AckOutcome::Acked);
        assert!(
            acked_somewhere,
            "{} never acked: {:?}",
            d.label, v.envelopes
        );
    }
}

#[test]
fn a_disconnect_warning_refreshes_without_losing_an_envelope() {
    let mut text = String::from("{\"slackline_script\":1,\"name\":\"refresh\"}\n");
    text += &events_envelope("before", "Ev1");
    text += "\n{\"after\":\"1s\",\"disconnect\":\"warning\"}\n";
    // A burst while the replacement is being opened: these go to the warned socket, or to
    // the new one once it said hello.
    for i in 0..10 {
        text += &format!(
            "{{\"after\":\"2ms\",{}\n",
            &events_envelope(&format!("burst{i}"), &format!("EvB{i}"))[1..]
        );
    }
    text += "{\"wait\":\"connection\"}\n";
    text += &format!(
        "{{\"after\":\"100ms\",{}\n",
        &events_envelope("after", "Ev2")[1..]
    );
    text += "{\"after\":\"100ms\",\"wait\":\"acks\"}\n{\"disconnect\":\"link_disabled\"}\n";
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(&text))
        .unwrap()
        .run_quietly();
    let v = &outcome.verdict;
    assert_eq!(outcome.ending, Ending::Finished);
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(v.summary.delivered, 12);
    assert_eq!(
        v.summary.acked, 12,
        "every delivery acked in time, none lost"
    );
    assert_eq!(v.connections.opened, 2);
    assert_eq!(
        v.connections.max_concurrent, 2,
        "the new socket opened before the old closed"
    );
    assert!(v
        .envelopes
        .iter()
        .any(|d| d.socket == 1 && d.label.starts_with("burst")));
    assert_eq!(v.envelopes.last().unwrap().socket, 2);
    assert_eq!(closes(&outcome)[0], CloseCause::Replaced);
    assert_eq!(outcome.envelopes().count(), 12);
}

#[test]
fn a_half_open_server_is_detected_and_the_lost_envelope_comes_back() {
    let text = format!(
        "{{\"slackline_script\":1}}\n{}\n{{\"silence\":true}}\n{{\"after\":\"1s\",{}\n{{\"after\":\"1s\",\"wait\":\"acks\"}}\n{{\"disconnect\":\"link_disabled\"}}",
        events_envelope("swallowed", "Ev1"),
        &events_envelope("later", "Ev2")[1..],
    );
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(&text))
        .unwrap()
        .run_quietly();
    assert_eq!(outcome.ending, Ending::Finished);
    assert_every_label_acked(&outcome);
    let v = &outcome.verdict;
    // The first copy went out just before the silence; the session's ack never got through.
    assert_eq!(v.envelopes[0].outcome, AckOutcome::Lost);
    // Slack-style redelivery once a healthy socket exists; the session recognises it.
    let redelivered = v
        .envelopes
        .iter()
        .find(|d| d.label == "swallowed" && d.retry_attempt == 1)
        .unwrap();
    assert_eq!(redelivered.socket, 2);
    assert!(outcome.events.iter().any(|e| matches!(
        &e.value,
        Event::Duplicate {
            retry_attempt: 1,
            ..
        }
    )));
    // The silence is detected by the unanswered ping, within ping interval + pong timeout.
    let detected = outcome
        .events
        .iter()
        .find(|e| {
            matches!(
                &e.value,
                Event::ConnectionClosed {
                    cause: CloseCause::PongTimeout,
                    ..
                }
            )
        })
        .expect("pong timeout");
    assert!(detected.at <= Instant::from_secs(21), "{:?}", detected.at);
    assert_eq!(v.connections.silenced, 1);
}

#[test]
fn rate_limited_then_connected_honouring_retry_after() {
    let text = format!(
        "{{\"slackline_script\":1}}\n{{\"fail\":\"apps.connections.open\",\"status\":429,\"retry_after\":7}}\n{}\n{{\"after\":\"1s\",\"disconnect\":\"link_disabled\"}}",
        events_envelope("first", "Ev1")
    );
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(&text))
        .unwrap()
        .run_quietly();
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(v.http["apps.connections.open"].calls, 2);
    assert_eq!(v.http["apps.connections.open"].errors, 1);
    let reconnecting = outcome
        .events
        .iter()
        .find_map(|e| match &e.value {
            Event::Reconnecting { delay, cause, .. } => Some((*delay, cause.clone())),
            _ => None,
        })
        .unwrap();
    assert!(reconnecting.0 >= Duration::from_secs(7), "{reconnecting:?}");
    assert!(matches!(reconnecting.1, ReconnectCause::Api(e) if e.code() == Some("ratelimited")));
    assert!(v.envelopes[0].delivered_ms >= 7_000);
}

#[test]
fn server_errors_back_off_and_a_fatal_error_stops() {
    let text = "{\"slackline_script\":1}\n\
                {\"fail\":\"apps.connections.open\",\"status\":503,\"times\":2}\n\
                {\"fail\":\"websocket\",\"status\":409}\n\
                {\"wait\":\"connection\"}\n\
                {\"fail\":\"apps.connections.open\",\"error\":\"invalid_auth\"}\n\
                {\"close\":1011,\"reason\":\"server restart\"}\n\
                {\"after\":\"1m\",\"end\":true}";
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(text))
        .unwrap()
        .run_quietly();
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(v.connections.rejected, 1);
    // Two 503s and a refused handshake, then a connection; closed by the server; then the URL
    // request fails with invalid_auth and the session stops instead of retrying forever.
    assert_eq!(v.http["apps.connections.open"].calls, 5);
    assert!(matches!(
        &outcome.stop_reason,
        Some(StopReason::Fatal(e)) if e.code() == Some("invalid_auth")
    ));
}

#[test]
fn five_hours_of_refreshes_run_in_milliseconds() {
    let mut text = String::from(
        "{\"slackline_script\":1,\"hello\":{\"approximate_connection_time\":18060}}\n",
    );
    for hour in 0..12 {
        text += &format!(
            "{{\"after\":\"1h\",{}\n",
            &events_envelope(&format!("hour{hour}"), &format!("EvH{hour}"))[1..]
        );
    }
    text += "{\"after\":\"1s\",\"disconnect\":\"link_disabled\"}\n";
    // The test (not the core) measures real time: the whole run must take milliseconds.
    #[allow(clippy::disallowed_methods)]
    let wall = std::time::Instant::now();
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(&text))
        .unwrap()
        .run_quietly();
    let took = wall.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(outcome.elapsed > Duration::from_secs(12 * 3600));
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(v.summary.acked, 12);
    // The session refreshes ahead of Slack's deadline: new connections at about 5 h and 10 h,
    // each replacing the old one, so Slack's own warning is never needed.
    assert_eq!(v.connections.opened, 3);
    assert!(closes(&outcome)[..2]
        .iter()
        .all(|c| *c == CloseCause::Replaced));
    assert!(!outcome.events.iter().any(|e| matches!(e.value, Event::Disconnect { .. })
        && !matches!(&e.value, Event::Disconnect { reason, .. } if reason.as_str() == "link_disabled")));
}

#[test]
fn slacks_own_refresh_warning_is_followed_when_the_client_does_not_refresh_ahead() {
    let text = format!(
        "{{\"slackline_script\":1,\"hello\":{{\"approximate_connection_time\":600}}}}\n{}\n{{\"after\":\"15m\",{}\n{{\"after\":\"1s\",\"disconnect\":\"link_disabled\"}}",
        events_envelope("early", "Ev1"),
        &events_envelope("late", "Ev2")[1..]
    );
    let config = Config::socket_mode(APP_TOKEN).with_refresh_ahead(Duration::ZERO);
    let outcome = Harness::new(config, script(&text)).unwrap().run_quietly();
    assert!(outcome.verdict.ok, "{}", outcome.verdict.summary_text());
    assert!(outcome.events.iter().any(|e| matches!(
        &e.value,
        Event::Disconnect { reason, .. } if reason.as_str() == "warning"
    )));
    assert_eq!(closes(&outcome)[0], CloseCause::Replaced);
}

/// An RTM bot that echoes what people say and checks each reply.
#[derive(Default)]
struct EchoBot {
    sent: Vec<u64>,
    replies: Vec<(u64, String)>,
}

impl Bot for EchoBot {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        match event {
            Event::Rtm(e) if e.kind() == "message" => {
                let m: serde_json::Value = e.payload().unwrap();
                if m["user"] == "U0FAKEBOT" {
                    return;
                }
                let text = format!("echo: {}", m["text"].as_str().unwrap_or(""));
                let channel = m["channel"].as_str().unwrap_or("C0");
                self.sent.push(ctx.send_message(channel, &text).unwrap());
            }
            Event::RtmReply(reply) => {
                if let RtmOutcome::Ok { ts: Some(ts), .. } = &reply.outcome {
                    self.replies.push((reply.id, ts.clone()));
                }
            }
            _ => {}
        }
    }
}

#[test]
fn rtm_echo_with_reply_to_correlation() {
    let text = "{\"slackline_script\":1,\"rtm_echo\":true}\n\
        {\"rtm\":{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U2\",\"text\":\"one\",\"ts\":\"1.1\"}}\n\
        {\"rtm\":{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U2\",\"text\":\"two\",\"ts\":\"1.2\"}}\n\
        {\"rtm\":{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U2\",\"text\":\"three\",\"ts\":\"1.3\"}}\n\
        {\"after\":\"25s\",\"rtm\":{\"type\":\"reaction_added\",\"user\":\"U2\",\"reaction\":\"tada\"}}\n\
        {\"after\":\"1s\",\"end\":true}";
    let mut bot = EchoBot::default();
    let outcome = Harness::new(Config::rtm(BOT_TOKEN), script(text))
        .unwrap()
        .run_bot(&mut bot);
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    // Three messages at once are paced one per second by the session, so no rate violation,
    // and every reply found its message.
    assert_eq!(bot.sent.len(), 3);
    assert_eq!(
        bot.replies.iter().map(|r| r.0).collect::<Vec<_>>(),
        bot.sent
    );
    let posted: Vec<&str> = v.posted.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(posted, ["echo: one", "echo: two", "echo: three"]);
    assert!(v.posted[1].at_ms - v.posted[0].at_ms >= 1000);
    assert_eq!(v.posted[0].ts, bot.replies[0].1);
    // Liveness pings over 27 s, answered as pongs.
    assert!(v.rtm.pings >= 2);
    assert!(outcome
        .events
        .iter()
        .any(|e| matches!(&e.value, Event::RtmConnected(c) if c.self_id() == Some("U0FAKEBOT"))));
}

/// Never acks on time: one slash command not at all, the other four seconds late.
struct BadBot;

impl Bot for BadBot {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        if let Event::Envelope(e) = event {
            if e.envelope_id() == "late-one" {
                ctx.wake_at(ctx.now() + Duration::from_secs(4));
            }
        }
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        ctx.ack_with("late-one", &json!({ "text": "sorry, slow" }))
            .unwrap();
    }
}

#[test]
fn the_verdict_catches_a_missing_and_a_late_ack() {
    let text = "{\"slackline_script\":1,\"redeliver\":false}\n\
        {\"label\":\"never\",\"envelope\":{\"envelope_id\":\"never-acked\",\"type\":\"slash_commands\",\"payload\":{\"command\":\"/a\"}}}\n\
        {\"label\":\"late\",\"envelope\":{\"envelope_id\":\"late-one\",\"type\":\"slash_commands\",\"payload\":{\"command\":\"/b\"}}}\n\
        {\"after\":\"10s\",\"disconnect\":\"link_disabled\"}";
    let config = Config::socket_mode(APP_TOKEN).with_late_ack_policy(LateAckPolicy::Report);
    let outcome = Harness::new(config, script(text)).unwrap().run_bot(BadBot);
    let v = &outcome.verdict;
    assert!(v.finished);
    assert!(!v.ok);
    let outcomes: Vec<AckOutcome> = v.envelopes.iter().map(|d| d.outcome).collect();
    assert_eq!(outcomes, [AckOutcome::Missing, AckOutcome::Late]);
    assert!(v.violations.iter().any(|x| matches!(
        &x.kind,
        ViolationKind::MissingAck { envelope_id, .. } if envelope_id == "never-acked"
    )));
    assert!(v.violations.iter().any(|x| matches!(
        &x.kind,
        ViolationKind::LateAck { envelope_id, latency_ms, .. } if envelope_id == "late-one" && *latency_ms >= 4000
    )));
    assert!(outcome.events.iter().any(|e| matches!(
        &e.value,
        Event::AckOverdue {
            auto_acked: false,
            ..
        }
    )));
    let json = serde_json::to_string_pretty(v).unwrap();
    assert!(json.contains("\"kind\": \"missing_ack\""));
}

/// Posts a message through the Web API with its own bot token when the app is mentioned.
struct Poster {
    api: WebApi,
    answered: u32,
}

impl Bot for Poster {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        if let Event::Envelope(_) = event {
            let message =
                serde_json::json!({ "channel": "C0GENERAL", "text": "hello from the bot" });
            let post = self.api.call_json("chat.postMessage", &message);
            ctx.call_api(post.expect("a JSON object serialises"));
            let reaction = [
                ("channel", "C0GENERAL"),
                ("timestamp", "1.2"),
                ("name", "wave"),
            ];
            ctx.call_api(self.api.call("reactions.add", reaction));
        }
    }

    fn on_api_response(
        &mut self,
        _: &mut Ctx<'_>,
        _: slackline::RequestId,
        response: &slackline::HttpResponse,
    ) {
        assert_eq!(response.status, 200);
        self.answered += 1;
    }
}

#[test]
fn a_bot_can_call_the_web_api() {
    let text = format!(
        "{{\"slackline_script\":1}}\n{}\n{{\"after\":\"1s\",\"disconnect\":\"link_disabled\"}}",
        events_envelope("mention", "Ev1")
    );
    let bot = Poster {
        api: WebApi::new("https://slack.com/api/", slackline::Token::new(BOT_TOKEN)),
        answered: 0,
    };
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(&text))
        .unwrap()
        .run_bot(bot);
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(outcome.api_responses.len(), 2);
    assert_eq!(v.posted[0].text, "hello from the bot");
    assert_eq!(v.posted[0].via, "chat.postMessage");
    assert_eq!(v.http["reactions.add"].calls, 1);
}

#[test]
fn garbage_from_the_server_does_not_stop_the_client() {
    let text = format!(
        "{{\"slackline_script\":1}}\n{{\"raw\":\"not json at all\"}}\n{{\"raw\":\"{{\\\"type\\\":\\\"brand_new\\\"}}\"}}\n{{\"raw\":\"{{\\\"envelope_id\\\":\\\"broken\\\",\\\"payload\\\":{{\"}}\n{}\n{{\"after\":\"1s\",\"disconnect\":\"link_disabled\"}}",
        events_envelope("fine", "Ev1")
    );
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script(&text))
        .unwrap()
        .run_quietly();
    assert!(outcome.verdict.ok, "{}", outcome.verdict.summary_text());
    assert_eq!(outcome.stats.protocol_errors, 3);
    // The broken envelope was not dispatched, but its id was salvaged and acked so that Slack
    // would not redeliver it forever.
    assert_eq!(outcome.envelopes().count(), 1);
    let broken = &outcome.verdict.envelopes[0];
    assert_eq!(
        (broken.envelope_id.as_str(), broken.outcome),
        ("broken", AckOutcome::Acked)
    );
}

#[test]
fn a_pool_of_connections_shares_the_envelopes() {
    let mut text =
        String::from("{\"slackline_script\":1}\n{\"wait\":\"connections\",\"count\":3}\n");
    for i in 0..9 {
        text += &format!(
            "{{\"after\":\"100ms\",{}\n",
            &events_envelope(&format!("e{i}"), &format!("Ev{i}"))[1..]
        );
    }
    text += "{\"after\":\"1s\",\"disconnect\":\"warning\",\"socket\":\"newest\"}\n";
    text += "{\"after\":\"2s\",\"wait\":\"acks\"}\n{\"disconnect\":\"link_disabled\"}\n";
    let config = Config::socket_mode(APP_TOKEN).with_connections(3);
    let outcome = Harness::new(config, script(&text)).unwrap().run_quietly();
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    // Round robin over the three sockets, each ack on the socket its envelope came on.
    let sockets: std::collections::BTreeSet<u32> = v.envelopes.iter().map(|d| d.socket).collect();
    assert_eq!(sockets.len(), 3);
    assert!(v.envelopes.iter().all(|d| d.ack_socket == Some(d.socket)));
    // The warned one is replaced: never more than the pool plus one replacement at once.
    assert_eq!(v.connections.opened, 4);
    assert_eq!(v.connections.max_concurrent, 4);
}

#[test]
fn rtm_start_and_goodbye() {
    let text = "{\"slackline_script\":1}\n\
        {\"rtm\":{\"type\":\"presence_change\",\"user\":\"U2\",\"presence\":\"active\"}}\n\
        {\"after\":\"1s\",\"goodbye\":true}\n\
        {\"wait\":\"connection\"}\n\
        {\"after\":\"1s\",\"rtm\":{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U2\",\"text\":\"back\"}}\n\
        {\"after\":\"1s\",\"end\":true}";
    let config = Config::rtm(BOT_TOKEN).with_rtm_start(Default::default());
    let outcome = Harness::new(config, script(text)).unwrap().run_quietly();
    let v = &outcome.verdict;
    assert!(v.ok, "{}", v.summary_text());
    assert_eq!(v.http["rtm.start"].calls, 2);
    assert_eq!(v.connections.opened, 2);
    assert!(outcome
        .events
        .iter()
        .any(|e| matches!(&e.value, Event::Goodbye { .. })));
    let state = outcome
        .events
        .iter()
        .find_map(|e| match &e.value {
            Event::RtmConnected(c) => Some(c.state::<serde_json::Value>().unwrap()),
            _ => None,
        })
        .unwrap();
    assert_eq!(state["users"][0]["id"], "U0FAKEBOT");
    let kinds: Vec<String> = outcome
        .events
        .iter()
        .filter_map(|e| match &e.value {
            Event::Rtm(r) => Some(r.kind().into_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["presence_change", "message"]);
}
