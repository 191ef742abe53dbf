//! What a method handler answers: the fields of an `ok: true` body, or Slack's error (with its
//! `needed`/`provided` scopes or `response_metadata.messages` when Slack gives them).

use serde_json::{json, Map, Value};

use crate::wire::FakeResponse;

pub(crate) const JSON: &str = "application/json; charset=utf-8";

/// A handler's answer: the body's fields besides `ok`, or an error.
pub(crate) type Answer = Result<Value, ApiError>;

/// An `ok: false` answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: String,
    /// Fields besides `ok` and `error` (`needed`, `provided`, `errors`, `response_metadata`).
    pub(crate) extra: Map<String, Value>,
}

impl ApiError {
    /// Slack's error `code`, alone.
    pub(crate) fn new(code: &str) -> Self {
        ApiError {
            code: code.to_owned(),
            extra: Map::new(),
        }
    }

    /// With `response_metadata.messages`, as Slack explains `invalid_arguments`:
    /// `"[ERROR] missing required field: channel"`.
    pub(crate) fn with_messages(code: &str, messages: Vec<String>) -> Self {
        let mut error = ApiError::new(code);
        error
            .extra
            .insert("response_metadata".into(), json!({ "messages": messages }));
        error
    }

    /// `invalid_arguments` for a missing argument.
    pub(crate) fn missing(name: &str) -> Self {
        ApiError::with_messages(
            "invalid_arguments",
            vec![format!("[ERROR] missing required field: {name}")],
        )
    }

    /// `invalid_arguments` for an argument of the wrong shape.
    pub(crate) fn invalid(name: &str, what: &str) -> Self {
        ApiError::with_messages(
            "invalid_arguments",
            vec![format!("[ERROR] {what} [json-pointer:/{name}]")],
        )
    }

    /// `missing_scope`, with the scope `needed` and those the token has.
    pub(crate) fn missing_scope(needed: &str, provided: &[String]) -> Self {
        let mut error = ApiError::new("missing_scope");
        error.extra.insert("needed".into(), Value::from(needed));
        error
            .extra
            .insert("provided".into(), Value::from(provided.join(",")));
        error
    }
}

/// The response for an answer: `ok` first, as Slack writes it.
pub(crate) fn respond(answer: Answer) -> FakeResponse {
    let (ok, error, fields) = match answer {
        Ok(Value::Object(fields)) => (true, None, fields),
        Ok(_) => (true, None, Map::new()),
        Err(e) => (false, Some(e.code), e.extra),
    };
    let mut body = String::from(if ok { "{\"ok\":true" } else { "{\"ok\":false" });
    if let Some(error) = error {
        body.push_str(",\"error\":");
        body.push_str(&Value::from(error).to_string());
    }
    for (name, value) in fields {
        if name == "ok" || name == "error" {
            continue;
        }
        body.push(',');
        body.push_str(&Value::from(name).to_string());
        body.push(':');
        body.push_str(&value.to_string());
    }
    body.push('}');
    FakeResponse {
        status: 200,
        retry_after: None,
        content_type: JSON,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_comes_first() {
        assert_eq!(
            respond(Ok(json!({"channel": "C1", "ts": "1.0"}))).body,
            r#"{"ok":true,"channel":"C1","ts":"1.0"}"#
        );
        assert_eq!(
            respond(Err(ApiError::missing_scope(
                "chat:write",
                &["a".into(), "b".into()]
            )))
            .body,
            r#"{"ok":false,"error":"missing_scope","needed":"chat:write","provided":"a,b"}"#
        );
        assert_eq!(
            respond(Err(ApiError::missing("channel"))).body,
            r#"{"ok":false,"error":"invalid_arguments","response_metadata":{"messages":["[ERROR] missing required field: channel"]}}"#
        );
    }
}
