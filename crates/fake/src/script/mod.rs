//! What [`FakeSlack`](super::FakeSlack) plays: a header (hello contents, redelivery policy,
//! timing) and a list of steps, each with a relative time.
//!
//! Scripts are written as JSON lines (see [`Script::parse`] for the format) or built from a
//! directory of envelope files ([`Script::from_envelope_files`]), or in code with
//! [`Script::new`] and [`Script::push`].

mod envelope;
mod files;
mod parse;
mod timing;
mod workspace;

use std::fmt;
use std::time::Duration;

pub use envelope::ScriptEnvelope;
pub use files::SIMPLE_SCRIPT_SPACING;
pub use parse::FileLoader;
pub use timing::parse_duration;
pub(crate) use workspace::{is_conversation_id, is_user_id};
pub use workspace::{
    ChannelSeed, Fill, MessageSeed, UserSeed, WorkspaceSettings, MAX_FILL_CHANNELS,
    MAX_FILL_MESSAGES, MAX_FILL_USERS,
};

/// The script format version this crate reads and writes (`"slackline_script": 1`).
pub const SCRIPT_VERSION: u64 = 1;

/// A script: the header and the steps, in order.
#[derive(Clone, Debug, Default)]
pub struct Script {
    header: ScriptHeader,
    steps: Vec<Step>,
}

impl Script {
    /// An empty script with this header; add steps with [`push`](Self::push).
    pub fn new(header: ScriptHeader) -> Self {
        Script {
            header,
            steps: Vec::new(),
        }
    }

    /// Appends a step.
    pub fn push(&mut self, timing: Timing, action: StepAction) -> &mut Self {
        self.steps.push(Step {
            timing,
            action,
            line: None,
        });
        self
    }

    /// The header.
    pub fn header(&self) -> &ScriptHeader {
        &self.header
    }

    /// The header, to adjust before handing the script to a [`FakeSlack`](super::FakeSlack).
    pub fn header_mut(&mut self) -> &mut ScriptHeader {
        &mut self.header
    }

    /// The steps, in playing order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// How many envelope steps the script has (redeliveries not counted).
    pub fn envelope_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s.action, StepAction::Envelope(_)))
            .count()
    }
}

/// Settings that hold for the whole script (the first line of a script file).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScriptHeader {
    /// A name for reports.
    pub name: Option<String>,
    /// What `hello` says on every Socket Mode connection.
    pub hello: HelloTemplate,
    /// Send `hello` as soon as a socket opens (default true). When false, only `hello` steps do.
    pub auto_hello: bool,
    /// Redeliver an envelope that is not acked by its deadline, as Slack does (default true).
    pub redeliver: bool,
    /// At most this many redeliveries per envelope (default 3).
    pub max_redeliveries: u32,
    /// Slack's ack deadline (default 3 s).
    pub ack_deadline: Duration,
    /// Play Slack's connection refresh at `hello.approximate_connection_time`: `disconnect`
    /// `warning` 10 s before, `refresh_requested` at the time, close 10 s after (default true).
    pub connection_lifetime: bool,
    /// After a `disconnect` (or RTM `goodbye`), close the socket this much later if the client
    /// has not (default 10 s).
    pub disconnect_grace: Duration,
    /// Send WebSocket pings this often on every socket (default: never).
    pub server_ping_interval: Option<Duration>,
    /// After the last step, wait at most this long for outstanding acks and redeliveries
    /// before finishing (default 15 s).
    pub end_grace: Duration,
    /// Unix time (seconds) at which the script starts, for message timestamps (`ts`).
    pub epoch: u64,
    /// RTM: after answering a client `message`, also send it back as a `message` event (default false).
    pub rtm_echo: bool,
    /// Workspace, bot and app identities used in responses.
    pub team: TeamInfo,
    /// The channels, users and messages the Web API answers from.
    pub workspace: WorkspaceSettings,
}

impl Default for ScriptHeader {
    fn default() -> Self {
        ScriptHeader {
            name: None,
            hello: HelloTemplate::default(),
            auto_hello: true,
            redeliver: true,
            max_redeliveries: 3,
            ack_deadline: Duration::from_secs(3),
            connection_lifetime: true,
            disconnect_grace: Duration::from_secs(10),
            server_ping_interval: None,
            end_grace: Duration::from_secs(15),
            epoch: 1_700_000_000,
            rtm_echo: false,
            team: TeamInfo::default(),
            workspace: WorkspaceSettings::default(),
        }
    }
}

/// The contents of a Socket Mode `hello`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HelloTemplate {
    /// `num_connections`; `None` reports the number of sockets actually open.
    pub num_connections: Option<u32>,
    /// `debug_info.approximate_connection_time` in seconds (Slack sends 18060); `None` omits it.
    pub approximate_connection_time: Option<u64>,
    /// `connection_info.app_id`.
    pub app_id: String,
    /// `debug_info.host`.
    pub host: String,
    /// `debug_info.build_number`.
    pub build_number: u64,
}

impl Default for HelloTemplate {
    fn default() -> Self {
        HelloTemplate {
            num_connections: None,
            approximate_connection_time: Some(18_060),
            app_id: "A0FAKEAPP01".into(),
            host: "applink-fake-1".into(),
            build_number: 1,
        }
    }
}

/// Who the fake workspace, bot user and app are.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeamInfo {
    /// `team.id`.
    pub team_id: String,
    /// `team.name`.
    pub team_name: String,
    /// `team.domain`.
    pub team_domain: String,
    /// The bot user's id (`self.id` in `rtm.connect`, `user_id` in `auth.test`).
    pub bot_user_id: String,
    /// The bot user's name.
    pub bot_name: String,
    /// The bot id (`bot_id` in `auth.test`).
    pub bot_id: String,
}

impl Default for TeamInfo {
    fn default() -> Self {
        TeamInfo {
            team_id: "T0FAKETEAM".into(),
            team_name: "Fake Workspace".into(),
            team_domain: "fake-workspace".into(),
            bot_user_id: "U0FAKEBOT".into(),
            bot_name: "slackline-bot".into(),
            bot_id: "B0FAKEBOT".into(),
        }
    }
}

/// One step of a script.
#[derive(Clone, Debug)]
pub struct Step {
    /// When it plays, relative to the previous step or to the start.
    pub timing: Timing,
    /// What it does.
    pub action: StepAction,
    /// The line of the script file it came from, for messages.
    pub line: Option<usize>,
}

/// When a step plays. A step never plays before the one above it, and a step that needs a
/// connection waits for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timing {
    /// This long after the previous step played (`"after"`; the default is right after).
    After(Duration),
    /// This long after the script started (`"at"`), or right after the previous step if that is later.
    At(Duration),
}

impl Default for Timing {
    fn default() -> Self {
        Timing::After(Duration::ZERO)
    }
}

/// Which socket(s) a step is for. Only sockets that are open, greeted and not silent count;
/// `Oldest`/`Newest` prefer sockets that have not been sent a `disconnect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Target {
    /// The one opened first (the "current" connection); for envelopes: round robin.
    #[default]
    Any,
    /// The one opened first.
    Oldest,
    /// The one opened last.
    Newest,
    /// All of them.
    All,
}

/// What a step does.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StepAction {
    /// Deliver a Socket Mode envelope (waits for a connection).
    Envelope(EnvelopeStep),
    /// Deliver an earlier envelope again, as Slack's retry would.
    Redeliver(RedeliverStep),
    /// Send `hello` (for scripts with `auto_hello: false`).
    Hello {
        /// Where.
        target: Target,
    },
    /// Send `{"type":"disconnect","reason":…}`; the socket is closed after the grace period
    /// unless the client closes it first.
    Disconnect {
        /// `warning`, `refresh_requested`, `too_many_websockets`, `link_disabled` or any other.
        reason: String,
        /// Where (default: the oldest socket; all of them for `link_disabled`).
        target: Target,
        /// The exact frame to send instead of the generated one.
        frame: Option<String>,
    },
    /// Half-open: stop answering pings and sending anything on the socket(s); what the
    /// client sends is dropped.
    Silence {
        /// Where.
        target: Target,
    },
    /// Close the socket(s) from the server side.
    Close {
        /// Where.
        target: Target,
        /// WebSocket close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Send a WebSocket ping.
    Ping {
        /// Where.
        target: Target,
    },
    /// Send this text frame as is (garbage, unknown types, anything).
    Raw {
        /// The frame.
        text: String,
        /// Where.
        target: Target,
    },
    /// RTM: send this event frame (waits for an RTM connection).
    Rtm {
        /// The frame.
        text: String,
        /// Where.
        target: Target,
    },
    /// RTM: send `goodbye`, then close after the grace period.
    Goodbye {
        /// Where.
        target: Target,
    },
    /// Make upcoming Web API calls (or WebSocket handshakes) fail.
    Fail(FailStep),
    /// Misbehave as hostile or broken servers do, for `duration` from now (played as a fault by
    /// the harness; not part of the script file format).
    Misbehave {
        /// What.
        behaviour: Misbehaviour,
        /// For how long.
        duration: Duration,
    },
    /// Answer calls of a Web API method with a given body (or error) instead of the fake's own.
    Stub(StubStep),
    /// Wait for something before the next step.
    Wait(WaitFor),
    /// The script ends here (later steps are ignored).
    End,
}

/// Server behaviour Slack does not show but hostile servers and test mocks do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misbehaviour {
    /// Follow every `hello` at once with `disconnect` `reason` (on RTM sockets: `goodbye`),
    /// then close the socket after the grace period: a refresh asked for after every hello.
    RefreshAfterHello {
        /// The `disconnect` reason (`warning`, `refresh_requested`, ...).
        reason: String,
    },
    /// Send every text frame the client sends back to it on the same socket, as the Python
    /// SDKs' mock servers do.
    Echo,
    /// Say `approximate_connection_time: secs` in every Socket Mode `hello` (the connection
    /// still lives as long as it otherwise would).
    ConnectionTime {
        /// The lifetime announced, in seconds.
        secs: u64,
    },
}

/// An envelope to deliver.
#[derive(Clone, Debug)]
pub struct EnvelopeStep {
    /// The envelope.
    pub envelope: ScriptEnvelope,
    /// A name for reports and for [`RedeliverStep::label`].
    pub label: String,
    /// Which socket gets it.
    pub target: Target,
    /// Overrides the header's `redeliver` for this envelope.
    pub redeliver: Option<bool>,
}

/// An earlier envelope delivered again.
#[derive(Clone, Debug)]
pub struct RedeliverStep {
    /// The label of the envelope step.
    pub label: String,
    /// `retry_attempt` (default: one more than the last delivery).
    pub retry_attempt: Option<u64>,
    /// `retry_reason` (default `timeout`).
    pub retry_reason: String,
    /// Give it a fresh `envelope_id` instead of the original one.
    pub new_envelope_id: bool,
    /// Send it on a connection that has not carried this envelope yet (else on one other than
    /// the first delivery's), as Slack does when an app holds several connections: with a
    /// process per connection, the redelivery reaches a process that never saw it. Waits
    /// while there is no such connection.
    pub elsewhere: bool,
    /// Which socket gets it.
    pub target: Target,
}

/// Failures armed for the next calls of one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailStep {
    /// A Web API method (`apps.connections.open`, `rtm.connect`, `chat.postMessage`, ...) or
    /// `websocket` for the WebSocket handshake.
    pub endpoint: String,
    /// HTTP status (default 200 with an `error`, 429 when `retry_after` is given).
    pub status: u16,
    /// Slack's error code for an `ok:false` body (default `ratelimited` for 429,
    /// `internal_error` otherwise).
    pub error: Option<String>,
    /// `Retry-After`.
    pub retry_after: Option<Duration>,
    /// A body to send instead of the generated one.
    pub body: Option<String>,
    /// How many calls fail (default 1).
    pub times: u32,
}

/// An answer armed for the next calls of one Web API method (a `stub` step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubStep {
    /// The method, e.g. `views.open`.
    pub method: String,
    /// HTTP status (default 200, or 429 when `retry_after` is given).
    pub status: u16,
    /// The body, a JSON object; `"ok":true` is added in front unless it has an `ok`.
    pub answer: Option<String>,
    /// Or Slack's error code, for an `{"ok":false,"error":…}` body.
    pub error: Option<String>,
    /// `Retry-After`.
    pub retry_after: Option<Duration>,
    /// How many calls it answers (`None`: every call from now on).
    pub times: Option<u32>,
    /// Only calls whose arguments include these (values compared as JSON, or as text for form
    /// arguments).
    pub with: serde_json::Map<String, serde_json::Value>,
}

/// What a `wait` step waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitFor {
    /// Every delivered envelope is acked or past its deadline.
    Acks,
    /// At least this many greeted sockets not told to disconnect.
    Connections(usize),
    /// At least `count` calls of a Web API method since the start, whatever their answer.
    Call {
        /// The method.
        method: String,
        /// How many (default 1).
        count: u64,
        /// Only calls whose arguments include these (as for [`StubStep::with`]).
        with: serde_json::Map<String, serde_json::Value>,
    },
}

/// Why a script could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    /// The line (1-based), for script files.
    pub line: Option<usize>,
    /// The file involved (a referenced envelope file, or one of a directory's files).
    pub file: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl ScriptError {
    pub(crate) fn at_line(line: usize, message: impl Into<String>) -> Self {
        ScriptError {
            line: Some(line),
            file: None,
            message: message.into(),
        }
    }

    pub(crate) fn in_file(file: &str, message: impl Into<String>) -> Self {
        ScriptError {
            line: None,
            file: Some(file.to_owned()),
            message: message.into(),
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line, &self.file) {
            (Some(line), Some(file)) => write!(f, "line {line} ({file}): {}", self.message),
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            (None, Some(file)) => write!(f, "{file}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ScriptError {}
