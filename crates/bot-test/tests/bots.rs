//! The harness against real bots: determinism, fault plans, replays, and failures reported in
//! the bot's terms. Every run is in virtual time; nothing here sleeps.

use std::time::Duration;

use serde_json::{json, Value};
use slackline_bot_test::{
    AckOutcome, AckedBy, BotTest, Ending, Envelope, FaultPlan, HandlerOutcome, Script,
    ScriptBuilder, Transcript,
};
use slackline_tokio::{SocketModeBuilder, WebClient};

/// The echo bot: mentions answered in their thread, `/echo` answered in its ack.
fn echo_bot(slack: SocketModeBuilder, web: WebClient) -> SocketModeBuilder {
    slack
        .on_event("app_mention", move |envelope, _| {
            let web = web.clone();
            async move {
                let event = envelope.payload::<Value>().unwrap()["event"].clone();
                let text = event["text"].as_str().unwrap_or_default();
                let reply =
                    json!({ "channel": event["channel"], "thread_ts": event["ts"], "text": text });
                let _ = web.chat_post_message_with(&reply).await;
            }
        })
        .on_command("/echo", |envelope, responder| async move {
            let text = envelope.payload::<Value>().unwrap()["text"].clone();
            let _ = responder.ack_with(&json!({ "text": text })).await;
        })
}

const FIVE_HOURS: &str = r#"
{"slackline_script":1,"name":"five hours","hello":{"approximate_connection_time":3600}}
{"after":"1s","label":"hi","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention","channel":"C1","ts":"1.1","text":"hi"}}}}
{"after":"30s","redeliver":"hi"}
{"after":"1h","label":"cmd","envelope":{"type":"slash_commands","payload":{"command":"/echo","text":"ping"}}}
{"after":"1h","disconnect":"warning"}
{"after":"3h","label":"bye","envelope":{"type":"events_api","payload":{"event_id":"Ev2","event":{"type":"app_mention","channel":"C1","ts":"2.2","text":"bye"}}}}
{"after":"1m","disconnect":"link_disabled"}
"#;

fn five_hours() -> BotTest {
    BotTest::new(Script::parse(FIVE_HOURS).unwrap())
}

#[test]
fn five_hours_of_refreshes_and_a_redelivery_in_well_under_a_second() {
    let run = five_hours().run(|slack| echo_bot(slack.socket_mode(), slack.web_client()));
    run.assert_ok();
    assert!(run.elapsed >= Duration::from_secs(5 * 3600), "{run}");
    assert!(run.wall_time < Duration::from_secs(5), "{run}");
    // Two mentions, two replies: the redelivery was acked but not answered again.
    let posted: Vec<_> = run
        .calls("chat.postMessage")
        .iter()
        .map(|c| c.arg("text"))
        .collect();
    assert_eq!(posted, [Some("hi"), Some("bye")]);
    assert_eq!(run.envelope("hi").len(), 2);
    assert_eq!(run.handled("hi").len(), 1);
    let ack = run.ack("cmd").unwrap();
    assert_eq!(ack.payload, Some(json!({ "text": "ping" })));
    assert_eq!(ack.by, AckedBy::Handler);
    assert_eq!(run.ack("hi").unwrap().by, AckedBy::Client);
    // Every call came from the handler of its envelope.
    let first = &run.calls("chat.postMessage")[0];
    assert_eq!(
        run.handlers()[first.handler.unwrap()].work.label.as_deref(),
        Some("hi")
    );
    assert_eq!(first.arg("thread_ts"), Some("1.1"));
    assert!(first.is_ok());
    let verdict = run.verdict.as_ref().unwrap();
    assert!(verdict.connections.opened >= 6, "a refresh an hour: {run}");
}

#[test]
fn two_runs_give_byte_identical_transcripts() {
    let test = five_hours().with_seed(42);
    let bot = |slack: &slackline_bot_test::Slack| echo_bot(slack.socket_mode(), slack.web_client());
    let first = test.run(bot);
    let second = test.run(bot);
    first.assert_ok();
    assert!(
        first.transcript.records.len() > 1000,
        "{}",
        first.transcript.records.len()
    );
    assert_eq!(first.transcript_jsonl(), second.transcript_jsonl());
    // And the rest of the account (all but the wall time).
    let account = |run: &slackline_bot_test::BotRun| {
        let text = run.to_string();
        text.split_once('\n').unwrap().1.to_owned()
    };
    assert_eq!(account(&first), account(&second));
    assert_eq!(first.faults.network, second.faults.network);
}

const STORMY: &str = r#"
{"slackline_faults":1,"seed":7,"net":{"latency_ms":5,"jitter_ms":40,"duplicate_per_mille":150}}
{"at_ms":600000,"fault":"cut","conn":0,"direction":"both","server_notices_after_ms":90000}
{"at_ms":1800000,"fault":"reset","conn":0}
{"at_ms":2400000,"fault":"partition","duration_ms":20000}
{"at_ms":3000000,"fault":"api_error","status":429,"retry_after_s":12,"times":2}
{"at_ms":3700000,"fault":"redeliver","label":"cmd"}
{"at_ms":7200000,"fault":"silence","socket":"oldest"}
{"at_ms":9000000,"fault":"disconnect","reason":"too_many_websockets","socket":"newest"}
{"at_ms":10800000,"fault":"handshake_failure","status":503,"times":2}
{"at_ms":10800500,"fault":"server_close","code":1011,"socket":"all"}
"#;

#[test]
fn under_a_fault_plan_nothing_is_posted_twice_and_nothing_lost() {
    let plan = FaultPlan::parse(STORMY).unwrap();
    let run = five_hours()
        .with_faults(plan)
        .run(|slack| echo_bot(slack.socket_mode().connections(2), slack.web_client()));
    run.assert_ok();
    assert_eq!(run.faults.skipped, 0, "{run}");
    assert!(run.faults.network.duplicated > 0, "{run}");
    let posted: Vec<_> = run
        .calls("chat.postMessage")
        .iter()
        .map(|c| c.arg("text"))
        .collect();
    assert_eq!(posted, [Some("hi"), Some("bye")], "{run}");
    assert_eq!(run.handled("cmd").len(), 1, "{run}");
}

#[test]
fn the_same_plan_gives_the_same_run() {
    let plan = FaultPlan::parse(STORMY).unwrap();
    let test = five_hours().with_faults(plan);
    let bot = |slack: &slackline_bot_test::Slack| {
        echo_bot(slack.socket_mode().connections(2), slack.web_client())
    };
    assert_eq!(
        test.run(bot).transcript_jsonl(),
        test.run(bot).transcript_jsonl()
    );
}

/// A bot that forgot the client's dedupe is told which envelope it handled twice, by which
/// handlers, and what each called.
#[test]
fn a_double_post_is_reported_in_the_bots_terms() {
    let run = five_hours()
        .run(|slack| echo_bot(slack.socket_mode().without_dedupe(), slack.web_client()));
    let problems = run.problems();
    assert_eq!(problems.len(), 1, "{run}");
    let problem = &problems[0];
    for expected in [
        "envelope \"hi\" (events_api app_mention",
        "handled twice (envelope_id",
        "handler #0 at 1.002s",
        "handler #1 at 31.002s",
        r#"it called chat.postMessage {"channel":"C1","text":"hi","thread_ts":"1.1"} → ok"#,
    ] {
        assert!(problem.contains(expected), "{expected:?} not in {problem}");
    }
    assert_eq!(run.calls("chat.postMessage").len(), 3);
}

/// A handler's bug: it panics (a function returning `()`, so the handler's future is an
/// ordinary `()` one).
fn fail_to_echo(text: &str) {
    panic!("cannot echo {text}");
}

#[test]
fn a_panicking_handler_is_reported_with_its_envelope_and_calls() {
    let run = five_hours().run(|slack| {
        let web = slack.web_client();
        echo_bot(slack.socket_mode(), slack.web_client()).on_command("/echo", move |envelope, _| {
            let web = web.clone();
            async move {
                let _ = web.chat_post_message("C1", "about to fail").await;
                let text = envelope.payload::<Value>().unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                fail_to_echo(&text);
            }
        })
    });
    let panics = run.panics();
    assert_eq!(panics.len(), 1, "{run}");
    assert_eq!(
        panics[0].outcome,
        HandlerOutcome::Panicked("cannot echo ping".into())
    );
    let problems = run.problems();
    assert_eq!(problems.len(), 1, "{run}");
    assert!(
        problems[0].contains(r#"envelope "cmd" (slash_commands /echo"#),
        "{run}"
    );
    assert!(problems[0].contains(r#"panicked at 1h00m31.0"#), "{run}");
    assert!(
        problems[0].contains(r#"chat.postMessage {"channel":"C1","text":"about to fail"} → ok"#),
        "{run}"
    );
    // The client contained it: the command was acked when the handler's responder dropped.
    assert_eq!(run.ack("cmd").unwrap().by, AckedBy::Handler);
    // The other envelopes went on.
    assert_eq!(run.calls("chat.postMessage").len(), 3);
}

#[test]
fn a_handler_that_never_returns_is_reported_and_its_command_acked_at_the_deadline() {
    let run = five_hours().run(|slack| {
        echo_bot(slack.socket_mode(), slack.web_client()).on_command(
            "/echo",
            |_, responder| async move {
                std::future::pending::<()>().await;
                drop(responder);
            },
        )
    });
    let handler = &run.handled("cmd")[0];
    assert_eq!(handler.outcome, HandlerOutcome::TimedOut);
    assert_eq!(run.ack("cmd").unwrap().by, AckedBy::Deadline);
    let problems = run.problems();
    assert_eq!(problems.len(), 1, "{run}");
    assert!(problems[0].contains("never finished"), "{run}");
    assert_eq!(run.ending, Ending::Finished);
}

#[test]
fn a_client_pointed_at_the_real_slack_is_refused_and_named() {
    let run = five_hours().run(|slack| {
        let web = WebClient::builder_on(slack.runtime(), "xoxb-1-real")
            .build()
            .unwrap();
        echo_bot(slack.socket_mode(), web)
    });
    let problems = run.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("tried to connect to slack.com:443")
                && p.contains(r#"handler #0 for envelope "hi""#)),
        "{run}"
    );
}

#[test]
fn scripts_are_built_in_code_from_json_or_serialize_payloads() {
    #[derive(serde::Serialize)]
    struct Mention<'a> {
        r#type: &'a str,
        channel: &'a str,
        ts: &'a str,
        text: &'a str,
    }
    let mention = Mention {
        r#type: "app_mention",
        channel: "C9",
        ts: "9.9",
        text: "typed",
    };
    let script = ScriptBuilder::new("in code")
        .envelope(
            Duration::from_secs(1),
            "typed",
            Envelope::events_api("Ev9", &mention),
        )
        .envelope(
            Duration::from_secs(1),
            "cmd",
            Envelope::slash_command("/echo", "pong"),
        )
        .disconnect(Duration::from_secs(1), "link_disabled")
        .build()
        .unwrap();
    let run = BotTest::new(script).run(|slack| echo_bot(slack.socket_mode(), slack.web_client()));
    run.assert_ok();
    assert_eq!(run.calls("chat.postMessage")[0].arg("channel"), Some("C9"));
    assert_eq!(
        run.ack("cmd").unwrap().payload,
        Some(json!({ "text": "pong" }))
    );
}

#[test]
fn an_rtm_bot_runs_in_virtual_time_too() {
    let script = Script::parse(
        r#"
{"slackline_script":1,"name":"rtm"}
{"after":"1s","rtm":{"type":"message","channel":"C1","user":"U1","text":"hello","ts":"1.0"}}
{"after":"1h","goodbye":true}
{"after":"1s","rtm":{"type":"message","channel":"C1","user":"U1","text":"again","ts":"2.0"}}
{"after":"1s","end":true}
"#,
    )
    .unwrap();
    let run = BotTest::new(script).run(|slack| {
        slack.rtm().on_event("message", |event, rtm| async move {
            let text = event.payload::<Value>().unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned();
            let _ = rtm.send_message("C1", &format!("echo: {text}")).await;
        })
    });
    run.assert_ok();
    let verdict = run.verdict.as_ref().unwrap();
    let posted: Vec<&str> = verdict.posted.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(posted, ["echo: hello", "echo: again"], "{run}");
    assert_eq!(run.handlers().len(), 2);
}

/// A recording of the echo bot (made by the harness itself) replays faithfully against the
/// same bot, and a changed bot is caught where it diverges.
#[test]
fn a_recording_replays_and_a_changed_bot_is_caught() {
    let recorded = five_hours().run(|slack| echo_bot(slack.socket_mode(), slack.web_client()));
    let recording = Transcript::parse(&recorded.transcript_jsonl()).unwrap();
    let replay = BotTest::replay(recording.clone())
        .run(|slack| echo_bot(slack.socket_mode(), slack.web_client()));
    replay.assert_faithful();
    assert!(replay.replay.as_ref().unwrap().compared > 1000);
    assert_eq!(replay.calls("chat.postMessage").len(), 2, "{replay}");

    let shouting = BotTest::replay(recording).run(|slack| {
        echo_bot(slack.socket_mode(), slack.web_client()).on_command(
            "/echo",
            |envelope, responder| async move {
                let text = envelope.payload::<Value>().unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_uppercase();
                let _ = responder.ack_with(&json!({ "text": text })).await;
            },
        )
    });
    let check = shouting.replay.as_ref().unwrap();
    assert_eq!(check.divergences.len(), 2, "{shouting}");
    let account = shouting.to_string();
    assert!(
        account.contains(r#"the recording has send_text but the client no longer does it"#),
        "{account}"
    );
    assert!(
        account.contains(r#"\"payload\":{\"text\":\"PING\"}"#),
        "{account}"
    );
    assert!(
        account.contains(r#"(the ack of envelope (slash_commands /echo"#),
        "{account}"
    );
}

/// 10% of packets lost, 5% duplicated, 5% corrupted: the account tells what crossed the
/// wire (a delivery lost on the way, acks the client sent that Slack never got), and nothing
/// reached the bot twice or was lost to it.
#[test]
fn on_a_lossy_network_the_account_tells_what_crossed_the_wire() {
    let plan = FaultPlan::parse(
        r#"{"slackline_faults":1,"seed":3,"net":{"latency_ms":5,"jitter_ms":20,"drop_per_mille":100,"duplicate_per_mille":50,"corrupt_per_mille":50}}"#,
    )
    .unwrap();
    let run = five_hours()
        .with_faults(plan)
        .run(|slack| echo_bot(slack.socket_mode().connections(2), slack.web_client()));
    run.assert_ok();
    assert!(run.faults.network.dropped > 500, "{run}");
    let cmd = run.envelope("cmd");
    assert!(cmd[0].received.is_none(), "{run}");
    assert_eq!(cmd[0].outcome, Some(AckOutcome::Missing));
    let handled: Vec<_> = cmd.iter().filter(|d| !d.handlers.is_empty()).collect();
    assert_eq!(handled.len(), 1, "{run}");
    let ack = handled[0].ack.as_ref().unwrap();
    assert_eq!(
        (ack.by, &ack.payload),
        (AckedBy::Handler, &Some(json!({ "text": "ping" })))
    );
    let posted: Vec<_> = run
        .calls("chat.postMessage")
        .iter()
        .map(|c| c.arg("text"))
        .collect();
    assert_eq!(posted, [Some("hi"), Some("bye")], "{run}");
    let account = run.to_string();
    assert!(account.contains("lost on the way"), "{account}");
    assert!(account.contains("(Slack's view: missing)"), "{account}");
}

/// The `Session` harness's hostile servers, played to the real client: a refresh after every
/// hello for ten minutes, the client's acks echoed back for five (over the `/echo` command),
/// one-second announced lifetimes for ten.
#[test]
fn hostile_servers_do_not_make_the_bot_post_twice() {
    let plan = FaultPlan::parse(
        r#"{"slackline_faults":1,"seed":3,"net":{"latency_ms":5}}
{"at_ms":600000,"fault":"refresh_after_hello","reason":"warning","duration_ms":600000}
{"at_ms":3500000,"fault":"echo","duration_ms":300000}
{"at_ms":7200000,"fault":"connection_time","secs":1,"duration_ms":600000}"#,
    )
    .unwrap();
    let run = five_hours()
        .with_faults(plan)
        .run(|slack| echo_bot(slack.socket_mode().connections(2), slack.web_client()));
    run.assert_ok();
    assert_eq!(run.faults.applied, 3, "{run}");
    let posted: Vec<_> = run
        .calls("chat.postMessage")
        .iter()
        .map(|c| c.arg("text"))
        .collect();
    assert_eq!(posted, [Some("hi"), Some("bye")], "{run}");
    assert_eq!(
        run.ack("cmd").unwrap().payload,
        Some(json!({ "text": "ping" }))
    );
}
