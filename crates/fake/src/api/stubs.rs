//! Answers a script put in place of the fake's own (`stub` steps): a body, an error, a 429
//! with `Retry-After`, for every call of a method or the next few, optionally only for calls
//! with some arguments. The most recently armed matching stub answers.

use serde_json::Value;

use super::args::Args;
use super::reply::JSON;
use crate::script::StubStep;
use crate::wire::FakeResponse;

/// The stubs in force.
#[derive(Debug, Default)]
pub(crate) struct Stubs {
    /// Each stub and how many calls it still answers (`None`: all).
    armed: Vec<(StubStep, Option<u32>)>,
}

impl Stubs {
    /// Puts `step` in force.
    pub(crate) fn arm(&mut self, step: &StubStep) {
        self.armed.push((step.clone(), step.times));
    }

    /// The stubbed answer to a call of `method` with `args`, if a stub matches.
    pub(crate) fn answer(&mut self, method: &str, args: &Args) -> Option<FakeResponse> {
        let i = self
            .armed
            .iter()
            .rposition(|(step, _)| step.method == method && args.include(&step.with))?;
        let (step, remaining) = &mut self.armed[i];
        let response = FakeResponse {
            status: step.status,
            retry_after: step.retry_after,
            content_type: JSON,
            body: body(step),
        };
        if let Some(n) = remaining {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.armed.remove(i);
            }
        }
        Some(response)
    }
}

/// The stub's body: its `answer` (with `"ok":true` in front unless it says), or an error.
fn body(step: &StubStep) -> String {
    if let Some(answer) = &step.answer {
        let has_ok = serde_json::from_str::<serde_json::Map<String, Value>>(answer)
            .is_ok_and(|m| m.contains_key("ok"));
        if has_ok {
            return answer.clone();
        }
        let rest = answer.trim().trim_start_matches('{').trim_start();
        return if rest.starts_with('}') {
            "{\"ok\":true}".to_owned()
        } else {
            format!("{{\"ok\":true,{rest}")
        };
    }
    let error = step.error.clone().unwrap_or_else(|| {
        if step.status == 429 {
            "ratelimited".into()
        } else {
            "internal_error".into()
        }
    });
    crate::frames::api_error(&error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{Script, StepAction};

    fn stub(line: &str) -> StubStep {
        let script = Script::parse(&format!("{{\"slackline_script\":1}}\n{line}")).unwrap();
        match &script.steps()[0].action {
            StepAction::Stub(step) => step.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_latest_matching_stub_answers_its_times() {
        let mut stubs = Stubs::default();
        stubs.arm(&stub(
            r#"{"stub":"users.info","answer":{"user":{"id":"U1","name":"one"}}}"#,
        ));
        stubs.arm(&stub(r#"{"stub":"users.info","answer":{"ok":false,"error":"user_not_found"},"with":{"user":"U2"},"times":1}"#));
        let u1 = Args::parse(None, b"user=U1");
        let u2 = Args::parse(None, b"user=U2");
        assert_eq!(
            stubs.answer("users.info", &u1).unwrap().body,
            r#"{"ok":true,"user":{"id":"U1","name":"one"}}"#
        );
        assert_eq!(
            stubs.answer("users.info", &u2).unwrap().body,
            r#"{"ok":false,"error":"user_not_found"}"#
        );
        // Used up: the stub for every call answers U2 now.
        assert!(stubs
            .answer("users.info", &u2)
            .unwrap()
            .body
            .contains("\"one\""));
        assert!(stubs.answer("users.list", &u1).is_none());
    }

    #[test]
    fn errors_and_rate_limits() {
        let mut stubs = Stubs::default();
        stubs.arm(&stub(
            r#"{"stub":"chat.postMessage","retry_after":"2s","times":1}"#,
        ));
        stubs.arm(&stub(
            r#"{"stub":"views.open","error":"expired_trigger_id","times":1}"#,
        ));
        stubs.arm(&stub(r#"{"stub":"emoji.list","answer":{}}"#));
        let none = Args::parse(None, b"");
        let limited = stubs.answer("chat.postMessage", &none).unwrap();
        assert_eq!(
            (limited.status, limited.retry_after_header().as_deref()),
            (429, Some("2"))
        );
        assert_eq!(limited.body, r#"{"ok":false,"error":"ratelimited"}"#);
        assert!(stubs.answer("chat.postMessage", &none).is_none());
        let e = stubs.answer("views.open", &none).unwrap();
        assert_eq!(
            (e.status, e.body.as_str()),
            (200, r#"{"ok":false,"error":"expired_trigger_id"}"#)
        );
        assert_eq!(
            stubs.answer("emoji.list", &none).unwrap().body,
            r#"{"ok":true}"#
        );
    }
}
