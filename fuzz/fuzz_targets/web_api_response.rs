//! Any status, `Retry-After` text and body through the Web API classifier: no panic, a rate
//! limit is always a rate limit, success always comes with `ok: true`, and no error text carries
//! a token from the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slackline::{classify, ApiError, ConnectionUrl, HttpResponse};

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(4));
    let status = u16::from_le_bytes([
        head.first().copied().unwrap_or(200),
        head.get(1).copied().unwrap_or(0),
    ]) % 600;
    let retry_after = String::from_utf8_lossy(&head[head.len().min(2)..]).into_owned();
    let response = HttpResponse::new(status, bytes::Bytes::copy_from_slice(body))
        .with_retry_after_header(&retry_after);
    match classify(&response) {
        Ok(ok) => {
            assert_eq!(status, 200);
            let value: serde_json::Value = ok.json().expect("a success body is JSON");
            assert_eq!(value["ok"], true);
            let _ = ok.json::<ConnectionUrl>();
        }
        Err(error) => {
            if status == 429 {
                assert!(matches!(error, ApiError::RateLimited { .. }));
            }
            let text = error.to_string();
            assert!(
                !text.contains("xoxb-1") && !text.contains("xapp-1"),
                "{text}"
            );
            let _ = (error.is_fatal(), error.code(), error.retry_after());
        }
    }
});
