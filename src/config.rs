//! Session configuration: builder-style setters over named defaults, validated by `Session::new`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::{Token, TokenKind};

/// Which real-time API the session speaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// Socket Mode over `apps.connections.open` (app-level `xapp-` token).
    SocketMode,
    /// The legacy RTM API (bot or user token).
    Rtm(RtmConnect),
}

/// How an RTM session gets its WebSocket URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RtmConnect {
    /// `rtm.connect`: a URL plus `self` and `team`.
    Connect(RtmConnectOptions),
    /// `rtm.start`: a URL plus the workspace state (deprecated by Slack, still served to classic apps).
    Start(RtmStartOptions),
}

/// Options of `rtm.connect`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtmConnectOptions {
    /// Only deliver `presence_change` events in batches.
    pub batch_presence_aware: bool,
    /// Only deliver presence events for subscribed users (`presence_sub`).
    pub presence_sub: bool,
}

/// Options of `rtm.start`; `None` leaves the parameter out so Slack's default applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtmStartOptions {
    /// Return a simpler `latest` value for channels.
    pub simple_latest: Option<bool>,
    /// Skip unread counts for each channel (faster).
    pub no_unreads: Option<bool>,
    /// Return MPIMs separately from groups.
    pub mpim_aware: Option<bool>,
    /// Leave out the `latest` message of each channel.
    pub no_latest: Option<bool>,
    /// Return a `locale` for each user.
    pub include_locale: Option<bool>,
    /// Only deliver `presence_change` events in batches.
    pub batch_presence_aware: Option<bool>,
    /// Only deliver presence events for subscribed users.
    pub presence_sub: Option<bool>,
}

impl RtmStartOptions {
    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        [
            ("simple_latest", self.simple_latest),
            ("no_unreads", self.no_unreads),
            ("mpim_aware", self.mpim_aware),
            ("no_latest", self.no_latest),
            ("include_locale", self.include_locale),
            ("batch_presence_aware", self.batch_presence_aware),
            ("presence_sub", self.presence_sub),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v.to_string())))
        .collect()
    }
}

/// What happens when a deferred ack (an envelope that accepts a response payload) is not given by
/// the app in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LateAckPolicy {
    /// Send a bare ack at the deadline, so Slack does not retry; a later `ack` is refused.
    AutoAck,
    /// Only report the missed deadline; the app may still ack late (Slack has likely retried).
    Report,
}

/// Everything a [`Session`](crate::Session) needs. Build with [`Config::socket_mode`] or
/// [`Config::rtm`], adjust with the `with_*` setters; `Session::new` validates.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Never written: a configuration read back needs [`Config::with_token`].
    #[serde(skip)]
    pub(crate) token: Token,
    pub(crate) mode: Mode,
    pub(crate) api_url: String,
    pub(crate) connections: u8,
    #[serde(with = "secs")]
    pub(crate) ping_interval: Duration,
    #[serde(with = "secs")]
    pub(crate) pong_timeout: Duration,
    #[serde(with = "secs")]
    pub(crate) idle_timeout: Duration,
    #[serde(with = "secs")]
    pub(crate) hello_timeout: Duration,
    #[serde(with = "secs")]
    pub(crate) http_timeout: Duration,
    #[serde(with = "secs")]
    pub(crate) ack_timeout: Duration,
    pub(crate) late_ack: LateAckPolicy,
    pub(crate) defer_response_acks: bool,
    pub(crate) app_acks: bool,
    #[serde(with = "dedupe_setting")]
    pub(crate) dedupe: Option<(Duration, usize)>,
    #[serde(with = "secs")]
    pub(crate) refresh_ahead: Duration,
    #[serde(with = "secs")]
    pub(crate) backoff_initial: Duration,
    #[serde(with = "secs")]
    pub(crate) backoff_max: Duration,
    #[serde(with = "secs")]
    pub(crate) rate_limit_wait: Duration,
    #[serde(with = "secs")]
    pub(crate) stable_after: Duration,
    pub(crate) max_inbound_frame: usize,
    #[serde(with = "secs")]
    pub(crate) shutdown_timeout: Duration,
    pub(crate) debug_reconnects: bool,
    pub(crate) seed: u64,
    #[serde(with = "secs")]
    pub(crate) rtm_send_interval: Duration,
    pub(crate) rtm_queue_capacity: usize,
    #[serde(with = "secs")]
    pub(crate) rtm_resume_window: Duration,
    #[serde(with = "secs")]
    pub(crate) rtm_reply_timeout: Duration,
    pub(crate) rtm_ignore_self: bool,
}

impl Default for Config {
    /// Socket Mode with every default and no token (set one with [`Config::with_token`]).
    fn default() -> Self {
        Self::new(Token::new(""), Mode::SocketMode)
    }
}

/// Durations as seconds (a JSON number), the way people write them.
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Duration::try_from_secs_f64(f64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Redelivery suppression as `{"window": seconds, "capacity": n}`, or `null` when off.
mod dedupe_setting {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Dedupe {
        #[serde(with = "super::secs")]
        window: Duration,
        capacity: usize,
    }

    pub(super) fn serialize<S: Serializer>(
        setting: &Option<(Duration, usize)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        setting
            .map(|(window, capacity)| Dedupe { window, capacity })
            .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(Duration, usize)>, D::Error> {
        Ok(Option::<Dedupe>::deserialize(d)?.map(|d| (d.window, d.capacity)))
    }
}

/// Defaults of every setting, and Slack's documented limits.
impl Config {
    /// Slack's documented ceiling on concurrent Socket Mode connections per app.
    pub const MAX_SOCKET_MODE_CONNECTIONS: u8 = 10;
    /// Client pings go out this often on every live connection.
    pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(10);
    /// A ping unanswered for this long marks the connection dead (half-open detection).
    pub const DEFAULT_PONG_TIMEOUT: Duration = Duration::from_secs(10);
    /// A connection that receives nothing at all for this long is replaced.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// From `Connect` to `hello`: TCP, TLS, the WebSocket upgrade and Slack's greeting.
    pub const DEFAULT_HELLO_TIMEOUT: Duration = Duration::from_secs(15);
    /// How long an `apps.connections.open` / `rtm.connect` request may take.
    pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(15);
    /// Deferred acks fall due this long after receipt: inside Slack's 3 s, with room for the trip back.
    pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_millis(2500);
    /// Redeliveries seen within this window are acked but not dispatched again. Slack retries an
    /// event at about +0 s, +1 min and +5 min.
    pub const DEFAULT_DEDUPE_WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Upper bound on remembered ids, so a flood cannot grow memory.
    pub const DEFAULT_DEDUPE_CAPACITY: usize = 20_000;
    /// Open the replacement this long before `approximate_connection_time` runs out.
    pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(60);
    /// First retry delay after a failure; doubled per consecutive failure.
    pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(1);
    /// Retry delays never exceed this (before `Retry-After`, which always wins).
    pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(120);
    /// Wait after a 429 that carries no `Retry-After` (what python-slack-sdk assumes for Tier 1).
    pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);
    /// A connection lost within this time of its `hello` counts as a failed attempt (flap guard).
    pub const DEFAULT_STABLE_AFTER: Duration = Duration::from_secs(30);
    /// Inbound frames above this size are reported and not dispatched.
    pub const DEFAULT_MAX_INBOUND_FRAME: usize = 1 << 20;
    /// Graceful shutdown waits this long for deferred acks.
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
    /// Slack closes a Socket Mode connection (1009) on client frames above this many bytes.
    pub const SOCKET_MODE_MAX_OUTBOUND: usize = 20_480;
    /// Slack disconnects RTM clients that send a message above this many bytes.
    pub const RTM_MAX_MESSAGE: usize = 16_384;
    /// Slack allows one RTM message per second, sustained.
    pub const DEFAULT_RTM_SEND_INTERVAL: Duration = Duration::from_secs(1);
    /// RTM messages waiting for their turn (or for a connection) beyond this are refused.
    pub const DEFAULT_RTM_QUEUE_CAPACITY: usize = 256;
    /// After an RTM reconnect, replies to messages sent on the old connection may still arrive for this long.
    pub const DEFAULT_RTM_RESUME_WINDOW: Duration = Duration::from_secs(2);
    /// An RTM message with no `reply_to` after this long is reported lost.
    pub const DEFAULT_RTM_REPLY_TIMEOUT: Duration = Duration::from_secs(30);
    /// Where the Web API lives.
    pub const DEFAULT_API_URL: &str = "https://slack.com/api/";
}

impl Config {
    /// Socket Mode with an app-level token (`xapp-`).
    pub fn socket_mode(app_token: impl Into<String>) -> Self {
        Self::new(Token::new(app_token), Mode::SocketMode)
    }

    /// RTM with a bot or user token, connecting through `rtm.connect`.
    pub fn rtm(token: impl Into<String>) -> Self {
        Self::new(
            Token::new(token),
            Mode::Rtm(RtmConnect::Connect(RtmConnectOptions::default())),
        )
    }

    fn new(token: Token, mode: Mode) -> Self {
        Config {
            token,
            mode,
            api_url: Self::DEFAULT_API_URL.to_owned(),
            connections: 1,
            ping_interval: Self::DEFAULT_PING_INTERVAL,
            pong_timeout: Self::DEFAULT_PONG_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            hello_timeout: Self::DEFAULT_HELLO_TIMEOUT,
            http_timeout: Self::DEFAULT_HTTP_TIMEOUT,
            ack_timeout: Self::DEFAULT_ACK_TIMEOUT,
            late_ack: LateAckPolicy::AutoAck,
            defer_response_acks: true,
            app_acks: false,
            dedupe: Some((Self::DEFAULT_DEDUPE_WINDOW, Self::DEFAULT_DEDUPE_CAPACITY)),
            refresh_ahead: Self::DEFAULT_REFRESH_AHEAD,
            backoff_initial: Self::DEFAULT_BACKOFF_INITIAL,
            backoff_max: Self::DEFAULT_BACKOFF_MAX,
            rate_limit_wait: Self::DEFAULT_RATE_LIMIT_WAIT,
            stable_after: Self::DEFAULT_STABLE_AFTER,
            max_inbound_frame: Self::DEFAULT_MAX_INBOUND_FRAME,
            shutdown_timeout: Self::DEFAULT_SHUTDOWN_TIMEOUT,
            debug_reconnects: false,
            seed: 0,
            rtm_send_interval: Self::DEFAULT_RTM_SEND_INTERVAL,
            rtm_queue_capacity: Self::DEFAULT_RTM_QUEUE_CAPACITY,
            rtm_resume_window: Self::DEFAULT_RTM_RESUME_WINDOW,
            rtm_reply_timeout: Self::DEFAULT_RTM_REPLY_TIMEOUT,
            rtm_ignore_self: false,
        }
    }

    /// The real-time API in use.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The token (its `Debug` is redacted).
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The Web API base URL.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// Number of Socket Mode connections kept open (1 to 10).
    pub fn connections(&self) -> u8 {
        self.connections
    }

    /// How long a graceful shutdown waits for deferred acks.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// Largest inbound frame the session dispatches.
    pub fn max_inbound_frame(&self) -> usize {
        self.max_inbound_frame
    }

    /// Client ping interval.
    pub fn ping_interval(&self) -> Duration {
        self.ping_interval
    }

    /// Pong deadline after each client ping.
    pub fn pong_timeout(&self) -> Duration {
        self.pong_timeout
    }

    /// Deadline from connect to `hello`.
    pub fn hello_timeout(&self) -> Duration {
        self.hello_timeout
    }

    /// Deadline for the URL request.
    pub fn http_timeout(&self) -> Duration {
        self.http_timeout
    }

    /// Largest backoff delay.
    pub fn backoff_max(&self) -> Duration {
        self.backoff_max
    }

    /// Wait after a 429 that carries no `Retry-After`.
    pub fn rate_limit_wait(&self) -> Duration {
        self.rate_limit_wait
    }

    /// How long redeliveries are suppressed (`None`: dedupe is off).
    pub fn dedupe_window(&self) -> Option<Duration> {
        self.dedupe.map(|(window, _)| window)
    }

    /// What happens to a deferred ack the app does not give in time.
    pub fn late_ack_policy(&self) -> LateAckPolicy {
        self.late_ack
    }

    /// Whether every envelope waits for the app's ack ([`with_app_acks`](Self::with_app_acks)).
    pub fn app_acks(&self) -> bool {
        self.app_acks
    }

    /// The RTM pacing interval (`None` for Socket Mode).
    pub fn rtm_send_interval(&self) -> Option<Duration> {
        self.is_rtm().then_some(self.rtm_send_interval)
    }

    /// The token (a configuration read back from JSON has none).
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Token::new(token);
        self
    }

    /// Switch to RTM through `rtm.start` with these options.
    pub fn with_rtm_start(mut self, options: RtmStartOptions) -> Self {
        self.mode = Mode::Rtm(RtmConnect::Start(options));
        self
    }

    /// Switch to RTM through `rtm.connect` with these options.
    pub fn with_rtm_connect(mut self, options: RtmConnectOptions) -> Self {
        self.mode = Mode::Rtm(RtmConnect::Connect(options));
        self
    }

    /// Web API base URL (default `https://slack.com/api/`); a trailing `/` is added if missing.
    pub fn with_api_url(mut self, url: impl Into<String>) -> Self {
        let mut url = url.into();
        if !url.ends_with('/') {
            url.push('/');
        }
        self.api_url = url;
        self
    }

    /// Socket Mode connections to keep open, 1 to 10 (default 1).
    pub fn with_connections(mut self, n: u8) -> Self {
        self.connections = n;
        self
    }

    /// Client ping interval (default 10 s).
    pub fn with_ping_interval(mut self, d: Duration) -> Self {
        self.ping_interval = d;
        self
    }

    /// Pong deadline after each client ping (default 10 s).
    pub fn with_pong_timeout(mut self, d: Duration) -> Self {
        self.pong_timeout = d;
        self
    }

    /// Replace a connection that receives nothing for this long (default 60 s).
    pub fn with_idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    /// Deadline from connect to `hello` (default 15 s).
    pub fn with_hello_timeout(mut self, d: Duration) -> Self {
        self.hello_timeout = d;
        self
    }

    /// Deadline for the URL request (default 15 s).
    pub fn with_http_timeout(mut self, d: Duration) -> Self {
        self.http_timeout = d;
        self
    }

    /// When deferred acks fall due after receipt (default 2.5 s; Slack's limit is 3 s).
    pub fn with_ack_timeout(mut self, d: Duration) -> Self {
        self.ack_timeout = d;
        self
    }

    /// What to do when a deferred ack is late (default [`LateAckPolicy::AutoAck`]).
    pub fn with_late_ack_policy(mut self, policy: LateAckPolicy) -> Self {
        self.late_ack = policy;
        self
    }

    /// Whether envelopes that accept a response payload wait for the app's `ack` (default true).
    /// When false every envelope is acked on arrival, before dispatch.
    pub fn with_deferred_response_acks(mut self, defer: bool) -> Self {
        self.defer_response_acks = defer;
        self
    }

    /// Whether every envelope waits for the app's [`ack`](crate::Session::ack) (default false):
    /// for apps that must not ack what they have not yet taken care of (written, stored,
    /// forwarded), whatever its type. The deadline and the [`LateAckPolicy`] apply to each;
    /// with [`LateAckPolicy::Report`] nothing is ever acked that the app did not ack. A
    /// redelivery of an envelope whose ack is still the app's is not acked on its own (the
    /// app's ack answers that id); other redeliveries are acked as usual.
    pub fn with_app_acks(mut self, on: bool) -> Self {
        self.app_acks = on;
        self
    }

    /// Redelivery suppression: remember ids for `window`, at most `capacity` of them.
    pub fn with_dedupe(mut self, window: Duration, capacity: usize) -> Self {
        self.dedupe = Some((window, capacity));
        self
    }

    /// Dispatch every redelivery.
    pub fn without_dedupe(mut self) -> Self {
        self.dedupe = None;
        self
    }

    /// Open the replacement this long before `approximate_connection_time` (default 60 s).
    pub fn with_refresh_ahead(mut self, d: Duration) -> Self {
        self.refresh_ahead = d;
        self
    }

    /// Exponential backoff bounds (defaults 1 s and 120 s).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max;
        self
    }

    /// Wait after a 429 without `Retry-After` (default 30 s).
    pub fn with_rate_limit_wait(mut self, d: Duration) -> Self {
        self.rate_limit_wait = d;
        self
    }

    /// A connection lost sooner than this after `hello` counts as a failure (default 30 s).
    pub fn with_stable_after(mut self, d: Duration) -> Self {
        self.stable_after = d;
        self
    }

    /// Largest inbound frame to dispatch (default 1 MiB).
    pub fn with_max_inbound_frame(mut self, bytes: usize) -> Self {
        self.max_inbound_frame = bytes;
        self
    }

    /// How long shutdown waits for deferred acks (default 10 s).
    pub fn with_shutdown_timeout(mut self, d: Duration) -> Self {
        self.shutdown_timeout = d;
        self
    }

    /// Ask Slack for short-lived connections (`debug_reconnects=true`, about 360 s) to exercise refreshes.
    pub fn with_debug_reconnects(mut self, on: bool) -> Self {
        self.debug_reconnects = on;
        self
    }

    /// Seed for retry jitter; drivers pass a random one, tests a fixed one.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// RTM pacing: at most one message per `interval` (default 1 s).
    pub fn with_rtm_send_interval(mut self, interval: Duration) -> Self {
        self.rtm_send_interval = interval;
        self
    }

    /// RTM messages that may wait for their turn (default 256).
    pub fn with_rtm_queue_capacity(mut self, n: usize) -> Self {
        self.rtm_queue_capacity = n;
        self
    }

    /// How long replies for messages sent on a lost RTM connection are awaited after reconnecting.
    pub fn with_rtm_resume_window(mut self, d: Duration) -> Self {
        self.rtm_resume_window = d;
        self
    }

    /// How long an RTM message may wait for its `reply_to` (default 30 s).
    pub fn with_rtm_reply_timeout(mut self, d: Duration) -> Self {
        self.rtm_reply_timeout = d;
        self
    }

    /// Drop RTM events caused by the session's own user (default off).
    pub fn with_rtm_ignore_self(mut self, on: bool) -> Self {
        self.rtm_ignore_self = on;
        self
    }

    pub(crate) fn is_rtm(&self) -> bool {
        matches!(self.mode, Mode::Rtm(_))
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.token.is_empty() {
            return Err(ConfigError::MissingToken);
        }
        let kind = self.token.kind();
        match self.mode {
            Mode::SocketMode if kind != TokenKind::App => {
                return Err(ConfigError::WrongTokenKind {
                    expected: "an app-level token (xapp-)",
                    found: kind,
                })
            }
            Mode::Rtm(_) if !matches!(kind, TokenKind::Bot | TokenKind::User) => {
                return Err(ConfigError::WrongTokenKind {
                    expected: "a bot (xoxb-) or user (xoxp-) token",
                    found: kind,
                })
            }
            _ => {}
        }
        if self.connections == 0 || self.connections > Self::MAX_SOCKET_MODE_CONNECTIONS {
            return Err(ConfigError::Connections(self.connections));
        }
        if self.is_rtm() && self.connections != 1 {
            return Err(ConfigError::RtmConnections(self.connections));
        }
        if !(self.api_url.starts_with("https://") || self.api_url.starts_with("http://")) {
            return Err(ConfigError::ApiUrl);
        }
        let positive = [
            ("ping_interval", self.ping_interval),
            ("pong_timeout", self.pong_timeout),
            ("idle_timeout", self.idle_timeout),
            ("hello_timeout", self.hello_timeout),
            ("http_timeout", self.http_timeout),
            ("ack_timeout", self.ack_timeout),
            ("backoff_initial", self.backoff_initial),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, d)| d.is_zero()) {
            return Err(ConfigError::ZeroDuration(name));
        }
        if self.backoff_max < self.backoff_initial {
            return Err(ConfigError::Backoff);
        }
        if matches!(self.dedupe, Some((_, 0))) {
            return Err(ConfigError::ZeroDuration("dedupe capacity"));
        }
        Ok(())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("token", &self.token)
            .field("mode", &self.mode)
            .field("api_url", &self.api_url)
            .field("connections", &self.connections)
            .field("ping_interval", &self.ping_interval)
            .field("pong_timeout", &self.pong_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .field("late_ack", &self.late_ack)
            .field("app_acks", &self.app_acks)
            .field("dedupe", &self.dedupe)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

/// Why a configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No token was given.
    MissingToken,
    /// The token's prefix does not fit the mode.
    WrongTokenKind {
        /// What the mode needs.
        expected: &'static str,
        /// What was given.
        found: TokenKind,
    },
    /// Socket Mode allows 1 to 10 connections.
    Connections(u8),
    /// RTM uses exactly one connection.
    RtmConnections(u8),
    /// The API URL is not http(s).
    ApiUrl,
    /// A duration or capacity that must be positive is zero.
    ZeroDuration(&'static str),
    /// The backoff maximum is below its initial delay.
    Backoff,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingToken => f.write_str("no token given"),
            ConfigError::WrongTokenKind { expected, found } => {
                write!(
                    f,
                    "wrong kind of token: this mode needs {expected}, got {found:?}"
                )
            }
            ConfigError::Connections(n) => {
                let max = Config::MAX_SOCKET_MODE_CONNECTIONS;
                write!(f, "connections must be 1 to {max}, got {n}")
            }
            ConfigError::RtmConnections(n) => write!(f, "RTM uses exactly one connection, got {n}"),
            ConfigError::ApiUrl => f.write_str("the API URL must start with https:// or http://"),
            ConfigError::ZeroDuration(name) => write!(f, "{name} must be greater than zero"),
            ConfigError::Backoff => f.write_str("the maximum backoff is below the initial backoff"),
        }
    }
}

impl std::error::Error for ConfigError {}
