//! Transcripts recorded through the harness: redacted, round-tripped through text, and replayed
//! into a fresh session that must do exactly what the recording says.

use std::time::Duration;

use serde_json::json;
use slackline::{Config, Event};
use slackline_fake::Script;
use slackline_sim::{Ctx, Harness, Outcome};
use slackline_transcript::{replay, Direction, Divergence, Entry, ReplayOptions, Transcript};

use slackline_test_support::{data_dir, json_files, script, APP_TOKEN, BOT_TOKEN};

fn echo_bot(ctx: &mut Ctx<'_>, event: &Event) {
    match event {
        Event::Envelope(e) if e.accepts_response_payload() => {
            let id = e.envelope_id().into_owned();
            ctx.ack_with(&id, &json!({ "text": "echo", "blocks": [] }))
                .unwrap();
        }
        Event::Rtm(e) if e.kind() == "message" => {
            let m: serde_json::Value = e.payload().unwrap();
            if m["user"] != "U0FAKEBOT" {
                ctx.send_message("C1", "echo").unwrap();
            }
        }
        _ => {}
    }
}

fn recorded(config: Config, script: Script) -> (Outcome, Transcript) {
    let mut outcome = Harness::new(config, script)
        .unwrap()
        .with_transcript(Some("recorded by tests/transcript.rs".into()))
        .run(echo_bot);
    let transcript = outcome.transcript.take().unwrap();
    (outcome, transcript)
}

fn demo() -> Script {
    Script::parse(&std::fs::read_to_string(data_dir("scripts/demo.jsonl")).unwrap()).unwrap()
}

/// Secrets that must never reach a transcript.
const SECRETS: [&str; 4] = [
    "test-app-secret",
    "test-bot-secret",
    "ticket=",
    "payload-secret",
];

fn assert_redacted(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(!text.to_lowercase().contains("authorization"));
    assert!(!text.contains("Bearer"));
}

#[test]
fn a_recording_round_trips_through_text_and_hides_every_secret() {
    let (outcome, transcript) = recorded(Config::socket_mode(APP_TOKEN), demo());
    assert!(outcome.verdict.ok);
    let text = transcript.to_jsonl();
    assert_redacted(&text);
    assert!(text.starts_with(
        r#"{"slackline_transcript":2,"token_kind":"app","config":{"mode":"socket_mode","api_url":"#
    ));
    assert!(text.contains(r#""kind":"connect","conn":1,"url":"wss://wss-fake.slack.invalid/…"}"#));
    assert!(text.contains(r#"\"url\":\"wss://wss-fake.slack.invalid/…\""#));
    let back = Transcript::parse(&text).unwrap();
    assert_eq!(back, transcript);
    // Every direction is there, one line each.
    for dir in [
        Direction::Out,
        Direction::In,
        Direction::App,
        Direction::Event,
    ] {
        assert!(
            back.records.iter().any(|r| r.entry.direction() == dir),
            "{dir:?}"
        );
    }
    assert_eq!(text.lines().count(), back.records.len() + 1);
}

#[test]
fn tokens_inside_frames_and_payloads_are_redacted() {
    let text = "{\"slackline_script\":1}\n\
        {\"envelope\":{\"type\":\"events_api\",\"payload\":{\"token\":\"xoxb-9-9-payload-secret\",\"event_id\":\"Ev1\"}}}\n\
        {\"raw\":\"{\\\"type\\\":\\\"mystery\\\",\\\"key\\\":\\\"xapp-1-A-1-payload-secret\\\"}\"}\n\
        {\"after\":\"1s\",\"disconnect\":\"link_disabled\"}";
    let (_, transcript) = recorded(Config::socket_mode(APP_TOKEN), script(text));
    let jsonl = transcript.to_jsonl();
    assert_redacted(&jsonl);
    // In received frames a token keeps its length (`<redacted>` padded with `*`), so that a
    // replay parses the same layout.
    assert!(jsonl.contains(r#"\"token\":\"xoxb-<redacted>********\""#));
    assert!(jsonl.contains(r#"\"key\":\"xapp-<redacted>**********\""#));
}

#[test]
fn replaying_a_recording_reproduces_it_exactly() {
    let traffic =
        Script::from_envelope_files(json_files(&data_dir("tests/data/traffic/socket-mode")))
            .unwrap();
    let half_open = script(
        "{\"slackline_script\":1}\n\
         {\"envelope\":{\"type\":\"events_api\",\"payload\":{\"event_id\":\"Ev1\"}}}\n\
         {\"silence\":true}\n\
         {\"after\":\"1s\",\"envelope\":{\"type\":\"interactive\",\"payload\":{}}}\n\
         {\"after\":\"5s\",\"disconnect\":\"link_disabled\"}",
    );
    let rtm = script(
        "{\"slackline_script\":1,\"rtm_echo\":true}\n\
         {\"rtm\":{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U2\",\"text\":\"hi\"}}\n\
         {\"rtm\":{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U2\",\"text\":\"again\"}}\n\
         {\"after\":\"40s\",\"end\":true}",
    );
    let runs = [
        ("demo", Config::socket_mode(APP_TOKEN).with_seed(3), demo()),
        (
            "traffic",
            Config::socket_mode(APP_TOKEN).with_seed(9),
            traffic,
        ),
        ("half-open", Config::socket_mode(APP_TOKEN), half_open),
        ("rtm", Config::rtm(BOT_TOKEN), rtm),
    ];
    for (name, config, script) in runs {
        let (_, transcript) = recorded(config, script);
        let from_text = Transcript::parse(&transcript.to_jsonl()).unwrap();
        let replay = replay(&from_text, &ReplayOptions::default()).unwrap();
        assert!(replay.compared > 10, "{name}");
        assert!(
            replay.is_faithful(),
            "{name}: {}",
            replay
                .divergences
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        // Not only within the tolerance: in virtual time the replay is exact.
        let strict = ReplayOptions::default()
            .with_time_tolerance(Duration::ZERO)
            .with_window(1);
        assert!(replay_is_exact(&from_text, &strict), "{name}");
    }
}

fn replay_is_exact(transcript: &Transcript, options: &ReplayOptions) -> bool {
    replay(transcript, options).unwrap().is_faithful()
}

#[test]
fn a_changed_client_is_caught_where_it_diverges() {
    let (_, transcript) = recorded(Config::socket_mode(APP_TOKEN), demo());
    // The same recording, replayed by a client that acks everything on arrival.
    let changed = ReplayOptions::default().with_config(
        transcript
            .header
            .config
            .clone()
            .with_deferred_response_acks(false),
    );
    let replay = replay(&transcript, &changed).unwrap();
    assert!(!replay.is_faithful());
    let report: Vec<String> = replay.divergences.iter().map(ToString::to_string).collect();
    // It starts where the slash command arrives (the demo's second envelope, at about 0.6 s):
    // recorded as dispatched for the app to answer...
    let first = &replay.divergences[0];
    assert!(
        first.to_string().contains("no longer does it"),
        "{report:#?}"
    );
    assert!(
        matches!(first, Divergence::Missing(r) if matches!(&r.entry, Entry::Event { summary } if summary.contains("slash_commands") && summary.ends_with("awaiting_app"))),
        "{report:#?}"
    );
    // ... whose ack carried the app's payload; now the ack is bare and the event already acked.
    assert!(replay.divergences.iter().any(|d| matches!(d, Divergence::Missing(r) if matches!(&r.entry, Entry::SendText { text, .. } if text.contains("payload")))));
    assert!(replay
        .divergences
        .iter()
        .any(|d| matches!(d, Divergence::Unexpected(r) if matches!(&r.entry, Entry::Event { summary } if summary.contains("slash_commands") && summary.contains(" acked")))));
}

/// Found by fuzzing (`transcript` target): a record 150 years after the rest made the replay
/// fire a million retry timers in the gap, for a minute. A replay now spends a bounded number
/// of timer firings (10,000 + 10 per record) on what no recording of this session could hold,
/// and says so.
#[test]
fn a_record_far_in_the_future_does_not_stall_the_replay() {
    let (_, mut transcript) = recorded(Config::socket_mode(APP_TOKEN), demo());
    let line =
        r#"{"t":4870722395,"dir":"out","kind":"send_ping","conn":3,"payload":"000000000000002f"}"#;
    let far = slackline_transcript::Record::parse_line(line).unwrap();
    transcript.records.insert(transcript.records.len() / 2, far);
    let replay = replay(&transcript, &ReplayOptions::default()).unwrap();
    assert!(replay.timers_cut_short);
    assert!(
        replay.produced.len() < 30_000,
        "{} records produced",
        replay.produced.len()
    );
    assert!(!replay.is_faithful());
}
