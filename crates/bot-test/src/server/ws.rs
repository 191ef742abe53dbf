//! The server's side of WebSocket frames on a pipe, with tungstenite's frame codec: client
//! frames are read one by one (no automatic pong: pings go to the fake through the emulated
//! network, like every other frame, so a cut or a partition loses them too), server frames
//! are written unmasked.

use std::io::Cursor;

use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};

/// Largest message read from a client (Slack refuses acks over 20 KB; the fake reports those
/// itself, so it must be able to read them).
const MAX_MESSAGE: usize = 1024 * 1024;

/// A frame (or a whole fragmented message) from the client.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ClientFrame {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
    /// Not a frame a client may send: the connection is dropped.
    Bad(String),
}

/// Reads client frames from a connection's bytes.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// A fragmented message so far: its opcode and payload.
    partial: Option<(Data, Vec<u8>)>,
}

impl Reader {
    /// The next frame at the front of `buf`, once complete (its bytes are taken).
    pub(crate) fn next(&mut self, buf: &mut Vec<u8>) -> Option<ClientFrame> {
        loop {
            let mut cursor = Cursor::new(&buf[..]);
            let (header, length) =
                match tungstenite::protocol::frame::FrameHeader::parse(&mut cursor) {
                    Ok(Some(parsed)) => parsed,
                    Ok(None) => return None,
                    Err(e) => return Some(ClientFrame::Bad(e.to_string())),
                };
            let start = cursor.position() as usize;
            let Ok(length) = usize::try_from(length) else {
                return Some(ClientFrame::Bad("frame too large".into()));
            };
            if length > MAX_MESSAGE {
                return Some(ClientFrame::Bad("frame too large".into()));
            }
            if buf.len() < start + length {
                return None;
            }
            let mut payload = buf[start..start + length].to_vec();
            buf.drain(..start + length);
            let Some(mask) = header.mask else {
                return Some(ClientFrame::Bad("an unmasked client frame".into()));
            };
            for (i, byte) in payload.iter_mut().enumerate() {
                *byte ^= mask[i % 4];
            }
            match header.opcode {
                OpCode::Control(Control::Ping) => return Some(ClientFrame::Ping(payload)),
                OpCode::Control(Control::Pong) => return Some(ClientFrame::Pong(payload)),
                OpCode::Control(Control::Close) => return Some(close(&payload)),
                OpCode::Control(Control::Reserved(op)) => {
                    return Some(ClientFrame::Bad(format!("reserved opcode {op}")))
                }
                OpCode::Data(Data::Continue) => {
                    let Some((_, so_far)) = self.partial.as_mut() else {
                        return Some(ClientFrame::Bad("a continuation of nothing".into()));
                    };
                    so_far.extend_from_slice(&payload);
                    if so_far.len() > MAX_MESSAGE {
                        return Some(ClientFrame::Bad("message too large".into()));
                    }
                    if header.is_final {
                        let (kind, whole) = self.partial.take().unwrap_or((Data::Binary, vec![]));
                        return Some(message(kind, whole));
                    }
                }
                OpCode::Data(kind @ (Data::Text | Data::Binary)) => {
                    if header.is_final {
                        return Some(message(kind, payload));
                    }
                    self.partial = Some((kind, payload));
                }
                OpCode::Data(Data::Reserved(op)) => {
                    return Some(ClientFrame::Bad(format!("reserved opcode {op}")))
                }
            }
        }
    }
}

fn message(kind: Data, payload: Vec<u8>) -> ClientFrame {
    match kind {
        Data::Text => match String::from_utf8(payload) {
            Ok(text) => ClientFrame::Text(text),
            Err(_) => ClientFrame::Bad("a text frame that is not UTF-8".into()),
        },
        _ => ClientFrame::Binary(payload),
    }
}

fn close(payload: &[u8]) -> ClientFrame {
    match payload {
        [a, b, reason @ ..] => ClientFrame::Close(
            Some(u16::from_be_bytes([*a, *b])),
            String::from_utf8_lossy(reason).into_owned(),
        ),
        _ => ClientFrame::Close(None, String::new()),
    }
}

fn format(frame: Frame) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len());
    // Writing to a Vec cannot fail.
    let _ = frame.format(&mut out);
    out
}

/// A text frame from the server.
pub(crate) fn text(text: &str) -> Vec<u8> {
    format(Frame::message(
        text.as_bytes().to_vec(),
        OpCode::Data(Data::Text),
        true,
    ))
}

/// A ping from the server.
pub(crate) fn ping(payload: &[u8]) -> Vec<u8> {
    format(Frame::ping(payload.to_vec()))
}

/// A pong from the server.
pub(crate) fn pong(payload: &[u8]) -> Vec<u8> {
    format(Frame::pong(payload.to_vec()))
}

/// A close frame from the server.
pub(crate) fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    format(Frame::close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_owned().into(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(opcode: u8, payload: &[u8], fin: bool) -> Vec<u8> {
        let mask = [1u8, 2, 3, 4];
        let mut out = vec![
            opcode | if fin { 0x80 } else { 0 },
            0x80 | payload.len() as u8,
        ];
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn reads_masked_frames_and_fragmented_messages() {
        let mut reader = Reader::default();
        let mut buf = masked(0x1, b"{\"envelope_id\":\"a\"}", true);
        buf.extend(masked(0x9, b"p1", true));
        buf.extend(masked(0x1, b"he", false));
        buf.extend(masked(0x0, b"llo", true));
        buf.extend(masked(0x8, &[0x03, 0xe8, b'b', b'y', b'e'], true));
        let partial = buf.split_off(buf.len() - 3);
        assert_eq!(
            reader.next(&mut buf),
            Some(ClientFrame::Text("{\"envelope_id\":\"a\"}".into()))
        );
        assert_eq!(
            reader.next(&mut buf),
            Some(ClientFrame::Ping(b"p1".to_vec()))
        );
        assert_eq!(
            reader.next(&mut buf),
            Some(ClientFrame::Text("hello".into()))
        );
        assert_eq!(reader.next(&mut buf), None);
        buf.extend(partial);
        assert_eq!(
            reader.next(&mut buf),
            Some(ClientFrame::Close(Some(1000), "bye".into()))
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn writes_unmasked_frames() {
        assert_eq!(text("hi"), vec![0x81, 2, b'h', b'i']);
        assert_eq!(close_frame(1000, ""), vec![0x88, 2, 0x03, 0xe8]);
    }
}
