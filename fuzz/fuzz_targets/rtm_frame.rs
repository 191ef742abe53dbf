//! Any bytes as an RTM frame on a live connection: no panic, accessors work, the connection
//! still delivers events afterwards.
#![no_main]

use slackline_test_support::session as support;

use libfuzzer_sys::fuzz_target;
use slackline::Event;

fuzz_target!(|data: &[u8]| {
    let (mut sim, conn) = support::Sim::live(support::rtm());
    sim.session
        .send_message(sim.now, "C1", "hi")
        .expect("queue has room");
    let out = sim.feed(|s, now| s.handle_text(now, conn, bytes::Bytes::copy_from_slice(data)));
    for event in support::events(&out) {
        if let Event::Rtm(e) = &event {
            let _ = (
                e.kind(),
                e.subtype(),
                e.frame(),
                e.payload::<serde_json::Value>(),
            );
        }
        let _ = format!("{event:?}");
    }
    let after = sim.text(conn, r#"{"type":"message","text":"after"}"#);
    assert!(
        support::events(&after)
            .iter()
            .any(|e| matches!(e, Event::Rtm(_))),
        "connection unusable after {data:?}"
    );
});
