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

    /// Gives many bare acks without waiting, as [`give_now`](Self::give_now) each would, in
    /// one command per client rather than one per ack (a writer acking a batch of lines it
    /// has written costs the drive loop one wake-up, not one per line).
    pub fn give_all_now(acks: impl IntoIterator<Item = HeldAck>) {
        let mut batch: Option<(ClientHandle, Vec<String>)> = None;
        for mut held in acks {
            let Some(mut responder) = held.0.take() else {
                continue;
            };
            if !std::mem::replace(&mut responder.pending, false) {
                continue;
            }
            let envelope_id = responder.envelope_id().to_owned();
            match &mut batch {
                Some((handle, ids)) if handle.same_client(&responder.handle) => {
                    ids.push(envelope_id)
                }
                _ => {
                    if let Some((handle, ids)) = batch.take() {
                        handle.send_acks(ids);
                    }
                    batch = Some((responder.handle.clone(), vec![envelope_id]));
                }
            }
        }
        if let Some((handle, ids)) = batch {
            handle.send_acks(ids);
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures_channel::mpsc;

    use super::*;

    fn client() -> (ClientHandle, mpsc::Receiver<Command>) {
        let (commands, received) = mpsc::channel(16);
        let handle = ClientHandle {
            commands: Arc::new(commands),
        };
        (handle, received)
    }

    fn held(id: &str, pending: bool, handle: &ClientHandle) -> HeldAck {
        HeldAck::new(Responder::new(
            Bytes::copy_from_slice(id.as_bytes()),
            pending,
            handle.clone(),
        ))
    }

    fn drained(received: &mut mpsc::Receiver<Command>) -> Vec<Vec<String>> {
        let mut batches = Vec::new();
        while let Ok(command) = received.try_recv() {
            match command {
                Command::Acks(ids) => batches.push(ids),
                other => panic!("unexpected {other:?}"),
            }
        }
        batches
    }

    #[test]
    fn acks_given_together_go_in_one_command_per_client_in_order() {
        let (a, mut to_a) = client();
        let (b, mut to_b) = client();
        HeldAck::give_all_now([
            held("E1", true, &a),
            held("E2", true, &a),
            HeldAck::none(),
            held("E3", false, &a), // acked before: nothing to give
            held("E4", true, &b),
            held("E5", true, &a),
        ]);
        assert_eq!(
            drained(&mut to_a),
            [
                vec!["E1".to_owned(), "E2".to_owned()],
                vec!["E5".to_owned()]
            ]
        );
        assert_eq!(drained(&mut to_b), [vec!["E4".to_owned()]]);
    }

    #[test]
    fn a_held_ack_dropped_instead_of_given_sends_nothing() {
        let (a, mut to_a) = client();
        drop(held("E1", true, &a));
        HeldAck::give_all_now([]);
        assert!(drained(&mut to_a).is_empty());
    }
}
