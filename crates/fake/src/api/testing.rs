//! A workspace driven directly by method calls, for the method families' unit tests.

use serde_json::Value;
use slackline::{Instant, TokenKind};

use super::args::Args;
use super::reply::{respond, Answer};
use super::workspace::Workspace;
use super::{call, form_only, Ctx};
use crate::ids::IdGen;
use crate::script::Script;

pub(crate) struct Harness {
    pub(crate) ws: Workspace,
    ids: IdGen,
    pub(crate) now: Instant,
    pub(crate) kind: TokenKind,
    epoch: u64,
}

impl Harness {
    /// The default workspace.
    pub(crate) fn new() -> Self {
        Self::with_header(r#"{"slackline_script":1}"#)
    }

    /// The workspace of a script header line.
    pub(crate) fn with_header(header: &str) -> Self {
        let script = Script::parse(header).expect("a valid header");
        Harness {
            ws: Workspace::new(script.header()),
            ids: IdGen::default(),
            now: Instant::ZERO,
            kind: TokenKind::Bot,
            epoch: script.header().epoch,
        }
    }

    /// Calls `method` with a JSON body (form-only methods get it as a form, like a client
    /// following each method's encoding would send it).
    pub(crate) fn call(&mut self, method: &str, args: Value) -> Answer {
        let args = if form_only(method) {
            let form: Vec<String> = args
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    format!("{}={}", encode(k), encode(&v))
                })
                .collect();
            Args::parse(None, form.join("&").as_bytes())
        } else {
            Args::parse(Some("application/json"), args.to_string().as_bytes())
        };
        self.call_args(method, &args)
    }

    pub(crate) fn call_args(&mut self, method: &str, args: &Args) -> Answer {
        let caller = self.ws.caller(self.kind);
        let mut cx = Ctx::new(
            self.now,
            caller,
            &mut self.ids,
            self.epoch,
            Instant::ZERO,
            "http://files.test",
        );
        let answer = call(&mut self.ws, &mut cx, method, args).expect("a known method");
        // Every answer serialises.
        let _ = respond(answer.clone());
        answer
    }

    /// The error code of a call that must fail.
    pub(crate) fn error(&mut self, method: &str, args: Value) -> String {
        match self.call(method, args) {
            Ok(v) => panic!("{method} should fail, answered {v}"),
            Err(e) => e.code,
        }
    }

    /// The body of a call that must succeed.
    pub(crate) fn ok(&mut self, method: &str, args: Value) -> Value {
        match self.call(method, args) {
            Ok(v) => v,
            Err(e) => panic!("{method} failed: {} {:?}", e.code, e.extra),
        }
    }

    pub(crate) fn advance_ms(&mut self, ms: u64) {
        self.now = self.now + std::time::Duration::from_millis(ms);
    }
}

/// Percent-encoding for form bodies.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
