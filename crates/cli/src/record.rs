//! `slackline record`'s transcript file. The driver hands over records already redacted; this
//! only writes them as JSON lines, buffered (the drive loop must not wait on the disk for
//! every frame), flushed when the client is done.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use slackline_tokio::TranscriptSink;
use slackline_transcript::{Record, TranscriptHeader};

pub struct FileSink {
    out: BufWriter<File>,
}

impl FileSink {
    /// Creates (or truncates) the file now, so a bad path fails before connecting.
    pub fn create(path: &Path) -> io::Result<FileSink> {
        Ok(FileSink {
            out: BufWriter::new(File::create(path)?),
        })
    }

    fn line(&mut self, line: &str) {
        if let Err(e) = writeln!(self.out, "{line}") {
            eprintln!("slackline: writing the transcript failed: {e}");
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
        if let Err(e) = self.out.flush() {
            eprintln!("slackline: writing the transcript failed: {e}");
        }
    }
}
