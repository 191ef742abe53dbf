//! A call's arguments, read the same way from a JSON body and from a form body (or the query
//! string a network wrapper turns into one): values are looked up by name and converted as
//! Slack does (`"true"`/`"1"` for booleans, numbers as text, arrays and objects as JSON text).

use std::borrow::Cow;

use serde_json::{Map, Value};
use slackline::redact_tokens;

/// How the arguments came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// No body at all.
    None,
    /// A JSON object (`application/json`).
    Json,
    /// `application/x-www-form-urlencoded` (or the query string).
    Form,
}

impl Encoding {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Encoding::None => "none",
            Encoding::Json => "json",
            Encoding::Form => "form",
        }
    }
}

/// A value that is there but cannot be read as the type asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BadValue;

/// The arguments of one call.
#[derive(Clone, Debug)]
pub(crate) struct Args {
    encoding: Encoding,
    /// Form values are strings; JSON values are as sent.
    map: Map<String, Value>,
}

impl Args {
    /// Reads a body: JSON when the content type says so or it looks like a JSON object, a form
    /// otherwise. A JSON body that does not parse is read as a form (and so has odd names).
    pub(crate) fn parse(content_type: Option<&str>, body: &[u8]) -> Args {
        let text = String::from_utf8_lossy(body);
        if text.trim().is_empty() {
            return Args {
                encoding: Encoding::None,
                map: Map::new(),
            };
        }
        let looks_json = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("json"))
            || text.trim_start().starts_with('{');
        if looks_json {
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => {
                    return Args {
                        encoding: Encoding::Json,
                        map,
                    }
                }
                Ok(_) => {
                    return Args {
                        encoding: Encoding::Json,
                        map: Map::new(),
                    }
                }
                Err(_) => {}
            }
        }
        let mut map = Map::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            // The first of repeated names counts.
            map.entry(form_decode(k))
                .or_insert_with(|| Value::String(form_decode(v)));
        }
        Args {
            encoding: Encoding::Form,
            map,
        }
    }

    /// No arguments (what a method that reads form arguments only sees of a JSON body).
    pub(crate) fn none(encoding: Encoding) -> Args {
        Args {
            encoding,
            map: Map::new(),
        }
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The raw value.
    pub(crate) fn value(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// A value as text (strings as they are, numbers and booleans written out; arrays and
    /// objects as JSON); `None` when absent or empty.
    pub(crate) fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        let text = match self.value(name)? {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            other => Cow::Owned(other.to_string()),
        };
        (!text.is_empty()).then_some(text)
    }

    /// A value as an owned string (see [`text`](Self::text)).
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        self.text(name).map(Cow::into_owned)
    }

    /// An optional switch, read leniently as Slack does: absent or not a boolean is off.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.boolean(name).ok().flatten().unwrap_or(false)
    }

    /// A boolean: `true`/`false`, `1`/`0` (as JSON or text).
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, BadValue> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(BadValue),
            },
            Some(Value::String(s)) => match s.trim() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" | "" => Ok(Some(false)),
                _ => Err(BadValue),
            },
            Some(_) => Err(BadValue),
        }
    }

    /// An integer (JSON number or text; a fractional part is refused).
    pub(crate) fn integer(&self, name: &str) -> Result<Option<i64>, BadValue> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(BadValue),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| BadValue),
            Some(_) => Err(BadValue),
        }
    }

    /// A JSON argument (`blocks`, `view`, `files`...): an array or object as sent in a JSON
    /// body, or JSON text (how forms carry them, and JSON bodies may too).
    pub(crate) fn json(&self, name: &str) -> Result<Option<Value>, BadValue> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|_| BadValue),
            Some(other) => Ok(Some(other.clone())),
        }
    }

    /// Whether every name in `with` has an equal value here (see [`includes`]).
    pub(crate) fn include(&self, with: &Map<String, Value>) -> bool {
        includes(&self.map, with)
    }

    /// The arguments for reports: every string with tokens redacted.
    pub(crate) fn record(&self) -> Value {
        redacted(&Value::Object(self.map.clone()))
    }
}

/// Whether every name in `with` has an equal value in `args`: equal as JSON, or as text when
/// either side is a string (forms send `"2"` for `2`, and JSON text for arrays).
pub(crate) fn includes(args: &Map<String, Value>, with: &Map<String, Value>) -> bool {
    let as_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    with.iter().all(|(name, expected)| {
        let Some(actual) = args.get(name).filter(|v| !v.is_null()) else {
            return false;
        };
        if actual == expected {
            return true;
        }
        match (actual, expected) {
            (Value::String(a), e) => {
                *a == as_text(e) || serde_json::from_str::<Value>(a).is_ok_and(|a| a == *e)
            }
            (a, Value::String(e)) => as_text(a) == *e,
            _ => false,
        }
    })
}

/// `value` with every token in its strings (and names) redacted.
pub(crate) fn redacted(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_tokens(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (redact_tokens(k).into_owned(), redacted(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `application/x-www-form-urlencoded` decoding; invalid escapes are kept as they are.
pub(crate) fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("a+b%26c%zz%4"), "a b&c%zz%4");
        let p = Args::parse(None, b"channel=C1&text=hi+there&channel=C2");
        assert_eq!(p.encoding(), Encoding::Form);
        assert_eq!(p.string("text").as_deref(), Some("hi there"));
        assert_eq!(
            p.string("channel").as_deref(),
            Some("C1"),
            "the first counts"
        );
        let p = Args::parse(Some("application/json"), br#"{"channel":"C1","n":1}"#);
        assert_eq!(p.string("n").as_deref(), Some("1"));
        assert_eq!(Args::parse(None, b"  ").encoding(), Encoding::None);
        assert_eq!(
            Args::parse(Some("application/json"), b"[1]").encoding(),
            Encoding::Json
        );
    }

    #[test]
    fn values_convert_as_slack_reads_them() {
        let form = Args::parse(
            Some("application/x-www-form-urlencoded"),
            b"a=true&b=0&c=12&d=x&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D&e=",
        );
        assert_eq!(form.boolean("a"), Ok(Some(true)));
        assert_eq!(form.boolean("b"), Ok(Some(false)));
        assert_eq!(form.boolean("d"), Err(BadValue));
        assert_eq!(form.integer("c"), Ok(Some(12)));
        assert_eq!(form.integer("d"), Err(BadValue));
        assert_eq!(form.integer("e"), Ok(None));
        assert_eq!(form.text("e"), None);
        assert_eq!(form.json("blocks"), Ok(Some(json!([{"type": "divider"}]))));
        assert_eq!(form.json("d"), Err(BadValue));
        let body = json!({"blocks": [{"type": "divider"}], "limit": 5, "ok": true, "view": "{\"type\":\"modal\"}"});
        let json = Args::parse(Some("application/json"), body.to_string().as_bytes());
        assert_eq!(json.json("blocks"), Ok(Some(json!([{"type": "divider"}]))));
        assert_eq!(json.json("view"), Ok(Some(json!({"type": "modal"}))));
        assert_eq!(json.integer("limit"), Ok(Some(5)));
        assert_eq!(json.boolean("ok"), Ok(Some(true)));
    }

    #[test]
    fn with_matches_json_and_text_alike() {
        let form = Args::parse(None, b"channel=C1&limit=2&blocks=%5B1%5D");
        let with = |v: Value| v.as_object().unwrap().clone();
        assert!(form.include(&with(json!({"channel": "C1", "limit": 2}))));
        assert!(form.include(&with(json!({"blocks": [1]}))));
        assert!(!form.include(&with(json!({"channel": "C2"}))));
        assert!(!form.include(&with(json!({"user": "U1"}))));
        let json = Args::parse(None, br#"{"channel":"C1","limit":2}"#);
        assert!(json.include(&with(json!({"limit": "2"}))));
        assert!(json.include(&Map::new()));
    }

    #[test]
    fn records_hide_tokens() {
        let args = Args::parse(None, b"token=xoxb-1-2-secret&text=hi");
        let recorded = args.record().to_string();
        assert!(!recorded.contains("secret"), "{recorded}");
        assert!(recorded.contains("hi"));
    }
}
