//! Slack frames the scenarios send, and the acks they expect.

pub fn hello() -> String {
    r#"{"type":"hello","num_connections":1,"debug_info":{"host":"applink-test","build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}}"#.into()
}

pub fn events_api(id: &str, event_type: &str) -> String {
    format!(
        r#"{{"envelope_id":"{id}","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"","payload":{{"type":"event_callback","event_id":"Ev-{id}","event":{{"type":"{event_type}","text":"hi","channel":"C1","ts":"1.1"}}}}}}"#
    )
}

pub fn ack(id: &str) -> String {
    format!(r#"{{"envelope_id":"{id}"}}"#)
}

/// A client frame as JSON.
pub fn frame(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("client frames are JSON")
}
