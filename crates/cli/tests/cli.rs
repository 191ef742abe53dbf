//! The `slackline` binary end to end, as a user runs it: demo, serve + listen, record + replay,
//! signals, and the error exits. Loopback only; every process is bounded in time and killed
//! if it overstays.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_slackline");
/// Longest any one process may run in these tests.
const LIMIT: Duration = Duration::from_secs(60);
const APP_TOKEN: &str = "xapp-1-A0TEST-1-VERYSECRETVALUE";
const BOT_TOKEN: &str = "xoxb-1-VERYSECRETVALUE";

fn slackline() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("SLACK_APP_TOKEN")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_API_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A child process that is killed if the test ends without waiting for it.
struct Running {
    child: Child,
    started: Instant,
}

struct Ended {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Running {
    fn start(command: &mut Command) -> Running {
        Running {
            child: command.spawn().expect("the slackline binary runs"),
            started: Instant::now(),
        }
    }

    /// Waits for the process, at most `LIMIT`.
    fn wait(mut self) -> Ended {
        let mut stdout = self.child.stdout.take();
        let mut stderr = self.child.stderr.take();
        let out = std::thread::spawn(move || read_all(stdout.as_mut()));
        let err = std::thread::spawn(move || read_all(stderr.as_mut()));
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                self.started.elapsed() < LIMIT,
                "slackline ran for more than {LIMIT:?}"
            );
            // A plain test thread polling a child process: no executor to block.
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(Duration::from_millis(20));
        };
        Ended {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
            took: self.started.elapsed(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_all(stream: Option<&mut impl Read>) -> String {
    let mut text = String::new();
    if let Some(stream) = stream {
        let _ = stream.read_to_string(&mut text);
    }
    text
}

fn run(command: &mut Command) -> Ended {
    Running::start(command).wait()
}

/// `slackline serve`, with its first line (the port) read.
struct Server {
    running: Running,
    api_url: String,
    rest: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(script: &Path, extra: &[&str]) -> Server {
        let mut running = Running::start(slackline().arg("serve").arg(script).args(extra));
        let mut out = BufReader::new(running.child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let first: Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("first line of serve is not JSON ({e}): {first:?}"));
        let port = first["port"].as_u64().unwrap();
        let api_url = first["api_url"].as_str().unwrap().to_owned();
        assert_eq!(api_url, format!("http://127.0.0.1:{port}/api/"));
        Server {
            running,
            api_url,
            rest: out,
        }
    }

    fn wait(mut self) -> Ended {
        let mut rest = String::new();
        let _ = self.rest.read_to_string(&mut rest);
        let mut ended = self.running.wait();
        ended.stdout = rest;
        ended
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slackline-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const THREE_ENVELOPES: &str = r#"{"slackline_script":1,"name":"three envelopes"}
{"after":"100ms","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention","text":"hi"}}}}
{"after":"100ms","envelope":{"type":"slash_commands","payload":{"command":"/x","text":"y"}}}
{"after":"100ms","envelope":{"type":"interactive","payload":{"type":"block_actions"}}}
{"wait":"acks"}
{"end":true}
"#;

fn no_secret(ended: &Ended) {
    assert!(
        !ended.stdout.contains("VERYSECRETVALUE"),
        "{}",
        ended.stdout
    );
    assert!(
        !ended.stderr.contains("VERYSECRETVALUE"),
        "{}",
        ended.stderr
    );
}

#[test]
fn demo_finishes_in_seconds_with_an_ok_verdict() {
    let ended = run(slackline().arg("demo"));
    assert!(ended.status.success(), "{}\n{}", ended.stdout, ended.stderr);
    assert!(ended.took < Duration::from_secs(20), "{:?}", ended.took);
    let out = &ended.stdout;
    for expected in [
        "apps.connections.open",
        "<- events_api app_mention",
        "-> ack",
        r#"with payload {"text":"echo: ping"}"#,
        "chat.postMessage: ok",
        "make-before-break",
        "acked, not dispatched again",
        "link_disabled",
        "Summary",
        "verdict          ok",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn demo_quiet_prints_only_the_summary() {
    let ended = run(slackline().args(["demo", "--quiet"]));
    assert!(ended.status.success(), "{}", ended.stderr);
    assert!(!ended.stdout.contains("-> ack"));
    assert!(ended.stdout.contains("verdict          ok"));
}

#[test]
fn listen_against_serve_acks_everything() {
    listen_against_serve("tokio");
}

#[test]
fn listen_on_smol_against_serve_acks_everything() {
    listen_against_serve("smol");
}

#[test]
fn listen_on_async_std_against_serve_acks_everything() {
    listen_against_serve("async-std");
}

fn listen_against_serve(runtime: &str) {
    let dir = temp_dir(&format!("listen-{runtime}"));
    let script = write(&dir, "three.jsonl", THREE_ENVELOPES);
    let report = dir.join("verdict.json");
    let server = Server::start(
        &script,
        &["--report", report.to_str().unwrap(), "--timeout", "30s"],
    );
    let listened = run(slackline()
        .args([
            "listen",
            "--runtime",
            runtime,
            "--max-events",
            "3",
            "--api-url",
            &server.api_url,
        ])
        .env("SLACK_APP_TOKEN", APP_TOKEN));
    assert!(listened.status.success(), "{runtime}: {}", listened.stderr);
    no_secret(&listened);
    let lines: Vec<Value> = listened
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let envelopes: Vec<&Value> = lines.iter().filter(|l| l["event"] == "envelope").collect();
    assert_eq!(envelopes.len(), 3, "{}", listened.stdout);
    assert_eq!(envelopes[0]["type"], "events_api");
    assert_eq!(envelopes[0]["retry_attempt"], 0);
    assert_eq!(envelopes[0]["payload"]["event_id"], "Ev1");
    assert!(envelopes[0]["envelope_id"].as_str().is_some());
    assert!(lines.iter().any(|l| l["event"] == "hello"));

    let served = server.wait();
    assert!(served.status.success(), "{}", served.stderr);
    let verdict: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(verdict["ok"], true, "{verdict:#}");
    assert_eq!(verdict["summary"]["acked"], 3);
}

#[test]
fn listen_rtm_prints_events() {
    let dir = temp_dir("rtm");
    let script = write(
        &dir,
        "rtm.jsonl",
        r#"{"slackline_script":1}
{"after":"100ms","rtm":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1.0"}}
{"after":"1s","end":true}
"#,
    );
    let server = Server::start(&script, &["--timeout", "30s"]);
    let listened = run(slackline()
        .args([
            "listen",
            "--rtm",
            "--max-events",
            "1",
            "--api-url",
            &server.api_url,
        ])
        .env("SLACK_BOT_TOKEN", BOT_TOKEN));
    assert!(listened.status.success(), "{}", listened.stderr);
    no_secret(&listened);
    let event: Value = listened
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["event"] == "rtm")
        .unwrap();
    assert_eq!(event["type"], "message");
    assert_eq!(event["payload"]["text"], "hi");
    let _ = server.wait();
}

#[test]
fn record_then_replay_check_round_trip() {
    let dir = temp_dir("record");
    let transcript = dir.join("session.jsonl");
    let server = Server::start(
        &repo("tests/data/traffic/socket-mode"),
        &["--timeout", "30s"],
    );
    let recorded = run(slackline()
        .args(["record", "--quiet", "--out", transcript.to_str().unwrap()])
        .args(["--api-url", &server.api_url])
        .env("SLACK_APP_TOKEN", APP_TOKEN));
    // The directory script ends with `link_disabled`: Slack ended the session.
    assert_eq!(recorded.status.code(), Some(3), "{}", recorded.stderr);
    assert!(
        recorded.stderr.contains("link_disabled"),
        "{}",
        recorded.stderr
    );
    assert_eq!(recorded.stderr.lines().count(), 1, "{}", recorded.stderr);
    no_secret(&recorded);
    let served = server.wait();
    assert!(served.status.success(), "{}", served.stderr);

    let text = std::fs::read_to_string(&transcript).unwrap();
    assert!(text.starts_with(r#"{"slackline_transcript":2"#));
    assert!(!text.contains("VERYSECRETVALUE"));
    assert!(text.lines().count() > 50);

    let replayed = run(slackline().args(["replay", "--check"]).arg(&transcript));
    assert!(replayed.status.success(), "{}", replayed.stderr);
    assert!(replayed.stdout.contains(r#""kind":"http_request""#));
    assert!(
        replayed.stderr.contains("behaves as recorded"),
        "{}",
        replayed.stderr
    );

    // A recording the client would not produce today: one envelope's ack is missing.
    let tampered: String = {
        let mut dropped = false;
        text.lines()
            .filter(|line| {
                let is_envelope =
                    line.contains(r#""dir":"in","kind":"text""#) && line.contains("envelope_id");
                let drop = is_envelope && !dropped;
                dropped |= drop;
                !drop
            })
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let tampered_path = write(&dir, "tampered.jsonl", &tampered);
    let diverged = run(slackline().args(["replay", "--check"]).arg(&tampered_path));
    assert_eq!(diverged.status.code(), Some(4), "{}", diverged.stderr);
    assert!(
        diverged.stderr.contains("differences"),
        "{}",
        diverged.stderr
    );
    // Without --check the differences are reported, not failed on.
    let reported = run(slackline().arg("replay").arg(&tampered_path));
    assert!(reported.status.success());
}

#[cfg(unix)]
#[test]
fn listen_exits_zero_on_sigterm_and_closes_with_1000() {
    let dir = temp_dir("sigterm");
    let script = write(
        &dir,
        "long.jsonl",
        r#"{"slackline_script":1}
{"after":"100ms","envelope":{"type":"events_api","payload":{"event":{"type":"message"}}}}
{"after":"60s","end":true}
"#,
    );
    let report = dir.join("verdict.json");
    let server = Server::start(
        &script,
        &["--report", report.to_str().unwrap(), "--timeout", "4s"],
    );
    let mut listening = Running::start(
        slackline()
            .args(["listen", "--api-url", &server.api_url])
            .env("SLACK_APP_TOKEN", APP_TOKEN),
    );
    // Wait for the envelope, then ask it to stop as a service manager would.
    let mut out = BufReader::new(listening.child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains(r#""event":"envelope""#) {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "listen ended early");
    }
    let pid = listening.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let ended = listening.wait();
    assert!(
        ended.status.success(),
        "{:?} {}",
        ended.status,
        ended.stderr
    );
    // The script never ended (status 4), but the client closed properly.
    let served = server.wait();
    assert_eq!(served.status.code(), Some(4));
    let verdict: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(verdict["finished"], false);
    assert_eq!(verdict["summary"]["acked"], 1);
    assert_eq!(verdict["connections"]["closed_by_client"], 1);
}

#[test]
fn serve_without_a_client_times_out_with_status_4() {
    let dir = temp_dir("timeout");
    let script = write(&dir, "three.jsonl", THREE_ENVELOPES);
    let report = dir.join("verdict.json");
    let server = Server::start(
        &script,
        &["--report", report.to_str().unwrap(), "--timeout", "300ms"],
    );
    let ended = server.wait();
    assert_eq!(ended.status.code(), Some(4), "{}", ended.stderr);
    assert!(ended.stderr.contains("--timeout"), "{}", ended.stderr);
    let verdict: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(verdict["ok"], false);
    assert_eq!(verdict["finished"], false);
}

fn fails_with(command: &mut Command, status: i32, expected: &[&str]) {
    let ended = run(command);
    assert_eq!(ended.status.code(), Some(status), "{}", ended.stderr);
    for text in expected {
        assert!(
            ended.stderr.contains(text),
            "expected {text:?} in stderr: {}",
            ended.stderr
        );
    }
    no_secret(&ended);
    assert!(ended.took < Duration::from_secs(10));
}

#[test]
fn token_errors_say_which_variable_and_kind() {
    fails_with(
        slackline().arg("listen"),
        1,
        &["SLACK_APP_TOKEN is not set", "xapp-", "--rtm"],
    );
    fails_with(
        slackline().arg("listen").env("SLACK_APP_TOKEN", BOT_TOKEN),
        1,
        &["SLACK_APP_TOKEN holds a bot token (xoxb-)", "--rtm"],
    );
    fails_with(
        slackline().args(["listen", "--rtm"]),
        1,
        &["SLACK_BOT_TOKEN is not set"],
    );
    fails_with(
        slackline()
            .args(["listen", "--rtm"])
            .env("SLACK_BOT_TOKEN", APP_TOKEN),
        1,
        &["SLACK_BOT_TOKEN holds an app-level token (xapp-)"],
    );
}

#[test]
fn a_plain_url_off_loopback_is_refused() {
    fails_with(
        slackline()
            .args(["listen", "--api-url", "http://slack.example.com/api/"])
            .env("SLACK_APP_TOKEN", APP_TOKEN),
        1,
        &["--api-url", "refusing plain http://", "slack.example.com"],
    );
    fails_with(
        slackline()
            .arg("listen")
            .env("SLACK_API_URL", "ftp://127.0.0.1/api/")
            .env("SLACK_APP_TOKEN", APP_TOKEN),
        1,
        &["--api-url", "scheme"],
    );
}

#[test]
fn script_and_file_errors_name_the_place() {
    let dir = temp_dir("errors");
    let bad = write(
        &dir,
        "bad.jsonl",
        "{\"slackline_script\":1}\n# a comment\n{\"after\":\"1s\",\"envelope\":{\"payload\":{}}}\n",
    );
    fails_with(
        slackline().arg("serve").arg(&bad),
        1,
        &["bad.jsonl: line 3", "type"],
    );
    fails_with(
        slackline().arg("serve").arg(dir.join("missing.jsonl")),
        1,
        &["cannot read", "missing.jsonl"],
    );
    fails_with(
        slackline().arg("replay").arg(dir.join("missing.jsonl")),
        1,
        &["cannot read", "missing.jsonl"],
    );
    fails_with(
        slackline().arg("replay").arg(&bad),
        1,
        &["not a valid transcript", "line 1"],
    );
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails_with(
        slackline().arg("serve").arg(&empty),
        1,
        &["no *.json envelope files"],
    );
}

#[test]
fn unknown_runtimes_and_bad_counts_are_usage_errors() {
    fails_with(slackline().args(["listen", "--runtime", "glommio"]), 2, &[]);
    fails_with(slackline().args(["listen", "--connections", "11"]), 2, &[]);
}
