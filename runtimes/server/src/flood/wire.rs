//! Just enough of RFC 6455 for the flood's socket, on plain byte buffers: server frames are
//! written straight into the output buffer (header + pre-serialised text, no message objects,
//! no allocation), client frames are unmasked in place in the input buffer. Everything a
//! general WebSocket library does beyond that (extensions, validation of every text frame,
//! per-message buffers) is work the load generator must not spend while it measures a client.

use std::ops::Range;

pub(crate) const OP_CONTINUATION: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

/// Appends one unfragmented, unmasked frame (servers never mask).
pub(crate) fn push_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    let len = payload.len();
    out.push(0x80 | opcode);
    if len < 126 {
        out.push(len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(126);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// Appends a close frame with `code` and `reason` (cut to fit a control frame).
pub(crate) fn push_close(out: &mut Vec<u8>, code: u16, reason: &str) {
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    push_frame(out, OP_CLOSE, &payload);
}

/// One client frame found at the front of a buffer, its payload unmasked in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
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
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    let violation = |reason| {
        Err(Violation {
            code: PROTOCOL_ERROR,
            reason,
        })
    };
    if b0 & 0x70 != 0 {
        return violation("reserved bits set");
    }
    if b1 & 0x80 == 0 {
        return violation("client frames must be masked");
    }
    let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0F);
    let (len, mut at) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            Some(b) => (u64::from_be_bytes(b), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    let is_control = opcode & 0x8 != 0;
    if is_control && (len > 125 || !fin) {
        return violation("control frames are short and unfragmented");
    }
    if !matches!(
        opcode,
        OP_CONTINUATION | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG
    ) {
        return violation("unknown opcode");
    }
    let Some(len) = usize::try_from(len).ok().filter(|&l| l <= max_payload) else {
        return Err(Violation {
            code: TOO_BIG,
            reason: "message too big",
        });
    };
    let Some(mask) = buf
        .get(at..at + 4)
        .and_then(|m| <[u8; 4]>::try_from(m).ok())
    else {
        return Ok(None);
    };
    at += 4;
    let Some(payload) = buf.get_mut(at..at + len) else {
        return Ok(None);
    };
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[i % 4];
    }
    Ok(Some(Parsed {
        fin,
        opcode,
        payload: at..at + len,
        len: at + len,
    }))
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

    /// A client frame as a client writes it: masked.
    fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut out = vec![u8::from(fin) << 7 | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn reads_masked_frames_of_every_length_form_and_waits_for_the_rest() {
        for size in [0, 5, 125, 126, 300, 70_000] {
            let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut frame = client_frame(true, OP_TEXT, &payload);
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
            assert_eq!(
                (parsed.fin, parsed.opcode, parsed.len),
                (true, OP_TEXT, whole)
            );
            assert_eq!(&frame[parsed.payload], &payload[..]);
        }
    }

    #[test]
    fn refuses_what_no_client_may_send() {
        let code = |frame: &mut Vec<u8>| parse(frame, 1000).unwrap_err().code;
        let mut unmasked = vec![0x81, 0x01, b'x'];
        assert_eq!(code(&mut unmasked), 1002);
        assert_eq!(code(&mut client_frame(true, 0x3, b"")), 1002);
        assert_eq!(code(&mut client_frame(false, OP_PING, b"")), 1002);
        assert_eq!(code(&mut client_frame(true, OP_PING, &[0; 126])), 1002);
        let mut reserved = client_frame(true, OP_TEXT, b"x");
        reserved[0] |= 0x40;
        assert_eq!(code(&mut reserved), 1002);
        assert_eq!(code(&mut client_frame(true, OP_TEXT, &[b'a'; 1001])), 1009);
    }

    #[test]
    fn writes_unmasked_frames_a_client_library_reads() {
        let mut out = Vec::new();
        push_frame(&mut out, OP_TEXT, b"hi");
        push_frame(&mut out, OP_TEXT, &[b'a'; 300]);
        push_frame(&mut out, OP_BINARY, &vec![0; 70_000]);
        push_close(&mut out, 1001, "server stopping");
        assert_eq!(&out[..4], &[0x81, 2, b'h', b'i']);
        assert_eq!(&out[4..8], &[0x81, 126, 1, 44]);
        let big = 4 + 4 + 300;
        assert_eq!(
            &out[big..big + 10],
            &[0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]
        );
        let close = big + 10 + 70_000;
        assert_eq!(out[close], 0x88);
        assert_eq!(close_code(&out[close + 2..]), Some(1001));
        assert_eq!(&out[close + 4..], b"server stopping");
    }
}
