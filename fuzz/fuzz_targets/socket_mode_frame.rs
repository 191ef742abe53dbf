//! Any bytes as a Socket Mode text frame on a live connection: no panic, every ack is a JSON
//! object with a string `envelope_id` within Slack's size limit, every accessor of what is
//! dispatched works, and the connection goes on.
#![no_main]

use slackline_test_support::session as support;

use libfuzzer_sys::fuzz_target;
use slackline::Event;

fuzz_target!(|data: &[u8]| {
    let (mut sim, conn) =
        support::Sim::live(support::socket_mode().with_max_inbound_frame(64 * 1024));
    let out = sim.feed(|s, now| s.handle_text(now, conn, bytes::Bytes::copy_from_slice(data)));
    for (_, ack) in support::texts(&out) {
        let value: serde_json::Value = serde_json::from_str(&ack).expect("an ack is JSON");
        assert!(value["envelope_id"].is_string(), "{ack}");
        assert!(ack.len() <= 20_480);
    }
    for event in support::events(&out) {
        match event {
            Event::Envelope(e) => {
                let _ = (
                    e.envelope_id(),
                    e.event_id(),
                    e.retry_reason(),
                    e.payload_json(),
                    e.route(),
                    e.frame(),
                );
                let _ = e.payload::<serde_json::Value>();
                let _ = format!("{e:?}");
            }
            other => {
                let _ = format!("{other:?}");
            }
        }
    }
    // Unless the frame legitimately ended the connection (`link_disabled`, `too_many_websockets`),
    // it still works.
    if sim.session.is_stopped() || !sim.is_open(conn) {
        return;
    }
    let after = sim.text(
        conn,
        r#"{"envelope_id":"after","type":"events_api","payload":{}}"#,
    );
    assert!(
        support::texts(&after)
            .iter()
            .any(|(_, t)| t == r#"{"envelope_id":"after"}"#),
        "connection unusable after {data:?}"
    );
});
