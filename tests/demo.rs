//! The bundled demo script, played with an echo bot: it must parse, cover what `slackline demo`
//! shows, and leave an ok verdict.

use serde_json::json;
use slackline::{CloseCause, Config, Event, StopReason};
use slackline_fake::{AckOutcome, Script};
use slackline_sim::{Ctx, Ending, Harness};

use slackline_test_support::{data_dir, APP_TOKEN};

fn demo() -> Script {
    let text = std::fs::read_to_string(data_dir("scripts/demo.jsonl")).unwrap();
    Script::parse(&text).unwrap_or_else(|e| panic!("scripts/demo.jsonl: {e}"))
}

/// Answers what accepts an answer: slash commands with a message, view submissions by
/// clearing the modal.
fn echo_bot(ctx: &mut Ctx<'_>, event: &Event) {
    let Event::Envelope(envelope) = event else {
        return;
    };
    if !envelope.accepts_response_payload() {
        return;
    }
    let id = envelope.envelope_id().into_owned();
    let answer = match envelope.route().as_deref() {
        Some("/echo") => {
            let payload: serde_json::Value = envelope.payload().unwrap();
            json!({ "text": format!("echo: {}", payload["text"].as_str().unwrap_or("")) })
        }
        _ => json!({ "response_action": "clear" }),
    };
    ctx.ack_with(&id, &answer).unwrap();
}

#[test]
fn the_demo_script_plays_cleanly() {
    let script = demo();
    assert_eq!(script.header().name.as_deref(), Some("slackline demo"));
    let outcome = Harness::new(Config::socket_mode(APP_TOKEN), script)
        .unwrap()
        .run(echo_bot);
    let v = &outcome.verdict;
    assert_eq!(outcome.ending, Ending::Finished);
    assert!(v.ok, "{}", v.summary_text());
    // All three envelope types, each dispatched once.
    let kinds: Vec<String> = outcome.envelopes().map(|e| e.kind().to_string()).collect();
    for kind in ["events_api", "interactive", "slash_commands"] {
        assert!(kinds.iter().any(|k| k == kind), "{kinds:?}");
    }
    assert_eq!(outcome.envelopes().count(), 6);
    // The slash command and the modal were answered in their acks.
    assert_eq!(v.summary.acks_with_payload, 2);
    assert!(outcome
        .sent_texts()
        .any(|t| t.contains(r#""payload":{"text":"echo: ping"}"#)));
    // The refresh: a second connection, the first closed as replaced, nothing lost.
    assert_eq!(v.connections.opened, 2);
    assert_eq!(v.connections.max_concurrent, 2, "make before break");
    assert!(outcome.events.iter().any(|e| matches!(
        &e.value,
        Event::ConnectionClosed {
            cause: CloseCause::Replaced,
            ..
        }
    )));
    assert!(v.envelopes.iter().all(|d| d.outcome == AckOutcome::Acked));
    // The redelivery: acked again, reported as a duplicate, not dispatched twice.
    assert_eq!(v.summary.redeliveries, 1);
    assert!(outcome.events.iter().any(|e| matches!(
        &e.value,
        Event::Duplicate {
            retry_attempt: 1,
            ..
        }
    )));
    assert_eq!(outcome.stop_reason, Some(StopReason::LinkDisabled));
    // A few seconds of virtual time, as the real demo takes.
    assert!(outcome.elapsed.as_secs_f64() < 5.0, "{:?}", outcome.elapsed);
}
