//! The core stays sans-IO: a tiny dependency list, and no clock, sleep, socket or random source
//! in `src/`, nor in the crates beside it that run in virtual time (the fake Slack, the harness,
//! transcripts). (`.ci/purity.sh` also checks their resolved trees with `cargo tree`, and
//! `clippy.toml` bans the same calls at compile time in all of them.)

use std::path::Path;

const ALLOWED_DEPENDENCIES: [&str; 5] = ["bytes", "memchr", "safe_arch", "serde", "serde_json"];
const FORBIDDEN_IN_SOURCE: [&str; 10] = [
    "Instant::now",
    "SystemTime::now",
    "thread::sleep",
    "std::net",
    "std::fs",
    "std::process",
    "rand::",
    "getrandom",
    "RandomState",
    "async fn",
];

#[test]
fn the_core_depends_only_on_serde_serde_json_bytes_memchr_and_safe_arch() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    // Every section of normal dependencies counts, the per-target ones too.
    let sections: Vec<&str> = manifest
        .split("\n[")
        .filter(|section| {
            let header = section.lines().next().unwrap_or_default();
            header == "dependencies]"
                || (header.starts_with("target.") && header.ends_with(".dependencies]"))
        })
        .collect();
    assert!(!sections.is_empty(), "a [dependencies] section");
    for line in sections
        .iter()
        .flat_map(|s| s.lines().skip(1))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let name = line.split(['=', '.', ' ']).next().unwrap().trim();
        assert!(
            ALLOWED_DEPENDENCIES.contains(&name),
            "the core must stay sans-IO, but depends on `{name}`"
        );
    }
}

/// The sources that must stay sans-IO: the core and the crates that run in virtual time.
const PURE_SOURCES: [&str; 4] = [
    "src",
    "crates/fake/src",
    "crates/sim/src",
    "crates/transcript/src",
];

#[test]
fn the_core_and_the_virtual_time_crates_never_read_the_clock_or_do_io() {
    let mut offenders = Vec::new();
    for dir in PURE_SOURCES {
        visit(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
            &mut offenders,
        );
    }
    assert!(
        offenders.is_empty(),
        "sans-IO core violations:\n{}",
        offenders.join("\n")
    );
}

fn visit(dir: &Path, offenders: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, offenders);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for needle in FORBIDDEN_IN_SOURCE {
                if code.contains(needle) {
                    offenders.push(format!(
                        "{}:{}: {}",
                        path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
}
