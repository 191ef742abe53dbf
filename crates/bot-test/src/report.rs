//! What a run shows, in the bot's terms: each envelope delivered and what it was acked with,
//! each handler call (what it was for, when it ran, how it ended, what it called), each Web
//! API call with its arguments and answer, the fake's verdict, and the problems found.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use serde_json::Value;
use slackline::Input;
use slackline_fake::{AckOutcome, Verdict};
use slackline_sim::{FaultPlan, NetStats};
use slackline_transcript::{Entry, Transcript};

use crate::replay::ReplayCheck;

/// How long after a delivery Slack may still redeliver it.
const SLACK_RETRY_HORIZON: Duration = Duration::from_secs(15 * 60);

/// What a handler was called for: an envelope (or an RTM event).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Work {
    /// `events_api`, `slash_commands`, `interactive`, another envelope type, or `rtm`.
    pub kind: String,
    /// Its routing key: `payload.event.type`, the command, `payload.type`, the RTM event type.
    pub route: Option<String>,
    /// `envelope_id` (Socket Mode).
    pub envelope_id: Option<String>,
    /// `payload.event_id`, if any.
    pub event_id: Option<String>,
    /// `retry_attempt`.
    pub retry_attempt: u32,
    /// The script's label for the envelope, if the fake knows it.
    pub label: Option<String>,
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(label) = &self.label {
            write!(f, "envelope \"{label}\" (")?;
        } else if self.kind != "rtm" {
            f.write_str("envelope (")?;
        } else {
            f.write_str("RTM event (")?;
        }
        f.write_str(&self.kind)?;
        if let Some(route) = &self.route {
            write!(f, " {route}")?;
        }
        if let Some(id) = &self.envelope_id {
            write!(f, ", envelope_id {id}")?;
        }
        if let Some(id) = &self.event_id {
            write!(f, ", event_id {id}")?;
        }
        if self.retry_attempt > 0 {
            write!(f, ", retry {}", self.retry_attempt)?;
        }
        f.write_str(")")
    }
}

/// How a handler call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerOutcome {
    /// It returned.
    Finished,
    /// It panicked, with this message (the client contained it and went on).
    Panicked(String),
    /// It never returned: still running when the run ended (the client's shutdown timeout
    /// passed without it).
    TimedOut,
}

/// One call of one of the bot's handlers.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HandlerRun {
    /// What it was called for.
    pub work: Work,
    /// When it started (virtual time since the start of the run).
    pub started: Duration,
    /// When it returned or panicked.
    pub ended: Option<Duration>,
    /// How it ended.
    pub outcome: HandlerOutcome,
    /// The Web API calls it made (indices into [`BotRun::api_calls`]).
    pub calls: Vec<usize>,
}

/// The answer to a Web API call.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Answer {
    /// When it reached the client.
    pub at: Duration,
    /// HTTP status.
    pub status: u16,
    /// The body, as JSON (`Value::String` if it was not JSON).
    pub body: Value,
}

/// A Web API call the bot made.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiCall {
    /// When it left the client.
    pub at: Duration,
    /// The method (`chat.postMessage`).
    pub method: String,
    /// Its arguments: the JSON body, or the form fields as a JSON object of strings.
    pub args: Value,
    /// The handler run that made it (index into [`BotRun::handlers`]), if it was made while a
    /// handler was being polled.
    pub handler: Option<usize>,
    /// The answer, if one reached the client.
    pub answer: Option<Answer>,
}

impl ApiCall {
    /// A text argument (`"channel"`, `"text"`, `"thread_ts"`...).
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }

    /// Whether Slack answered `200` with `"ok": true`.
    pub fn is_ok(&self) -> bool {
        self.answer
            .as_ref()
            .is_some_and(|a| a.status == 200 && a.body.get("ok") == Some(&Value::Bool(true)))
    }
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.args)?;
        match &self.answer {
            Some(_) if self.is_ok() => write!(f, " → ok"),
            Some(a) => match a.body.get("error").and_then(Value::as_str) {
                Some(error) => write!(f, " → {} {error}", a.status),
                None => write!(f, " → {}", a.status),
            },
            None => write!(f, " → no answer"),
        }
    }
}

/// Who acked an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckedBy {
    /// The client, on arrival, before its handler ran (Events API envelopes).
    Client,
    /// The handler, through its `Responder` (with or without a payload), or by returning
    /// without acking.
    Handler,
    /// The client's late-ack policy, at its deadline: the handler had not acked in time.
    Deadline,
}

/// An ack as the client sent it (the network may lose it on the way: the delivery's
/// `outcome` is Slack's view).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Ack {
    /// When the client sent it.
    pub at: Duration,
    /// Its response payload (a slash command's answer, say).
    pub payload: Option<Value>,
    /// Who acked.
    pub by: AckedBy,
}

/// One delivery of an envelope by Slack (a redelivery is a delivery of its own).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Delivery {
    /// The script's label.
    pub label: String,
    /// What was delivered.
    pub work: Work,
    /// Whether it accepted a response payload.
    pub accepts_response_payload: bool,
    /// When Slack sent it.
    pub at: Duration,
    /// When it reached the client intact, if it did (the network may lose or corrupt it).
    pub received: Option<Duration>,
    /// The fake's view of its ack (`None` in a replay).
    pub outcome: Option<AckOutcome>,
    /// The ack the client sent for it, if it sent one.
    pub ack: Option<Ack>,
    /// The handler runs it started (indices into [`BotRun::handlers`]).
    pub handlers: Vec<usize>,
    /// The client handed it to the handlers (with or without one to take it).
    pub dispatched: bool,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ending {
    /// The script (or the recording) played to its end and the client stopped.
    Finished,
    /// The virtual time limit came first.
    TimeLimit,
    /// The script finished but the client did not stop, even when told to.
    ClientDidNotStop,
    /// The bot's client could not be built (the error).
    BuildFailed(String),
    /// The fake Slack's time stopped advancing (a bug, described).
    Stalled(String),
}

/// What the fault plan did.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct FaultReport {
    /// The plan.
    pub plan: FaultPlan,
    /// What the network did to the packets.
    pub network: NetStats,
    /// Discrete faults applied.
    pub applied: u32,
    /// Discrete faults that found nothing to act on.
    pub skipped: u32,
    /// `envelope_id`s of frames corrupted on their way to the client: such an envelope may be
    /// acked (its id salvaged) without ever reaching a handler.
    pub corrupted_envelopes: BTreeSet<String>,
}

/// What happened in a run of the bot; see the crate documentation.
#[derive(Debug)]
#[non_exhaustive]
pub struct BotRun {
    /// The script's name, or the replayed transcript's note.
    pub name: Option<String>,
    /// Why it ended.
    pub ending: Ending,
    /// What the client's `run()` returned: `Ok(())` after a shutdown, or why it stopped
    /// (`link_disabled`...). `None` if it never returned.
    pub stopped: Option<Result<(), String>>,
    /// Virtual time the run took.
    pub elapsed: Duration,
    /// Real time the run took.
    pub wall_time: Duration,
    /// The fake's verdict on the client (not in a replay).
    pub verdict: Option<Verdict>,
    /// The client's transcript: what its session received, did and dispatched, and the app's
    /// acks; the same seed and script give the same transcript, byte for byte.
    pub transcript: Transcript,
    /// In a replay: how the bot compares with the recording.
    pub replay: Option<ReplayCheck>,
    /// What the fault plan did.
    pub faults: FaultReport,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) handlers: Vec<HandlerRun>,
    pub(crate) calls: Vec<ApiCall>,
    /// Dispatched with no handler to take it.
    pub(crate) unrouted: Vec<(Duration, Work)>,
    pub(crate) refused: Vec<(String, Option<usize>)>,
}

impl BotRun {
    /// Every envelope delivery, in the order Slack sent them.
    pub fn deliveries(&self) -> &[Delivery] {
        &self.deliveries
    }

    /// The deliveries of the envelope with this script label (the first, then redeliveries).
    pub fn envelope(&self, label: &str) -> Vec<&Delivery> {
        self.deliveries
            .iter()
            .filter(|d| d.label == label)
            .collect()
    }

    /// The first ack of the envelope with this label.
    pub fn ack(&self, label: &str) -> Option<&Ack> {
        self.envelope(label)
            .into_iter()
            .find_map(|d| d.ack.as_ref())
    }

    /// Every handler call, in the order they started.
    pub fn handlers(&self) -> &[HandlerRun] {
        &self.handlers
    }

    /// The handler calls for the envelope with this label.
    pub fn handled(&self, label: &str) -> Vec<&HandlerRun> {
        self.handlers
            .iter()
            .filter(|h| h.work.label.as_deref() == Some(label))
            .collect()
    }

    /// Every Web API call the bot made (not the client's own URL requests), in order.
    pub fn api_calls(&self) -> &[ApiCall] {
        &self.calls
    }

    /// The bot's calls of one method, e.g. `calls("chat.postMessage")`.
    pub fn calls(&self, method: &str) -> Vec<&ApiCall> {
        self.calls.iter().filter(|c| c.method == method).collect()
    }

    /// Handler calls that panicked.
    pub fn panics(&self) -> Vec<&HandlerRun> {
        self.handlers
            .iter()
            .filter(|h| matches!(h.outcome, HandlerOutcome::Panicked(_)))
            .collect()
    }

    /// Everything wrong with the run, in the bot's terms; empty when it went well: the script
    /// finished and the client stopped, the fake saw no broken rule (but those the fault plan
    /// excuses), no handler panicked or hung, no envelope that reached the client intact was
    /// lost or handled twice within the client's dedupe window (15 minutes, Slack's
    /// redelivery horizon, if dedupe is off), and every connection went to the fake Slack.
    /// In a replay: no difference from the recording.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match &self.ending {
            Ending::Finished => {}
            Ending::TimeLimit => problems.push(format!(
                "the run hit its time limit after {} of virtual time before the script finished",
                secs(self.elapsed)
            )),
            Ending::ClientDidNotStop => problems
                .push("the client did not stop after the script ended, even when told to".into()),
            Ending::BuildFailed(e) => problems.push(format!("the bot could not be built: {e}")),
            Ending::Stalled(e) => problems.push(format!("the run stalled: {e}")),
        }
        if let Some(verdict) = &self.verdict {
            if !verdict.finished && self.ending == Ending::Finished {
                problems.push("the fake's script did not finish".into());
            }
            for v in &verdict.violations {
                if !self.faults.plan.excuses(&v.kind) {
                    problems.push(format!(
                        "Slack saw a broken rule at {}: {}",
                        secs(Duration::from_millis(v.at_ms)),
                        v.kind
                    ));
                }
            }
        }
        for (i, run) in self.handlers.iter().enumerate() {
            match &run.outcome {
                HandlerOutcome::Finished => {}
                HandlerOutcome::Panicked(message) => problems.push(format!(
                    "handler #{i} for {} panicked at {}: {message:?}; {}",
                    run.work,
                    secs(run.ended.unwrap_or(run.started)),
                    self.what_it_called(run)
                )),
                HandlerOutcome::TimedOut => problems.push(format!(
                    "handler #{i} for {} started at {} and never finished; {}",
                    run.work,
                    secs(run.started),
                    self.what_it_called(run)
                )),
            }
        }
        problems.extend(self.lost_or_twice());
        for (target, handler) in &self.refused {
            let by = match handler {
                Some(i) => format!("handler #{i} for {}", self.handlers[*i].work),
                None => "the bot".to_owned(),
            };
            problems.push(format!(
                "{by} tried to connect to {target}, which a bot test does not reach: build its clients from the test's `Slack` (slack.web_client(), slack.socket_mode())"
            ));
        }
        if let Some(replay) = &self.replay {
            for d in &replay.divergences {
                problems.push(format!("differs from the recording: {d}"));
            }
        }
        problems
    }

    /// Envelopes that reached the client intact but no handler, and envelopes handled twice
    /// within the dedupe window.
    fn lost_or_twice(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut by_label: BTreeMap<&str, Vec<&Delivery>> = BTreeMap::new();
        for d in &self.deliveries {
            by_label.entry(d.label.as_str()).or_default().push(d);
        }
        for (label, deliveries) in &by_label {
            let reached = deliveries
                .iter()
                .any(|d| d.received.is_some() || d.dispatched);
            let dispatched = deliveries.iter().any(|d| d.dispatched);
            let corrupted = deliveries.iter().any(|d| {
                d.work
                    .envelope_id
                    .as_ref()
                    .is_some_and(|id| self.faults.corrupted_envelopes.contains(id))
            });
            if reached && !dispatched && !corrupted && !label.is_empty() {
                let first = deliveries[0];
                problems.push(format!(
                    "{} was delivered {} time(s) and acked, but never handed to the bot",
                    first.work,
                    deliveries.len()
                ));
            }
        }
        // Handled twice: by envelope_id, or by event_id, within the dedupe window.
        let window = self.dedupe_window();
        let mut seen: BTreeMap<String, (usize, Duration)> = BTreeMap::new();
        for (i, run) in self.handlers.iter().enumerate() {
            let keys = [
                run.work
                    .envelope_id
                    .as_ref()
                    .map(|id| format!("envelope_id {id}")),
                run.work
                    .event_id
                    .as_ref()
                    .map(|id| format!("event_id {id}")),
            ];
            let mut reported = false;
            for key in keys.into_iter().flatten() {
                if let Some(&(first, at)) = seen.get(&key) {
                    let within = run.started.saturating_sub(at) < window;
                    if within && !reported {
                        reported = true;
                        problems.push(format!(
                            "{} was handled twice ({key}): handler #{first} at {} ({}), handler #{i} at {} ({})",
                            run.work,
                            secs(at),
                            self.what_it_called(&self.handlers[first]),
                            secs(run.started),
                            self.what_it_called(run)
                        ));
                    }
                }
                seen.insert(key, (i, run.started));
            }
        }
        problems
    }

    /// The client's dedupe window, from its transcript header; without one (dedupe turned
    /// off), the fifteen minutes within which Slack redelivers.
    fn dedupe_window(&self) -> Duration {
        self.transcript
            .header
            .config
            .dedupe_window()
            .unwrap_or(SLACK_RETRY_HORIZON)
    }

    fn what_it_called(&self, run: &HandlerRun) -> String {
        if run.calls.is_empty() {
            return "it called nothing".into();
        }
        let calls: Vec<String> = run
            .calls
            .iter()
            .map(|&c| self.calls[c].to_string())
            .collect();
        format!("it called {}", calls.join(", "))
    }

    /// Panics with the whole account (problems first) unless [`problems`](Self::problems) is
    /// empty.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.problems().is_empty() {
            panic!("the bot run went wrong\n{self}");
        }
    }

    /// In a replay, panics with the differences from the recording (as `slackline replay
    /// --check` prints them, with the handlers involved) unless there are none.
    #[track_caller]
    pub fn assert_faithful(&self) {
        let Some(replay) = &self.replay else {
            panic!("not a replay: use BotTest::replay");
        };
        if !replay.is_faithful() || self.ending != Ending::Finished {
            panic!("the bot no longer does what the recording shows\n{self}");
        }
    }

    /// The transcript as JSON lines (compare two runs with it).
    pub fn transcript_jsonl(&self) -> String {
        self.transcript.to_jsonl()
    }
}

/// `12.345s`, or `1h02m03.456s`.
pub(crate) fn secs(d: Duration) -> String {
    let total = d.as_secs();
    let millis = d.subsec_millis();
    if total >= 3600 {
        format!(
            "{}h{:02}m{:02}.{millis:03}s",
            total / 3600,
            (total / 60) % 60,
            total % 60
        )
    } else if total >= 60 {
        format!("{}m{:02}.{millis:03}s", total / 60, total % 60)
    } else {
        format!("{total}.{millis:03}s")
    }
}

impl fmt::Display for BotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref().unwrap_or("(unnamed)");
        let ending = match &self.ending {
            Ending::Finished => "finished".to_owned(),
            other => format!("{other:?}"),
        };
        write!(
            f,
            "bot run {name}: {ending} after {} of virtual time ({} ms of real time)",
            secs(self.elapsed),
            self.wall_time.as_millis()
        )?;
        match &self.stopped {
            Some(Ok(())) => writeln!(f, "; the client shut down")?,
            Some(Err(e)) => writeln!(f, "; the client stopped: {e}")?,
            None => writeln!(f, "; the client was still running")?,
        }
        let problems = self.problems();
        if problems.is_empty() {
            writeln!(f, "no problems")?;
        } else {
            writeln!(f, "problems ({}):", problems.len())?;
            for p in &problems {
                writeln!(f, "  - {p}")?;
            }
        }
        if !self.deliveries.is_empty() {
            writeln!(f, "envelopes ({} deliveries):", self.deliveries.len())?;
        }
        for d in &self.deliveries {
            write!(f, "  [{}] {}", secs(d.at), d.work)?;
            match &d.ack {
                Some(ack) => {
                    let by = match ack.by {
                        AckedBy::Client => "by the client",
                        AckedBy::Handler => "by its handler",
                        AckedBy::Deadline => "by the client's late-ack policy",
                    };
                    write!(f, ": acked at {} {by}", secs(ack.at))?;
                    if let Some(payload) = &ack.payload {
                        write!(f, " with {payload}")?;
                    }
                }
                None => write!(f, ": not acked")?,
            }
            if let Some(outcome) = d.outcome {
                write!(
                    f,
                    " (Slack's view: {})",
                    format!("{outcome:?}").to_lowercase()
                )?;
            }
            if d.handlers.is_empty() {
                let why = if d.dispatched {
                    "no handler for it"
                } else if d.received.is_some() {
                    "not handed to the bot again (a redelivery of one it had)"
                } else if d.ack.is_some() {
                    "corrupted on the way (acked by its salvaged id)"
                } else {
                    "lost on the way"
                };
                writeln!(f, "; {why}")?;
            } else {
                writeln!(f)?;
            }
            for &i in &d.handlers {
                let run = &self.handlers[i];
                let outcome = match (&run.outcome, run.ended) {
                    (HandlerOutcome::Finished, Some(end)) => format!("finished at {}", secs(end)),
                    (HandlerOutcome::Panicked(m), _) => format!("PANICKED: {m:?}"),
                    _ => "never finished".to_owned(),
                };
                writeln!(
                    f,
                    "      handler #{i} started at {}, {outcome}; {}",
                    secs(run.started),
                    self.what_it_called(run)
                )?;
            }
        }
        let handled: BTreeSet<usize> = self
            .deliveries
            .iter()
            .flat_map(|d| d.handlers.clone())
            .collect();
        for (i, run) in self.handlers.iter().enumerate() {
            if !handled.contains(&i) {
                writeln!(
                    f,
                    "  handler #{i} for {} at {}: {:?}; {}",
                    run.work,
                    secs(run.started),
                    run.outcome,
                    self.what_it_called(run)
                )?;
            }
        }
        for (at, work) in &self.unrouted {
            if work.kind == "rtm" {
                writeln!(f, "  [{}] {work}: no handler for it", secs(*at))?;
            }
        }
        let unattributed: Vec<&ApiCall> =
            self.calls.iter().filter(|c| c.handler.is_none()).collect();
        if !unattributed.is_empty() {
            writeln!(f, "Web API calls outside handlers:")?;
            for call in unattributed {
                writeln!(f, "  [{}] {call}", secs(call.at))?;
            }
        }
        let net = &self.faults.plan.net;
        let faulty = !self.faults.plan.faults.is_empty()
            || net.jitter_ms > 0
            || net.drop_per_mille > 0
            || net.duplicate_per_mille > 0
            || net.corrupt_per_mille > 0;
        if faulty {
            let n = &self.faults.network;
            writeln!(
                f,
                "faults: {} applied, {} skipped; network: {} packets, {} dropped, {} lost to partitions, {} lost on cut connections, {} duplicated, {} corrupted",
                self.faults.applied, self.faults.skipped, n.sent, n.dropped, n.partitioned, n.cut, n.duplicated, n.corrupted
            )?;
        }
        if let Some(verdict) = &self.verdict {
            writeln!(f, "fake Slack: {}", verdict.summary_text())?;
        }
        if let Some(replay) = &self.replay {
            writeln!(
                f,
                "replay: {} recorded actions and events compared, {} differences ({} after the end of the recording not compared)",
                replay.compared,
                replay.divergences.len(),
                replay.after_end
            )?;
            for change in &replay.config_changes {
                writeln!(f, "  setting changed since the recording: {change}")?;
            }
            for d in &replay.divergences {
                writeln!(f, "  {d}")?;
                if let Some(context) = self.divergence_context(d) {
                    writeln!(f, "    ({context})")?;
                }
            }
        }
        Ok(())
    }
}

impl BotRun {
    /// For a difference in an ack: the envelope and the handler that acked it.
    fn divergence_context(&self, divergence: &slackline_transcript::Divergence) -> Option<String> {
        let record = match divergence {
            slackline_transcript::Divergence::Missing(r)
            | slackline_transcript::Divergence::Unexpected(r) => r,
            _ => return None,
        };
        let Entry::SendText { text, .. } = &record.entry else {
            return None;
        };
        let id = serde_json::from_str::<Value>(text).ok()?;
        let id = id.get("envelope_id")?.as_str()?;
        let delivery = self
            .deliveries
            .iter()
            .find(|d| d.work.envelope_id.as_deref() == Some(id))?;
        let mut out = format!("the ack of {}", delivery.work);
        for &i in &delivery.handlers {
            out.push_str(&format!(
                "; handler #{i}: {}",
                self.what_it_called(&self.handlers[i])
            ));
        }
        Some(out)
    }
}

/// When the app acked each envelope (its handler, through the client), from a transcript.
pub(crate) fn app_acks(transcript: &Transcript) -> BTreeMap<String, Vec<Duration>> {
    let mut acks: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for record in &transcript.records {
        if let Entry::Input(Input::Ack { envelope_id, .. }) = &record.entry {
            acks.entry(envelope_id.clone()).or_default().push(record.at);
        }
    }
    acks
}

/// A Web API call's arguments as JSON: the body if it is JSON, the form fields otherwise.
pub(crate) fn call_args(content_type: Option<&str>, body: &[u8]) -> Value {
    let json = content_type.is_some_and(|t| t.contains("json"));
    if json {
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            return value;
        }
    }
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        fields.insert(decode(name), Value::String(decode(value)));
    }
    Value::Object(fields)
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body as JSON, or as a JSON string if it is not JSON.
pub(crate) fn body_json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
}
