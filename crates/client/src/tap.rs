//! Recording what the drive loop feeds the session and what the session asks for, as
//! transcript records (`slackline record`). The records are redacted as they are made
//! ([`Recorder`]), so a sink never sees a token.

use slackline::{Action, Input, Instant};
use slackline_transcript::{Record, Recorder, TranscriptHeader};

/// Where a recording goes: the header once, before anything else, then every record in the
/// order the session saw it. Called from the drive loop: keep it quick (buffer, or hand the
/// record to another thread).
pub trait TranscriptSink: Send + 'static {
    /// The transcript header (the session's configuration, without its token).
    fn header(&mut self, header: TranscriptHeader);
    /// One record.
    fn record(&mut self, record: Record);
}

/// The loop's recorder: a [`Recorder`] with the session's start as time zero, and the sink.
pub(crate) struct Tap {
    recorder: Recorder,
    sink: Box<dyn TranscriptSink>,
}

impl Tap {
    pub(crate) fn new(sink: Box<dyn TranscriptSink>) -> Self {
        Tap {
            recorder: Recorder::new(Instant::ZERO),
            sink,
        }
    }

    pub(crate) fn header(&mut self, header: TranscriptHeader) {
        self.sink.header(header);
    }

    pub(crate) fn action(&mut self, now: Instant, action: &Action) {
        self.sink.record(self.recorder.action(now, action));
    }

    pub(crate) fn input(&mut self, now: Instant, input: &Input) {
        self.sink.record(self.recorder.input(now, input));
    }
}
