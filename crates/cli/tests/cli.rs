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

/// A scratch directory for one test, removed when the test ends (pass or fail).
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("slackline-cli-{name}-"))
        .tempdir()
        .unwrap()
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
    let scratch = temp_dir(&format!("listen-{runtime}"));
    let dir = scratch.path();
    let script = write(dir, "three.jsonl", THREE_ENVELOPES);
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
    let scratch = temp_dir("rtm");
    let dir = scratch.path();
    let script = write(
        dir,
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
    let scratch = temp_dir("record");
    let dir = scratch.path();
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
    // One line per failure: the script's `too_many_websockets` (and the retry), then the end.
    let lines: Vec<&str> = recorded.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", recorded.stderr);
    assert!(lines[0].contains("too many WebSockets") && lines[0].contains("retrying in"));
    assert!(lines[1].contains("link_disabled"));
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
    let tampered_path = write(dir, "tampered.jsonl", &tampered);
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
    let scratch = temp_dir("sigterm");
    let dir = scratch.path();
    let script = write(
        dir,
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
    let scratch = temp_dir("timeout");
    let dir = scratch.path();
    let script = write(dir, "three.jsonl", THREE_ENVELOPES);
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
    let scratch = temp_dir("errors");
    let dir = scratch.path();
    let bad = write(
        dir,
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

// ----- listen: lines, acks, order, stderr (issue 14, items 6 to 10) -----

fn listen_against(api_url: &str) -> Command {
    let mut command = slackline();
    command
        .args(["listen", "--api-url", api_url])
        .env("SLACK_APP_TOKEN", APP_TOKEN);
    command
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON line ({e}): {l}")))
        .collect()
}

fn events_of<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == kind).collect()
}

/// The numbers in listen's last stderr line when stdout closed: (lines, events).
fn written_counts(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains("stdout was closed"))
        .unwrap_or_else(|| panic!("no stdout line in: {stderr}"));
    let number_before = |word: &str| -> u64 {
        let end = line.find(word).unwrap();
        line[..end]
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap()
    };
    (number_before(" lines"), number_before(" of them events"))
}

fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Item 6: every recorded Socket Mode frame, pretty-printed ones included, is one compact JSON
/// line, the payload unchanged (the same value; the same bytes when it was compact).
#[test]
fn every_recorded_envelope_is_one_compact_json_line() {
    let dir = repo("tests/data/traffic/socket-mode");
    // (payload as a value, payload as written) of every recorded envelope.
    let mut recorded: Vec<(Value, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") || !path.is_file() {
            continue;
        }
        #[derive(serde::Deserialize)]
        struct Raw<'a> {
            envelope_id: Option<String>,
            #[serde(borrow)]
            payload: Option<&'a serde_json::value::RawValue>,
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if let Ok(Raw {
            envelope_id: Some(_),
            payload: Some(raw),
        }) = serde_json::from_str::<Raw>(&text)
        {
            // Tokens in payloads (an `xwfp-` bot token in one) are redacted on every line.
            let raw = slackline::redact_tokens(raw.get()).into_owned();
            recorded.push((serde_json::from_str(&raw).unwrap(), raw));
        }
    }
    let pretty = recorded
        .iter()
        .filter(|(_, raw)| raw.contains('\n'))
        .count();
    assert!(pretty > 5, "the recordings hold pretty-printed payloads");
    let server = Server::start(&dir, &["--timeout", "30s"]);
    let listened = run(&mut listen_against(&server.api_url));
    // The directory's script ends with `link_disabled`.
    assert_eq!(listened.status.code(), Some(3), "{}", listened.stderr);
    // Every line is one JSON object.
    let lines = json_lines(&listened.stdout);
    let envelopes = events_of(&lines, "envelope");
    let mut ids = std::collections::BTreeSet::new();
    for line in &envelopes {
        assert!(ids.insert(line["envelope_id"].as_str().unwrap().to_owned()));
        let same: Vec<&(Value, String)> = recorded
            .iter()
            .filter(|(v, _)| *v == line["payload"])
            .collect();
        assert!(!same.is_empty(), "a payload that was not sent: {line}");
        // Compact as sent: printed byte for byte (nothing reordered or re-encoded).
        if let Some((_, raw)) = same
            .iter()
            .find(|(_, raw)| !raw.contains(['\n', '\t', ' ']))
        {
            assert!(listened.stdout.contains(raw.as_str()), "re-encoded: {raw}");
        }
    }
    // Redeliveries of the same ids or events are not printed again; the rest all are.
    assert!(
        envelopes.len() * 2 > recorded.len(),
        "{} lines",
        envelopes.len()
    );
    let _ = server.wait();
}

/// Item 6, RTM: every recorded RTM frame that is an event is one JSON line.
#[test]
fn every_recorded_rtm_event_is_one_json_line() {
    let dir = repo("tests/data/traffic/rtm");
    let mut script = String::from("{\"slackline_script\":1}\n");
    let mut expected = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let frame: Value = match std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            Some(frame) => frame,
            None => continue,
        };
        let kind = frame["type"].as_str().unwrap_or_default();
        let special = frame.get("reply_to").is_some()
            || matches!(
                kind,
                "" | "hello" | "goodbye" | "error" | "pong" | "reconnect_url"
            );
        expected += usize::from(!special);
        script.push_str(&format!(
            "{{\"after\":\"5ms\",\"rtm_file\":{}}}\n",
            serde_json::to_string(path.to_str().unwrap()).unwrap()
        ));
    }
    // Then Slack refuses the token: a fatal stop (status 3) ends listen.
    script.push_str("{\"fail\":\"rtm.connect\",\"error\":\"invalid_auth\",\"times\":5}\n");
    script.push_str("{\"after\":\"300ms\",\"close\":1001}\n{\"after\":\"1s\",\"end\":true}\n");
    let scratch = temp_dir("rtm-frames");
    let work = scratch.path();
    let script = write(work, "rtm.jsonl", &script);
    let server = Server::start(&script, &["--timeout", "30s"]);
    let listened = run(slackline()
        .args(["listen", "--rtm", "--api-url", &server.api_url])
        .env("SLACK_BOT_TOKEN", BOT_TOKEN));
    assert_eq!(listened.status.code(), Some(3), "{}", listened.stderr);
    let lines = json_lines(&listened.stdout);
    let rtm = events_of(&lines, "rtm");
    assert!(
        rtm.len() >= expected.saturating_sub(2) && expected > 20,
        "{} RTM lines for {expected} event frames",
        rtm.len()
    );
    let _ = server.wait();
}

/// Item 7: `listen | head -n 5`: what was not printed is not acked; stdout closing stops the
/// client (connections closed with 1000) with one line on stderr and status 5.
#[test]
fn listen_into_head_acks_only_what_was_written() {
    let scratch = temp_dir("head");
    let dir = scratch.path();
    let report = dir.join("flood.json");
    let server = Server::start(
        &repo("tests/data/traffic/socket-mode"),
        &[
            "--flood",
            "20000",
            "--report",
            report.to_str().unwrap(),
            "--timeout",
            "30s",
        ],
    );
    let mut listening = Running::start(
        listen_against(&server.api_url)
            .arg("--runtime")
            .arg("tokio"),
    );
    let head = Command::new("head")
        .args(["-n", "5"])
        .stdin(Stdio::from(listening.child.stdout.take().unwrap()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let head = head.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&head.stdout).lines().count(), 5);
    let ended = listening.wait();
    assert_eq!(ended.status.code(), Some(5), "{}", ended.stderr);
    let last = ended.stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("stdout was closed") && last.contains("not acked"),
        "{}",
        ended.stderr
    );
    assert!(ended.stderr.lines().count() <= 2, "{}", ended.stderr);
    let (_, events) = written_counts(&ended.stderr);
    assert!(ended.took < Duration::from_secs(10), "{:?}", ended.took);

    let served = server.wait();
    assert_eq!(served.status.code(), Some(4), "the flood did not finish");
    let flood: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let acked = flood["flood"]["acked"].as_u64().unwrap();
    // Exactly the envelopes whose lines were written were acked: none of the others.
    assert_eq!(acked, events, "{flood}");
    assert!((4..20_000).contains(&acked), "{acked}");
}

/// Item 7: a reader that stalls holds the envelopes back unacked, in bounded memory, while the
/// client goes on pinging on every connection; once it reads, all is printed and acked.
#[test]
fn a_stalled_reader_keeps_acks_back_in_bounded_memory() {
    const ENVELOPES: usize = 1500;
    let scratch = temp_dir("stall");
    let dir = scratch.path();
    let text = "x".repeat(16 * 1024);
    // Slack's deadline is stretched so the stall does not end the script (a `wait` for acks
    // ends at the deadline): here acks are late only if they never come.
    let mut script =
        String::from("{\"slackline_script\":1,\"redeliver\":false,\"ack_deadline\":\"30s\"}\n");
    for n in 0..ENVELOPES {
        script.push_str(&format!(
            "{{\"after\":\"0ms\",\"envelope\":{{\"type\":\"events_api\",\"payload\":{{\"event_id\":\"Ev{n}\",\"event\":{{\"type\":\"message\",\"text\":\"{text}\"}}}}}}}}\n"
        ));
    }
    script.push_str("{\"wait\":\"acks\"}\n{\"end\":true}\n");
    let script = write(dir, "big.jsonl", &script);
    let report = dir.join("verdict.json");
    let server = Server::start(
        &script,
        &["--report", report.to_str().unwrap(), "--timeout", "60s"],
    );
    let listening = Running::start(listen_against(&server.api_url).args([
        "--connections",
        "2",
        "--ping-interval",
        "1",
        "--max-events",
        &ENVELOPES.to_string(),
    ]));
    let pid = listening.child.id();
    // Nobody reads for four seconds: sixteen times what the client may hold is waiting.
    let stalled = Instant::now();
    let mut peak = 0;
    while stalled.elapsed() < Duration::from_secs(4) {
        peak = peak.max(resident_kib(pid).unwrap_or(0));
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(100));
    }
    let ended = listening.wait();
    assert!(ended.status.success(), "{}", ended.stderr);
    let lines = json_lines(&ended.stdout);
    let envelopes = events_of(&lines, "envelope");
    assert_eq!(envelopes.len(), ENVELOPES);
    let ids: std::collections::BTreeSet<_> = envelopes
        .iter()
        .map(|e| e["payload"]["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), ENVELOPES, "each printed once");
    // 1500 envelopes of 16 KiB are 24 MiB; the client holds at most a few hundred (its queues:
    // handlers 128, stdout 128 + 64), about 5 MiB, over a debug build's 15 MiB.
    assert!(peak < 30 * 1024, "peak RSS {peak} KiB while stalled");

    let served = server.wait();
    let verdict: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let summary = &verdict["summary"];
    assert_eq!(
        summary["acked"].as_u64().unwrap(),
        ENVELOPES as u64,
        "every envelope acked once: {summary}"
    );
    assert_eq!(summary["duplicate_acks"], 0, "{summary}");
    // Both connections lived through the stall (no pong deadline while not reading) and
    // pinged during it.
    assert_eq!(
        verdict["connections"]["opened"], 2,
        "{}",
        verdict["connections"]
    );
    assert!(
        verdict["connections"]["client_pings"].as_u64().unwrap() >= 2,
        "{}",
        verdict["connections"]
    );
    let _ = served;
}

/// Item 8: lines in protocol order, run after run: `hello` before the envelopes it
/// introduced, `disconnect` after those that came before it.
#[test]
fn lines_come_in_protocol_order() {
    let scratch = temp_dir("order");
    let dir = scratch.path();
    let script = write(
        dir,
        "order.jsonl",
        r#"{"slackline_script":1}
{"after":"0ms","envelope":{"type":"events_api","payload":{"event_id":"Ev1"}}}
{"after":"0ms","envelope":{"type":"events_api","payload":{"event_id":"Ev2"}}}
{"after":"0ms","disconnect":"refresh_requested"}
{"after":"300ms","envelope":{"type":"events_api","payload":{"event_id":"Ev3"}},"socket":"newest"}
{"wait":"acks"}
{"after":"0ms","disconnect":"link_disabled","socket":"all"}
{"end":true}
"#,
    );
    for run_number in 0..8 {
        let server = Server::start(&script, &["--timeout", "30s"]);
        let listened = run(&mut listen_against(&server.api_url));
        assert_eq!(listened.status.code(), Some(3), "{}", listened.stderr);
        let lines = json_lines(&listened.stdout);
        let shape: Vec<String> = lines
            .iter()
            .map(|l| match l["event"].as_str().unwrap() {
                "envelope" => l["payload"]["event_id"].as_str().unwrap().to_owned(),
                "hello" => format!("hello{}", l["connection"]),
                "disconnect" => format!("{}{}", l["reason"].as_str().unwrap(), l["connection"]),
                other => other.to_owned(),
            })
            .collect();
        let expected_start = [
            "hello1",
            "Ev1",
            "Ev2",
            "refresh_requested1",
            "hello2",
            "Ev3",
        ];
        assert_eq!(
            &shape[..6.min(shape.len())],
            &expected_start[..],
            "run {run_number}: {shape:?}"
        );
        assert!(
            shape[6..].iter().all(|s| s.starts_with("link_disabled")),
            "{shape:?}"
        );
        let _ = server.wait();
    }
}

/// Waits (bounded) until `reader` has given a line containing `needle`; the lines read.
fn read_until(reader: &mut impl BufRead, needle: &str) -> String {
    let mut seen = String::new();
    let started = Instant::now();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap_or(0);
        seen.push_str(&line);
        if line.contains(needle) {
            return seen;
        }
        assert!(n > 0, "ended before {needle:?}: {seen}");
        assert!(started.elapsed() < LIMIT, "no {needle:?} in: {seen}");
    }
}

fn terminate(running: &Running) {
    let pid = running.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
}

/// Item 9: each failure is one stderr line saying what failed, why and what happens next.
#[test]
fn each_failure_is_one_line_on_stderr() {
    let scratch = temp_dir("failures");
    let dir = scratch.path();
    let script = write(
        dir,
        "failures.jsonl",
        r#"{"slackline_script":1,"hello":{"num_connections":3}}
{"fail":"apps.connections.open","status":503,"times":1}
{"fail":"apps.connections.open","status":200,"body":"<html>busy</html>","times":1}
{"fail":"apps.connections.open","status":429,"retry_after":3,"times":1}
{"after":"0ms","raw":"{\"envelope_id\":\"broken-1\",\"type\":\"events_api\",\"payload\":{oops"}
{"after":"100ms","envelope":{"type":"events_api","payload":{"event_id":"Ev1"}}}
{"wait":"acks"}
{"after":"0ms","disconnect":"link_disabled"}
{"end":true}
"#,
    );
    let server = Server::start(&script, &["--timeout", "40s"]);
    let listened = run(&mut listen_against(&server.api_url));
    assert_eq!(listened.status.code(), Some(3), "{}", listened.stderr);
    no_secret(&listened);
    let lines: Vec<&str> = listened.stderr.lines().collect();
    let expected: [&[&str]; 6] = [
        &[
            "apps.connections.open failed: HTTP 503",
            "retrying in",
            "(attempt 1)",
        ],
        &[
            "apps.connections.open failed: invalid response body (HTTP 200)",
            "retrying in",
        ],
        &["rate limited, Retry-After 3 s", "retrying in"],
        &[
            "Slack counts 3 connections",
            "1 expected",
            "--expect-connections",
        ],
        &["malformed frame", "broken-1", "acked it anyway"],
        &["Slack ended the session", "link_disabled"],
    ];
    assert_eq!(lines.len(), expected.len(), "{}", listened.stderr);
    for (line, parts) in lines.iter().zip(expected) {
        for part in parts {
            assert!(
                line.contains(part),
                "{part:?} not in {line:?}\n{}",
                listened.stderr
            );
        }
    }
    // The envelope that came after was printed: the malformed one was not.
    let out = json_lines(&listened.stdout);
    assert_eq!(events_of(&out, "envelope").len(), 1);
    let _ = server.wait();

    // A fleet that expects three connections is not warned.
    let server = Server::start(&script, &["--timeout", "40s"]);
    let listened = run(listen_against(&server.api_url).args(["--expect-connections", "3"]));
    assert!(
        !listened.stderr.contains("Slack counts"),
        "{}",
        listened.stderr
    );
    let _ = server.wait();
}

/// Item 9: a storm of the same failure is summarised, not printed line by line.
#[test]
fn a_storm_of_identical_failures_is_summarised() {
    let scratch = temp_dir("storm");
    let dir = scratch.path();
    let mut script = String::from("{\"slackline_script\":1}\n");
    for n in 0..300 {
        script.push_str(&format!(
            "{{\"after\":\"1ms\",\"raw\":\"{{\\\"envelope_id\\\":\\\"bad-{n}\\\",\\\"type\\\":\\\"events_api\\\",\\\"payload\\\":[\"}}\n"
        ));
    }
    script.push_str("{\"after\":\"100ms\",\"disconnect\":\"link_disabled\"}\n{\"end\":true}\n");
    let script = write(dir, "storm.jsonl", &script);
    let server = Server::start(&script, &["--timeout", "30s"]);
    let listened = run(&mut listen_against(&server.api_url));
    assert_eq!(listened.status.code(), Some(3), "{}", listened.stderr);
    let lines: Vec<&str> = listened.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", listened.stderr);
    assert!(lines[0].contains("bad-0"), "{}", lines[0]);
    assert!(
        lines[1].contains("repeated 299 more times") && lines[1].contains("bad-299"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("link_disabled"));
    let _ = server.wait();
}

/// A Web API that always answers with a WebSocket URL off loopback, on plain `ws://`.
fn off_loopback_url_api() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        // Serves a handful of requests, then ends (listen is stopped by then).
        for stream in listener.incoming().take(3).flatten() {
            use std::io::Write as _;
            let mut stream = stream;
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = r#"{"ok":true,"url":"ws://192.0.2.1/link/?ticket=SECRETTICKET"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, thread)
}

/// Item 9: a refused WebSocket URL and a failed TLS handshake are reported as they happen.
#[test]
fn a_refused_url_and_a_tls_failure_are_reported() {
    let (api_url, _server) = off_loopback_url_api();
    let mut listening = Running::start(&mut listen_against(&api_url));
    let mut stderr = BufReader::new(listening.child.stderr.take().unwrap());
    let seen = read_until(&mut stderr, "retrying in");
    assert!(
        seen.contains("cannot open the WebSocket: refusing plain ws:// to `192.0.2.1`"),
        "{seen}"
    );
    assert!(!seen.contains("SECRETTICKET"), "{seen}");
    terminate(&listening);
    assert!(listening.wait().status.success());

    // TLS to a port that speaks plain HTTP.
    let scratch = temp_dir("tls");
    let dir = scratch.path();
    let script = write(dir, "three.jsonl", THREE_ENVELOPES);
    let server = Server::start(&script, &["--timeout", "20s"]);
    let https = server.api_url.replace("http://", "https://");
    let mut listening = Running::start(&mut listen_against(&https));
    let mut stderr = BufReader::new(listening.child.stderr.take().unwrap());
    let seen = read_until(&mut stderr, "retrying in");
    assert!(
        seen.contains("apps.connections.open failed: request failed:"),
        "{seen}"
    );
    terminate(&listening);
    assert!(listening.wait().status.success());
    drop(server);
}

/// Item 10: secrets stay out of errors whatever goes where.
#[test]
fn secrets_stay_out_of_errors() {
    // The app token given as the API URL (the two variables mixed up).
    fails_with(
        slackline()
            .args(["listen", "--api-url", "xapp-1-A0TEST-1-VERYSECRETVALUE"])
            .env("SLACK_APP_TOKEN", APP_TOKEN),
        1,
        &["--api-url"],
    );
    // A password in the API URL.
    let ended = run(slackline()
        .args([
            "listen",
            "--api-url",
            "http://user:VERYSECRETVALUE@127.0.0.1:9/api/",
        ])
        .env("SLACK_APP_TOKEN", APP_TOKEN));
    assert_eq!(ended.status.code(), Some(1), "{}", ended.stderr);
    assert!(ended.stderr.contains("credentials"), "{}", ended.stderr);
    no_secret(&ended);
    // A token with a non-ASCII character, or a newline, cannot be a header value: refused at
    // start, its tail unprinted.
    for token in [
        "xapp-1-A0TEST-1-sécretVERYSECRETVALUE",
        "xapp-1-A0TEST\n-1-VERYSECRETVALUE",
    ] {
        fails_with(
            slackline().arg("listen").env("SLACK_APP_TOKEN", token),
            1,
            &["SLACK_APP_TOKEN", "HTTP header"],
        );
    }
}

/// Item 11: a recording whose malformed frame held a token replays without a false
/// difference (the transcript keeps the token's length, so errors are where they were), and
/// the token's tail (after a non-ASCII character) is in neither the transcript nor stderr.
#[test]
fn a_malformed_frame_with_a_token_replays_as_recorded() {
    let scratch = temp_dir("record-token");
    let dir = scratch.path();
    let script = write(
        dir,
        "token.jsonl",
        "{\"slackline_script\":1}\n\
         {\"after\":\"50ms\",\"raw\":\"{\\\"envelope_id\\\":\\\"e-1\\\",\\\"type\\\":\\\"events_api\\\",\\\"payload\\\":{\\\"token\\\":\\\"xoxb-1-sécretVERYSECRETVALUE\\\",oops\"}\n\
         {\"after\":\"50ms\",\"envelope\":{\"type\":\"events_api\",\"payload\":{\"event_id\":\"Ev1\",\"token\":\"xoxb-22-VERYSECRETVALUE\"}}}\n\
         {\"after\":\"100ms\",\"disconnect\":\"link_disabled\"}\n\
         {\"end\":true}\n",
    );
    let transcript = dir.join("session.jsonl");
    let server = Server::start(&script, &["--timeout", "30s"]);
    let recorded = run(slackline()
        .args(["record", "--out", transcript.to_str().unwrap()])
        .args(["--api-url", &server.api_url])
        .env("SLACK_APP_TOKEN", APP_TOKEN));
    assert_eq!(recorded.status.code(), Some(3), "{}", recorded.stderr);
    no_secret(&recorded);
    assert!(!recorded.stderr.contains("sécret"), "{}", recorded.stderr);
    let text = std::fs::read_to_string(&transcript).unwrap();
    assert!(!text.contains("VERYSECRETVALUE") && !text.contains("sécret"));
    let _ = server.wait();
    let replayed = run(slackline().args(["replay", "--check"]).arg(&transcript));
    assert!(replayed.status.success(), "{}", replayed.stderr);
    assert!(
        replayed.stderr.contains("behaves as recorded"),
        "{}",
        replayed.stderr
    );
}

/// Item 11: a transcript that cannot be written (a full disk: /dev/full) stops `record` with
/// one error and status 1.
#[cfg(target_os = "linux")]
#[test]
fn record_to_a_full_disk_stops_with_one_error() {
    let server = Server::start(
        &repo("tests/data/traffic/socket-mode"),
        &["--timeout", "30s"],
    );
    let recorded = run(slackline()
        .args(["record", "--quiet", "--out", "/dev/full"])
        .args(["--api-url", &server.api_url])
        .env("SLACK_APP_TOKEN", APP_TOKEN));
    assert_eq!(recorded.status.code(), Some(1), "{}", recorded.stderr);
    let lines: Vec<&str> = recorded.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", recorded.stderr);
    assert!(
        lines[0].contains("writing the transcript to /dev/full failed")
            && lines[0].contains("No space left on device"),
        "{}",
        lines[0]
    );
    drop(server);
}

/// One HTTP/1.1 request on a fresh connection; the response's status and body.
fn http_post(port: u16, path: &str, token: &str, body: &str) -> (u16, String) {
    use std::io::Write as _;
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = tcp.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A WebSocket client in a few lines: the handshake, then masked text frames (a zero mask).
fn websocket(url: &str) -> std::net::TcpStream {
    use std::io::Write as _;
    let rest = url.strip_prefix("ws://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut tcp = std::net::TcpStream::connect(authority).unwrap();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nhost: {authority}\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(tcp.try_clone().unwrap());
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.contains("101"), "{status}");
    tcp
}

fn send_text(tcp: &mut std::net::TcpStream, text: &str) {
    use std::io::Write as _;
    let mut frame = vec![0x81u8];
    match text.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend_from_slice(text.as_bytes());
    tcp.write_all(&frame).unwrap();
}

/// Whether the server closed `tcp` within `limit` (a read sees the end, or a reset).
fn closed_within(tcp: &mut std::net::TcpStream, limit: Duration) -> bool {
    tcp.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 64];
    match tcp.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// Item 13: `serve` stays bounded under a hostile client: thousands of bad acks and made-up
/// method names are counted with only the first few kept; connections beyond the limit are
/// closed on arrival, idle ones after the idle timeout.
#[test]
fn serve_stays_bounded_under_a_hostile_client() {
    let scratch = temp_dir("hostile");
    let dir = scratch.path();
    let script = write(dir, "three.jsonl", THREE_ENVELOPES);
    let report = dir.join("verdict.json");
    let server = Server::start(
        &script,
        &[
            "--report",
            report.to_str().unwrap(),
            "--timeout",
            "8s",
            "--max-connections",
            "6",
            "--idle-timeout",
            "1s",
        ],
    );
    let port: u16 = server
        .api_url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/api/")
        .parse()
        .unwrap();
    for n in 0..100 {
        let (status, _) = http_post(port, &format!("/api/made.up{n}"), BOT_TOKEN, "");
        assert!(status > 0);
    }
    let (status, body) = http_post(port, "/api/apps.connections.open", APP_TOKEN, "");
    assert_eq!(status, 200, "{body}");
    let url = serde_json::from_str::<Value>(&body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ws = websocket(&url);
    let long_id = "z".repeat(2000);
    for n in 0..5000 {
        send_text(&mut ws, &format!(r#"{{"envelope_id":"{long_id}{n}"}}"#));
    }
    // An idle connection is closed after the idle timeout.
    let mut idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)),
        "idle connection kept"
    );
    // With the WebSocket open, five more fit; the rest are closed on arrival.
    let mut held: Vec<std::net::TcpStream> = (0..20)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let closed_at_once = held
        .iter_mut()
        .map(|tcp| closed_within(tcp, Duration::from_millis(300)))
        .filter(|&closed| closed)
        .count();
    assert!(
        closed_at_once >= 14,
        "{closed_at_once} of 20 closed on arrival"
    );
    drop(held);
    drop(ws);

    let served = server.wait();
    assert_eq!(served.status.code(), Some(4), "{}", served.stderr);
    assert!(served.stderr.lines().count() < 40, "{}", served.stderr);
    assert!(served.stderr.contains("turned away"), "{}", served.stderr);
    assert!(
        served.stderr.contains("unknown_ack 5000"),
        "{}",
        served.stderr
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.len() < 100_000, "a report of {} bytes", text.len());
    let verdict: Value = serde_json::from_str(&text).unwrap();
    assert!(verdict["violations"].as_array().unwrap().len() <= 20);
    assert_eq!(verdict["violation_counts"]["unknown_ack"], 5000);
    assert!(
        verdict["http"]["(other methods)"]["calls"]
            .as_u64()
            .unwrap()
            > 50
    );
    assert!(
        verdict["server"]["connections_over_limit"]
            .as_u64()
            .unwrap()
            >= 14
    );
    assert!(verdict["server"]["header_timeouts"].as_u64().unwrap() >= 1);
}

/// Item 13: the accepted token can come from the environment (not in `ps`); the help says
/// what the first line holds and that the timeout defaults to five minutes.
#[test]
fn serve_takes_its_token_from_the_environment_and_says_what_it_prints() {
    let help = run(slackline().args(["serve", "--help"]));
    assert!(help.status.success());
    assert!(
        help.stdout
            .contains(r#"{"port":P,"api_url":"http://127.0.0.1:P/api/"}"#),
        "{}",
        help.stdout
    );
    assert!(help.stdout.contains("[default: 5m]"), "{}", help.stdout);
    assert!(
        help.stdout.contains("SLACKLINE_ACCEPT_TOKEN"),
        "{}",
        help.stdout
    );

    let scratch = temp_dir("accept-env");
    let dir = scratch.path();
    let script = write(dir, "three.jsonl", THREE_ENVELOPES);
    // Another token is the only one accepted: listen's is refused for good.
    let mut serve = slackline();
    serve
        .arg("serve")
        .arg(&script)
        .args(["--timeout", "20s"])
        .env(
            "SLACKLINE_ACCEPT_TOKEN",
            "xapp-1-A0OTHER-1-other,xapp-1-A0THIRD-1-third",
        );
    let mut running = Running::start(&mut serve);
    let mut out = BufReader::new(running.child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let api_url = serde_json::from_str::<Value>(&first).unwrap()["api_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = run(&mut listen_against(&api_url));
    assert_eq!(refused.status.code(), Some(3), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("invalid_auth"),
        "{}",
        refused.stderr
    );
    let accepted = run(slackline()
        .args(["listen", "--max-events", "3", "--api-url", &api_url])
        .env("SLACK_APP_TOKEN", "xapp-1-A0THIRD-1-third"));
    assert!(accepted.status.success(), "{}", accepted.stderr);
    let ended = running.wait();
    assert!(!ended.stderr.contains("A0OTHER"), "{}", ended.stderr);
}

/// Item 13: the README's Python snippet keeps the client running (slack_sdk's `connect()`
/// returns at once) and acks, and it is the very text `.ci/interop.sh` runs against `serve`.
#[test]
fn the_readme_python_snippet_is_the_one_interop_runs() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let marker = "<!-- interop:";
    let after = &readme[readme
        .find(marker)
        .expect("the interop marker in README.md")..];
    let start = after
        .find("```python\n")
        .expect("a python block after the marker")
        + 10;
    let snippet = &after[start..start + after[start..].find("```").unwrap()];
    let connect = snippet.find("client.connect()").expect("connects");
    assert!(
        snippet[connect..].contains(".wait()"),
        "keeps running after connect()"
    );
    assert!(snippet.contains("send_socket_mode_response"), "acks");
    assert!(
        snippet.contains("SLACK_API_URL"),
        "takes the URL serve printed"
    );
    let interop = std::fs::read_to_string(repo(".ci/interop.sh")).unwrap();
    assert!(
        interop.contains("/<!-- interop:/") && interop.contains("README.md >\"$work/app.py\""),
        "interop.sh takes the snippet from README.md"
    );
    // Valid Python, where Python is at hand.
    if let Ok(mut python) = Command::new("python3")
        .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
        .stdin(Stdio::piped())
        .spawn()
    {
        use std::io::Write as _;
        python
            .stdin
            .take()
            .unwrap()
            .write_all(snippet.as_bytes())
            .unwrap();
        assert!(python.wait().unwrap().success(), "{snippet}");
    }
}
