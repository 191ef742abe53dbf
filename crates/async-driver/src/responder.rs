//! Acking an envelope from a handler, with or without a response payload.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;
use slackline::AckError;

use slackline_client::Command;

use crate::command::ClientHandle;

/// Given to every envelope handler. For envelopes that wait for the app (they accept a
/// response payload), call [`ack`](Self::ack) or [`ack_with`](Self::ack_with) within Slack's
/// 3 seconds; if the handler drops the responder without acking, a bare ack is sent at once.
/// Envelopes of other kinds were acked before the handler ran.
pub struct Responder {
    /// The id's text, usually shared with the received frame (no copy per envelope).
    envelope_id: Bytes,
    pending: bool,
    handle: ClientHandle,
}

impl Responder {
    /// `envelope_id` must be UTF-8 (it is: it comes from a text frame or a `String`).
    pub(crate) fn new(envelope_id: Bytes, pending: bool, handle: ClientHandle) -> Self {
        Responder {
            envelope_id,
            pending,
            handle,
        }
    }

    /// A responder for an envelope acked elsewhere, e.g. by the listener that handed it to a
    /// worker (`slackline-redis`): the same handlers run there unchanged, but
    /// [`ack`](Self::ack) / [`ack_with`](Self::ack_with) answer [`AckError::NotPending`] (a
    /// response goes through `response_url` or the Web API then), and [`client`](Self::client)
    /// is connected to no client (its `shutdown` does nothing).
    pub fn acked(envelope_id: &str) -> Self {
        let (commands, _) = futures_channel::mpsc::channel(0);
        Responder {
            envelope_id: Bytes::copy_from_slice(envelope_id.as_bytes()),
            pending: false,
            handle: ClientHandle {
                commands: std::sync::Arc::new(commands),
            },
        }
    }

    /// The envelope this answers.
    pub fn envelope_id(&self) -> &str {
        std::str::from_utf8(&self.envelope_id).unwrap_or_default()
    }

    /// Whether the envelope still waits for this responder's ack.
    pub fn awaits_ack(&self) -> bool {
        self.pending
    }

    /// The client, for a handler that decides to shut it down.
    pub fn client(&self) -> &ClientHandle {
        &self.handle
    }

    /// Acks without a payload.
    pub async fn ack(mut self) -> Result<(), AckError> {
        self.send(None).await
    }

    /// Acks with a response payload: a message for a slash command, `response_action` for a view
    /// submission, `options` for a suggestion. Refused if the frame would exceed 20,480 bytes.
    pub async fn ack_with<T: Serialize + ?Sized>(mut self, payload: &T) -> Result<(), AckError> {
        let json = serde_json::to_string(payload).map_err(|e| AckError::Payload(e.to_string()))?;
        self.send(Some(json)).await
    }

    pub(crate) async fn send(&mut self, payload: Option<String>) -> Result<(), AckError> {
        if !std::mem::replace(&mut self.pending, false) {
            return Err(AckError::NotPending);
        }
        let envelope_id = self.envelope_id().to_owned();
        self.handle
            .ask(|reply| Command::Ack {
                envelope_id,
                payload,
                reply: Some(reply),
            })
            .await
            .unwrap_or(Err(AckError::Stopped))
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if self.pending {
            // Best effort: if the queue is full, the session's ack deadline still covers it.
            let envelope_id = self.envelope_id().to_owned();
            let _ = self.handle.sender().try_send(Command::Ack {
                envelope_id,
                payload: None,
                reply: None,
            });
        }
    }
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("envelope_id", &self.envelope_id())
            .field("pending", &self.pending)
            .finish()
    }
}
