//! What application code asks of a drive loop: acks, RTM sends and shutdown. Each driver
//! carries these over its own channel; answers go back through a [`Reply`], which the driver
//! makes from its own one-shot channel.

use std::fmt;

use slackline::{AckError, RtmMessage, RtmOutcome, SendError};

/// A one-shot answer to whoever asked (typically the send half of a one-shot channel).
pub type Reply<T> = Box<dyn FnOnce(T) + Send>;

/// One request from the application.
#[non_exhaustive]
pub enum Command {
    /// Ack a deferred envelope, with a response payload (JSON text) or bare.
    Ack {
        /// The envelope's id.
        envelope_id: String,
        /// The response payload as JSON, if any.
        payload: Option<String>,
        /// The session's verdict; `None` for a fire-and-forget ack (a responder dropped
        /// without acking).
        reply: Option<Reply<Result<(), AckError>>>,
    },
    /// Bare acks of deferred envelopes, given together: one command for a batch (an app
    /// that acks what it has written out, a batch at a time), each acked as a fire-and-forget
    /// [`Ack`](Command::Ack) would be.
    Acks(Vec<String>),
    /// Queue an RTM message.
    Rtm {
        /// The message.
        message: RtmMessage,
        /// Its id once queued, or why it was refused.
        queued: Reply<Result<u64, SendError>>,
        /// Its outcome (Slack's `reply_to`), unless the message is silent (`typing`).
        outcome: Option<Reply<RtmOutcome>>,
    },
    /// Start a graceful shutdown.
    Shutdown,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Ack {
                envelope_id,
                payload,
                ..
            } => f
                .debug_struct("Ack")
                .field("envelope_id", &slackline::redact_tokens(envelope_id))
                .field("payload_bytes", &payload.as_ref().map(String::len))
                .finish_non_exhaustive(),
            Command::Rtm { message, .. } => f
                .debug_struct("Rtm")
                .field("silent", &message.is_silent())
                .finish_non_exhaustive(),
            Command::Acks(envelope_ids) => f
                .debug_struct("Acks")
                .field("count", &envelope_ids.len())
                .finish(),
            Command::Shutdown => f.write_str("Shutdown"),
        }
    }
}
