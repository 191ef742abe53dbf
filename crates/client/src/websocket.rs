//! WebSocket settings every driver uses alike.

use tungstenite::protocol::WebSocketConfig;

/// What one read from the socket asks for. Tungstenite reads into what is left of its buffer
/// after the last frame was split off (often a frame's remainder, a few KiB), so without this
/// layer a busy connection made a `recv` per frame or two; read ahead, a burst of envelopes
/// costs one system call.
pub const READ_AHEAD: usize = 64 * 1024;

/// Tungstenite's own size limit sits well above the session's, so oversized frames reach the
/// session and are reported there instead of killing the connection. Its reads are kept to
/// 8 KiB: it zeroes the room it reads into before every read, and once received frames are
/// copied out (see `link`) its buffer is reused and grows to the largest frame seen, so a
/// 128 KiB default meant zeroing 128 KiB per read.
pub fn websocket_config(session_limit: usize) -> WebSocketConfig {
    let limit = session_limit
        .saturating_mul(2)
        .max(session_limit.saturating_add(1));
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
}
