//! A session's configuration without its token, so that a replay runs with the same settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{
    Config, ConfigError, LateAckPolicy, Mode, RtmConnect, RtmConnectOptions, RtmStartOptions,
};
use crate::secret::TokenKind;

/// Durations as seconds (a JSON number).
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}

/// Every [`Config`] setting but the token. Durations are in seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConfigSnapshot {
    /// `socket_mode`, `rtm_connect` or `rtm_start`.
    pub mode: String,
    /// The token's kind: `app`, `bot`, `user` or `other` (never the token itself).
    pub token_kind: String,
    /// `rtm.connect` / `rtm.start` parameters that were set.
    #[serde(default)]
    pub rtm_options: Vec<(String, bool)>,
    /// Web API base URL.
    pub api_url: String,
    /// Socket Mode connections.
    pub connections: u8,
    /// Client ping interval.
    #[serde(with = "secs")]
    pub ping_interval: Duration,
    /// Pong deadline.
    #[serde(with = "secs")]
    pub pong_timeout: Duration,
    /// Idle deadline.
    #[serde(with = "secs")]
    pub idle_timeout: Duration,
    /// Hello deadline.
    #[serde(with = "secs")]
    pub hello_timeout: Duration,
    /// URL request deadline.
    #[serde(with = "secs")]
    pub http_timeout: Duration,
    /// Deferred ack deadline.
    #[serde(with = "secs")]
    pub ack_timeout: Duration,
    /// `auto_ack` or `report`.
    pub late_ack: String,
    /// Deferred acks for envelopes that accept a response payload.
    pub defer_response_acks: bool,
    /// Redelivery suppression, if on.
    pub dedupe: Option<DedupeSnapshot>,
    /// Refresh ahead of `approximate_connection_time`.
    #[serde(with = "secs")]
    pub refresh_ahead: Duration,
    /// First backoff delay.
    #[serde(with = "secs")]
    pub backoff_initial: Duration,
    /// Largest backoff delay.
    #[serde(with = "secs")]
    pub backoff_max: Duration,
    /// Wait after a 429 without `Retry-After`.
    #[serde(with = "secs")]
    pub rate_limit_wait: Duration,
    /// Cap on `Retry-After` (absent from older transcripts: the default).
    #[serde(with = "secs", default = "default_max_retry_after")]
    pub max_retry_after: Duration,
    /// Flap guard.
    #[serde(with = "secs")]
    pub stable_after: Duration,
    /// Largest inbound frame.
    pub max_inbound_frame: usize,
    /// Shutdown drain limit.
    #[serde(with = "secs")]
    pub shutdown_timeout: Duration,
    /// `debug_reconnects`.
    pub debug_reconnects: bool,
    /// The jitter seed: a replay repeats the same retry delays with it.
    pub seed: u64,
    /// RTM pacing.
    #[serde(with = "secs")]
    pub rtm_send_interval: Duration,
    /// RTM queue capacity.
    pub rtm_queue_capacity: usize,
    /// RTM resume window.
    #[serde(with = "secs")]
    pub rtm_resume_window: Duration,
    /// RTM reply deadline.
    #[serde(with = "secs")]
    pub rtm_reply_timeout: Duration,
    /// RTM self-event filter.
    pub rtm_ignore_self: bool,
}

fn default_max_retry_after() -> Duration {
    crate::config::DEFAULT_MAX_RETRY_AFTER
}

/// The dedupe setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DedupeSnapshot {
    /// How long ids are remembered.
    #[serde(with = "secs")]
    pub window: Duration,
    /// How many at most.
    pub capacity: usize,
}

impl ConfigSnapshot {
    /// The settings of `config` (not its token).
    pub fn of(config: &Config) -> Self {
        let (mode, rtm_options) = match &config.mode {
            Mode::SocketMode => ("socket_mode", Vec::new()),
            Mode::Rtm(RtmConnect::Connect(o)) => (
                "rtm_connect",
                vec![
                    ("batch_presence_aware".to_owned(), o.batch_presence_aware),
                    ("presence_sub".to_owned(), o.presence_sub),
                ],
            ),
            Mode::Rtm(RtmConnect::Start(o)) => (
                "rtm_start",
                o.params()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v == "true"))
                    .collect(),
            ),
        };
        let token_kind = match config.token.kind() {
            TokenKind::App => "app",
            TokenKind::Bot => "bot",
            TokenKind::User => "user",
            _ => "other",
        };
        ConfigSnapshot {
            mode: mode.into(),
            token_kind: token_kind.into(),
            rtm_options,
            api_url: config.api_url.clone(),
            connections: config.connections,
            ping_interval: config.ping_interval,
            pong_timeout: config.pong_timeout,
            idle_timeout: config.idle_timeout,
            hello_timeout: config.hello_timeout,
            http_timeout: config.http_timeout,
            ack_timeout: config.ack_timeout,
            late_ack: match config.late_ack {
                LateAckPolicy::AutoAck => "auto_ack",
                LateAckPolicy::Report => "report",
            }
            .into(),
            defer_response_acks: config.defer_response_acks,
            dedupe: config
                .dedupe
                .map(|(window, capacity)| DedupeSnapshot { window, capacity }),
            refresh_ahead: config.refresh_ahead,
            backoff_initial: config.backoff_initial,
            backoff_max: config.backoff_max,
            rate_limit_wait: config.rate_limit_wait,
            max_retry_after: config.max_retry_after,
            stable_after: config.stable_after,
            max_inbound_frame: config.max_inbound_frame,
            shutdown_timeout: config.shutdown_timeout,
            debug_reconnects: config.debug_reconnects,
            seed: config.seed,
            rtm_send_interval: config.rtm_send_interval,
            rtm_queue_capacity: config.rtm_queue_capacity,
            rtm_resume_window: config.rtm_resume_window,
            rtm_reply_timeout: config.rtm_reply_timeout,
            rtm_ignore_self: config.rtm_ignore_self,
        }
    }

    /// A configuration with these settings and a placeholder token of the recorded kind (a
    /// replay talks to no one).
    pub fn to_config(&self) -> Result<Config, ConfigError> {
        let option = |name: &str| {
            self.rtm_options
                .iter()
                .find(|(k, _)| k == name)
                .map(|&(_, v)| v)
        };
        let user = self.token_kind == "user";
        let rtm_token = if user { "xoxp-replay" } else { "xoxb-replay" };
        let mut config = match self.mode.as_str() {
            "rtm_connect" => Config::rtm(rtm_token).with_rtm_connect(RtmConnectOptions {
                batch_presence_aware: option("batch_presence_aware").unwrap_or(false),
                presence_sub: option("presence_sub").unwrap_or(false),
            }),
            "rtm_start" => Config::rtm(rtm_token).with_rtm_start(RtmStartOptions {
                simple_latest: option("simple_latest"),
                no_unreads: option("no_unreads"),
                mpim_aware: option("mpim_aware"),
                no_latest: option("no_latest"),
                include_locale: option("include_locale"),
                batch_presence_aware: option("batch_presence_aware"),
                presence_sub: option("presence_sub"),
            }),
            _ => Config::socket_mode("xapp-replay"),
        };
        config.api_url = self.api_url.clone();
        config.connections = self.connections;
        config.ping_interval = self.ping_interval;
        config.pong_timeout = self.pong_timeout;
        config.idle_timeout = self.idle_timeout;
        config.hello_timeout = self.hello_timeout;
        config.http_timeout = self.http_timeout;
        config.ack_timeout = self.ack_timeout;
        config.late_ack = if self.late_ack == "report" {
            LateAckPolicy::Report
        } else {
            LateAckPolicy::AutoAck
        };
        config.defer_response_acks = self.defer_response_acks;
        config.dedupe = self.dedupe.map(|d| (d.window, d.capacity));
        config.refresh_ahead = self.refresh_ahead;
        config.backoff_initial = self.backoff_initial;
        config.backoff_max = self.backoff_max;
        config.rate_limit_wait = self.rate_limit_wait;
        config.max_retry_after = self.max_retry_after;
        config.stable_after = self.stable_after;
        config.max_inbound_frame = self.max_inbound_frame;
        config.shutdown_timeout = self.shutdown_timeout;
        config.debug_reconnects = self.debug_reconnects;
        config.seed = self.seed;
        config.rtm_send_interval = self.rtm_send_interval;
        config.rtm_queue_capacity = self.rtm_queue_capacity;
        config.rtm_resume_window = self.rtm_resume_window;
        config.rtm_reply_timeout = self.rtm_reply_timeout;
        config.rtm_ignore_self = self.rtm_ignore_self;
        config.validate()?;
        Ok(config)
    }
}
