//! What an RTM send comes to, in the application's terms.

use bytes::Bytes;
use slackline::{RtmOutcome, SendError};

/// Why an RTM send did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtmError {
    /// The session refused to queue it (too large, queue full, shutting down...).
    #[error(transparent)]
    Send(#[from] SendError),
    /// Slack answered with an error (`code` -1: slow down).
    #[error("Slack refused the message: {msg} (code {code})")]
    Failed {
        /// `error.code`.
        code: i64,
        /// `error.msg`.
        msg: String,
    },
    /// The connection dropped and no reply came after reconnecting: it may have been posted.
    #[error("the connection was lost before a reply; the message may or may not have been posted")]
    Lost,
    /// No reply within the reply timeout.
    #[error("no reply from Slack in time")]
    TimedOut,
    /// Never sent: the session stopped first.
    #[error("not sent: the session stopped")]
    NotSent,
}

/// A message Slack confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent {
    /// The id the message was sent with.
    pub id: u64,
    /// `ts`: the message's id within its channel.
    pub ts: Option<String>,
    /// `text` as Slack stored it.
    pub text: Option<String>,
    /// The whole reply frame (for pings: the pong, with the fields sent echoed back).
    pub raw: Bytes,
}

impl Sent {
    /// The result of message `id` from the session's outcome for it.
    pub fn from_outcome(id: u64, outcome: RtmOutcome) -> Result<Sent, RtmError> {
        match outcome {
            RtmOutcome::Ok { ts, text, raw } => Ok(Sent { id, ts, text, raw }),
            RtmOutcome::Failed { code, msg } => Err(RtmError::Failed { code, msg }),
            RtmOutcome::Lost => Err(RtmError::Lost),
            RtmOutcome::TimedOut => Err(RtmError::TimedOut),
            _ => Err(RtmError::NotSent),
        }
    }
}
