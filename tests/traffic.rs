//! Every recorded Socket Mode frame, served by the fake to a `Session` through the harness:
//! each envelope acked exactly once, in time, and the verdict ok.

use std::collections::BTreeMap;

use slackline::{Config, Event, StopReason};
use slackline_fake::{AckOutcome, DeliveryReport, Script};
use slackline_sim::{Ending, Harness, Outcome};

use slackline_test_support::{data_dir, json_files, APP_TOKEN};

fn play(dir: &str, config: Config) -> (usize, Outcome) {
    let files = json_files(&data_dir(dir));
    assert!(!files.is_empty());
    let script = Script::from_envelope_files(files).unwrap();
    let envelopes = script.envelope_count();
    let outcome = Harness::new(config, script).unwrap().run_quietly();
    (envelopes, outcome)
}

/// Every envelope of the script (every label) acked exactly once: one delivery acked in time,
/// any other delivery of it lost with a socket the client was told to leave (and redelivered).
fn assert_all_acked_once(envelopes: usize, outcome: &Outcome) {
    let v = &outcome.verdict;
    assert_eq!(outcome.ending, Ending::Finished);
    assert!(v.ok, "{}", v.summary_text());
    let mut by_label: BTreeMap<&str, Vec<&DeliveryReport>> = BTreeMap::new();
    for d in &v.envelopes {
        by_label.entry(&d.label).or_default().push(d);
        assert_eq!(d.duplicate_acks, 0, "{}", d.label);
    }
    assert_eq!(by_label.len(), envelopes);
    for (label, deliveries) in by_label {
        let acked = deliveries
            .iter()
            .filter(|d| d.outcome == AckOutcome::Acked)
            .count();
        assert_eq!(acked, 1, "{label}: {deliveries:?}");
        assert!(
            deliveries
                .iter()
                .all(|d| matches!(d.outcome, AckOutcome::Acked | AckOutcome::Lost)),
            "{label}: {deliveries:?}"
        );
    }
    assert_eq!(outcome.stop_reason, Some(StopReason::LinkDisabled));
    // Nothing the session could not read: every frame was a known kind or an envelope.
    let errors: Vec<String> = outcome
        .events
        .iter()
        .filter_map(|e| match &e.value {
            Event::ProtocolError(p) => Some(p.to_string()),
            _ => None,
        })
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn every_socket_mode_fixture_is_acked_exactly_once() {
    let (envelopes, outcome) = play(
        "tests/data/traffic/socket-mode",
        Config::socket_mode(APP_TOKEN),
    );
    assert_eq!(
        envelopes, 26,
        "hello and disconnect files are not envelopes"
    );
    assert_all_acked_once(envelopes, &outcome);
    // The session dedupes: fixtures share envelope ids and event ids, and those are acked but
    // dispatched once.
    let dispatched = outcome.envelopes().count();
    let duplicates = outcome
        .events
        .iter()
        .filter(|e| matches!(e.value, Event::Duplicate { .. }))
        .count();
    assert_eq!(dispatched + duplicates, outcome.verdict.envelopes.len());
    // `pysdk__disconnect-too_many_websockets.json` is played: the session sheds its connection
    // and opens another, and no envelope is lost on the way.
    assert!(outcome.verdict.connections.opened >= 2);
    assert!(outcome.events.iter().any(|e| matches!(
        &e.value,
        Event::Disconnect { reason, .. } if reason.as_str() == "too_many_websockets"
    )));
}

#[test]
fn every_fixture_is_dispatched_without_dedupe() {
    let (envelopes, outcome) = play(
        "tests/data/traffic/socket-mode",
        Config::socket_mode(APP_TOKEN).without_dedupe(),
    );
    assert_all_acked_once(envelopes, &outcome);
    assert_eq!(outcome.envelopes().count(), outcome.verdict.envelopes.len());
    // Slash commands, view submissions and suggestions waited for the app; the quiet bot never
    // acked, so the session acked them at its deadline (or as it stopped), inside Slack's 3 s.
    let deferred_acked = outcome
        .verdict
        .envelopes
        .iter()
        .filter(|d| d.accepts_response_payload && d.outcome == AckOutcome::Acked)
        .count() as u64;
    assert!(deferred_acked >= 5);
    assert_eq!(outcome.stats.auto_acks, deferred_acked);
}

#[test]
fn every_schema_sample_is_acked_exactly_once() {
    let (envelopes, outcome) = play(
        "tests/data/traffic/socket-mode/schema-samples",
        Config::socket_mode(APP_TOKEN).without_dedupe(),
    );
    assert_eq!(envelopes, 41);
    assert_all_acked_once(envelopes, &outcome);
    assert_eq!(
        outcome.verdict.summary.delivered, 41,
        "nothing needed redelivery"
    );
    assert_eq!(outcome.envelopes().count(), envelopes);
    // Payloads arrive byte for byte: the largest sample is over 40 KB.
    let largest = outcome.envelopes().map(|e| e.frame().len()).max().unwrap();
    assert!(largest > 40_000);
}
