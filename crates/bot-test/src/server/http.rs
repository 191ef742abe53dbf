//! The server's side of HTTP/1.1 on a pipe: requests read with `httparse`, answers written by
//! hand. One request per connection (the client's Web API calls and WebSocket handshakes each
//! open their own), answered with `connection: close`.

use slackline_fake::method_from_path;

/// Largest request head read.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body read.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A request read from a connection.
#[derive(Debug)]
pub(crate) enum Request {
    /// `POST /api/<method>` (or a GET with a query).
    Api {
        method: String,
        authorization: Option<String>,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// A WebSocket upgrade for `target` (path and query).
    Upgrade { target: String, key: String },
    /// Something this server cannot serve: answered with `status` and closed.
    Bad { status: u16, reason: String },
}

/// Reads one request from the front of `buf` once it is complete (taking its bytes).
pub(crate) fn parse(buf: &mut Vec<u8>) -> Option<Request> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let head = match request.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Some(bad(431, "request head too large"))
        }
        Ok(httparse::Status::Partial) => return None,
        Err(e) => return Some(bad(400, &format!("not HTTP/1.1: {e}"))),
    };
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::to_owned)
    };
    let has_token = |name: &str, token: &str| {
        header(name).is_some_and(|v| {
            v.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    };
    if header("transfer-encoding").is_some() {
        return Some(bad(
            411,
            "send a Content-Length (chunked bodies are not read)",
        ));
    }
    let length = match header("content-length").map(|v| v.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(_) => return Some(bad(413, "body too large or Content-Length unreadable")),
    };
    if buf.len() < head + length {
        return None;
    }
    let target = request.path.unwrap_or("/").to_owned();
    let method = request.method.unwrap_or("GET").to_owned();
    let upgrade = has_token("upgrade", "websocket") && has_token("connection", "upgrade");
    let key = header("sec-websocket-key");
    let authorization = header("authorization");
    let content_type = header("content-type");
    let body = buf[head..head + length].to_vec();
    buf.drain(..head + length);
    if upgrade {
        return Some(match (key, method.as_str()) {
            (Some(key), "GET") => Request::Upgrade { target, key },
            _ => bad(400, "a WebSocket upgrade needs GET and Sec-WebSocket-Key"),
        });
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let Some(rest) = path.strip_prefix("/api/") else {
        return Some(bad(404, "not found (the Web API is under /api/)"));
    };
    let api_method = method_from_path(rest).to_owned();
    if api_method.is_empty() {
        return Some(bad(404, "unknown_method"));
    }
    // Parameters may come in the query string (GET, or a POST with an empty body).
    let (body, content_type) = if body.is_empty() && !query.is_empty() {
        (
            query.as_bytes().to_vec(),
            Some("application/x-www-form-urlencoded".to_owned()),
        )
    } else {
        (body, content_type)
    };
    Some(Request::Api {
        method: api_method,
        authorization,
        content_type,
        body,
    })
}

fn bad(status: u16, reason: &str) -> Request {
    Request::Bad {
        status,
        reason: reason.to_owned(),
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A whole response, to be followed by the end of the connection.
pub(crate) fn response(
    status: u16,
    content_type: &str,
    retry_after: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        reason_phrase(status),
        body.len()
    );
    if let Some(seconds) = retry_after {
        out.push_str(&format!("retry-after: {seconds}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The `101` that opens a WebSocket.
pub(crate) fn switching_protocols(key: &str) -> Vec<u8> {
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {accept}\r\n\r\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_post_when_its_body_is_complete() {
        let text = b"POST /api/chat.postMessage HTTP/1.1\r\nhost: x\r\nauthorization: Bearer xoxb-1\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{\"text\":\"hi\"}";
        let mut buf = text[..text.len() - 3].to_vec();
        assert!(parse(&mut buf).is_none());
        buf.extend_from_slice(&text[text.len() - 3..]);
        match parse(&mut buf) {
            Some(Request::Api {
                method,
                authorization,
                body,
                ..
            }) => {
                assert_eq!(method, "chat.postMessage");
                assert_eq!(authorization.as_deref(), Some("Bearer xoxb-1"));
                assert_eq!(body, b"{\"text\":\"hi\"}");
            }
            other => panic!("{other:?}"),
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn reads_an_upgrade() {
        let mut buf = b"GET /link/?ticket=abc HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n".to_vec();
        match parse(&mut buf) {
            Some(Request::Upgrade { target, key }) => {
                assert_eq!(target, "/link/?ticket=abc");
                assert_eq!(
                    String::from_utf8(switching_protocols(&key)).unwrap(),
                    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
