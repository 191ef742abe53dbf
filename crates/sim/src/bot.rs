//! The bot under test and what it can do: [`Bot`], [`Ctx`].

use std::collections::BTreeSet;

use serde::Serialize;

use slackline::Instant;
use slackline::RequestId;
use slackline::SendError;
use slackline::{AckError, Session};
use slackline::{Event, Handled, Input, Refused, RtmMessage};
use slackline::{HttpRequest, HttpResponse};
use slackline_transcript::{Recorder, Transcript};

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
    /// Feeds the application's input, recorded first when a transcript is kept.
    fn feed(&mut self, input: Input) -> Result<Handled, Refused> {
        if let Some(t) = self.transcript.as_mut() {
            t.records.push(self.recorder.input(self.now, &input));
        }
        self.session.handle(self.now, input)
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
        self.ack_json(envelope_id, None)
    }

    /// [`Session::ack_with`]: an ack carrying a response payload.
    pub fn ack_with<T: Serialize + ?Sized>(
        &mut self,
        envelope_id: &str,
        payload: &T,
    ) -> Result<(), AckError> {
        let json = serde_json::to_string(payload).map_err(|e| AckError::Payload(e.to_string()))?;
        self.ack_json(envelope_id, Some(json))
    }

    fn ack_json(&mut self, envelope_id: &str, payload: Option<String>) -> Result<(), AckError> {
        let envelope_id = envelope_id.to_owned();
        match self.feed(Input::Ack {
            envelope_id,
            payload,
        }) {
            Err(Refused::Ack(error)) => Err(error),
            _ => Ok(()),
        }
    }

    /// [`Session::send_message`] (RTM).
    pub fn send_message(&mut self, channel: &str, text: &str) -> Result<u64, SendError> {
        let message = serde_json::json!({ "type": "message", "channel": channel, "text": text });
        self.send_rtm(&message)
    }

    /// [`Session::send_rtm`] (RTM).
    pub fn send_rtm<T: Serialize + ?Sized>(&mut self, message: &T) -> Result<u64, SendError> {
        let value = serde_json::to_value(message).map_err(|e| SendError::Invalid(e.to_string()))?;
        self.send(RtmMessage::Raw(value))
    }

    /// [`Session::send_typing`] (RTM).
    pub fn send_typing(&mut self, channel: &str) -> Result<u64, SendError> {
        let channel = channel.to_owned();
        self.send(RtmMessage::Typing { channel })
    }

    fn send(&mut self, message: RtmMessage) -> Result<u64, SendError> {
        match self.feed(Input::Rtm(message)) {
            Ok(Handled::RtmQueued(id)) => Ok(id),
            Err(Refused::Rtm(error)) => Err(error),
            _ => Err(SendError::NotRtm),
        }
    }

    /// [`Session::shutdown`].
    pub fn shutdown(&mut self) {
        let _ = self.feed(Input::Shutdown);
    }

    /// Sends a Web API request (built with your own [`WebApi`](slackline::WebApi) and bot token)
    /// to the fake; the answer comes to [`Bot::on_api_response`].
    pub fn call_api(&mut self, request: HttpRequest) {
        self.calls.push(request);
    }

    /// Asks for [`Bot::on_wake`] at `at` (to act later, e.g. a slow or late ack).
    pub fn wake_at(&mut self, at: Instant) {
        self.wakes.insert(at.max(self.now));
    }
}
