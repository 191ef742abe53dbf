//! One app as a fleet of `slackline` processes on a real `redis-server` (started here on a
//! free loopback port): listeners sharing dedupe, the hand-off to workers, a worker killed
//! with SIGKILL, Redis killed and restarted. Every wait polls for a condition with a deadline.

#![cfg(unix)]
// Plain test threads polling child processes: no executor to block.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use slackline_test_support::redis::RedisServer;

const BIN: &str = env!("CARGO_BIN_EXE_slackline");
const APP_TOKEN: &str = "xapp-1-A0TEST-1-VERYSECRETVALUE";
/// Longest any wait in these tests.
const PATIENCE: Duration = Duration::from_secs(60);

/// A `slackline` process whose stdout lines are collected as they come; killed if dropped.
struct Proc {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Proc {
    fn start(args: &[&str], api_url: Option<&str>) -> Proc {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_remove("SLACK_API_URL")
            .env("SLACK_APP_TOKEN", APP_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = api_url {
            command.env("SLACK_API_URL", url);
        }
        let mut child = command.spawn().expect("the slackline binary runs");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let collected = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut all = collected.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        Proc {
            child,
            lines,
            stderr,
        }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The `payload.event_id` of every envelope line printed so far.
    fn event_ids(&self) -> Vec<String> {
        self.lines()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|v| v["event"] == "envelope")
            .filter_map(|v| v["payload"]["event_id"].as_str().map(str::to_owned))
            .collect()
    }

    fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads take the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            assert!(started.elapsed() < PATIENCE, "a process overstayed");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` until it holds, at most `PATIENCE`.
fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `slackline serve` on a script written to a temporary file, and its API URL.
/// The scratch directory holding the script and report goes with the returned guard.
fn serve(name: &str, script: &str) -> (Proc, String, tempfile::TempDir) {
    let scratch = tempfile::Builder::new()
        .prefix(&format!("slackline-fleet-{name}-"))
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    let path = dir.join("script.jsonl");
    std::fs::write(&path, script).unwrap();
    let report = dir.join("verdict.json");
    let server = Proc::start(
        &[
            "serve",
            path.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--timeout",
            "50s",
        ],
        None,
    );
    until("serve's first line", || !server.lines().is_empty());
    let first: Value = serde_json::from_str(&server.lines()[0]).unwrap();
    let api_url = first["api_url"].as_str().unwrap().to_owned();
    (server, api_url, scratch)
}

fn envelope(i: usize) -> String {
    format!(
        "{{\"envelope\":{{\"type\":\"events_api\",\"payload\":{{\"event_id\":\"Ev{i:04}\",\"event\":{{\"type\":\"app_mention\"}}}}}},\"label\":\"e{i}\"}}\n"
    )
}

fn counts(ids: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// `n` events over 6 connections, each redelivered (new `envelope_id`, same `event_id`) on a
/// connection that has not carried it, then `link_disabled` once all are acked.
fn spread_script(n: usize) -> String {
    let mut script = String::from(
        "{\"slackline_script\":1,\"name\":\"fleet\",\"redeliver\":false}\n\
         {\"wait\":\"connections\",\"count\":6}\n",
    );
    for i in 0..n {
        script.push_str(&envelope(i));
    }
    for i in 0..n {
        script.push_str(&format!(
            "{{\"redeliver\":\"e{i}\",\"elsewhere\":true,\"new_envelope_id\":true}}\n"
        ));
    }
    script.push_str("{\"wait\":\"acks\"}\n{\"disconnect\":\"link_disabled\"}\n");
    script
}

/// Three listeners of two connections each; returns how often each event was printed.
fn three_listeners(name: &str, n: usize, shared_dedupe: Option<&str>) -> BTreeMap<String, usize> {
    let (mut server, api_url, _scratch) = serve(name, &spread_script(n));
    let mut args = vec!["listen", "--connections", "2"];
    if let Some(url) = shared_dedupe {
        args.extend(["--shared-dedupe", url]);
    }
    let mut listeners: Vec<Proc> = (0..3).map(|_| Proc::start(&args, Some(&api_url))).collect();
    for listener in &mut listeners {
        // Slack disabled the link: status 3, once everything was acked.
        assert_eq!(listener.wait().code(), Some(3), "{}", listener.stderr());
    }
    assert!(server.wait().success(), "verdict: {}", server.stderr());
    counts(listeners.iter().flat_map(Proc::event_ids))
}

#[test]
fn three_listeners_print_each_event_once_across_the_fleet_though_redelivered_elsewhere() {
    const N: usize = 30;
    let redis = RedisServer::start();
    let printed = three_listeners("shared", N, Some(&redis.url()));
    assert_eq!(printed.len(), N, "{printed:?}");
    assert!(printed.values().all(|&c| c == 1), "{printed:?}");
    // Without the shared dedupe, the same script has listeners print redeliveries that the
    // first delivery's process already printed: the scenario does cross processes.
    let alone = three_listeners("alone", N, None);
    assert_eq!(alone.len(), N);
    let twice = alone.values().filter(|&&c| c > 1).count();
    assert!(twice > 0, "{alone:?}");
}

/// `n` events on one connection, `gap` apart (the fake redelivers what is not acked in 3 s),
/// then `link_disabled` once all are acked.
fn paced_script(n: usize, gap: &str) -> String {
    let mut script = String::from("{\"slackline_script\":1,\"name\":\"paced\"}\n");
    for i in 0..n {
        script.push_str(&format!("{{\"after\":\"{gap}\",{}", &envelope(i)[1..]));
    }
    script.push_str("{\"wait\":\"acks\"}\n{\"disconnect\":\"link_disabled\"}\n");
    script
}

#[test]
fn a_worker_killed_mid_stream_loses_nothing_its_entries_are_reclaimed() {
    const N: usize = 40;
    let redis = RedisServer::start();
    let stream = format!("{}/events", redis.url());
    let (mut server, api_url, _scratch) = serve("kill", &paced_script(N, "1ms"));
    let mut listener = Proc::start(&["listen", "--to", &stream], Some(&api_url));
    assert_eq!(listener.wait().code(), Some(3), "{}", listener.stderr());
    assert!(
        server.wait().success(),
        "every envelope acked after its append"
    );
    assert_eq!(listener.event_ids().len(), N, "each appended once");

    // One at a time, 100 ms each: killed while an entry is being handled.
    let first = Proc::start(
        &[
            "worker",
            &stream,
            "--consumer",
            "w1",
            "--batch",
            "1",
            "--work-time",
            "100ms",
        ],
        None,
    );
    until("the first worker's fifth event", || {
        first.event_ids().len() >= 5
    });
    first.signal("-KILL");
    let mut first = first;
    first.wait();
    let by_first = first.event_ids();
    let second = Proc::start(
        &[
            "worker",
            &stream,
            "--consumer",
            "w2",
            "--reclaim-after",
            "1s",
        ],
        None,
    );
    until("every event handled by one worker or the other", || {
        counts(by_first.iter().cloned().chain(second.event_ids())).len() == N
    });
    // What the first was running when it died is taken over once idle for a second.
    until("nothing left pending", || {
        redis
            .command(&["XPENDING", "events", "slackline"])
            .starts_with("*4\r\n:0\r\n")
    });
    second.signal("-TERM");
    let mut second = second;
    assert!(second.wait().success(), "{}", second.stderr());
    // Only what the first worker was running when it died ran twice: printed by it, not
    // acknowledged, taken over and run again by the second.
    let all = counts(by_first.iter().cloned().chain(second.event_ids()));
    let twice: Vec<&String> = all
        .iter()
        .filter(|(_, &c)| c > 1)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(twice, [by_first.last().unwrap()], "{all:?}");
}

#[test]
fn redis_restarted_mid_run_loses_nothing() {
    const N: usize = 60;
    let mut redis = RedisServer::start();
    let stream = format!("{}/events", redis.url());
    let (mut server, api_url, _scratch) = serve("restart", &paced_script(N, "40ms"));
    let mut listener = Proc::start(&["listen", "--to", &stream], Some(&api_url));
    let worker = Proc::start(&["worker", &stream, "--reclaim-after", "2s"], None);
    until("a third of the events through", || {
        worker.event_ids().len() >= N / 3
    });
    redis.kill();
    // Down past the 3 s ack deadline: appends fail, envelopes stay unacked and Slack
    // redelivers them (not acked on their own: the app still owes their ack).
    let down_since = Instant::now();
    until("listeners and the worker to notice", || {
        listener.stderr().contains("cannot append")
            && down_since.elapsed() > Duration::from_millis(3500)
    });
    redis.start_again();
    until("every event handled", || {
        counts(worker.event_ids()).len() == N
    });
    assert_eq!(listener.wait().code(), Some(3), "{}", listener.stderr());
    worker.signal("-TERM");
    let mut worker = worker;
    assert!(worker.wait().success(), "{}", worker.stderr());
    server.wait();
    // Nothing lost; nothing ran twice (the appends of a redelivered envelope are claimed
    // away by the worker).
    let handled = counts(worker.event_ids());
    assert_eq!(handled.len(), N);
    assert!(handled.values().all(|&c| c == 1), "{handled:?}");
    assert!(
        listener.stderr().contains("appending again"),
        "{}",
        listener.stderr()
    );
}
