//! Writes seed corpora for the `script`, `transcript` and `chaos` fuzz targets
//! (`fuzz/corpus/`): the repository's scripts, one script per recorded frame of
//! `tests/data/traffic/`, a script with every kind of step, the transcripts of playing them
//! through the harness, and fault schedules in the `chaos` target's byte format.
//!
//! `cargo test --test fuzz_seeds -- --ignored` (re)writes them; the seeds are committed.

use std::path::Path;

use slackline::Config;
use slackline_fake::Script;
use slackline_sim::Harness;

use slackline_test_support::{data_dir, json_files, APP_TOKEN, BOT_TOKEN};

/// Every step kind and header option once, for the parser.
const EVERY_STEP: &str = r#"{"slackline_script":1,"name":"every step","hello":{"num_connections":2,"approximate_connection_time":600,"app_id":"A1","host":"h1","build_number":3},"auto_hello":true,"redeliver":true,"max_redeliveries":2,"ack_deadline":"3s","connection_lifetime":true,"disconnect_grace":"10s","server_ping_interval":"30s","end_grace":"15s","epoch":1700000000,"rtm_echo":false,"team":{"team_id":"T1","team_name":"n","team_domain":"d","bot_user_id":"U1","bot_name":"b","bot_id":"B1"}}
{"fail":"apps.connections.open","status":429,"retry_after":2,"times":2}
{"fail":"apps.connections.open","status":503}
{"fail":"websocket","status":500}
{"after":"1s","label":"a","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention"}}}}
{"after":"250ms","label":"s","socket":"newest","envelope":{"type":"slash_commands","accepts_response_payload":true,"payload":{"command":"/x"}}}
{"after":"+2.5s","redeliver":"a","retry_attempt":1,"retry_reason":"timeout","new_envelope_id":true}
{"after":1,"ping":true,"socket":"all"}
{"raw":"{\"type\":\"mystery\"}","socket":"oldest"}
{"raw":"{\"envelope_id\":\"x\",\"payload\":"}
{"disconnect":"warning"}
{"wait":"connection"}
{"wait":"connections","count":1}
{"after":"10m","disconnect":"refresh_requested"}
{"after":"1s","silence":true}
{"after":"30s","close":1011,"reason":"bye"}
{"wait":"acks"}
{"disconnect":"too_many_websockets"}
{"at":"2h","disconnect":"link_disabled"}
{"end":true}
"#;

const RTM: &str = r#"{"slackline_script":1,"name":"rtm","rtm_echo":true}
{"after":"1s","rtm":{"type":"message","channel":"C1","user":"U2","text":"hi","ts":"1.1"}}
{"after":"1s","rtm":{"type":"reaction_added","user":"U2","reaction":"wave"}}
{"after":"5s","goodbye":true}
{"wait":"connection"}
{"after":"1s","rtm":{"type":"message","channel":"C1","user":"U2","text":"again","ts":"2.1"}}
{"after":"2s","end":true}
"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

/// One frame file as a script: the frame as a raw step (sent verbatim, tracked if it has an id).
fn frame_script(name: &str, frame: &str) -> String {
    let frame: serde_json::Value = serde_json::from_str(frame).unwrap();
    let raw = serde_json::to_string(&frame.to_string()).unwrap();
    format!("{{\"slackline_script\":1,\"name\":{name:?}}}\n{{\"after\":\"100ms\",\"raw\":{raw}}}\n{{\"after\":\"5s\",\"end\":true}}\n")
}

#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_fuzz_seeds() {
    let scripts_dir = data_dir("fuzz/corpus/script");
    let transcripts_dir = data_dir("fuzz/corpus/transcript");
    let mut scripts: Vec<(String, String, bool)> = vec![
        (
            "demo".into(),
            std::fs::read_to_string(data_dir("scripts/demo.jsonl")).unwrap(),
            false,
        ),
        ("every-step".into(), EVERY_STEP.into(), false),
        ("rtm".into(), RTM.into(), true),
    ];
    for (name, frame) in json_files(&data_dir("tests/data/traffic/socket-mode")) {
        let stem = name.trim_end_matches(".json").to_owned();
        scripts.push((stem.clone(), frame_script(&stem, &frame), false));
    }
    for (name, text, rtm) in &scripts {
        write(&scripts_dir, &format!("{name}.jsonl"), text);
        let script = Script::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let config = if *rtm {
            Config::rtm(BOT_TOKEN)
        } else {
            Config::socket_mode(APP_TOKEN)
        };
        let outcome = Harness::new(config, script)
            .unwrap()
            .with_time_limit(std::time::Duration::from_secs(3 * 3600))
            .with_transcript(Some(format!("fuzz seed {name}")))
            .run_quietly();
        let transcript = outcome.transcript.unwrap().to_jsonl();
        // Small seeds fuzz faster: long recordings are cut to their first lines.
        let short: String = transcript
            .lines()
            .take(200)
            .map(|l| format!("{l}\n"))
            .collect();
        write(&transcripts_dir, &format!("{name}.jsonl"), &short);
    }
}

/// Fault schedules as the `chaos` target reads them (`slackline_test_support::session::chaos::plan_from_bytes`): a
/// mode byte, a seed, the network, then (kind, time, time, argument) per fault. Half of them
/// on a gentle network, so that the fuzzer starts from runs that get somewhere.
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_chaos_seeds() {
    let dir = data_dir("fuzz/corpus/chaos");
    for i in 0..48u32 {
        // A fixed, spread-out byte stream (Knuth's multiplicative hash), not a generator.
        let byte = |j: u32| {
            (i.wrapping_mul(2_654_435_761)
                .wrapping_add(j.wrapping_mul(40_503))
                >> 13) as u8
        };
        let mut data: Vec<u8> = (0..10).map(byte).collect();
        if i % 2 == 0 {
            data[7] %= 4; // drops
            data[8] %= 4; // duplicates
            data[9] %= 2; // corruption
        }
        for f in 0..(i % 24) {
            data.extend([
                (byte(100 + f) % 12),
                byte(200 + f),
                byte(300 + f),
                byte(400 + f),
            ]);
        }
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{i:02}")), data).unwrap();
    }
}
