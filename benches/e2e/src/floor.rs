//! The floor: the least work a Socket Mode client can do. A bare async-tungstenite client on
//! tokio (TCP_NODELAY set) that finds each frame's `envelope_id` by a byte search and echoes it
//! in an ack. No JSON parsing, no dedupe, no dispatch, no liveness. What it costs is what the
//! transport costs; slackline is measured against it.
//!
//! `floor-read-ahead` is the same client with the read-ahead buffer slackline's drivers put
//! under the WebSocket (`READ_AHEAD`, 64 KiB): not the floor the goals are set against, but what the floor
//! would be with that one transport change, reported beside it so the two are not confused.

use std::time::Instant;

use async_tungstenite::tungstenite::Message;
use futures_util::{SinkExt, StreamExt};

use crate::ClientReport;

/// Opens a Socket Mode connection to the fake Slack at `api_url` and acks until `expected`
/// envelopes are acked or the server closes.
pub async fn run(
    api_url: &str,
    expected: u64,
    read_ahead: bool,
) -> Result<ClientReport, Box<dyn std::error::Error>> {
    let ws_url = crate::open::socket_mode_url(api_url, crate::BENCH_TOKEN).await?;
    let ws_url = ws_url.as_str();
    let address = host_port(ws_url).ok_or("the floor client only takes ws://host:port/... URLs")?;
    let tcp = tokio::net::TcpStream::connect(address).await?;
    tcp.set_nodelay(true)?;
    if read_ahead {
        let tcp = tokio::io::BufReader::with_capacity(slackline_client::READ_AHEAD, tcp);
        let (socket, _) = async_tungstenite::tokio::client_async(ws_url, tcp).await?;
        ack_all(socket, expected, "floor-read-ahead").await
    } else {
        let (socket, _) = async_tungstenite::tokio::client_async(ws_url, tcp).await?;
        ack_all(socket, expected, "floor").await
    }
}

/// Acks what arrives until `expected` envelopes are acked or the server closes.
async fn ack_all<S>(
    socket: async_tungstenite::WebSocketStream<S>,
    expected: u64,
    kind: &str,
) -> Result<ClientReport, Box<dyn std::error::Error>>
where
    S: futures_util::AsyncRead + futures_util::AsyncWrite + Unpin,
{
    let (mut sink, stream) = socket.split();
    // Everything already readable in one go, then one flush for all its acks.
    let mut batches = stream.ready_chunks(256);
    let finder = memchr::memmem::Finder::new(br#""envelope_id""#);
    let (mut acks, mut first) = (0u64, None);
    while acks < expected {
        let Some(batch) = batches.next().await else {
            break;
        };
        first.get_or_insert_with(Instant::now);
        for message in batch {
            let Message::Text(text) = message? else {
                continue;
            };
            let Some(id) = envelope_id(&finder, text.as_str()) else {
                continue;
            };
            sink.feed(Message::text(format!(r#"{{"envelope_id":"{id}"}}"#)))
                .await?;
            acks += 1;
        }
        sink.flush().await?;
    }
    let elapsed = first.map(|f| f.elapsed()).unwrap_or_default();
    let _ = sink.close(None).await;
    Ok(ClientReport {
        kind: kind.into(),
        acks,
        elapsed,
        usage: crate::resources::current(),
    })
}

/// The `envelope_id` string's contents, found by byte search (recorded frames may be
/// pretty-printed: `"envelope_id": "…"`).
fn envelope_id<'t>(finder: &memchr::memmem::Finder<'_>, text: &'t str) -> Option<&'t str> {
    let after_key = finder.find(text.as_bytes())? + finder.needle().len();
    let rest = text[after_key..].trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let len = memchr::memchr(b'"', rest.as_bytes())?;
    Some(&rest[..len])
}

fn host_port(url: &str) -> Option<String> {
    let rest = url.strip_prefix("ws://")?;
    Some(rest.split(['/', '?']).next()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_id_compact_or_pretty() {
        let finder = memchr::memmem::Finder::new(br#""envelope_id""#);
        assert_eq!(
            envelope_id(&finder, r#"{"envelope_id":"a-1","x":1}"#),
            Some("a-1")
        );
        assert_eq!(
            envelope_id(&finder, "{\n  \"envelope_id\" : \"b\",\n}"),
            Some("b")
        );
        assert_eq!(envelope_id(&finder, r#"{"type":"hello"}"#), None);
    }
}
