//! Writing a JSON object field by field, in the order the fields are added: frames and lines
//! people read keep Slack's order (`type` or `ok` first) instead of `serde_json`'s sorted keys.

/// One JSON object under construction.
pub(crate) struct ObjectWriter(String);

impl ObjectWriter {
    pub(crate) fn new() -> Self {
        ObjectWriter(String::from("{"))
    }

    fn key(&mut self, name: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0
            .push_str(&serde_json::to_string(name).unwrap_or_else(|_| "\"\"".into()));
        self.0.push(':');
    }

    /// A field whose value is already JSON text.
    pub(crate) fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.key(name);
        self.0.push_str(json);
        self
    }

    /// A string field.
    pub(crate) fn str(&mut self, name: &str, value: &str) -> &mut Self {
        let quoted = serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into());
        self.raw(name, &quoted)
    }

    /// A number or boolean field.
    pub(crate) fn num(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.raw(name, &value.to_string())
    }

    /// Any serialisable value.
    pub(crate) fn value(&mut self, name: &str, value: &serde_json::Value) -> &mut Self {
        self.raw(name, &value.to_string())
    }

    pub(crate) fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.0);
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_order_and_escaped() {
        let text = ObjectWriter::new()
            .str("type", "a\"b")
            .num("n", 3)
            .raw("o", "{}")
            .value("v", &serde_json::json!([1]))
            .finish();
        assert_eq!(text, r#"{"type":"a\"b","n":3,"o":{},"v":[1]}"#);
        assert_eq!(ObjectWriter::new().finish(), "{}");
    }
}
