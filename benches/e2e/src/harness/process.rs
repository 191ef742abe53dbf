//! Child processes for a run: the flood server (`slackline serve --flood`) and one client
//! (`bench-client`). Every wait is bounded; a child still running when its handle is dropped
//! (an error, a timeout) is killed by its own pid and reaped, so a run never leaves one behind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A child with its stdout read line by line on a thread of its own.
#[derive(Debug)]
pub struct Spawned {
    name: String,
    child: Child,
    lines: mpsc::Receiver<String>,
    /// The latest line read so far.
    last: Option<String>,
}

impl Spawned {
    /// Starts `program` with `args`, stdout captured, stderr passed through when `show_stderr`.
    pub fn start(
        name: &str,
        program: &Path,
        args: &[String],
        show_stderr: bool,
    ) -> Result<Spawned, String> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if show_stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Spawned {
            name: name.to_owned(),
            child,
            lines,
            last: None,
        })
    }

    /// The process id (for reading `/proc/<pid>`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line on stdout, waiting at most `limit`.
    pub fn line(&self, limit: Duration) -> Result<String, String> {
        self.lines
            .recv_timeout(limit)
            .map_err(|_| format!("{}: no output within {limit:?}", self.name))
    }

    /// Waits at most `limit` for output (the clients print one line, when done): a bounded
    /// pause between samples that ends early when the process is finishing.
    pub fn wait_output(&mut self, limit: Duration) {
        if let Ok(line) = self.lines.recv_timeout(limit) {
            self.last = Some(line);
        }
    }

    /// Waits for the process to exit (at most `limit`) and returns its last line of output.
    pub fn finish(mut self, limit: Duration) -> Result<String, String> {
        let deadline = Instant::now() + limit;
        let mut last = self.last.take();
        loop {
            while let Ok(line) = self.lines.try_recv() {
                last = Some(line);
            }
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                // The reader thread may still hold the last lines.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    last = Some(line);
                }
                return match (status.success(), last) {
                    (true, Some(line)) => Ok(line),
                    (_, last) => Err(format!(
                        "{} exited with {status}; last output: {}",
                        self.name,
                        last.unwrap_or_default()
                    )),
                };
            }
            if Instant::now() >= deadline {
                return Err(format!("{} still running after {limit:?}", self.name));
            }
            // Polling keeps the wait bounded without a signal handler; 5 ms is far below
            // anything measured (the measurements come from the processes themselves).
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(5)) {
                last = Some(line);
            }
        }
    }

    /// Whether it has exited.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.has_exited() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// CPU time (user + system) and resident memory of a running process, from `/proc`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Seconds since the client started.
    pub at_s: f64,
    /// CPU seconds used so far.
    pub cpu_s: f64,
    /// Resident set size, KiB.
    pub rss_kib: u64,
}

/// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; `None` once the process is gone.
pub fn sample(pid: u32, since: Instant) -> Option<Sample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let (user, system) = crate::resources::cpu_times(&stat)?;
    let rss_kib = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())?;
    Some(Sample {
        at_s: since.elapsed().as_secs_f64(),
        cpu_s: (user + system).as_secs_f64(),
        rss_kib,
    })
}

/// Where the binaries of this build are: beside the running `e2e`.
pub fn sibling(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let dir = exe.parent().ok_or("no directory for the running binary")?;
    Ok(dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// Builds the server and client binaries with the profile this binary was built with, so one
/// `cargo run -p slackline-bench --bin e2e` is the whole command. `slackline` is built on its
/// own, as users build it (`-p slackline-cli`): built together with the bench, its dependencies'
/// features are unified with the bench's, its symbols named otherwise, and its layout
/// (`crates/cli/layout`) no longer applies, so the bench would measure another binary.
pub fn build_binaries() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for package in ["slackline-cli", "slackline-bench"] {
        let mut command = Command::new(&cargo);
        command.args(["build", "--quiet", "-p", package, "--bins"]);
        if !cfg!(debug_assertions) {
            command.arg("--release");
        }
        let status = command
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("building {package} failed: {status}"));
        }
    }
    Ok(())
}
