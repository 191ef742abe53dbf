//! Talking on an RTM connection: messages, typing, pings, and awaiting their `reply_to`.

use std::ops::Deref;

use futures_channel::oneshot;
use serde::Serialize;
use slackline::{RtmMessage, RtmOutcome, SendError};
use slackline_client::{Command, RtmError, Sent};

use crate::command::{reply_channel, ClientHandle};

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

    async fn queue(
        &self,
        message: RtmMessage,
    ) -> Result<(u64, Option<oneshot::Receiver<RtmOutcome>>), RtmError> {
        let (outcome, answer) = match message.is_silent() {
            true => (None, None),
            false => {
                let (reply, answer) = reply_channel();
                (Some(reply), Some(answer))
            }
        };
        let id = self
            .client
            .ask(|queued| Command::Rtm {
                message,
                queued,
                outcome,
            })
            .await
            .unwrap_or(Err(SendError::Stopped))
            .map_err(RtmError::Send)?;
        Ok((id, answer))
    }

    async fn send_and_wait(&self, message: RtmMessage) -> Result<Sent, RtmError> {
        let (id, answer) = self.queue(message).await?;
        let outcome = match answer {
            Some(answer) => answer.await.unwrap_or(RtmOutcome::NotSent),
            None => RtmOutcome::NotSent,
        };
        Sent::from_outcome(id, outcome)
    }
}
