//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use slackline_fake::Script;

/// Test tokens: the right shape, nothing secret.
pub const APP_TOKEN: &str = "xapp-1-A0FAKEAPP01-1-test-app-secret";
pub const BOT_TOKEN: &str = "xoxb-1-2-test-bot-secret";

pub fn data_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
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
