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

/// An envelope's ack, given only on purpose: dropped, it is withheld (nothing is sent, and Slack
/// redelivers the envelope), where a dropped [`Responder`] acks at once. For apps that must not
/// ack what they have not taken care of yet (written out, stored, handed on) and may stop
/// before they have.
#[derive(Debug)]
pub struct HeldAck(Option<Responder>);

impl HeldAck {
    /// Holds `responder`'s ack.
    pub fn new(responder: Responder) -> Self {
        HeldAck(Some(responder))
    }

    /// Nothing to give: the envelope was acked already.
    pub fn none() -> Self {
        HeldAck(None)
    }

    /// Gives the ack, waiting for the session to take it.
    pub async fn give(mut self) -> Result<(), AckError> {
        match self.0.take() {
            Some(responder) => responder.ack().await,
            None => Ok(()),
        }
    }

    /// Gives a bare ack without waiting (queued for the drive loop, as a dropped responder's).
    pub fn give_now(mut self) {
        drop(self.0.take());
    }
}

impl Drop for HeldAck {
    fn drop(&mut self) {
        if let Some(mut responder) = self.0.take() {
            responder.pending = false;
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
