//! An envelope as a script holds it: its header fields plus the payload kept as raw JSON, so
//! that it can be sent verbatim the first time and rebuilt for redeliveries.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// Envelope fields the fake writes itself, in the order Slack's own frames use.
const KNOWN: [&str; 6] = [
    "envelope_id",
    "payload",
    "type",
    "accepts_response_payload",
    "retry_attempt",
    "retry_reason",
];

/// One Socket Mode envelope of a script.
#[derive(Clone, Debug)]
pub struct ScriptEnvelope {
    envelope_id: Option<String>,
    kind: String,
    accepts_response_payload: bool,
    retry_attempt: Option<u64>,
    retry_reason: Option<String>,
    payload: Option<Box<RawValue>>,
    event_id: Option<String>,
    /// Fields other than the known ones, kept for rebuilt frames.
    extra: Vec<(String, Box<RawValue>)>,
    /// The frame exactly as written in a file: sent as is on first delivery.
    verbatim: Option<String>,
}

impl ScriptEnvelope {
    /// Reads an envelope from a JSON object. `type` is required; `accepts_response_payload`
    /// defaults to true for `slash_commands` and false otherwise; `envelope_id` may be left
    /// out (the fake assigns a fresh one). With `verbatim`, the text is sent exactly as given.
    pub fn parse(json: &str, verbatim: bool) -> Result<Self, String> {
        let fields: BTreeMap<String, Box<RawValue>> = serde_json::from_str(json.trim())
            .map_err(|e| format!("an envelope must be a JSON object: {e}"))?;
        let string = |name: &str| -> Result<Option<String>, String> {
            match fields.get(name) {
                None => Ok(None),
                Some(raw) => serde_json::from_str::<String>(raw.get())
                    .map(Some)
                    .map_err(|_| format!("`{name}` must be a string, found {}", raw.get())),
            }
        };
        // A file is sent as it is, so it may lack a `type` (then it is no envelope and no ack
        // is owed: it has the shape of an ack); an envelope written in a script needs one.
        let kind =
            match string("type")? {
                Some(kind) => kind,
                None if verbatim => String::new(),
                None => return Err(
                    "an envelope needs a `type` (`events_api`, `interactive` or `slash_commands`)"
                        .into(),
                ),
            };
        let envelope_id = string("envelope_id")?;
        if envelope_id.as_deref() == Some("") {
            return Err("`envelope_id` must not be empty".into());
        }
        let accepts_response_payload = match fields.get("accepts_response_payload") {
            None => kind == "slash_commands",
            Some(raw) => serde_json::from_str::<bool>(raw.get()).map_err(|_| {
                format!(
                    "`accepts_response_payload` must be true or false, found {}",
                    raw.get()
                )
            })?,
        };
        let retry_attempt = match fields.get("retry_attempt") {
            None => None,
            Some(raw) => Some(serde_json::from_str::<u64>(raw.get()).map_err(|_| {
                format!(
                    "`retry_attempt` must be a non-negative integer, found {}",
                    raw.get()
                )
            })?),
        };
        let retry_reason = string("retry_reason")?;
        let payload = fields.get("payload").cloned();
        let event_id = payload.as_ref().and_then(|p| {
            #[derive(serde::Deserialize)]
            struct Head {
                event_id: Option<String>,
            }
            serde_json::from_str::<Head>(p.get())
                .ok()
                .and_then(|h| h.event_id)
        });
        let extra = fields
            .iter()
            .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(ScriptEnvelope {
            envelope_id,
            kind,
            accepts_response_payload,
            retry_attempt,
            retry_reason,
            payload,
            event_id,
            extra,
            verbatim: verbatim.then(|| json.trim().to_owned()),
        })
    }

    /// A frame that cannot be read as an envelope but carries an id a client may still find
    /// and ack: sent as is, never rebuilt.
    pub(crate) fn opaque(text: &str, envelope_id: &str) -> Self {
        ScriptEnvelope {
            envelope_id: Some(envelope_id.to_owned()),
            kind: String::new(),
            accepts_response_payload: false,
            retry_attempt: None,
            retry_reason: None,
            payload: None,
            event_id: None,
            extra: Vec::new(),
            verbatim: Some(text.to_owned()),
        }
    }

    /// `envelope_id`, if the script gave one.
    pub fn envelope_id(&self) -> Option<&str> {
        self.envelope_id.as_deref()
    }

    /// `type`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// `accepts_response_payload`.
    pub fn accepts_response_payload(&self) -> bool {
        self.accepts_response_payload
    }

    /// `retry_attempt` as written (0 if absent).
    pub fn retry_attempt(&self) -> u64 {
        self.retry_attempt.unwrap_or(0)
    }

    /// `payload.event_id`, for Events API envelopes.
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_deref()
    }

    /// The payload's JSON text.
    pub fn payload_json(&self) -> Option<&str> {
        self.payload.as_deref().map(RawValue::get)
    }

    /// The frame of the first delivery: the file's text as is (with `envelope_id` added at the
    /// front when it had none), else a frame built in Slack's field order.
    pub(crate) fn first_frame(&self, envelope_id: &str) -> String {
        match (&self.verbatim, &self.envelope_id) {
            (Some(text), Some(_)) => text.clone(),
            (Some(text), None) => insert_id(text, envelope_id),
            (None, _) => self.build(
                envelope_id,
                self.retry_attempt,
                self.retry_reason.as_deref(),
            ),
        }
    }

    /// A redelivery's frame: the original with `retry_attempt` and `retry_reason` replaced.
    pub(crate) fn retry_frame(&self, envelope_id: &str, attempt: u64, reason: &str) -> String {
        self.build(envelope_id, Some(attempt), Some(reason))
    }

    fn build(&self, envelope_id: &str, attempt: Option<u64>, reason: Option<&str>) -> String {
        let mut out = String::with_capacity(self.payload_json().map_or(0, str::len) + 160);
        out.push('{');
        push_field(&mut out, "envelope_id", &json_string(envelope_id));
        if let Some(payload) = &self.payload {
            push_field(&mut out, "payload", payload.get());
        }
        push_field(&mut out, "type", &json_string(&self.kind));
        let accepts = if self.accepts_response_payload {
            "true"
        } else {
            "false"
        };
        push_field(&mut out, "accepts_response_payload", accepts);
        // Slack adds the retry fields to Events API envelopes; others only when the script did.
        let retry_fields = self.kind == "events_api" || attempt.is_some() || reason.is_some();
        if retry_fields {
            push_field(&mut out, "retry_attempt", &attempt.unwrap_or(0).to_string());
            push_field(&mut out, "retry_reason", &json_string(reason.unwrap_or("")));
        }
        for (name, value) in &self.extra {
            push_field(&mut out, name, value.get());
        }
        out.push('}');
        out
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn push_field(out: &mut String, name: &str, value: &str) {
    if out.len() > 1 {
        out.push(',');
    }
    out.push_str(&json_string(name));
    out.push(':');
    out.push_str(value);
}

/// Adds `"envelope_id":"…"` right after the opening brace, leaving the rest byte for byte.
fn insert_id(text: &str, envelope_id: &str) -> String {
    let Some(brace) = text.find('{') else {
        return text.to_owned();
    };
    let rest = &text[brace + 1..];
    let separator = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    format!(
        "{}{{\"envelope_id\":{}{separator}{rest}",
        &text[..brace],
        json_string(envelope_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_field_order() {
        let e = ScriptEnvelope::parse(
            r#"{"type":"slash_commands","payload":{"command":"/x"},"zeta":1}"#,
            false,
        )
        .unwrap();
        assert!(e.accepts_response_payload());
        assert_eq!(e.envelope_id(), None);
        assert_eq!(
            e.first_frame("e1"),
            r#"{"envelope_id":"e1","payload":{"command":"/x"},"type":"slash_commands","accepts_response_payload":true,"zeta":1}"#
        );
        let events = ScriptEnvelope::parse(
            r#"{"type":"events_api","payload":{"event_id":"Ev9"}}"#,
            false,
        )
        .unwrap();
        assert_eq!(events.event_id(), Some("Ev9"));
        assert!(events
            .first_frame("e2")
            .ends_with(r#""retry_attempt":0,"retry_reason":""}"#));
        assert!(events
            .retry_frame("e2", 2, "timeout")
            .ends_with(r#""retry_attempt":2,"retry_reason":"timeout"}"#));
    }

    #[test]
    fn verbatim_frames_keep_their_bytes() {
        let text = "{\n  \"type\": \"interactive\",\n  \"payload\": {}\n}";
        let e = ScriptEnvelope::parse(text, true).unwrap();
        assert_eq!(
            e.first_frame("id-1"),
            "{\"envelope_id\":\"id-1\",\n  \"type\": \"interactive\",\n  \"payload\": {}\n}"
        );
        let with_id = r#"{"envelope_id":"keep","type":"interactive","payload":{}}"#;
        let e = ScriptEnvelope::parse(with_id, true).unwrap();
        assert_eq!(e.first_frame("ignored"), with_id);
        assert_eq!(insert_id("{}", "x"), r#"{"envelope_id":"x"}"#);
    }

    #[test]
    fn errors_say_what_was_expected() {
        assert!(ScriptEnvelope::parse("[]", false)
            .unwrap_err()
            .contains("JSON object"));
        assert!(ScriptEnvelope::parse("{}", false)
            .unwrap_err()
            .contains("needs a `type`"));
        assert!(
            ScriptEnvelope::parse(r#"{"type":"x","retry_attempt":-1}"#, false)
                .unwrap_err()
                .contains("retry_attempt")
        );
    }
}
