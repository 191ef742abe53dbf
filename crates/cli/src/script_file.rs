//! Reading a script from disk: the core parses, the command line reads files (the core does no
//! IO). A directory is a simple script of its `*.json` files; a script file may reference
//! files (`envelope_file`, ...) relative to its own directory.

use std::path::Path;

use anyhow::{bail, Context as _};
use slackline_fake::Script;

pub fn load(path: &Path) -> anyhow::Result<Script> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {shown}"))?;
    if meta.is_dir() {
        return load_dir(path);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {shown}"))?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let mut load = |reference: &str| -> Result<String, String> {
        let file = base.join(reference);
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    };
    Script::parse_with_files(&text, &mut load).map_err(|e| anyhow::anyhow!("{shown}: {e}"))
}

fn load_dir(dir: &Path) -> anyhow::Result<Script> {
    let shown = dir.display();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {shown}"))? {
        let path = entry
            .with_context(|| format!("cannot read {shown}"))?
            .path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            files.push((name, text));
        }
    }
    if files.is_empty() {
        bail!("{shown}: no *.json envelope files in this directory");
    }
    Script::from_envelope_files(files).map_err(|e| anyhow::anyhow!("{shown}: {e}"))
}
