//! The record of every Web API call: method, arguments (tokens redacted), answer; what
//! `wait: call` steps count and the verdict lists.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::args::includes;
use crate::verdict::CallRecord;

/// Calls recorded with their arguments; later ones are only counted.
pub const MAX_RECORDED_CALLS: usize = 10_000;

/// Every call so far.
#[derive(Debug, Default)]
pub(crate) struct CallLog {
    pub(crate) records: Vec<CallRecord>,
    /// Calls made after the record was full.
    pub(crate) unrecorded: u64,
    /// Calls per method, recorded or not.
    counts: BTreeMap<String, u64>,
}

impl CallLog {
    pub(crate) fn push(&mut self, record: CallRecord) {
        *self.counts.entry(record.method.clone()).or_default() += 1;
        if self.records.len() < MAX_RECORDED_CALLS {
            self.records.push(record);
        } else {
            self.unrecorded += 1;
        }
    }

    /// Calls of `method` whose arguments include `with` (all of them when `with` is empty;
    /// with arguments to match, the recorded ones).
    pub(crate) fn count(&self, method: &str, with: &Map<String, Value>) -> u64 {
        if with.is_empty() {
            return self.counts.get(method).copied().unwrap_or(0);
        }
        self.records
            .iter()
            .filter(|r| r.method == method)
            .filter(|r| r.args.as_object().is_some_and(|args| includes(args, with)))
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(method: &str, args: Value) -> CallRecord {
        CallRecord {
            method: method.into(),
            at_ms: 0,
            encoding: "json".into(),
            args,
            status: 200,
            error: None,
            stubbed: false,
            note: None,
        }
    }

    #[test]
    fn counts_by_method_and_arguments() {
        let mut log = CallLog::default();
        log.push(record(
            "chat.postMessage",
            json!({"channel": "C1", "text": "a"}),
        ));
        log.push(record(
            "chat.postMessage",
            json!({"channel": "C2", "text": "b"}),
        ));
        log.push(record("users.info", json!({"user": "U1"})));
        let with = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(log.count("chat.postMessage", &Map::new()), 2);
        assert_eq!(
            log.count("chat.postMessage", &with(json!({"channel": "C2"}))),
            1
        );
        assert_eq!(log.count("chat.delete", &Map::new()), 0);
        for _ in 0..MAX_RECORDED_CALLS {
            log.push(record("auth.test", json!({})));
        }
        assert_eq!(log.records.len(), MAX_RECORDED_CALLS);
        assert_eq!(log.unrecorded, 3);
        assert_eq!(
            log.count("auth.test", &Map::new()),
            MAX_RECORDED_CALLS as u64
        );
    }
}
