//! A directory of frame files as a simple script.

use std::time::Duration;

use serde::Deserialize;

use super::{
    EnvelopeStep, Script, ScriptEnvelope, ScriptError, ScriptHeader, StepAction, Target, Timing,
};

/// Time between two files of a simple script.
pub const SIMPLE_SCRIPT_SPACING: Duration = Duration::from_millis(100);

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: Option<String>,
    envelope_id: Option<serde::de::IgnoredAny>,
    reason: Option<String>,
}

impl Script {
    /// A script from frame files (name, contents), as found in a directory such as
    /// `traffic/socket-mode/`: `hello` on connect, then every file in name order, one every
    /// [`SIMPLE_SCRIPT_SPACING`], then `disconnect` `link_disabled`.
    ///
    /// - An envelope (a frame with an `envelope_id`, or of type `events_api`, `interactive` or
    ///   `slash_commands`) is sent byte for byte, with a fresh `envelope_id` added if it has
    ///   none. Its label is the file name.
    /// - A `hello` file is skipped: every connection gets the script's own `hello`.
    /// - A `disconnect` file is played as that disconnect, byte for byte, except
    ///   `link_disabled`, which the script sends last anyway (it ends the client's session).
    /// - Any other JSON object is sent as a raw frame (a client should report and survive it).
    ///
    /// Reading the directory is the caller's job (this crate does no IO).
    pub fn from_envelope_files<N, C>(
        files: impl IntoIterator<Item = (N, C)>,
    ) -> Result<Script, ScriptError>
    where
        N: Into<String>,
        C: Into<String>,
    {
        let mut files: Vec<(String, String)> = files
            .into_iter()
            .map(|(n, c)| (n.into(), c.into()))
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut script = Script::new(ScriptHeader {
            name: Some("envelope files".into()),
            ..ScriptHeader::default()
        });
        for (name, text) in files {
            let head: Head = serde_json::from_str(text.trim())
                .map_err(|e| ScriptError::in_file(&name, format!("not a JSON object: {e}")))?;
            let kind = head.kind.as_deref().unwrap_or("");
            let is_envelope = head.envelope_id.is_some()
                || matches!(kind, "events_api" | "interactive" | "slash_commands");
            let timing = Timing::After(SIMPLE_SCRIPT_SPACING);
            let action = if is_envelope {
                let envelope = ScriptEnvelope::parse(&text, true)
                    .map_err(|m| ScriptError::in_file(&name, m))?;
                StepAction::Envelope(EnvelopeStep {
                    envelope,
                    label: name,
                    target: Target::Any,
                    redeliver: None,
                })
            } else {
                match (kind, head.reason.as_deref()) {
                    ("hello", _) | ("disconnect", Some("link_disabled")) => continue,
                    ("disconnect", reason) => StepAction::Disconnect {
                        reason: reason.unwrap_or_default().to_owned(),
                        target: Target::Oldest,
                        frame: Some(text.trim().to_owned()),
                    },
                    _ => StepAction::Raw {
                        text: text.trim().to_owned(),
                        target: Target::Any,
                    },
                }
            };
            script.push(timing, action);
        }
        script.push(
            Timing::After(SIMPLE_SCRIPT_SPACING),
            StepAction::Disconnect {
                reason: "link_disabled".into(),
                target: Target::All,
                frame: None,
            },
        );
        Ok(script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_in_name_order_with_hello_skipped_and_link_disabled_last() {
        let files = [
            ("b.json", r#"{"type":"events_api","payload":{}}"#),
            ("a__hello.json", r#"{"type":"hello"}"#),
            (
                "0__disconnect.json",
                r#"{"type":"disconnect","reason":"link_disabled"}"#,
            ),
            (
                "c__disconnect.json",
                r#"{"type":"disconnect","reason":"too_many_websockets"}"#,
            ),
            ("d__other.json", r#"{"type":"mystery"}"#),
            ("a.json", r#"{"envelope_id":"x","payload":{}}"#),
        ];
        let script = Script::from_envelope_files(files).unwrap();
        let kinds: Vec<String> = script
            .steps()
            .iter()
            .map(|s| match &s.action {
                StepAction::Envelope(e) => format!("envelope {}", e.label),
                StepAction::Disconnect { reason, .. } => format!("disconnect {reason}"),
                StepAction::Raw { .. } => "raw".into(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "envelope a.json",
                "envelope b.json",
                "disconnect too_many_websockets",
                "raw",
                "disconnect link_disabled"
            ]
        );
        assert_eq!(script.envelope_count(), 2);
    }

    #[test]
    fn a_bad_file_is_named() {
        let e = Script::from_envelope_files([("bad.json", "nope")]).unwrap_err();
        assert_eq!(e.file.as_deref(), Some("bad.json"));
        assert!(e.to_string().starts_with("bad.json: not a JSON object"));
    }
}
