//! Turns what the fake server observed into lines for people (`demo`, `serve --verbose`), and
//! measures ack latency on the server's clock: envelope frame written to ack frame read.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use slackline_fake_server::{Observation, Observed};

/// One line of narration: when, who, what.
#[derive(Debug)]
pub struct Line {
    pub at: Duration,
    pub who: String,
    pub text: String,
}

impl Line {
    pub fn render(&self) -> String {
        format!(
            "{:>8.3}s  {:<9} {}",
            self.at.as_secs_f64(),
            self.who,
            self.text
        )
    }
}

#[derive(Debug, Default)]
pub struct Narrator {
    /// Envelopes written and not yet acked: id -> when.
    in_flight: HashMap<String, Duration>,
    /// Delivery-to-ack times, per envelope type.
    pub latencies: Vec<(String, Duration)>,
    kinds: HashMap<String, String>,
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn quoted(text: &str) -> String {
    const MAX: usize = 60;
    let text = text.replace('\n', " ");
    if text.chars().count() > MAX {
        format!("\"{}…\"", text.chars().take(MAX).collect::<String>())
    } else {
        format!("\"{text}\"")
    }
}

/// What an envelope is about, in a few words: `app_mention`, `/echo ping`, `view_submission`.
fn envelope_subject(frame: &Value) -> String {
    let payload = &frame["payload"];
    if let Some(kind) = payload["event"]["type"].as_str() {
        return kind.to_owned();
    }
    if let Some(command) = payload["command"].as_str() {
        let text = payload["text"].as_str().unwrap_or_default();
        return format!("{command} {text}").trim().to_owned();
    }
    payload["type"].as_str().unwrap_or("?").to_owned()
}

impl Narrator {
    pub fn narrate(&mut self, observation: &Observation) -> Option<Line> {
        let at = observation.at;
        let line = |who: String, text: String| Some(Line { at, who, text });
        match &observation.what {
            Observed::Http {
                method,
                status,
                error,
                posted,
            } => {
                let outcome = match (status, error, posted) {
                    (200, None, Some((channel, text))) => {
                        format!("ok, posted to {channel}: {}", quoted(text))
                    }
                    (200, None, None) if method == "apps.connections.open" => {
                        "ok, here is a WebSocket URL".to_owned()
                    }
                    (200, None, None) => "ok".to_owned(),
                    (200, Some(error), _) => format!("error {error}"),
                    (status, error, _) => {
                        format!("HTTP {status} {}", error.as_deref().unwrap_or(""))
                    }
                };
                line("web api".into(), format!("{method}: {outcome}"))
            }
            Observed::Connected { socket } => {
                line(format!("socket {socket}"), "WebSocket opened".into())
            }
            Observed::Rejected { status, reason } => line(
                "server".into(),
                format!("WebSocket refused: HTTP {status} {reason}"),
            ),
            Observed::Sent { socket, text } => {
                let frame: Value = serde_json::from_str(text).ok()?;
                let who = format!("socket {socket}");
                if let Some(id) = frame["envelope_id"].as_str() {
                    let kind = frame["type"].as_str().unwrap_or("envelope").to_owned();
                    self.in_flight.insert(id.to_owned(), at);
                    self.kinds.insert(id.to_owned(), kind.clone());
                    let retry = match frame["retry_attempt"].as_u64() {
                        Some(n) if n > 0 => format!(
                            " (redelivery, retry_attempt {n}, {})",
                            frame["retry_reason"].as_str().unwrap_or("?")
                        ),
                        _ => String::new(),
                    };
                    let subject = envelope_subject(&frame);
                    return line(
                        who,
                        format!("<- {kind} {subject}{retry}  [{}]", short_id(id)),
                    );
                }
                match frame["type"].as_str() {
                    Some("hello") => line(who, "<- hello".into()),
                    Some("disconnect") => line(
                        who,
                        format!("<- disconnect: {}", frame["reason"].as_str().unwrap_or("?")),
                    ),
                    Some(other) => line(who, format!("<- {other}")),
                    None => None,
                }
            }
            Observed::Received { socket, text } => {
                let frame: Value = serde_json::from_str(text).ok()?;
                let id = frame["envelope_id"].as_str()?;
                let latency = self
                    .in_flight
                    .remove(id)
                    .map(|sent| at.saturating_sub(sent));
                let kind = self.kinds.get(id).cloned().unwrap_or_default();
                if let Some(latency) = latency {
                    self.latencies.push((kind, latency));
                }
                let after = latency
                    .map(|l| format!(" after {:.2} ms", l.as_secs_f64() * 1000.0))
                    .unwrap_or_default();
                let payload = match &frame["payload"] {
                    Value::Null => String::new(),
                    p => format!(" with payload {p}"),
                };
                line(
                    format!("socket {socket}"),
                    format!("-> ack [{}]{after}{payload}", short_id(id)),
                )
            }
            Observed::ServerClosed { socket, code } => line(
                format!("socket {socket}"),
                format!("closed by the server ({code})"),
            ),
            Observed::ClientClosed { socket, code } => line(
                format!("socket {socket}"),
                match code {
                    Some(code) => format!("closed by the client ({code})"),
                    None => "connection dropped by the client".into(),
                },
            ),
            Observed::Silenced { socket } => line(
                format!("socket {socket}"),
                "silenced (half-open: nothing read or written)".into(),
            ),
            Observed::Finished => line("server".into(), "script finished".into()),
            _ => None,
        }
    }
}
