//! The floor: the least work a Socket Mode client can do. A bare async-tungstenite client on
//! tokio (TCP_NODELAY set) that finds each frame's `envelope_id` by a byte search and echoes it
//! in an ack. No JSON parsing, no dedupe, no dispatch, no liveness. What it costs is what the
//! transport costs; slackline is measured against it.

use std::time::Instant;

use async_tungstenite::tungstenite::Message;
use futures_util::{SinkExt, StreamExt};

use crate::ClientReport;

/// Connects to `ws_url` and acks until `expected` envelopes are acked or the server closes.
pub async fn run(ws_url: &str, expected: u64) -> Result<ClientReport, Box<dyn std::error::Error>> {
    let address = host_port(ws_url).ok_or("the floor client only takes ws://host:port/... URLs")?;
    let tcp = tokio::net::TcpStream::connect(address).await?;
    tcp.set_nodelay(true)?;
    let (socket, _) = async_tungstenite::tokio::client_async(ws_url, tcp).await?;
    let (mut sink, stream) = socket.split();
    // Everything already readable in one go, then one flush for all its acks.
    let mut batches = stream.ready_chunks(256);
    let finder = memchr::memmem::Finder::new(br#""envelope_id":""#);
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
            let bytes = text.as_bytes();
            let Some(at) = finder.find(bytes) else {
                continue;
            };
            let start = at + finder.needle().len();
            let Some(len) = memchr::memchr(b'"', &bytes[start..]) else {
                continue;
            };
            let id = &text.as_str()[start..start + len];
            sink.feed(Message::text(format!(r#"{{"envelope_id":"{id}"}}"#)))
                .await?;
            acks += 1;
        }
        sink.flush().await?;
    }
    let elapsed = first.map(|f| f.elapsed()).unwrap_or_default();
    let _ = sink.close(None).await;
    Ok(ClientReport {
        kind: "floor".into(),
        acks,
        elapsed,
        usage: crate::resources::current(),
    })
}

fn host_port(url: &str) -> Option<String> {
    let rest = url.strip_prefix("ws://")?;
    Some(rest.split(['/', '?']).next()?.to_owned())
}
