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

/// An envelope of `kind` around `payload`; `deferred`: it waits for the app's ack.
pub fn envelope(id: &str, kind: &str, deferred: bool, payload: serde_json::Value) -> String {
    serde_json::json!({"envelope_id": id, "type": kind, "payload": payload,
                       "accepts_response_payload": deferred, "retry_attempt": 0})
    .to_string()
}

/// `block_actions` from a button `action_id` in a message of C1 (in the thread of `1.0`),
/// with its `response_url`.
pub fn block_actions(id: &str, action_id: &str, response_url: &str) -> String {
    envelope(
        id,
        "interactive",
        false,
        serde_json::json!({"type": "block_actions", "user": {"id": "U2"}, "team": {"id": "T1"},
            "api_app_id": "A1", "trigger_id": "1.2.3", "response_url": response_url,
            "channel": {"id": "C1"}, "container": {"type": "message", "channel_id": "C1"},
            "message": {"type": "message", "ts": "2.0", "thread_ts": "1.0", "text": "Vote"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1",
                         "value": "v", "action_ts": "3.0"}]}),
    )
}

/// A `view_submission` of a modal with `callback_id` (deferred: answered in the ack).
pub fn view_submission(id: &str, callback_id: &str) -> String {
    envelope(
        id,
        "interactive",
        true,
        serde_json::json!({"type": "view_submission", "user": {"id": "U2"}, "team": {"id": "T1"},
            "view": {"type": "modal", "id": "V1", "callback_id": callback_id,
                "state": {"values": {"title": {"title_input": {"type": "plain_text_input", "value": "x"}}}}}}),
    )
}

/// A `block_suggestion` from an external select `action_id` (deferred).
pub fn block_suggestion(id: &str, action_id: &str) -> String {
    envelope(
        id,
        "interactive",
        true,
        serde_json::json!({"type": "block_suggestion", "user": {"id": "U2"},
            "action_id": action_id, "block_id": "b2", "value": "ap"}),
    )
}

/// A global `shortcut` (no channel, no `response_url`).
pub fn shortcut(id: &str, callback_id: &str) -> String {
    envelope(
        id,
        "interactive",
        false,
        serde_json::json!({"type": "shortcut", "user": {"id": "U2"}, "callback_id": callback_id,
            "trigger_id": "4.5.6"}),
    )
}

/// A `message` event in C1 by U2, in the thread of `thread_ts` if given.
pub fn message(id: &str, text: &str, thread_ts: Option<&str>) -> String {
    let mut event = serde_json::json!({"type": "message", "channel": "C1", "user": "U2",
        "text": text, "ts": "5.0", "channel_type": "channel"});
    if let Some(thread_ts) = thread_ts {
        event["thread_ts"] = thread_ts.into();
    }
    envelope(
        id,
        "events_api",
        false,
        serde_json::json!({"type": "event_callback", "event_id": format!("Ev-{id}"), "event": event,
            "authorizations": [{"user_id": "UBOT", "is_bot": true}]}),
    )
}

/// A Web API request's form body, as pairs (sorted).
pub fn form(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_decode(&s)
    };
    let mut pairs: Vec<(String, String)> = body
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    pairs
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                let hex = std::str::from_utf8(hex).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
