//! Talking on an RTM connection: messages, typing, pings, and awaiting their `reply_to`.

use std::ops::Deref;

use bytes::Bytes;
use serde::Serialize;
use slackline::{RtmOutcome, SendError};

use crate::command::{ClientHandle, Command, RtmMessage};

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
    /// For the blocking driver, which builds these outside this crate.
    #[doc(hidden)]
    pub fn new(id: u64, ts: Option<String>, text: Option<String>, raw: Bytes) -> Sent {
        Sent { id, ts, text, raw }
    }
}

/// Sends on a running RTM client; also given to every RTM handler. Clone freely. Dereferences
/// to [`ClientHandle`] for `shutdown`.
#[derive(Clone, Debug)]
pub struct RtmHandle {
    pub(crate) client: ClientHandle,
}

impl Deref for RtmHandle {
    type Target = ClientHandle;
    fn deref(&self) -> &ClientHandle {
        &self.client
    }
}

impl RtmHandle {
    /// Posts `text` to `channel` and waits for Slack's `reply_to` (paced at one message per
    /// second, queued while reconnecting).
    pub async fn send_message(&self, channel: &str, text: &str) -> Result<Sent, RtmError> {
        self.send_and_wait(RtmMessage::Message {
            channel: channel.to_owned(),
            text: text.to_owned(),
        })
        .await
    }

    /// Shows "typing…" in `channel` (no reply unless Slack refuses it).
    pub async fn typing(&self, channel: &str) -> Result<(), RtmError> {
        self.queue(RtmMessage::Typing {
            channel: channel.to_owned(),
        })
        .await
        .map(drop)
    }

    /// An application-level ping; resolves with the pong.
    pub async fn ping(&self) -> Result<Sent, RtmError> {
        self.send_and_wait(RtmMessage::Ping).await
    }

    /// Any client message (an object with a `type`; the id is added) and its reply.
    pub async fn send<T: Serialize + ?Sized>(&self, message: &T) -> Result<Sent, RtmError> {
        let value = serde_json::to_value(message)
            .map_err(|e| RtmError::Send(SendError::Invalid(e.to_string())))?;
        self.send_and_wait(RtmMessage::Raw(value)).await
    }

    async fn queue(&self, message: RtmMessage) -> Result<crate::command::RtmQueued, RtmError> {
        self.client
            .request(|reply| Command::Rtm { message, reply })
            .await
            .unwrap_or(Err(SendError::Stopped))
            .map_err(RtmError::Send)
    }

    async fn send_and_wait(&self, message: RtmMessage) -> Result<Sent, RtmError> {
        let (id, reply) = self.queue(message).await?;
        let outcome = match reply {
            Some(reply) => reply.await.unwrap_or(RtmOutcome::NotSent),
            None => RtmOutcome::NotSent,
        };
        match outcome {
            RtmOutcome::Ok { ts, text, raw } => Ok(Sent { id, ts, text, raw }),
            RtmOutcome::Failed { code, msg } => Err(RtmError::Failed { code, msg }),
            RtmOutcome::Lost => Err(RtmError::Lost),
            RtmOutcome::TimedOut => Err(RtmError::TimedOut),
            _ => Err(RtmError::NotSent),
        }
    }
}
