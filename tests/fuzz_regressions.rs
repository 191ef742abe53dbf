//! Every input a fuzz target ever failed on, replayed through the same checks
//! (`slackline_test_support::session::fuzz`), so that a fixed bug stays fixed. Inputs live in
//! `tests/data/fuzz-regressions/<target>/`; TESTING.md says what each one found.

use slackline_test_support::data_dir;

fn replay_all(target: &str, check: fn(&[u8])) {
    let dir = data_dir(&format!("tests/data/fuzz-regressions/{target}"));
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    for input in inputs {
        let data = std::fs::read(&input).unwrap();
        let name = input.display().to_string();
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            std::panic::resume_unwind(Box::new(format!("{name}: {panic:?}")));
        }
    }
}

#[test]
fn script_inputs_that_once_failed() {
    replay_all("script", slackline_test_support::fuzz::script);
}

#[test]
fn transcript_inputs_that_once_failed() {
    replay_all("transcript", slackline_test_support::fuzz::transcript);
}

#[test]
fn chaos_inputs_that_once_failed() {
    replay_all("chaos", slackline_test_support::fuzz::chaos);
}
