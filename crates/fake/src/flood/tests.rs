use std::time::Duration;

use super::*;

const EVENT: &str = r#"{"envelope_id":"e1","payload":{"event_id":"Ev1","event":{"type":"app_mention"}},"type":"events_api","accepts_response_payload":false}"#;
const COMMAND: &str = r#"{"envelope_id":"c1","payload":{"command":"/x"},"type":"slash_commands","accepts_response_payload":true}"#;
const HELLO: &str = r#"{"type":"hello","num_connections":1}"#;

fn flood(config: FloodConfig) -> Flood {
    Flood::new(
        config,
        [("b.json", COMMAND), ("a.json", EVENT), ("h.json", HELLO)],
    )
    .unwrap()
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// The ack a client would send for `frame` (as slackline writes it).
fn ack_of(frame: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(frame).unwrap();
    format!(
        r#"{{"envelope_id":"{}"}}"#,
        v["envelope_id"].as_str().unwrap()
    )
}

fn take(flood: &mut Flood, now: Instant) -> Option<Vec<u8>> {
    flood.next_frame(now).map(<[u8]>::to_vec)
}

#[test]
fn cycles_the_envelopes_with_fresh_ids_and_skips_other_frames() {
    let mut f = flood(FloodConfig::new(3));
    assert_eq!(f.template_names().collect::<Vec<_>>(), ["a.json", "b.json"]);
    let frames: Vec<serde_json::Value> = (0..3)
        .map(|_| serde_json::from_slice(&take(&mut f, ms(0)).unwrap()).unwrap())
        .collect();
    assert_eq!(take(&mut f, ms(0)), None, "only 3 planned");
    assert_eq!(frames[0]["type"], "events_api");
    assert_eq!(frames[1]["type"], "slash_commands");
    assert_eq!(frames[2]["type"], "events_api");
    assert_ne!(frames[0]["envelope_id"], frames[2]["envelope_id"]);
    assert_ne!(
        frames[0]["payload"]["event_id"],
        frames[2]["payload"]["event_id"]
    );
    assert_eq!(frames[1]["payload"]["command"], "/x");
}

#[test]
fn the_window_holds_at_most_n_unacked_and_acks_in_any_order_free_it() {
    let mut f = flood(FloodConfig::new(10).max_unacked(3));
    let sent: Vec<Vec<u8>> = (0..3).map(|_| take(&mut f, ms(0)).unwrap()).collect();
    assert_eq!(take(&mut f, ms(0)), None, "window full");
    assert_eq!(f.in_flight(), 3);
    f.handle_text(ms(2), ack_of(&sent[2]).as_bytes());
    f.handle_text(ms(3), ack_of(&sent[0]).as_bytes());
    let more: Vec<Vec<u8>> = (0..2).map(|_| take(&mut f, ms(3)).unwrap()).collect();
    assert_eq!(take(&mut f, ms(3)), None);
    // A repeated ack does not free the slot now used by a later delivery.
    f.handle_text(ms(4), ack_of(&sent[0]).as_bytes());
    assert_eq!(take(&mut f, ms(4)), None);
    for frame in [&sent[1], &more[0], &more[1]] {
        f.handle_text(ms(5), ack_of(frame).as_bytes());
    }
    let report = f.report();
    assert_eq!((report.sent, report.acked, report.stale_acks), (5, 5, 1));
    assert_eq!(report.in_flight, 0);
    assert!(!report.finished);
    assert_eq!(report.latency_us.max, 5000.0);
}

#[test]
fn acks_with_spaces_or_payloads_match_and_strangers_are_counted() {
    let mut f = flood(FloodConfig::new(2));
    let a = take(&mut f, ms(0)).unwrap();
    let b = take(&mut f, ms(0)).unwrap();
    let id = |frame: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(frame).unwrap()["envelope_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    f.handle_text(
        ms(1),
        format!(r#"{{"envelope_id": "{}"}}"#, id(&a)).as_bytes(),
    );
    f.handle_text(
        ms(1),
        format!(
            r#"{{"payload":{{"text":"hi"}},"envelope_id" : "{}"}}"#,
            id(&b)
        )
        .as_bytes(),
    );
    f.handle_text(ms(1), br#"{"envelope_id":"someone-else"}"#);
    f.handle_text(ms(1), br#"{"type":"ping"}"#);
    f.handle_text(ms(1), b"\xff\xfe not even text");
    let report = f.report();
    assert!(report.finished);
    assert_eq!(
        (report.acked, report.foreign_acks, report.other_frames),
        (2, 1, 2)
    );
}

#[test]
fn paced_frames_come_at_the_rate_and_report_latency() {
    let mut f = flood(FloodConfig::new(4).pace(Pace::Rate(1000)));
    assert_eq!(
        f.poll_timeout(),
        Some(Instant::ZERO),
        "the first is due at once"
    );
    let first = take(&mut f, ms(10)).unwrap();
    assert_eq!(take(&mut f, ms(10)), None, "the next is due 1 ms later");
    assert_eq!(f.poll_timeout(), Some(ms(11)));
    f.handle_text(
        ms(10) + Duration::from_micros(40),
        ack_of(&first).as_bytes(),
    );
    // Late: both overdue frames go at once.
    let late: Vec<Vec<u8>> = (0..2).map(|_| take(&mut f, ms(12)).unwrap()).collect();
    assert_eq!(take(&mut f, ms(12)), None);
    assert_eq!(f.poll_timeout(), Some(ms(13)));
    for frame in &late {
        f.handle_text(
            ms(12) + Duration::from_micros(100),
            ack_of(frame).as_bytes(),
        );
    }
    let last = take(&mut f, ms(13)).unwrap();
    assert_eq!(f.poll_timeout(), None, "all sent");
    f.handle_text(ms(13) + Duration::from_micros(60), ack_of(&last).as_bytes());
    let report = f.report();
    assert!(report.finished);
    assert_eq!(report.pace, "1000/s");
    let close = |got: f64, want: f64| assert!((got - want).abs() <= want / 50.0, "{got} vs {want}");
    close(report.latency_us.p50, 60.0);
    close(report.latency_us.max, 100.0);
    close(report.elapsed_s, 0.00306);
}

#[test]
fn a_paced_flood_waits_for_room_in_the_window() {
    let mut f = flood(FloodConfig::new(10).pace(Pace::Rate(1000)).max_unacked(1));
    let first = take(&mut f, ms(0)).unwrap();
    assert_eq!(f.poll_timeout(), None, "full: only an ack frees it");
    assert_eq!(take(&mut f, ms(5)), None);
    assert_eq!(f.report().window_full, 1);
    f.handle_text(ms(5), ack_of(&first).as_bytes());
    assert_eq!(f.poll_timeout(), Some(ms(1)));
    assert!(take(&mut f, ms(5)).is_some());
}

#[test]
fn slices_cut_the_run_into_equal_ack_counts() {
    let mut f = flood(FloodConfig::new(10).slices(4).max_unacked(100));
    let frames: Vec<Vec<u8>> = (0..10).map(|_| take(&mut f, ms(0)).unwrap()).collect();
    for (i, frame) in frames.iter().enumerate() {
        f.handle_text(ms(i as u64 + 1), ack_of(frame).as_bytes());
    }
    let report = f.report();
    let acks: Vec<u64> = report.slices.iter().map(|s| s.acks).collect();
    assert_eq!(acks, [3, 3, 3, 1]);
    assert_eq!(report.slices[0].seconds, 0.003);
    assert_eq!(report.slices[1].seconds, 0.003);
    assert!(report.finished);
    assert_eq!(report.acks_per_s, 1000.0);
}

#[test]
fn no_envelopes_is_an_error() {
    let e = Flood::new(FloodConfig::new(1), [("h.json", HELLO)]).unwrap_err();
    assert!(e.to_string().contains("no envelopes"));
    let e = Flood::new(FloodConfig::new(1), [("x.json", "{broken")]).unwrap_err();
    assert!(e.to_string().starts_with("x.json"));
}
