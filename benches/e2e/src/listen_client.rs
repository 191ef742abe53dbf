//! `slackline listen`, the command users run, as a bench client: this process starts it
//! against the flood (`--max-events N`, so it stops once every envelope is printed and acked)
//! and is the process reading its stdout (64 KiB at a time, lines counted); with `--quiet`,
//! stdout is discarded and envelopes are acked on arrival. What is reported is the `listen`
//! process's own CPU time and peak RSS, read from `/proc` (sampled while it runs, since a
//! finished process keeps its CPU times but no longer its memory figures).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::resources::{cpu_times, Usage};
use crate::ClientReport;

/// The `slackline` binary beside this one (the bench builds both).
fn slackline() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let dir = exe.parent().ok_or("no directory for the running binary")?;
    Ok(dir.join(format!("slackline{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs `slackline listen [--quiet]` until it has printed `expected` envelopes.
pub fn run(api_url: &str, expected: u64, quiet: bool) -> Result<ClientReport, String> {
    let mut command = Command::new(slackline()?);
    command
        .args(["listen", "--api-url", api_url, "--max-events"])
        .arg(expected.to_string())
        .env("SLACK_APP_TOKEN", crate::BENCH_TOKEN)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    if quiet {
        command.arg("--quiet").stdout(Stdio::null());
    } else {
        command.stdout(Stdio::piped());
    }
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start slackline listen: {e}"))?;
    let pid = child.id();
    // Peak RSS, sampled while it runs.
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = peak_rss(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                pause(Duration::from_millis(10));
            }
        })
    };
    let mut lines = 0u64;
    if let Some(mut stdout) = child.stdout.take() {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading listen's stdout: {e}")),
            }
        }
    }
    // Its CPU times, once it has exited but before it is reaped (a zombie keeps them).
    let usage = loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next());
        if matches!(state, Some("Z" | "X") | None) {
            let (user, system) = cpu_times(&stat).unwrap_or_default();
            break Usage {
                user,
                system,
                peak_rss_kib: 0,
            };
        }
        if let Some(kib) = peak_rss(pid) {
            peak.fetch_max(kib, Ordering::Relaxed);
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            return Err("slackline listen did not exit".into());
        }
        pause(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("slackline listen exited with {status}"));
    }
    // Envelopes, a hello and nothing else: the server's count of acks is the one reported.
    if !quiet && lines < expected {
        return Err(format!(
            "listen printed {lines} lines for {expected} envelopes"
        ));
    }
    Ok(ClientReport {
        kind: if quiet { "listen-quiet" } else { "listen" }.to_owned(),
        acks: expected,
        elapsed,
        usage: Usage {
            peak_rss_kib: peak.load(Ordering::Relaxed),
            ..usage
        },
    })
}

/// `VmHWM` of a running process, KiB.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A pause between two looks at `/proc`: a process's memory and its exit leave no event to
/// wait on without reaping it (which would lose its CPU times), so they are polled.
#[allow(clippy::disallowed_methods)]
fn pause(d: Duration) {
    std::thread::sleep(d);
}
