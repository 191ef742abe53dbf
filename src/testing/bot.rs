//! The bot under test and what it can do: [`Bot`], [`Ctx`].

use std::collections::BTreeSet;

use serde::Serialize;

use crate::event::Event;
use crate::ids::RequestId;
use crate::rtm::SendError;
use crate::session::{AckError, Session};
use crate::time::Instant;
use crate::transcript::{Recorder, Transcript};
use crate::webapi::{HttpRequest, HttpResponse};

/// A bot under test: it sees every event the session dispatches.
pub trait Bot {
    /// An event was dispatched.
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event);

    /// The answer to a Web API call made with [`Ctx::call_api`].
    fn on_api_response(&mut self, ctx: &mut Ctx<'_>, request: RequestId, response: &HttpResponse) {
        let _ = (ctx, request, response);
    }

    /// A time asked for with [`Ctx::wake_at`] has come.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }
}

/// A borrowed bot, so that what it recorded is still there after the run.
impl<B: Bot + ?Sized> Bot for &mut B {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        (**self).on_event(ctx, event)
    }

    fn on_api_response(&mut self, ctx: &mut Ctx<'_>, request: RequestId, response: &HttpResponse) {
        (**self).on_api_response(ctx, request, response)
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        (**self).on_wake(ctx)
    }
}

/// A closure bot: `|ctx, event| { … }`.
pub(super) struct FnBot<F>(pub(super) F);

impl<F: FnMut(&mut Ctx<'_>, &Event)> Bot for FnBot<F> {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        (self.0)(ctx, event)
    }
}

/// What a bot can do while handling an event. App calls made through it are recorded in the
/// transcript, so a replay repeats them.
pub struct Ctx<'a> {
    pub(super) session: &'a mut Session,
    pub(super) now: Instant,
    pub(super) calls: &'a mut Vec<HttpRequest>,
    pub(super) wakes: &'a mut BTreeSet<Instant>,
    pub(super) recorder: Recorder,
    pub(super) transcript: &'a mut Option<Transcript>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("now", &self.now).finish()
    }
}

impl Ctx<'_> {
    fn record(&mut self, record: crate::transcript::Record) {
        if let Some(t) = self.transcript.as_mut() {
            t.records.push(record);
        }
    }

    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The session, to look at (act through the methods of `Ctx`).
    pub fn session(&self) -> &Session {
        self.session
    }

    /// [`Session::ack`].
    pub fn ack(&mut self, envelope_id: &str) -> Result<(), AckError> {
        let record = self.recorder.ack(self.now, envelope_id, None);
        self.record(record);
        self.session.ack(self.now, envelope_id)
    }

    /// [`Session::ack_with`]: an ack carrying a response payload.
    pub fn ack_with<T: Serialize + ?Sized>(
        &mut self,
        envelope_id: &str,
        payload: &T,
    ) -> Result<(), AckError> {
        let json = serde_json::to_string(payload).map_err(|e| AckError::Payload(e.to_string()))?;
        let record = self.recorder.ack(self.now, envelope_id, Some(&json));
        self.record(record);
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&json).map_err(|e| AckError::Payload(e.to_string()))?;
        self.session.ack_with(self.now, envelope_id, raw)
    }

    /// [`Session::send_message`] (RTM).
    pub fn send_message(&mut self, channel: &str, text: &str) -> Result<u64, SendError> {
        let message = serde_json::json!({ "type": "message", "channel": channel, "text": text });
        self.send_rtm(&message)
    }

    /// [`Session::send_rtm`] (RTM).
    pub fn send_rtm<T: Serialize + ?Sized>(&mut self, message: &T) -> Result<u64, SendError> {
        let json = serde_json::to_string(message).map_err(|e| SendError::Invalid(e.to_string()))?;
        let record = self.recorder.send_rtm(self.now, &json);
        self.record(record);
        self.session.send_rtm(self.now, message)
    }

    /// [`Session::send_typing`] (RTM).
    pub fn send_typing(&mut self, channel: &str) -> Result<u64, SendError> {
        let record = self.recorder.send_typing(self.now, channel);
        self.record(record);
        self.session.send_typing(self.now, channel)
    }

    /// [`Session::shutdown`].
    pub fn shutdown(&mut self) {
        let record = self.recorder.shutdown(self.now);
        self.record(record);
        self.session.shutdown(self.now);
    }

    /// Sends a Web API request (built with your own [`WebApi`](crate::WebApi) and bot token)
    /// to the fake; the answer comes to [`Bot::on_api_response`].
    pub fn call_api(&mut self, request: HttpRequest) {
        self.calls.push(request);
    }

    /// Asks for [`Bot::on_wake`] at `at` (to act later, e.g. a slow or late ack).
    pub fn wake_at(&mut self, at: Instant) {
        self.wakes.insert(at.max(self.now));
    }
}
