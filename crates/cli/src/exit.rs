//! How a command ended, and the exit status that says so.

use std::process::ExitCode;

/// Exit statuses (documented in `--help` and the README).
pub const FAILURE: u8 = 1;
/// Slack ended the session for good (`link_disabled`, a revoked or invalid token).
pub const SESSION_ENDED: u8 = 3;
/// The client under test did not pass: the verdict is not ok, or a replay diverged.
pub const CLIENT_FAILED: u8 = 4;
/// `listen`: stdout was closed (the reader went away, `EPIPE`) before the session ended.
pub const STDOUT_CLOSED: u8 = 5;

#[derive(Debug)]
pub enum Outcome {
    Success,
    /// The verdict or the replay check failed; the details were printed already.
    ClientFailed,
    Error(anyhow::Error),
    /// Ended with this status; what stderr should say was said already.
    Exit(u8),
}

impl From<anyhow::Result<Outcome>> for Outcome {
    fn from(result: anyhow::Result<Outcome>) -> Self {
        result.unwrap_or_else(Outcome::Error)
    }
}

/// Prints what stderr should say and turns the outcome into the exit status.
pub fn report(outcome: Outcome) -> ExitCode {
    match outcome {
        Outcome::Success => ExitCode::SUCCESS,
        Outcome::ClientFailed => ExitCode::from(CLIENT_FAILED),
        Outcome::Exit(status) => ExitCode::from(status),
        Outcome::Error(error) => {
            // `{:#}` puts the context chain on one line: "reading x: No such file".
            eprintln!("slackline: error: {error:#}");
            ExitCode::from(FAILURE)
        }
    }
}
