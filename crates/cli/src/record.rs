//! `slackline record`'s transcript file. The driver hands over records already redacted; this
//! only writes them as JSON lines, buffered (the drive loop must not wait on the disk for
//! every frame), flushed when the client is done.
//!
//! A write that fails (a full disk, an I/O error) stops the recording for good: the first
//! error is kept, nothing more is written, and `record` stops with that one error (a
//! transcript that silently misses records is worse than none).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use slackline_tokio::TranscriptSink;
use slackline_transcript::{Record, TranscriptHeader};
use tokio::sync::Notify;

pub struct FileSink {
    out: BufWriter<File>,
    status: SinkStatus,
}

#[derive(Default)]
struct Shared {
    /// The first write error.
    error: Mutex<Option<String>>,
    /// Set once the file is flushed and closed (or the sink dropped).
    closed: Mutex<bool>,
    news: Notify,
}

/// Whether the transcript could be written; shared with the command.
#[derive(Clone, Default)]
pub struct SinkStatus(Arc<Shared>);

impl SinkStatus {
    fn error(&self) -> Option<String> {
        self.0
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until a write has failed.
    pub async fn failed(&self) {
        loop {
            let notified = self.0.news.notified();
            if self.error().is_some() {
                return;
            }
            notified.await;
        }
    }

    /// Waits (at most `limit`) for the file to be closed, and says what went wrong, if anything.
    pub async fn closed(&self, limit: Duration) -> Option<String> {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let notified = self.0.news.notified();
                if *self.0.closed.lock().unwrap_or_else(PoisonError::into_inner) {
                    return;
                }
                notified.await;
            }
        })
        .await;
        self.error()
    }
}

impl FileSink {
    /// Creates (or truncates) the file now, so a bad path fails before connecting.
    pub fn create(path: &Path) -> anyhow::Result<FileSink> {
        let file = File::create(path)
            .with_context(|| format!("cannot write the transcript to {}", path.display()))?;
        Ok(FileSink {
            out: BufWriter::new(file),
            status: SinkStatus::default(),
        })
    }

    /// The sink's status, to watch from elsewhere.
    pub fn status(&self) -> SinkStatus {
        self.status.clone()
    }

    fn line(&mut self, line: &str) {
        if self.status.error().is_some() {
            return;
        }
        if let Err(e) = writeln!(self.out, "{line}") {
            self.fail(&e);
        }
    }

    fn fail(&self, error: &io::Error) {
        let mut first = self
            .status
            .0
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(error.to_string());
            drop(first);
            self.status.0.news.notify_waiters();
            self.status.0.news.notify_one();
        }
    }
}

impl TranscriptSink for FileSink {
    fn header(&mut self, header: TranscriptHeader) {
        self.line(&header.to_line());
    }

    fn record(&mut self, record: Record) {
        self.line(&record.to_line());
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        if self.status.error().is_none() {
            if let Err(e) = self
                .out
                .flush()
                .and_then(|()| self.out.get_ref().sync_data())
            {
                // `sync_data` fails on what cannot be synced (a pipe, /dev/null): not an error.
                if e.kind() != io::ErrorKind::InvalidInput {
                    self.fail(&e);
                }
            }
        }
        *self
            .status
            .0
            .closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.status.0.news.notify_waiters();
        self.status.0.news.notify_one();
    }
}
