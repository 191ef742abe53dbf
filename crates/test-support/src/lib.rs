//! # What slackline's tests share
//!
//! One place for the helpers of every test in the workspace (after rustls' `rustls-test` and
//! str0m's `_str0m_test`), instead of files pulled in with `#[path]`:
//!
//! - test tokens and test data ([`APP_TOKEN`], [`data_dir`], [`json_files`], [`load_script`]);
//! - [`session`]: a scripted stand-in for a driver, feeding one `Session` in virtual time with
//!   the audit after every drain, and [`mod@script`]: operation sequences over it (the property
//!   tests and the `session_script` fuzz target);
//! - [`chaos`]: workloads and checks for the chaos properties, and [`fuzz`]: the fuzz targets'
//!   bodies, run by `cargo fuzz` and by the regression tests alike;
//! - [`workload`]: the recorded envelopes the benches feed a `Session`;
//! - `drivers` (feature `drivers`): the end-to-end scenarios every driver runs.

#![allow(missing_docs, missing_debug_implementations)]

pub mod chaos;
#[cfg(feature = "drivers")]
pub mod drivers;
pub mod fuzz;
pub mod mutator;
pub mod redis;
pub mod script;
pub mod session;
pub mod workload;

use std::path::{Path, PathBuf};

use slackline_fake::Script;

/// Test tokens: the right shape, nothing secret. Their last part must never appear in a log,
/// an error, a `Debug` output, a transcript or a report ([`leaks_a_token`]).
pub const APP_TOKEN: &str = "xapp-1-A0FAKEAPP01-1-test-app-secret";
pub const BOT_TOKEN: &str = "xoxb-1-2-test-bot-secret";

/// Whether `text` shows the secret part of [`APP_TOKEN`] or [`BOT_TOKEN`].
pub fn leaks_a_token(text: &str) -> bool {
    text.contains("test-app-secret") || text.contains("test-bot-secret")
}

/// A path from the repository's root.
pub fn data_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// The `.json` files of a directory (not recursive), as (name, contents).
pub fn json_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// A script file, with `envelope_file` & co. relative to the script's folder.
pub fn load_script(path: &Path) -> Script {
    let text = std::fs::read_to_string(path).unwrap();
    let base = path.parent().unwrap().to_owned();
    Script::parse_with_files(&text, &mut |file: &str| {
        std::fs::read_to_string(base.join(file)).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn script(text: &str) -> Script {
    Script::parse(text).unwrap_or_else(|e| panic!("{e}"))
}
