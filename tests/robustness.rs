//! Nothing from the network (or from a file) panics the fake or the parsers: valid inputs,
//! mutated byte by byte with a fixed-seed generator, are fed everywhere.

use slackline::{Config, Instant};
use slackline_fake::{ApiRequest, FakeConfig, FakeSlack, Script};
use slackline_transcript::{Recorder, Transcript};

use slackline_test_support::mutator::Mutator;
use slackline_test_support::{data_dir, APP_TOKEN, BOT_TOKEN};

const FRAMES: [&str; 6] = [
    r#"{"envelope_id":"x","payload":{"text":"hi"}}"#,
    r#"{"id":1,"type":"message","channel":"C1","text":"hi"}"#,
    r#"{"id":2,"type":"ping","time":1}"#,
    r#"{"envelope_id":""}"#,
    "[]",
    "",
];

#[test]
fn mutated_client_frames_and_requests_never_panic_the_fake() {
    let script = Script::parse(
        "{\"slackline_script\":1}\n{\"envelope\":{\"envelope_id\":\"x\",\"type\":\"events_api\",\"payload\":{}}}\n{\"after\":\"1h\",\"end\":true}",
    )
    .unwrap();
    let mut fake = FakeSlack::new(script, FakeConfig::new(), Instant::ZERO);
    let mut m = Mutator::new(0x9E37_79B9_7F4A_7C15);
    let mut open = Vec::new();
    for round in 0..3000u64 {
        let now = Instant::from_millis(round * 7);
        let token = if round % 2 == 0 { APP_TOKEN } else { BOT_TOKEN };
        let method = [
            "apps.connections.open",
            "rtm.connect",
            "chat.postMessage",
            "x",
        ][(round % 4) as usize];
        let auth = format!("Bearer {token}");
        let body = m.mutate(br#"{"channel":"C1","text":"hi"}"#);
        fake.handle_http_request(
            now,
            ApiRequest {
                method,
                authorization: Some(&auth),
                content_type: None,
                body: &body,
            },
        );
        while let Some(output) = fake.poll_output() {
            if let slackline_fake::Output::HttpResponse { response, .. } = output {
                let v: serde_json::Value = serde_json::from_str(&response.body).unwrap();
                if let Some(url) = v["url"].as_str() {
                    let url = if round % 3 == 0 {
                        String::from_utf8_lossy(&m.mutate(url.as_bytes())).into_owned()
                    } else {
                        url.to_owned()
                    };
                    if let Ok(socket) = fake.handle_ws_connect(now, &url) {
                        open.push(socket);
                    }
                }
            }
        }
        if let Some(&socket) = open.get((m.next_u64() % (open.len() as u64 + 1)) as usize) {
            let frame = m.mutate(FRAMES[(round % FRAMES.len() as u64) as usize].as_bytes());
            match round % 5 {
                0 => fake.handle_binary(now, socket, &frame),
                1 => fake.handle_ping(now, socket, &frame),
                2 if round % 50 == 2 => fake.handle_closed(now, socket, Some(1000), "bye"),
                _ => fake.handle_text(now, socket, &frame),
            }
        }
        fake.handle_timeout(now);
        while fake.poll_output().is_some() {}
    }
    let verdict = fake.verdict();
    assert!(!verdict.violations.is_empty());
    serde_json::to_string(&verdict).unwrap();
}

#[test]
fn mutated_scripts_and_transcripts_never_panic_the_parsers() {
    let demo = std::fs::read_to_string(data_dir("scripts/demo.jsonl")).unwrap();
    let header = Recorder::header(&Config::socket_mode(APP_TOKEN), None).to_line();
    let transcript = format!(
        "{header}\n\
        {{\"t\":0.000001,\"dir\":\"in\",\"kind\":\"http_response\",\"request\":1,\"status\":200,\"body\":\"{{\\\"ok\\\":true,\\\"url\\\":\\\"wss://h/x\\\"}}\"}}\n\
        {{\"t\":0.1,\"dir\":\"in\",\"kind\":\"connected\",\"conn\":1}}\n\
        {{\"t\":0.2,\"dir\":\"in\",\"kind\":\"text\",\"conn\":1,\"text\":\"{{\\\"type\\\":\\\"hello\\\"}}\"}}\n\
        {{\"t\":0.3,\"dir\":\"in\",\"kind\":\"text\",\"conn\":1,\"text\":\"{{\\\"envelope_id\\\":\\\"e\\\",\\\"type\\\":\\\"slash_commands\\\",\\\"accepts_response_payload\\\":true}}\"}}\n\
        {{\"t\":0.4,\"dir\":\"app\",\"kind\":\"ack\",\"envelope_id\":\"e\",\"payload\":{{\"text\":\"x\"}}}}\n\
        {{\"t\":30,\"dir\":\"out\",\"kind\":\"send_ping\",\"conn\":1,\"payload\":\"00ff\"}}"
    );
    assert!(Transcript::parse(&transcript).is_ok());
    let mut m = Mutator::new(42);
    for _ in 0..3000 {
        let script = m.mutate(demo.as_bytes());
        let _ = Script::parse(&String::from_utf8_lossy(&script));
        let text = m.mutate(transcript.as_bytes());
        if let Ok(t) = Transcript::parse(&String::from_utf8_lossy(&text)) {
            let _ = slackline_transcript::replay(&t, &Default::default());
        }
    }
}
