//! A recorded transcript played back as Slack: the client's URL requests get the recorded
//! answers (the WebSocket URL pointing at the virtual Slack), each WebSocket gets the recorded
//! text frames, server pings, pongs and closes of its recorded connection at their recorded
//! times (Slack sends no binary frames; recorded ones are not played).
//! The bot's own Web API calls, which a transcript does not hold, are answered by a fake Slack.
//!
//! What the client does in return is recorded as it runs, and compared with the recording
//! afterwards ([`compare`]), as `slackline replay --check` compares.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde_json::Value;
use slackline::{Input, Instant};
use slackline_fake::script::StepAction;
use slackline_fake::{
    ApiRequest, ConnectRejected, FakeConfig, FakeResponse, FakeSlack, Output, Script, ScriptHeader,
};
use slackline_transcript::{compare_records, Divergence, Entry, Record, ReplayOptions, Transcript};

use crate::server::peer::{Peer, PeerOutput};
use crate::server::URL_METHODS;

/// A recorded answer to a URL request.
#[derive(Debug)]
struct UrlAnswer {
    /// When the recorded answer came.
    at: Instant,
    /// The answer (`None`: the request failed).
    response: Option<(u16, Option<Duration>, String)>,
    /// The connection the client opened with the URL it got.
    conn: Option<u32>,
}

/// What arrived on one recorded connection.
#[derive(Debug, Clone)]
enum ConnEvent {
    Text(String),
    Ping,
    Closed(Option<u16>, String),
}

#[derive(Debug, Default)]
struct Recorded {
    events: Vec<(Instant, ConnEvent)>,
    pongs: VecDeque<Instant>,
    /// The handshake failed, with this detail.
    failed: Option<String>,
    /// A socket was opened for it already (its events are played once).
    played: bool,
}

#[derive(Debug)]
enum Scheduled {
    Answer { call: u64 },
    Event { socket: u32, event: ConnEvent },
    Pong { socket: u32, payload: Vec<u8> },
}

#[derive(Debug)]
struct Socket {
    conn: u32,
    open: bool,
}

/// The recording, played as Slack.
pub(crate) struct Player {
    answers: VecDeque<UrlAnswer>,
    conns: BTreeMap<u32, Recorded>,
    sockets: BTreeMap<u32, Socket>,
    /// Answers waiting for their time, by call.
    pending: BTreeMap<u64, UrlAnswer>,
    timeline: BTreeMap<(Instant, u64), Scheduled>,
    seq: u64,
    next_call: u64,
    /// Answers the bot's own Web API calls.
    web: FakeSlack,
    web_calls: BTreeMap<u64, u64>,
    outputs: VecDeque<PeerOutput>,
    ws_base: String,
    /// The recording's last record.
    end: Instant,
    finished: bool,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("end", &self.end)
            .field("sockets", &self.sockets.len())
            .finish_non_exhaustive()
    }
}

/// When the recording shut the client down (the application's `shutdown`), if it did.
pub(crate) fn recorded_shutdown(transcript: &Transcript) -> Option<Duration> {
    transcript
        .records
        .iter()
        .find(|r| matches!(r.entry, Entry::Input(Input::Shutdown)))
        .map(|r| r.at)
}

/// The recording's length.
pub(crate) fn recorded_end(transcript: &Transcript) -> Duration {
    transcript.records.last().map_or(Duration::ZERO, |r| r.at)
}

impl Player {
    pub(crate) fn new(transcript: &Transcript, ws_base: String) -> Self {
        let mut answers: Vec<UrlAnswer> = Vec::new();
        let mut by_request: BTreeMap<u64, usize> = BTreeMap::new();
        let mut conns: BTreeMap<u32, Recorded> = BTreeMap::new();
        for record in &transcript.records {
            let at = Instant::ZERO + record.at;
            match &record.entry {
                Entry::HttpRequest {
                    request, method, ..
                } if URL_METHODS.contains(&method.as_str()) => {
                    by_request.insert(*request, answers.len());
                    answers.push(UrlAnswer {
                        at,
                        response: None,
                        conn: None,
                    });
                }
                Entry::Connect { conn, .. } => {
                    // The connection opened with the URL of the latest answer not yet used.
                    if let Some(answer) = answers
                        .iter_mut()
                        .rev()
                        .find(|a| a.response.is_some() && a.conn.is_none())
                    {
                        answer.conn = Some(*conn);
                    }
                    conns.entry(*conn).or_default();
                }
                Entry::Input(input) => match input {
                    Input::HttpResponse { request, response } => {
                        if let Some(&i) = by_request.get(&request.get()) {
                            answers[i].at = at;
                            answers[i].response = Some((
                                response.status,
                                response.retry_after,
                                String::from_utf8_lossy(&response.body).into_owned(),
                            ));
                        }
                    }
                    Input::HttpFailed { request, .. } => {
                        if let Some(&i) = by_request.get(&request.get()) {
                            answers[i].at = at;
                        }
                    }
                    Input::ConnectFailed { conn, detail } => {
                        conns.entry(conn.get()).or_default().failed = Some(detail.clone());
                    }
                    Input::Text { conn, frame } => {
                        let text = String::from_utf8_lossy(frame).into_owned();
                        push(&mut conns, conn.get(), at, ConnEvent::Text(text));
                    }
                    Input::Ping(conn) => push(&mut conns, conn.get(), at, ConnEvent::Ping),
                    Input::Pong { conn, .. } => {
                        conns.entry(conn.get()).or_default().pongs.push_back(at);
                    }
                    Input::Closed { conn, code, reason } => push(
                        &mut conns,
                        conn.get(),
                        at,
                        ConnEvent::Closed(*code, reason.clone()),
                    ),
                    _ => {}
                },
                _ => {}
            }
        }
        let web = FakeSlack::new(
            Script::new(ScriptHeader::default()),
            FakeConfig::new(),
            Instant::ZERO,
        );
        Player {
            answers: answers.into(),
            conns,
            sockets: BTreeMap::new(),
            pending: BTreeMap::new(),
            timeline: BTreeMap::new(),
            seq: 0,
            next_call: 1,
            web,
            web_calls: BTreeMap::new(),
            outputs: VecDeque::new(),
            ws_base,
            end: Instant::ZERO + recorded_end(transcript),
            finished: false,
        }
    }

    fn schedule(&mut self, at: Instant, what: Scheduled) {
        self.seq += 1;
        self.timeline.insert((at, self.seq), what);
    }

    fn call_id(&mut self) -> u64 {
        let id = self.next_call;
        self.next_call += 1;
        id
    }

    /// The recorded answer, its WebSocket URL pointing at the recorded connection here.
    fn answer(&self, answer: &UrlAnswer) -> Option<FakeResponse> {
        let (status, retry_after, body) = answer.response.clone()?;
        let body = match (answer.conn, serde_json::from_str::<Value>(&body)) {
            (Some(conn), Ok(Value::Object(mut fields))) if fields.contains_key("url") => {
                let url = format!("{}/replay/{conn}", self.ws_base);
                fields.insert("url".into(), Value::String(url));
                Value::Object(fields).to_string()
            }
            _ => body,
        };
        Some(FakeResponse {
            status,
            retry_after,
            content_type: "application/json; charset=utf-8",
            body,
        })
    }

    fn drain_web(&mut self) {
        while let Some(output) = self.web.poll_output() {
            if let Output::HttpResponse { call, response } = output {
                if let Some(id) = self.web_calls.remove(&call.get()) {
                    self.outputs
                        .push_back(PeerOutput::Answer { call: id, response });
                }
            }
        }
    }

    fn open(&self, socket: u32) -> bool {
        self.sockets.get(&socket).is_some_and(|s| s.open)
    }
}

fn push(conns: &mut BTreeMap<u32, Recorded>, conn: u32, at: Instant, event: ConnEvent) {
    conns.entry(conn).or_default().events.push((at, event));
}

impl Peer for Player {
    fn http(&mut self, now: Instant, request: ApiRequest<'_>) -> u64 {
        let id = self.call_id();
        if !URL_METHODS.contains(&request.method) {
            let call = self.web.handle_http_request(now, request);
            self.web_calls.insert(call.get(), id);
            self.drain_web();
            return id;
        }
        // A URL request the recording does not have stays unanswered (the client times out,
        // and the request shows as a difference).
        if let Some(answer) = self.answers.pop_front() {
            let at = answer.at.max(now);
            self.pending.insert(id, answer);
            self.schedule(at, Scheduled::Answer { call: id });
        }
        id
    }

    fn ws_connect(&mut self, now: Instant, target: &str) -> Result<u32, ConnectRejected> {
        let conn = target
            .split(['?', '#'])
            .next()
            .and_then(|path| path.strip_prefix("/replay/"))
            .and_then(|n| n.parse::<u32>().ok());
        let Some(conn) = conn else {
            return Err(ConnectRejected {
                status: 404,
                reason: format!("{target} is not a URL of the recording"),
            });
        };
        let recorded = self.conns.entry(conn).or_default();
        if let Some(detail) = recorded.failed.take() {
            return Err(ConnectRejected {
                status: 502,
                reason: detail,
            });
        }
        let socket = u32::try_from(self.sockets.len() + 1).unwrap_or(u32::MAX);
        self.sockets.insert(socket, Socket { conn, open: true });
        if !std::mem::replace(&mut recorded.played, true) {
            let events = std::mem::take(&mut recorded.events);
            for (at, event) in events {
                self.schedule(at.max(now), Scheduled::Event { socket, event });
            }
        }
        Ok(socket)
    }

    fn text(&mut self, _: Instant, _: u32, _: &[u8]) {}

    fn binary(&mut self, _: Instant, _: u32, _: &[u8]) {}

    fn ping(&mut self, now: Instant, socket: u32, payload: &[u8]) {
        let Some(conn) = self.sockets.get(&socket).map(|s| s.conn) else {
            return;
        };
        // Answered as the recorded connection answered its pings (an unanswered ping stays
        // unanswered).
        if let Some(at) = self.conns.get_mut(&conn).and_then(|c| c.pongs.pop_front()) {
            let payload = payload.to_vec();
            self.schedule(at.max(now), Scheduled::Pong { socket, payload });
        }
    }

    fn pong(&mut self, _: Instant, _: u32, _: &[u8]) {}

    fn closed(&mut self, _: Instant, socket: u32, _: Option<u16>, _: &str) {
        if let Some(s) = self.sockets.get_mut(&socket) {
            s.open = false;
        }
    }

    fn timeout(&mut self, now: Instant) {
        self.web.handle_timeout(now);
        self.drain_web();
        while let Some(entry) = self.timeline.first_entry() {
            if entry.key().0 > now {
                break;
            }
            match entry.remove() {
                Scheduled::Answer { call } => {
                    let Some(answer) = self.pending.remove(&call) else {
                        continue;
                    };
                    self.outputs.push_back(match self.answer(&answer) {
                        Some(response) => PeerOutput::Answer { call, response },
                        None => PeerOutput::FailCall { call },
                    });
                }
                Scheduled::Pong { socket, payload } if self.open(socket) => {
                    self.outputs
                        .push_back(PeerOutput::SendPong { socket, payload });
                }
                Scheduled::Event { socket, event } if self.open(socket) => {
                    self.outputs.push_back(match event {
                        ConnEvent::Text(text) => PeerOutput::SendText { socket, text },
                        ConnEvent::Ping => PeerOutput::SendPing {
                            socket,
                            payload: Vec::new(),
                        },
                        ConnEvent::Closed(code, reason) => {
                            if let Some(s) = self.sockets.get_mut(&socket) {
                                s.open = false;
                            }
                            match code {
                                Some(code) => PeerOutput::Close {
                                    socket,
                                    code,
                                    reason,
                                },
                                None => PeerOutput::Reset { socket },
                            }
                        }
                    });
                }
                _ => {}
            }
        }
        if !self.finished && now >= self.end && self.timeline.is_empty() {
            self.finished = true;
            self.outputs.push_back(PeerOutput::Finished);
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let next = self.timeline.keys().next().map(|&(at, _)| at);
        let end = (!self.finished).then_some(self.end);
        [next, end, self.web.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    fn poll_output(&mut self) -> Option<PeerOutput> {
        self.outputs.pop_front()
    }

    fn inject(&mut self, _: Instant, _: StepAction) -> bool {
        false
    }

    fn verdict(&self) -> Option<slackline_fake::Verdict> {
        None
    }
}

/// How today's bot compares with a recording.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReplayCheck {
    /// Recorded actions and events compared.
    pub compared: usize,
    /// Where the client now behaves differently, in time order (as `slackline replay --check`
    /// reports them).
    pub divergences: Vec<Divergence>,
    /// Settings the client now runs with that differ from the recorded ones (`name: recorded
    /// → now`); the seed and the API URL are the test's and not compared.
    pub config_changes: Vec<String>,
    /// Actions and events after the end of the recording (the test's own shutdown), not
    /// compared.
    pub after_end: usize,
}

impl ReplayCheck {
    /// True when the client did what the recording says (within the tolerance).
    pub fn is_faithful(&self) -> bool {
        self.divergences.is_empty()
    }
}

/// A `connect` record keeps only the URL's host, which is the virtual Slack's in a replay:
/// connections are compared by their number alone.
fn normalize(record: &Record) -> Record {
    match &record.entry {
        Entry::Connect { conn, .. } => Record {
            at: record.at,
            entry: Entry::Connect {
                conn: *conn,
                url: String::new(),
            },
        },
        _ => record.clone(),
    }
}

/// Compares what the client did with the recording.
pub(crate) fn compare(recorded: &Transcript, produced: &Transcript) -> ReplayCheck {
    let options = ReplayOptions::default();
    let cutoff = recorded_end(recorded) + options.time_tolerance;
    let expected: Vec<Record> = recorded.records.iter().map(normalize).collect();
    let (within, after): (Vec<&Record>, Vec<&Record>) =
        produced.records.iter().partition(|r| r.at <= cutoff);
    let actual: Vec<Record> = within.into_iter().map(normalize).collect();
    let after_end = after
        .iter()
        .filter(|r| {
            matches!(
                r.entry.direction(),
                slackline_transcript::Direction::Out | slackline_transcript::Direction::Event
            )
        })
        .count();
    let (compared, divergences) = compare_records(&expected, &actual, &options);
    ReplayCheck {
        compared,
        divergences,
        config_changes: config_changes(recorded, produced),
        after_end,
    }
}

fn config_changes(recorded: &Transcript, produced: &Transcript) -> Vec<String> {
    let as_map = |t: &Transcript| match serde_json::to_value(&t.header.config) {
        Ok(Value::Object(fields)) => fields,
        _ => serde_json::Map::new(),
    };
    let (before, now) = (as_map(recorded), as_map(produced));
    let mut changes = Vec::new();
    for (name, value) in &now {
        if matches!(name.as_str(), "seed" | "api_url") {
            continue;
        }
        match before.get(name) {
            Some(old) if old == value => {}
            Some(old) => changes.push(format!("{name}: {old} → {value}")),
            None => changes.push(format!("{name}: (not recorded) → {value}")),
        }
    }
    changes
}

/// The recorded seed, so that the replay's reconnect jitter is the recorded one.
pub(crate) fn recorded_seed(transcript: &Transcript) -> Option<u64> {
    serde_json::to_value(&transcript.header.config)
        .ok()?
        .get("seed")?
        .as_u64()
}
