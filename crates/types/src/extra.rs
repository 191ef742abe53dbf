//! [`Extra`]: the fields a struct does not model, kept as JSON.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The fields of an object that its Rust type does not model, as JSON (flattened into the
/// struct, so they are read from and written to the same object). Fields Slack adds later land
/// here instead of failing the decode, and a bot can set fields this crate does not know yet.
///
/// `Debug` hides the values of fields that hold secrets (`token`, `*_token`, `secret`, at any
/// depth): payloads carry verification tokens and, in function payloads, a bot token.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(pub Map<String, Value>);

impl Extra {
    /// A field as a string, if it is one.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }
}

impl Deref for Extra {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted(&self.0).fmt(f)
    }
}

fn is_secret(key: &str) -> bool {
    key == "token" || key.ends_with("_token") || key == "secret"
}

/// `Debug` of a JSON map with secret values replaced.
struct Redacted<'a>(&'a Map<String, Value>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in self.0 {
            match value {
                _ if is_secret(key) => map.entry(key, &format_args!("<redacted>")),
                Value::Object(inner) => map.entry(key, &Redacted(inner)),
                Value::Array(items) => map.entry(key, &RedactedList(items)),
                other => map.entry(key, other),
            };
        }
        map.finish()
    }
}

struct RedactedList<'a>(&'a [Value]);

impl fmt::Debug for RedactedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for item in self.0 {
            match item {
                Value::Object(inner) => list.entry(&Redacted(inner)),
                other => list.entry(other),
            };
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_hides_secrets_at_any_depth() {
        let Value::Object(map) = json!({
            "token": "verification",
            "bot_access_token": "xoxb-1-2",
            "interactivity": {"interactor": {"secret": "s3", "id": "I1"}},
            "list": [{"token": "t"}],
            "team": "T1",
        }) else {
            unreachable!()
        };
        let shown = format!("{:?}", Extra(map));
        for secret in ["verification", "xoxb-1-2", "s3", "\"t\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("T1") && shown.contains("I1"), "{shown}");
    }
}
