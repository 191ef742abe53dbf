//! Scripts in code: envelopes built from JSON or from anything `Serialize` (the typed event
//! models, once they exist, are `Serialize` and plug in here; a typed envelope can implement
//! [`IntoEnvelope`]), and the steps a bot test needs most, with times.
//!
//! ```
//! use std::time::Duration;
//! use serde_json::json;
//! use slackline_bot_test::{Envelope, ScriptBuilder};
//!
//! let script = ScriptBuilder::new("mentions")
//!     .connection_time(Duration::from_secs(3600))
//!     .envelope(Duration::from_secs(1), "hi", Envelope::events_api("Ev1", json!({
//!         "type": "app_mention", "channel": "C1", "user": "U1", "text": "<@U0FAKEBOT> hi", "ts": "1.0",
//!     })))
//!     .redeliver(Duration::from_secs(30), "hi")
//!     .envelope(Duration::from_secs(1), "echo", Envelope::slash_command("/echo", "ping"))
//!     .disconnect(Duration::from_secs(1), "link_disabled")
//!     .build()
//!     .unwrap();
//! assert_eq!(script.envelope_count(), 2);
//! ```

use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use slackline_fake::script::{
    EnvelopeStep, RedeliverStep, ScriptEnvelope, StepAction, Target, Timing,
};
use slackline_fake::{Script, ScriptHeader};

/// Something a script can deliver as a Socket Mode envelope.
pub trait IntoEnvelope {
    /// The envelope, or why it is not one.
    fn into_envelope(self) -> Result<ScriptEnvelope, String>;
}

/// A whole envelope as JSON: `{"type": "events_api", "payload": {…}}` (`envelope_id` may be
/// left out: the fake gives each envelope a fresh one).
impl IntoEnvelope for Value {
    fn into_envelope(self) -> Result<ScriptEnvelope, String> {
        ScriptEnvelope::parse(&self.to_string(), false)
    }
}

impl IntoEnvelope for ScriptEnvelope {
    fn into_envelope(self) -> Result<ScriptEnvelope, String> {
        Ok(self)
    }
}

/// An envelope made from its payload.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope(Value);

impl Envelope {
    /// An Events API envelope: `event` (any `Serialize`: JSON, or a typed event) inside an
    /// `event_callback` with this `event_id` (the id the client dedupes redeliveries by).
    pub fn events_api(event_id: &str, event: impl Serialize) -> Self {
        let event = serde_json::to_value(event).unwrap_or(Value::Null);
        Envelope(json!({
            "type": "events_api",
            "payload": {
                "type": "event_callback",
                "team_id": "T0FAKETEAM",
                "api_app_id": "A0FAKEAPP01",
                "event_id": event_id,
                "event_time": 1_700_000_000,
                "event": event,
            },
        }))
    }

    /// A slash command with its text (accepts a response payload, as Slack's do).
    pub fn slash_command(command: &str, text: &str) -> Self {
        Envelope(json!({
            "type": "slash_commands",
            "accepts_response_payload": true,
            "payload": {
                "command": command,
                "text": text,
                "team_id": "T0FAKETEAM",
                "channel_id": "C0FAKE",
                "user_id": "U0FAKEUSER",
                "response_url": "https://hooks.slack.invalid/commands/1",
                "trigger_id": "1.2.3",
            },
        }))
    }

    /// An interactive payload (`block_actions`, `view_submission`, `shortcut`...), any
    /// `Serialize` with its `type`.
    pub fn interactive(payload: impl Serialize) -> Self {
        let payload = serde_json::to_value(payload).unwrap_or(Value::Null);
        Envelope(json!({ "type": "interactive", "payload": payload }))
    }

    /// Any envelope type with any payload.
    pub fn other(kind: &str, payload: impl Serialize) -> Self {
        let payload = serde_json::to_value(payload).unwrap_or(Value::Null);
        Envelope(json!({ "type": kind, "payload": payload }))
    }

    /// With a set `envelope_id` instead of a fresh one.
    pub fn with_envelope_id(mut self, id: &str) -> Self {
        self.0["envelope_id"] = Value::String(id.to_owned());
        self
    }

    /// With `accepts_response_payload` set.
    pub fn accepting_response_payload(mut self, accepts: bool) -> Self {
        self.0["accepts_response_payload"] = Value::Bool(accepts);
        self
    }

    /// The envelope as JSON.
    pub fn to_json(&self) -> &Value {
        &self.0
    }
}

impl IntoEnvelope for Envelope {
    fn into_envelope(self) -> Result<ScriptEnvelope, String> {
        self.0.into_envelope()
    }
}

/// Builds a [`Script`] in code; [`Script::parse`] reads the same steps from JSON lines.
#[derive(Debug)]
pub struct ScriptBuilder {
    script: Script,
    error: Option<String>,
}

impl ScriptBuilder {
    /// An empty script with Slack's defaults (refresh after `approximate_connection_time`,
    /// redelivery of unacked envelopes after 3 s).
    pub fn new(name: &str) -> Self {
        let mut header = ScriptHeader::default();
        header.name = Some(name.to_owned());
        ScriptBuilder {
            script: Script::new(header),
            error: None,
        }
    }

    /// The header, to adjust anything else (the fake's workspace, ack deadline, pings...).
    pub fn header(mut self, adjust: impl FnOnce(&mut ScriptHeader)) -> Self {
        adjust(self.script.header_mut());
        self
    }

    /// How long Slack keeps a connection before refreshing it (`hello`'s
    /// `approximate_connection_time`; Slack says about five hours).
    pub fn connection_time(self, lifetime: Duration) -> Self {
        self.header(|h| h.hello.approximate_connection_time = Some(lifetime.as_secs()))
    }

    fn push(mut self, after: Duration, action: StepAction) -> Self {
        self.script.push(Timing::After(after), action);
        self
    }

    /// Delivers an envelope `after` the previous step, with a label for redeliveries and
    /// reports.
    pub fn envelope(mut self, after: Duration, label: &str, envelope: impl IntoEnvelope) -> Self {
        match envelope.into_envelope() {
            Ok(envelope) => self.push(
                after,
                StepAction::Envelope(EnvelopeStep {
                    envelope,
                    label: label.to_owned(),
                    target: Target::Any,
                    redeliver: None,
                }),
            ),
            Err(e) => {
                self.error.get_or_insert(format!("envelope {label:?}: {e}"));
                self
            }
        }
    }

    /// Delivers the envelope labelled `label` again (same `envelope_id`, `retry_attempt` one
    /// higher), as Slack's retry does.
    pub fn redeliver(self, after: Duration, label: &str) -> Self {
        self.push(
            after,
            StepAction::Redeliver(RedeliverStep {
                label: label.to_owned(),
                retry_attempt: None,
                retry_reason: "timeout".into(),
                new_envelope_id: false,
                elsewhere: false,
                target: Target::Any,
            }),
        )
    }

    /// Sends `disconnect` with `reason` (`warning`, `refresh_requested`, `link_disabled`...).
    pub fn disconnect(self, after: Duration, reason: &str) -> Self {
        self.push(
            after,
            StepAction::Disconnect {
                reason: reason.to_owned(),
                target: Target::default(),
                frame: None,
            },
        )
    }

    /// Any other step.
    pub fn step(self, after: Duration, action: StepAction) -> Self {
        self.push(after, action)
    }

    /// The script, or the first envelope that could not be read.
    pub fn build(self) -> Result<Script, String> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.script),
        }
    }
}
