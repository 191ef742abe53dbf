//! `slackline replay FILE [--check]`: the transcript's inputs fed to today's session in virtual
//! time; its actions printed as transcript lines on stdout, the comparison on stderr.

use std::path::Path;

use anyhow::Context as _;
use slackline_transcript::{replay, ReplayOptions, Transcript};

use crate::exit::Outcome;

pub fn run(file: &Path, check: bool) -> Outcome {
    replay_file(file, check).into()
}

fn replay_file(file: &Path, check: bool) -> anyhow::Result<Outcome> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let transcript = Transcript::parse(&text)
        .with_context(|| format!("{} is not a valid transcript", file.display()))?;
    let result = replay(&transcript, &ReplayOptions::default())
        .with_context(|| format!("cannot replay {}", file.display()))?;
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        for record in &result.produced {
            // A closed stdout (`| head`) ends the listing, not the comparison.
            if writeln!(out, "{}", record.to_line()).is_err() {
                break;
            }
        }
        let _ = out.flush();
    }
    if result.is_faithful() {
        eprintln!(
            "replay: {} recorded actions and events compared, the client behaves as recorded",
            result.compared
        );
        return Ok(Outcome::Success);
    }
    eprintln!(
        "replay: {} recorded actions and events compared, {} differences:",
        result.compared,
        result.divergences.len()
    );
    for divergence in &result.divergences {
        eprintln!("  {divergence}");
    }
    Ok(if check {
        Outcome::ClientFailed
    } else {
        Outcome::Success
    })
}
