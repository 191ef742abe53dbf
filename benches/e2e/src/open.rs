//! `apps.connections.open` by hand, for the floor: one HTTP/1.1 request on a fresh TCP
//! connection, the WebSocket URL read from the answer. The floor must not pay for (or depend
//! on) an HTTP client; the fake Slack answers with a plain `Content-Length` body.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The WebSocket URL the fake Slack at `api_url` (`http://127.0.0.1:PORT/api/`) hands out.
pub async fn socket_mode_url(api_url: &str, token: &str) -> Result<String, String> {
    let rest = api_url
        .strip_prefix("http://")
        .ok_or("the floor only takes http://host:port/api/ URLs")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut tcp = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("connecting to {host}: {e}"))?;
    let request = format!(
        "POST /{path}apps.connections.open HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| format!("apps.connections.open: {e}"))?;
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer)
        .await
        .map_err(|e| format!("apps.connections.open: {e}"))?;
    url_in_answer(&answer)
}

fn url_in_answer(answer: &[u8]) -> Result<String, String> {
    let text = String::from_utf8_lossy(answer);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .ok_or("apps.connections.open: no HTTP body")?;
    let json: serde_json::Value = serde_json::from_str(body.trim())
        .map_err(|e| format!("apps.connections.open: not JSON ({e})"))?;
    json["url"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("apps.connections.open: no url in {json}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_url_from_the_answer() {
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\n{\"ok\":true,\"url\":\"ws://127.0.0.1:1/link/\"}";
        assert_eq!(url_in_answer(answer).unwrap(), "ws://127.0.0.1:1/link/");
        assert!(url_in_answer(b"HTTP/1.1 200 OK\r\n\r\n{\"ok\":false}").is_err());
    }
}
