//! The flood socket's framing: tungstenite's RFC 6455 header codec ([`FrameHeader::format`]
//! and [`FrameHeader::parse`]) applied to plain byte buffers. Server frames are a header
//! formatted straight into the output buffer followed by the pre-serialised text, so a burst
//! of envelopes leaves in one batched `write` with no message object and no allocation per
//! frame; client frames are found in the input buffer and unmasked in place. tungstenite's
//! `WebSocket`/`Frame` layer would build a message (and its buffer) for every frame and
//! validate every text frame: work the load generator must not spend while it measures a
//! client. What is checked here beyond the header codec is what a server owes its clients:
//! masked frames, short final control frames, no reserved bits, a size limit.

use std::io::Cursor;
use std::ops::Range;

pub(crate) use async_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use async_tungstenite::tungstenite::protocol::frame::FrameHeader;

/// The header of an unfragmented, unmasked frame (servers never mask).
fn server_header(opcode: OpCode) -> FrameHeader {
    FrameHeader {
        is_final: true,
        rsv1: false,
        rsv2: false,
        rsv3: false,
        opcode,
        mask: None,
    }
}

/// Formats `header` for a payload of `len` bytes at the end of `out`, with room reserved for
/// the payload too.
fn push_header(out: &mut Vec<u8>, header: &FrameHeader, len: usize) {
    let len = len as u64;
    out.reserve(header.len(len) + len as usize);
    header
        .format(len, out)
        .expect("writing into a Vec cannot fail");
}

/// Appends one unfragmented, unmasked frame.
pub(crate) fn push_frame(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    push_header(out, &server_header(opcode), payload.len());
    out.extend_from_slice(payload);
}

/// Appends a close frame with `code` and `reason` (cut to fit a control frame).
pub(crate) fn push_close(out: &mut Vec<u8>, code: u16, reason: &str) {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let reason = &reason.as_bytes()[..end];
    let header = server_header(OpCode::Control(Control::Close));
    push_header(out, &header, 2 + reason.len());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(reason);
}

/// One client frame found at the front of a buffer, its payload unmasked in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) fin: bool,
    /// Never a reserved opcode: those are refused.
    pub(crate) opcode: OpCode,
    /// Where the payload sits in the buffer.
    pub(crate) payload: Range<usize>,
    /// Bytes the frame took, header included.
    pub(crate) len: usize,
}

/// A frame no client may send; the connection is closed with this code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) code: u16,
    pub(crate) reason: &'static str,
}

const PROTOCOL_ERROR: u16 = 1002;
const TOO_BIG: u16 = 1009;

/// Reads the frame at the front of `buf`: `Ok(None)` until all of it has arrived.
pub(crate) fn parse(buf: &mut [u8], max_payload: usize) -> Result<Option<Parsed>, Violation> {
    let violation = |reason| {
        Err(Violation {
            code: PROTOCOL_ERROR,
            reason,
        })
    };
    let mut cursor = Cursor::new(&*buf);
    // Reading from a byte slice cannot fail, so the only error is a reserved opcode.
    let (header, len) = match FrameHeader::parse(&mut cursor) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return Ok(None),
        Err(_) => return violation("unknown opcode"),
    };
    let at = cursor.position() as usize;
    if header.rsv1 || header.rsv2 || header.rsv3 {
        return violation("reserved bits set");
    }
    let Some(mask) = header.mask else {
        return violation("client frames must be masked");
    };
    if matches!(header.opcode, OpCode::Control(_)) && (len > 125 || !header.is_final) {
        return violation("control frames are short and unfragmented");
    }
    let Some(len) = usize::try_from(len).ok().filter(|&l| l <= max_payload) else {
        return Err(Violation {
            code: TOO_BIG,
            reason: "message too big",
        });
    };
    let Some(payload) = buf.get_mut(at..at + len) else {
        return Ok(None);
    };
    unmask(payload, mask);
    Ok(Some(Parsed {
        fin: header.is_final,
        opcode: header.opcode,
        payload: at..at + len,
        len: at + len,
    }))
}

/// XORs a client frame's payload with its mask, in place. tungstenite keeps its own
/// `apply_mask` private (it unmasks inside its `Frame`), so this one is ours.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let mut chunks = payload.chunks_exact_mut(4);
    for chunk in &mut chunks {
        for (byte, m) in chunk.iter_mut().zip(mask) {
            *byte ^= m;
        }
    }
    for (byte, m) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= m;
    }
}

/// The status code of a close frame's payload, if it has one.
pub(crate) fn close_code(payload: &[u8]) -> Option<u16> {
    payload
        .get(..2)
        .map(|code| u16::from_be_bytes([code[0], code[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: OpCode = OpCode::Data(Data::Text);
    const BINARY: OpCode = OpCode::Data(Data::Binary);
    const PING: OpCode = OpCode::Control(Control::Ping);

    /// A client frame as a client writes it: masked.
    fn client_frame(fin: bool, opcode: OpCode, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let header = FrameHeader {
            is_final: fin,
            opcode,
            mask: Some(mask),
            ..FrameHeader::default()
        };
        let mut out = Vec::new();
        header.format(payload.len() as u64, &mut out).unwrap();
        let at = out.len();
        out.extend_from_slice(payload);
        unmask(&mut out[at..], mask);
        out
    }

    #[test]
    fn reads_masked_frames_of_every_length_form_and_waits_for_the_rest() {
        for size in [0, 5, 125, 126, 300, 70_000] {
            let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut frame = client_frame(true, TEXT, &payload);
            if size > 0 {
                assert_ne!(&frame[frame.len() - size..], &payload[..], "masked");
            }
            let whole = frame.len();
            for cut in [0, 1, whole / 2, whole - 1] {
                assert_eq!(
                    parse(&mut frame[..cut].to_vec(), 1 << 20),
                    Ok(None),
                    "{size} {cut}"
                );
            }
            frame.extend_from_slice(b"next");
            let parsed = parse(&mut frame, 1 << 20).unwrap().unwrap();
            assert_eq!((parsed.fin, parsed.opcode, parsed.len), (true, TEXT, whole));
            assert_eq!(&frame[parsed.payload], &payload[..]);
        }
    }

    #[test]
    fn unmasks_like_the_byte_by_byte_definition() {
        let mask = [0xA1, 0x02, 0xF3, 0x44];
        for len in 0..13 {
            let original: Vec<u8> = (0..len).map(|i| (i * 37) as u8).collect();
            let mut masked = original.clone();
            unmask(&mut masked, mask);
            let expected: Vec<u8> = original
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(masked, expected);
        }
    }

    #[test]
    fn refuses_what_no_client_may_send() {
        let code = |frame: &mut Vec<u8>| parse(frame, 1000).unwrap_err().code;
        let mut unmasked = vec![0x81, 0x01, b'x'];
        assert_eq!(code(&mut unmasked), 1002);
        assert_eq!(code(&mut client_frame(true, OpCode::from(0x3), b"")), 1002);
        assert_eq!(code(&mut client_frame(true, OpCode::from(0xB), b"")), 1002);
        assert_eq!(code(&mut client_frame(false, PING, b"")), 1002);
        assert_eq!(code(&mut client_frame(true, PING, &[0; 126])), 1002);
        let mut reserved = client_frame(true, TEXT, b"x");
        reserved[0] |= 0x40;
        assert_eq!(code(&mut reserved), 1002);
        assert_eq!(code(&mut client_frame(true, TEXT, &[b'a'; 1001])), 1009);
    }

    #[test]
    fn writes_unmasked_frames_a_client_library_reads() {
        let mut out = Vec::new();
        push_frame(&mut out, TEXT, b"hi");
        push_frame(&mut out, TEXT, &[b'a'; 300]);
        push_frame(&mut out, BINARY, &vec![0; 70_000]);
        push_close(&mut out, 1001, "server stopping");
        assert_eq!(&out[..4], &[0x81, 2, b'h', b'i']);
        assert_eq!(&out[4..8], &[0x81, 126, 1, 44]);
        let big = 4 + 4 + 300;
        assert_eq!(
            &out[big..big + 10],
            &[0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]
        );
        let close = big + 10 + 70_000;
        assert_eq!(&out[close..close + 2], &[0x88, 17]);
        assert_eq!(close_code(&out[close + 2..]), Some(1001));
        assert_eq!(&out[close + 4..], b"server stopping");
    }

    #[test]
    fn cuts_close_reasons_to_a_control_frame_on_a_char_boundary() {
        let mut out = Vec::new();
        push_close(&mut out, 1000, &"é".repeat(100));
        assert_eq!(out[1], 2 + 122);
        assert_eq!(out.len(), 2 + 2 + 122);
        assert!(std::str::from_utf8(&out[4..]).is_ok());
    }
}
