//! Durations as people write them in scripts: `2.5` (seconds), `"250ms"`, `"+2.5s"`, `"5h"`.

use std::time::Duration;

use serde_json::value::RawValue;

/// Reads a duration: a non-negative number of seconds, or a string of a number with an
/// optional leading `+` and a unit `ms`, `s`, `m`/`min` or `h` (seconds without a unit).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let expected = "expected a duration such as 2.5, \"250ms\", \"+2.5s\", \"10m\" or \"5h\"";
    let trimmed = text.trim().trim_start_matches('+').trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" | "mins" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{expected}, found {text:?}")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{expected}, found {text:?}"))?;
    let seconds = value * scale;
    // Ten years is plenty for any script, and keeps the conversion exact and panic-free.
    if !seconds.is_finite() || !(0.0..=315_360_000.0).contains(&seconds) {
        return Err(format!("duration out of range: {text:?}"));
    }
    Ok(Duration::from_nanos((seconds * 1e9).round() as u64))
}

/// A duration field of a script line: a JSON number (seconds) or string.
pub(crate) fn duration_value(raw: &RawValue) -> Result<Duration, String> {
    match serde_json::from_str::<String>(raw.get()) {
        Ok(text) => parse_duration(&text),
        Err(_) => parse_duration(raw.get()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_forms() {
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("+2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("5h"), Ok(Duration::from_secs(18_000)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("3 days").is_err());
        assert!(parse_duration("1e400").is_err());
        assert!(parse_duration("").is_err());
        let raw = RawValue::from_string("\"1.5s\"".into()).unwrap();
        assert_eq!(duration_value(&raw), Ok(Duration::from_millis(1500)));
        let raw = RawValue::from_string("0.25".into()).unwrap();
        assert_eq!(duration_value(&raw), Ok(Duration::from_millis(250)));
    }
}
