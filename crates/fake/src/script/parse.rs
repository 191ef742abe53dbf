//! The JSON-lines script format. See [`Script::parse`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::timing::duration_value;
use super::workspace::WorkspaceLine;
use super::{
    EnvelopeStep, FailStep, HelloTemplate, RedeliverStep, Script, ScriptEnvelope, ScriptError,
    ScriptHeader, Step, StepAction, StubStep, Target, TeamInfo, Timing, WaitFor, SCRIPT_VERSION,
};

/// Keys that name what a step does; a step line has exactly one.
const ACTIONS: [&str; 17] = [
    "envelope",
    "envelope_file",
    "redeliver",
    "hello",
    "disconnect",
    "silence",
    "close",
    "ping",
    "raw",
    "raw_file",
    "rtm",
    "rtm_file",
    "goodbye",
    "fail",
    "stub",
    "wait",
    "end",
];

/// Reads referenced files (`envelope_file`, `raw_file`, `rtm_file`) for the parser.
pub type FileLoader<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

impl Script {
    /// Parses a script file that references no other files. See
    /// [`parse_with_files`](Self::parse_with_files) for the format.
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        Self::parse_with_files(text, &mut |path: &str| {
            Err(format!(
                "`{path}` is a file reference, and this script was parsed without a file loader"
            ))
        })
    }

    /// Parses a script, reading referenced files through `load` (paths as written in the
    /// script; the caller decides what they are relative to).
    ///
    /// The format is JSON lines. Blank lines and lines starting with `#` or `//` are ignored.
    /// The first line is the header, `{"slackline_script":1, …}` with optional settings
    /// (`name`, `hello`, `auto_hello`, `redeliver`, `max_redeliveries`, `ack_deadline`,
    /// `connection_lifetime`, `disconnect_grace`, `server_ping_interval`, `end_grace`, `epoch`,
    /// `rtm_echo`, `team`, `workspace`; see [`ScriptHeader`] and [`WorkspaceSettings`](super::WorkspaceSettings)).
    /// Every other line is one step: one action key,
    /// an optional time (`"after"`: since the previous step, or `"at"`: since the start; a
    /// number of seconds or a string like `"250ms"`, `"+2.5s"`, `"5h"`) and options:
    ///
    /// | action | options |
    /// |---|---|
    /// | `"envelope": {…}` / `"envelope_file": "path"` | `label`, `socket`, `retry` (false: never redeliver) |
    /// | `"redeliver": "label"` | `retry_attempt`, `retry_reason`, `new_envelope_id`, `elsewhere` (true: on a connection that has not carried it), `socket` |
    /// | `"disconnect": "warning"` | `socket` |
    /// | `"hello": true`, `"silence": true`, `"ping": true`, `"goodbye": true` | `socket` |
    /// | `"close": 1011` | `reason`, `socket` |
    /// | `"raw": "text"` / `"raw_file"`, `"rtm": {…}` / `"rtm_file"` | `socket` |
    /// | `"fail": "apps.connections.open"` | `status`, `error`, `retry_after`, `body`, `times` |
    /// | `"stub": "views.open"` | `answer` (a JSON object) or `error`, `status`, `retry_after`, `times`, `with` |
    /// | `"wait": "acks"` / `"connection"` / `"connections"` | `count` |
    /// | `"wait": "call"` | `method`, `count`, `with` |
    /// | `"end": true` | |
    ///
    /// `socket` is `any` (default), `oldest`, `newest` or `all`.
    ///
    /// ```
    /// use slackline_fake::Script;
    ///
    /// let script = Script::parse(r#"
    /// {"slackline_script":1,"name":"example"}
    /// // the first URL request is rate limited
    /// {"fail":"apps.connections.open","status":429,"retry_after":3}
    /// {"after":"1s","envelope":{"type":"events_api","payload":{"event_id":"Ev1"}},"label":"first"}
    /// {"after":"5s","disconnect":"warning"}
    /// {"after":"2s","redeliver":"first"}
    /// {"after":1,"disconnect":"link_disabled"}
    /// "#).unwrap();
    /// assert_eq!(script.steps().len(), 5);
    /// ```
    pub fn parse_with_files(text: &str, load: &mut FileLoader<'_>) -> Result<Script, ScriptError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line.trim()))
            .filter(|(_, line)| {
                !(line.is_empty() || line.starts_with('#') || line.starts_with("//"))
            });
        let Some((header_line, header_text)) = lines.next() else {
            return Err(ScriptError {
                line: None,
                file: None,
                message: "empty script: expected a header line such as {\"slackline_script\":1}"
                    .into(),
            });
        };
        let header = parse_header(header_text).map_err(|m| ScriptError::at_line(header_line, m))?;
        let mut script = Script::new(header);
        let mut labels: Vec<String> = Vec::new();
        for (line, text) in lines {
            let step = parse_step(text, line, load, &labels)?;
            if let StepAction::Envelope(e) = &step.action {
                labels.push(e.label.clone());
            }
            script.steps.push(step);
        }
        Ok(script)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine<'a> {
    slackline_script: Option<&'a RawValue>,
    name: Option<String>,
    hello: Option<HelloLine>,
    auto_hello: Option<bool>,
    redeliver: Option<bool>,
    max_redeliveries: Option<u32>,
    #[serde(borrow)]
    ack_deadline: Option<&'a RawValue>,
    connection_lifetime: Option<bool>,
    #[serde(borrow)]
    disconnect_grace: Option<&'a RawValue>,
    #[serde(borrow)]
    server_ping_interval: Option<&'a RawValue>,
    #[serde(borrow)]
    end_grace: Option<&'a RawValue>,
    epoch: Option<u64>,
    rtm_echo: Option<bool>,
    team: Option<TeamLine>,
    workspace: Option<WorkspaceLine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelloLine {
    num_connections: Option<u32>,
    /// Absent: the default (18060); `null`: left out of `hello`.
    #[serde(default, deserialize_with = "present")]
    approximate_connection_time: Option<Option<u64>>,
    app_id: Option<String>,
    host: Option<String>,
    build_number: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamLine {
    team_id: Option<String>,
    team_name: Option<String>,
    team_domain: Option<String>,
    bot_user_id: Option<String>,
    bot_name: Option<String>,
    bot_id: Option<String>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`, by `default`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

fn parse_header(text: &str) -> Result<ScriptHeader, String> {
    let line: HeaderLine<'_> = serde_json::from_str(text).map_err(|e| {
        format!("expected the header, a JSON object such as {{\"slackline_script\":1}}: {e}")
    })?;
    let version = line
        .slackline_script
        .ok_or("the first line must be the header, with \"slackline_script\":1")?;
    match serde_json::from_str::<u64>(version.get()) {
        Ok(SCRIPT_VERSION) => {}
        _ => {
            return Err(format!(
                "unsupported script version {} (this slackline reads version {SCRIPT_VERSION})",
                version.get()
            ))
        }
    }
    let mut header = ScriptHeader {
        name: line.name,
        ..ScriptHeader::default()
    };
    if let Some(hello) = line.hello {
        let default = HelloTemplate::default();
        header.hello = HelloTemplate {
            num_connections: hello.num_connections,
            approximate_connection_time: hello
                .approximate_connection_time
                .unwrap_or(default.approximate_connection_time),
            app_id: hello.app_id.unwrap_or(default.app_id),
            host: hello.host.unwrap_or(default.host),
            build_number: hello.build_number.unwrap_or(default.build_number),
        };
    }
    if let Some(team) = line.team {
        let default = TeamInfo::default();
        header.team = TeamInfo {
            team_id: team.team_id.unwrap_or(default.team_id),
            team_name: team.team_name.unwrap_or(default.team_name),
            team_domain: team.team_domain.unwrap_or(default.team_domain),
            bot_user_id: team.bot_user_id.unwrap_or(default.bot_user_id),
            bot_name: team.bot_name.unwrap_or(default.bot_name),
            bot_id: team.bot_id.unwrap_or(default.bot_id),
        };
    }
    let duration = |name: &str, raw: Option<&RawValue>| -> Result<Option<Duration>, String> {
        match raw {
            None => Ok(None),
            Some(raw) if raw.get() == "null" => Ok(None),
            Some(raw) => duration_value(raw)
                .map(Some)
                .map_err(|e| format!("`{name}`: {e}")),
        }
    };
    header.auto_hello = line.auto_hello.unwrap_or(header.auto_hello);
    header.redeliver = line.redeliver.unwrap_or(header.redeliver);
    header.max_redeliveries = line.max_redeliveries.unwrap_or(header.max_redeliveries);
    header.connection_lifetime = line
        .connection_lifetime
        .unwrap_or(header.connection_lifetime);
    header.epoch = line.epoch.unwrap_or(header.epoch);
    header.rtm_echo = line.rtm_echo.unwrap_or(header.rtm_echo);
    if let Some(workspace) = line.workspace {
        header.workspace = workspace.into_settings()?;
    }
    if let Some(d) = duration("ack_deadline", line.ack_deadline)? {
        header.ack_deadline = d;
    }
    if let Some(d) = duration("disconnect_grace", line.disconnect_grace)? {
        header.disconnect_grace = d;
    }
    if let Some(d) = duration("end_grace", line.end_grace)? {
        header.end_grace = d;
    }
    header.server_ping_interval =
        duration("server_ping_interval", line.server_ping_interval)?.filter(|d| !d.is_zero());
    if header.ack_deadline.is_zero() {
        return Err("`ack_deadline` must be greater than zero".into());
    }
    Ok(header)
}

/// One step line's fields, read on demand with messages that name the field.
struct Fields<'a> {
    line: usize,
    map: BTreeMap<&'a str, &'a RawValue>,
}

impl<'a> Fields<'a> {
    fn err(&self, message: impl Into<String>) -> ScriptError {
        ScriptError::at_line(self.line, message)
    }

    fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.map.get(name).copied()
    }

    fn string(&self, name: &str) -> Result<Option<String>, ScriptError> {
        self.raw(name)
            .map(|raw| {
                serde_json::from_str::<String>(raw.get()).map_err(|_| {
                    self.err(format!("`{name}` must be a string, found {}", raw.get()))
                })
            })
            .transpose()
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, ScriptError> {
        self.raw(name)
            .map(|raw| {
                serde_json::from_str::<bool>(raw.get()).map_err(|_| {
                    self.err(format!(
                        "`{name}` must be true or false, found {}",
                        raw.get()
                    ))
                })
            })
            .transpose()
    }

    fn integer(&self, name: &str) -> Result<Option<u64>, ScriptError> {
        self.raw(name)
            .map(|raw| {
                serde_json::from_str::<u64>(raw.get()).map_err(|_| {
                    self.err(format!(
                        "`{name}` must be a non-negative integer, found {}",
                        raw.get()
                    ))
                })
            })
            .transpose()
    }

    fn duration(&self, name: &str) -> Result<Option<Duration>, ScriptError> {
        self.raw(name)
            .map(|raw| duration_value(raw).map_err(|e| self.err(format!("`{name}`: {e}"))))
            .transpose()
    }

    /// A JSON object (`with`), empty when absent.
    fn object(
        &self,
        name: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ScriptError> {
        match self.raw(name) {
            None => Ok(serde_json::Map::new()),
            Some(raw) => serde_json::from_str(raw.get()).map_err(|_| {
                self.err(format!(
                    "`{name}` must be a JSON object, found {}",
                    raw.get()
                ))
            }),
        }
    }

    /// A flag action such as `"silence": true`.
    fn flag(&self, name: &str) -> Result<(), ScriptError> {
        match self.boolean(name)? {
            Some(true) => Ok(()),
            _ => Err(self.err(format!("`{name}` takes the value true"))),
        }
    }

    fn target(&self) -> Result<Target, ScriptError> {
        match self.string("socket")?.as_deref() {
            None | Some("any") => Ok(Target::Any),
            Some("oldest") => Ok(Target::Oldest),
            Some("newest") => Ok(Target::Newest),
            Some("all") => Ok(Target::All),
            Some(other) => Err(self.err(format!(
                "`socket` must be \"any\", \"oldest\", \"newest\" or \"all\", found {other:?}"
            ))),
        }
    }

    fn only(&self, action: &str, options: &[&str]) -> Result<(), ScriptError> {
        for key in self.map.keys() {
            if *key != action && *key != "at" && *key != "after" && !options.contains(key) {
                let allowed = if options.is_empty() {
                    "no options".to_owned()
                } else {
                    format!(
                        "options {}",
                        options
                            .iter()
                            .map(|o| format!("`{o}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(self.err(format!(
                    "unknown key `{key}` for a `{action}` step (it takes `at` or `after` and {allowed})"
                )));
            }
        }
        Ok(())
    }

    fn file(&self, name: &str, load: &mut FileLoader<'_>) -> Result<(String, String), ScriptError> {
        let path = self.string(name)?.unwrap_or_default();
        let text = load(&path).map_err(|e| ScriptError {
            line: Some(self.line),
            file: Some(path.clone()),
            message: e,
        })?;
        Ok((path, text))
    }
}

fn parse_step(
    text: &str,
    line: usize,
    load: &mut FileLoader<'_>,
    labels: &[String],
) -> Result<Step, ScriptError> {
    let map: BTreeMap<&str, &RawValue> = serde_json::from_str(text).map_err(|e| {
        ScriptError::at_line(
            line,
            format!("expected a step, a JSON object on one line: {e}"),
        )
    })?;
    let f = Fields { line, map };
    let actions: Vec<&str> = f
        .map
        .keys()
        .copied()
        .filter(|k| ACTIONS.contains(k))
        .collect();
    let action = match actions.as_slice() {
        [one] => *one,
        [] => {
            return Err(f.err(format!(
                "a step needs one action key, one of {}",
                ACTIONS.join(", ")
            )))
        }
        many => {
            return Err(f.err(format!(
                "a step has exactly one action key, found {}",
                many.join(" and ")
            )))
        }
    };
    let timing = match (f.duration("at")?, f.duration("after")?) {
        (Some(_), Some(_)) => return Err(f.err("give `at` or `after`, not both")),
        (Some(at), None) => Timing::At(at),
        (None, Some(after)) => Timing::After(after),
        (None, None) => Timing::default(),
    };
    let step_action = match action {
        "envelope" | "envelope_file" => {
            f.only(action, &["label", "socket", "retry"])?;
            let (text, verbatim, file) = if action == "envelope" {
                let raw = f.raw("envelope").map(RawValue::get).unwrap_or_default();
                (raw.to_owned(), false, None)
            } else {
                let (path, text) = f.file(action, load)?;
                (text, true, Some(path))
            };
            let envelope = ScriptEnvelope::parse(&text, verbatim).map_err(|m| ScriptError {
                line: Some(line),
                file: file.clone(),
                message: m,
            })?;
            let label = f
                .string("label")?
                .or(file)
                .or_else(|| envelope.envelope_id().map(str::to_owned))
                .unwrap_or_else(|| format!("line {line}"));
            StepAction::Envelope(EnvelopeStep {
                envelope,
                label,
                target: f.target()?,
                redeliver: f.boolean("retry")?,
            })
        }
        "redeliver" => {
            f.only(
                action,
                &[
                    "retry_attempt",
                    "retry_reason",
                    "new_envelope_id",
                    "elsewhere",
                    "socket",
                ],
            )?;
            let label = f.string(action)?.unwrap_or_default();
            if !labels.contains(&label) {
                return Err(f.err(format!(
                    "`redeliver` names {label:?}, which is not the label of an envelope above"
                )));
            }
            StepAction::Redeliver(RedeliverStep {
                label,
                retry_attempt: f.integer("retry_attempt")?,
                retry_reason: f
                    .string("retry_reason")?
                    .unwrap_or_else(|| "timeout".into()),
                new_envelope_id: f.boolean("new_envelope_id")?.unwrap_or(false),
                elsewhere: f.boolean("elsewhere")?.unwrap_or(false),
                target: f.target()?,
            })
        }
        "disconnect" => {
            f.only(action, &["socket"])?;
            let reason = f.string(action)?.unwrap_or_default();
            let target = match (f.raw("socket"), reason.as_str()) {
                (None, "link_disabled") => Target::All,
                (None, _) => Target::Oldest,
                _ => f.target()?,
            };
            StepAction::Disconnect {
                reason,
                target,
                frame: None,
            }
        }
        "hello" | "silence" | "ping" | "goodbye" => {
            f.only(action, &["socket"])?;
            f.flag(action)?;
            let target = f.target()?;
            match action {
                "hello" => StepAction::Hello { target },
                "silence" => StepAction::Silence { target },
                "ping" => StepAction::Ping { target },
                _ => StepAction::Goodbye { target },
            }
        }
        "close" => {
            f.only(action, &["reason", "socket"])?;
            let code = f
                .integer(action)?
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| (1000..5000).contains(c))
                .ok_or_else(|| f.err("`close` takes a WebSocket close code, 1000 to 4999"))?;
            StepAction::Close {
                target: f.target()?,
                code,
                reason: f.string("reason")?.unwrap_or_default(),
            }
        }
        "raw" | "raw_file" => {
            f.only(action, &["socket"])?;
            let text = if action == "raw" {
                f.string(action)?.unwrap_or_default()
            } else {
                f.file(action, load)?.1
            };
            StepAction::Raw {
                text,
                target: f.target()?,
            }
        }
        "rtm" | "rtm_file" => {
            f.only(action, &["socket"])?;
            let text = if action == "rtm" {
                let raw = f.raw(action).map(RawValue::get).unwrap_or_default();
                if !raw.starts_with('{') {
                    return Err(f.err("`rtm` takes an event, a JSON object with a `type`"));
                }
                raw.to_owned()
            } else {
                f.file(action, load)?.1.trim().to_owned()
            };
            StepAction::Rtm {
                text,
                target: f.target()?,
            }
        }
        "fail" => {
            f.only(action, &["status", "error", "retry_after", "body", "times"])?;
            let endpoint = f.string(action)?.unwrap_or_default();
            if endpoint.is_empty() {
                return Err(f.err("`fail` names a Web API method or \"websocket\""));
            }
            let retry_after = f.duration("retry_after")?;
            let default_status = if retry_after.is_some() { 429 } else { 200 };
            let status = match f.integer("status")? {
                None => default_status,
                Some(s) if (200..600).contains(&s) => s as u16,
                Some(s) => return Err(f.err(format!("`status` must be 200 to 599, found {s}"))),
            };
            let times = f.integer("times")?.unwrap_or(1);
            StepAction::Fail(FailStep {
                endpoint,
                status,
                error: f.string("error")?,
                retry_after,
                body: f.string("body")?,
                times: u32::try_from(times).unwrap_or(u32::MAX),
            })
        }
        "stub" => {
            f.only(
                action,
                &["answer", "error", "status", "retry_after", "times", "with"],
            )?;
            let method = f.string(action)?.unwrap_or_default();
            if method.is_empty() {
                return Err(f.err("`stub` names a Web API method, e.g. \"views.open\""));
            }
            let answer = match f.raw("answer") {
                None => None,
                Some(raw) if raw.get().starts_with('{') => Some(raw.get().to_owned()),
                Some(raw) => {
                    return Err(f.err(format!(
                        "`answer` is the response body, a JSON object, found {}",
                        raw.get()
                    )))
                }
            };
            let error = f.string("error")?;
            let retry_after = f.duration("retry_after")?;
            if answer.is_some() && error.is_some() {
                return Err(f.err("give `answer` or `error`, not both"));
            }
            if answer.is_none() && error.is_none() && retry_after.is_none() {
                return Err(f.err(
                    "`stub` needs an `answer` (a JSON object), an `error` or a `retry_after`",
                ));
            }
            let default_status = if retry_after.is_some() { 429 } else { 200 };
            let status = match f.integer("status")? {
                None => default_status,
                Some(s) if (200..600).contains(&s) => s as u16,
                Some(s) => return Err(f.err(format!("`status` must be 200 to 599, found {s}"))),
            };
            let times = match f.integer("times")? {
                None => None,
                Some(0) => {
                    return Err(f.err("`times` must be at least 1 (leave it out for every call)"))
                }
                Some(n) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            };
            StepAction::Stub(StubStep {
                method,
                status,
                answer,
                error,
                retry_after,
                times,
                with: f.object("with")?,
            })
        }
        "wait" => {
            f.only(action, &["count", "method", "with"])?;
            let wait = f.string(action)?;
            if wait.as_deref() != Some("call")
                && (f.raw("method").is_some() || f.raw("with").is_some())
            {
                return Err(f.err("`method` and `with` go with `\"wait\":\"call\"`"));
            }
            match wait.as_deref() {
                    Some("call") => {
                        let method = f.string("method")?.unwrap_or_default();
                        if method.is_empty() {
                            return Err(f.err(
                                "`\"wait\":\"call\"` needs the `method` to wait for, e.g. \"chat.postMessage\"",
                            ));
                        }
                        StepAction::Wait(WaitFor::Call {
                            method,
                            count: f.integer("count")?.unwrap_or(1),
                            with: f.object("with")?,
                        })
                    }
                    Some("acks") => StepAction::Wait(WaitFor::Acks),
                    Some("connection") => StepAction::Wait(WaitFor::Connections(1)),
                    Some("connections") => {
                        let count = f.integer("count")?.unwrap_or(1);
                        StepAction::Wait(WaitFor::Connections(
                            usize::try_from(count).unwrap_or(usize::MAX),
                        ))
                    }
                    _ => return Err(f.err(
                        "`wait` takes \"acks\", \"connection\", \"connections\" (with `count`) or \"call\" (with `method`)",
                    )),
                }
        }
        _ => {
            f.only(action, &[])?;
            f.flag(action)?;
            StepAction::End
        }
    };
    Ok(Step {
        timing,
        action: step_action,
        line: Some(line),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Script::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn header_settings() {
        let s = Script::parse(
            r#"{"slackline_script":1,"name":"n","ack_deadline":"2s","server_ping_interval":30,"hello":{"num_connections":2,"app_id":"A9"},"team":{"bot_user_id":"U9"}}"#,
        )
        .unwrap();
        let h = s.header();
        assert_eq!(h.name.as_deref(), Some("n"));
        assert_eq!(h.ack_deadline, Duration::from_secs(2));
        assert_eq!(h.server_ping_interval, Some(Duration::from_secs(30)));
        assert_eq!(h.hello.num_connections, Some(2));
        assert_eq!(h.hello.app_id, "A9");
        assert_eq!(h.hello.host, "applink-fake-1");
        assert_eq!(h.team.bot_user_id, "U9");
        assert_eq!(
            h.hello.approximate_connection_time,
            Some(18_060),
            "kept when not given"
        );
        let s =
            Script::parse(r#"{"slackline_script":1,"hello":{"approximate_connection_time":null}}"#)
                .unwrap();
        assert_eq!(
            s.header().hello.approximate_connection_time,
            None,
            "null leaves it out"
        );
        assert!(s.steps().is_empty());
    }

    #[test]
    fn steps_and_timing() {
        let s = Script::parse(
            "{\"slackline_script\":1}\n\
             // comment\n\
             {\"at\":\"2.5s\",\"envelope\":{\"type\":\"interactive\",\"payload\":{}},\"label\":\"x\",\"retry\":false}\n\
             \n\
             {\"redeliver\":\"x\",\"socket\":\"newest\"}\n\
             {\"after\":\"10ms\",\"disconnect\":\"link_disabled\"}\n\
             {\"fail\":\"rtm.connect\",\"retry_after\":3}\n\
             {\"close\":1011,\"reason\":\"bye\"}\n\
             {\"wait\":\"connections\",\"count\":2}\n\
             {\"rtm\":{\"type\":\"message\",\"text\":\"hi\"}}\n\
             {\"end\":true}",
        )
        .unwrap();
        let steps = s.steps();
        assert_eq!(steps.len(), 8);
        assert_eq!(steps[0].timing, Timing::At(Duration::from_millis(2500)));
        assert_eq!(steps[0].line, Some(3));
        let StepAction::Envelope(e) = &steps[0].action else {
            panic!()
        };
        assert_eq!((e.label.as_str(), e.redeliver), ("x", Some(false)));
        assert!(
            matches!(&steps[1].action, StepAction::Redeliver(r) if r.target == Target::Newest && r.retry_reason == "timeout")
        );
        assert!(
            matches!(&steps[2].action, StepAction::Disconnect { target: Target::All, reason, .. } if reason == "link_disabled")
        );
        let StepAction::Fail(fail) = &steps[3].action else {
            panic!()
        };
        assert_eq!((fail.status, fail.times), (429, 1));
        assert!(matches!(
            steps[4].action,
            StepAction::Close { code: 1011, .. }
        ));
        assert!(matches!(
            steps[5].action,
            StepAction::Wait(WaitFor::Connections(2))
        ));
        assert!(
            matches!(&steps[6].action, StepAction::Rtm { text, .. } if text == r#"{"type":"message","text":"hi"}"#)
        );
        assert!(matches!(steps[7].action, StepAction::End));
    }

    #[test]
    fn files_go_through_the_loader() {
        let text = "{\"slackline_script\":1}\n{\"envelope_file\":\"a.json\"}\n";
        let s = Script::parse_with_files(text, &mut |path: &str| {
            assert_eq!(path, "a.json");
            Ok(r#"{"type":"events_api","payload":{}}"#.to_owned())
        })
        .unwrap();
        let StepAction::Envelope(e) = &s.steps()[0].action else {
            panic!()
        };
        assert_eq!(e.label, "a.json");
        assert!(err(text).contains("line 2 (a.json): `a.json` is a file reference"));
    }

    #[test]
    fn stubs_and_waits_for_calls() {
        let s = Script::parse(
            "{\"slackline_script\":1}\n\
             {\"stub\":\"views.open\",\"answer\":{\"view\":{\"id\":\"V1\"}},\"times\":1}\n\
             {\"stub\":\"chat.postMessage\",\"retry_after\":\"2s\",\"with\":{\"channel\":\"C1\"}}\n\
             {\"stub\":\"users.info\",\"error\":\"user_not_found\",\"status\":200}\n\
             {\"wait\":\"call\",\"method\":\"chat.postMessage\",\"count\":2,\"with\":{\"thread_ts\":\"1.0\"}}\n\
             {\"after\":\"1s\",\"wait\":\"call\",\"method\":\"views.open\"}",
        )
        .unwrap();
        let steps = s.steps();
        let StepAction::Stub(open) = &steps[0].action else {
            panic!()
        };
        assert_eq!(open.method, "views.open");
        assert_eq!(open.answer.as_deref(), Some(r#"{"view":{"id":"V1"}}"#));
        assert_eq!(
            (open.status, open.times, open.with.len()),
            (200, Some(1), 0)
        );
        let StepAction::Stub(limited) = &steps[1].action else {
            panic!()
        };
        assert_eq!(
            (limited.status, limited.retry_after, limited.times),
            (429, Some(Duration::from_secs(2)), None)
        );
        assert_eq!(limited.with["channel"], "C1");
        let StepAction::Stub(error) = &steps[2].action else {
            panic!()
        };
        assert_eq!(
            (error.error.as_deref(), error.answer.as_ref()),
            (Some("user_not_found"), None)
        );
        let StepAction::Wait(WaitFor::Call {
            method,
            count,
            with,
        }) = &steps[3].action
        else {
            panic!()
        };
        assert_eq!(
            (method.as_str(), *count, with["thread_ts"].as_str()),
            ("chat.postMessage", 2, Some("1.0"))
        );
        assert!(matches!(
            &steps[4].action,
            StepAction::Wait(WaitFor::Call { count: 1, .. })
        ));
        assert_eq!(steps[4].timing, Timing::After(Duration::from_secs(1)));
    }

    #[test]
    fn the_workspace_header() {
        let s = Script::parse(
            r#"{"slackline_script":1,"workspace":{"strict":true,"channels":[{"id":"C0OPS","name":"ops","private":true,"member":false,"members":["U0ALICE"]}],"users":[{"id":"U0CAROL","email":"c@x.example"}],"messages":[{"channel":"C0OPS","user":"U0ALICE","text":"hi"}],"fill":{"channels":3,"users":4,"messages":5,"replies":6},"scopes":{"bot":["chat:write"]}}}"#,
        )
        .unwrap();
        let w = &s.header().workspace;
        assert!(w.strict);
        let ops = &w.channels[0];
        assert_eq!(
            (ops.name.as_str(), ops.private, ops.bot_member),
            ("ops", true, false)
        );
        assert_eq!(ops.members.as_deref(), Some(&["U0ALICE".to_owned()][..]));
        assert_eq!(w.users[0].name, "u0carol", "named after the id by default");
        assert_eq!(w.users[0].email.as_deref(), Some("c@x.example"));
        assert_eq!(w.messages[0].text, "hi");
        assert_eq!(
            (
                w.fill.channels,
                w.fill.users,
                w.fill.messages,
                w.fill.replies
            ),
            (3, 4, 5, 6)
        );
        assert_eq!(
            w.bot_scopes.as_deref(),
            Some(&["chat:write".to_owned()][..])
        );
        assert_eq!(w.user_scopes, None);
        let default = Script::parse(r#"{"slackline_script":1}"#).unwrap();
        assert_eq!(
            default.header().workspace,
            super::super::WorkspaceSettings::default()
        );
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        assert!(err("").contains("empty script"));
        assert!(err("{\"name\":\"x\"}").starts_with("line 1: the first line must be the header"));
        assert!(err("{\"slackline_script\":2}").contains("unsupported script version 2"));
        assert!(err("{\"slackline_script\":1,\"bogus\":1}").contains("unknown field `bogus`"));
        let h = "{\"slackline_script\":1}\n";
        assert!(err(&format!("{h}not json")).starts_with("line 2: expected a step"));
        assert!(err(&format!("{h}{{\"after\":1}}")).contains("needs one action key"));
        assert!(err(&format!("{h}{{\"ping\":true,\"end\":true}}")).contains("exactly one"));
        assert!(err(&format!("{h}{{\"ping\":true,\"lable\":1}}"))
            .contains("unknown key `lable` for a `ping` step"));
        assert!(err(&format!("{h}{{\"after\":\"soon\",\"ping\":true}}")).contains("`after`"));
        assert!(err(&format!("{h}{{\"redeliver\":\"nope\"}}")).contains("not the label"));
        assert!(err(&format!("{h}{{\"envelope\":{{}}}}")).contains("needs a `type`"));
        assert!(err(&format!("{h}{{\"close\":7}}")).contains("close code"));
        assert!(err(&format!("{h}{{\"ping\":true,\"socket\":\"left\"}}")).contains("`socket`"));
        assert!(err(&format!("{h}{{\"at\":1,\"after\":1,\"ping\":true}}")).contains("not both"));
        assert!(err(&format!("{h}{{\"stub\":\"views.open\"}}")).contains("needs an `answer`"));
        assert!(err(&format!("{h}{{\"stub\":\"\",\"error\":\"x\"}}"))
            .contains("names a Web API method"));
        assert!(err(&format!("{h}{{\"stub\":\"a.b\",\"answer\":[1]}}")).contains("a JSON object"));
        assert!(err(&format!(
            "{h}{{\"stub\":\"a.b\",\"answer\":{{}},\"error\":\"x\"}}"
        ))
        .contains("not both"));
        assert!(err(&format!(
            "{h}{{\"stub\":\"a.b\",\"error\":\"x\",\"times\":0}}"
        ))
        .contains("at least 1"));
        assert!(err(&format!(
            "{h}{{\"stub\":\"a.b\",\"error\":\"x\",\"with\":1}}"
        ))
        .contains("`with` must be a JSON object"));
        assert!(err(&format!(
            "{h}{{\"stub\":\"a.b\",\"error\":\"x\",\"body\":1}}"
        ))
        .contains("unknown key `body`"));
        assert!(err(&format!("{h}{{\"wait\":\"call\"}}")).contains("needs the `method`"));
        assert!(err(&format!("{h}{{\"wait\":\"acks\",\"method\":\"x\"}}")).contains("go with"));
        assert!(err(&format!("{h}{{\"wait\":\"calls\"}}")).contains("\"call\" (with `method`)"));
        let ws = |w: &str| err(&format!("{{\"slackline_script\":1,\"workspace\":{w}}}"));
        assert!(ws(r#"{"channels":[{"id":"general"}]}"#).contains("not a channel id"));
        assert!(ws(r#"{"channels":[{"id":"D0X"}]}"#).contains("not a channel id"));
        assert!(ws(r#"{"users":[{"id":"alice"}]}"#).contains("not a user id"));
        assert!(
            ws(r#"{"fill":{"users":50001}}"#).contains("`workspace.fill.users` is at most 50000")
        );
        assert!(ws(r#"{"colour":"blue"}"#).contains("unknown field `colour`"));
    }
}
