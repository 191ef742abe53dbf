//! Stepping over JSON a vector at a time: where a nested container ends, and where a string
//! may end.
//!
//! Most of a Slack frame is the payload's nested `event` (or `view`, `blocks`…), which the ack
//! path only has to step over. A byte-at-a-time walk stops at every quote, and JSON has one every
//! few bytes. Here each 64-byte block is turned into bitmasks (quotes, backslashes, this
//! container's brackets), escapes and string interiors are resolved with word arithmetic, and a
//! whole block is skipped once its brackets are counted, unless the container could close
//! inside it.
//! The escape and in-string steps are the ones published for simdjson (Langdale and Lemire,
//! "Parsing Gigabytes of JSON per Second", 2019), on plain `u64` masks. The masks come from one
//! primitive, `chunk_masks`: SSE2 compares through `safe_arch` on x86-64 (so the core stays
//! free of `unsafe`), eight-byte word arithmetic elsewhere.

const BLOCK: usize = 64;
const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGHS: u64 = 0x8080_8080_8080_8080;
/// Bits at even positions: where a run of backslashes starting on them has even parity.
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// Index just past the container (`{…}` or `[…]`) whose opening bracket is at `start`, or
/// `None` if it does not close. Brackets are matched by depth only and only this container's
/// own kind counts: once strings are stepped over, the other kind cannot move where it ends.
pub(crate) fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let open = *bytes.get(start)?;
    let close = match open {
        b'{' => b'}',
        b'[' => b']',
        _ => return None,
    };
    let mut strings = StringTracker::default();
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        let block = Block::load(&bytes[at..], open, close);
        let quoted = strings.next(block.quotes, block.backslashes);
        let opens = block.opens & !quoted;
        let closes = block.closes & !quoted;
        let closing = bit_count(closes);
        if depth > closing {
            // The depth cannot reach zero inside this block: take it whole.
            depth = depth + bit_count(opens) - closing;
        } else if let Some(offset) = where_depth_ends(&mut depth, opens, closes) {
            return Some(at + offset + 1);
        }
        at += BLOCK;
    }
    None
}

/// The first quote or backslash at or after `from`: where a string that is being read may end.
/// Sixteen bytes per compare; most keys and ids fit in one.
pub(crate) fn next_quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<16>) {
        let found = quote_or_backslash_mask(chunk);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += 16;
    }
    let tail = bytes.get(at..)?;
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|offset| at + offset)
}

fn quote_or_backslash_mask(chunk: &[u8; 16]) -> u16 {
    let [quotes, backslashes] = chunk_masks(chunk, [b'"', b'\\']);
    quotes | backslashes
}

/// The number of set bits, one step per bit: brackets are few in a block, and `count_ones`
/// without the POPCNT instruction (not in the x86-64 baseline) costs a dozen steps whatever
/// the count.
fn bit_count(mut mask: u64) -> usize {
    let mut count = 0;
    while mask != 0 {
        mask &= mask - 1;
        count += 1;
    }
    count
}

/// Walks the brackets of one block in order; the offset of the one that brings `depth` to zero.
fn where_depth_ends(depth: &mut usize, opens: u64, closes: u64) -> Option<usize> {
    let mut brackets = opens | closes;
    while brackets != 0 {
        let offset = brackets.trailing_zeros() as usize;
        let bit = 1u64 << offset;
        if opens & bit != 0 {
            *depth += 1;
        } else {
            *depth -= 1;
            if *depth == 0 {
                return Some(offset);
            }
        }
        brackets &= brackets - 1;
    }
    None
}

/// The bitmasks of one 64-byte block: bit `i` set where byte `i` is the needle.
struct Block {
    quotes: u64,
    backslashes: u64,
    opens: u64,
    closes: u64,
}

impl Block {
    /// Classifies the next 64 bytes of `rest`; a short tail is padded with spaces (neutral in
    /// JSON).
    fn load(rest: &[u8], open: u8, close: u8) -> Block {
        let needles = [b'"', b'\\', open, close];
        let [quotes, backslashes, opens, closes] = match rest.first_chunk::<BLOCK>() {
            Some(block) => masks(block, needles),
            None => {
                let mut padded = [b' '; BLOCK];
                padded[..rest.len()].copy_from_slice(rest);
                masks(&padded, needles)
            }
        };
        Block {
            quotes,
            backslashes,
            opens,
            closes,
        }
    }
}

/// One mask per needle over a 64-byte block.
fn masks(block: &[u8; BLOCK], needles: [u8; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let Some(chunk) = chunk.first_chunk::<16>() else {
            continue; // never: the chunks are exact
        };
        for (mask, bits) in out.iter_mut().zip(chunk_masks(chunk, needles)) {
            *mask |= u64::from(bits) << (16 * k);
        }
    }
    out
}

/// Bit `i` of mask `n` set where byte `i` of `chunk` is `needles[n]`: one SSE2 compare per
/// needle (SSE2 is part of every x86-64 CPU; `safe_arch` wraps the intrinsics).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn chunk_masks<const N: usize>(chunk: &[u8; 16], needles: [u8; N]) -> [u16; N] {
    use safe_arch::{
        cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let bytes = load_unaligned_m128i(chunk);
    needles.map(|needle| {
        move_mask_i8_m128i(cmp_eq_mask_i8_m128i(
            bytes,
            set_splat_i8_m128i(needle as i8),
        )) as u16
    })
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use portable_chunk_masks as chunk_masks;

/// `chunk_masks` with eight-byte words (SWAR), where SSE2 is not available.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn portable_chunk_masks<const N: usize>(chunk: &[u8; 16], needles: [u8; N]) -> [u16; N] {
    let mut out = [0u16; N];
    for (k, half) in chunk.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(half.try_into().unwrap_or_default());
        for (mask, &needle) in out.iter_mut().zip(&needles) {
            *mask |= u16::from(gather_high_bits(equal_bytes(word, needle))) << (8 * k);
        }
    }
    out
}

/// The high bit of each byte of `word` that equals `needle`, exactly (no borrow between bytes:
/// the low seven bits are tested by an add that cannot carry out of its byte).
fn equal_bytes(word: u64, needle: u8) -> u64 {
    let diff = word ^ (ONES * u64::from(needle));
    let low_bits_set = (diff & LOWS) + LOWS;
    !(low_bits_set | diff) & HIGHS
}

/// Packs the eight high bits of `highs` into a byte, byte `k` to bit `k`: each bit is multiplied
/// to a distinct position and position 56 + k receives byte k's, with no carries between them.
fn gather_high_bits(highs: u64) -> u8 {
    ((highs >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// What carries from one block to the next: whether the next block starts escaped or inside a
/// string.
#[derive(Default)]
struct StringTracker {
    escaped_carry: u64,
    in_string_carry: u64,
}

impl StringTracker {
    /// The bits of this block whose byte is not structure: inside a string (the opening quote
    /// included, the closing one not) or escaped, given its quote and backslash masks.
    fn next(&mut self, quotes: u64, backslashes: u64) -> u64 {
        let escaped = self.escaped(backslashes);
        let in_string = prefix_xor(quotes & !escaped) ^ self.in_string_carry;
        // All ones if the block ends inside a string, else zero.
        self.in_string_carry = 0u64.wrapping_sub(in_string >> 63);
        in_string | escaped
    }

    /// The bits of this block whose byte is escaped by an odd run of backslashes before it.
    fn escaped(&mut self, backslashes: u64) -> u64 {
        if backslashes == 0 && self.escaped_carry == 0 {
            return 0;
        }
        // A backslash that is itself escaped starts nothing.
        let backslashes = backslashes & !self.escaped_carry;
        let follows_backslash = (backslashes << 1) | self.escaped_carry;
        // Runs starting on an odd bit: adding the run to its start carries just past its end,
        // so the carry's position tells the run's length parity against the start's parity.
        let odd_starts = backslashes & !EVEN_BITS & !follows_backslash;
        let (even_runs_flipped, overflow) = odd_starts.overflowing_add(backslashes);
        self.escaped_carry = u64::from(overflow);
        (EVEN_BITS ^ (even_runs_flipped << 1)) & follows_backslash
    }
}

/// Bit `i` of the result is the parity of bits `0..=i` of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The byte-at-a-time definition the block version must agree with. A backslash escapes the
    /// next byte wherever it is: outside strings that is invalid JSON, whose end is only required
    /// to be some end, and the block version reads it this way.
    fn reference_end(bytes: &[u8], start: usize) -> Option<usize> {
        let open = *bytes.get(start)?;
        let close = match open {
            b'{' => b'}',
            b'[' => b']',
            _ => return None,
        };
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, &b) in bytes.iter().enumerate().skip(start) {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if in_string {
                in_string = b != b'"';
            } else if b == b'"' {
                in_string = true;
            } else if b == open {
                depth += 1;
            } else if b == close {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        }
        None
    }

    #[test]
    fn steps_over_strings_escapes_and_the_other_bracket() {
        let cases: [(&str, Option<usize>); 8] = [
            ("{}", Some(2)),
            ("[]", Some(2)),
            (r#"{"a":"}"}x"#, Some(9)),
            (r#"{"a":"\"}"}"#, Some(11)),
            (r#"{"a":"\\"}"#, Some(10)),
            (r#"{"a":[{"b":"]"}]}"#, Some(17)),
            ("{", None),
            (r#"{"a":"}"#, None),
        ];
        for (text, end) in cases {
            assert_eq!(container_end(text.as_bytes(), 0), end, "{text}");
            assert_eq!(reference_end(text.as_bytes(), 0), end, "{text}");
        }
        assert_eq!(container_end(b"x{}", 0), None);
        assert_eq!(container_end(b"", 0), None);
    }

    #[test]
    fn runs_of_backslashes_across_block_edges() {
        for run in 0..140 {
            for lead in 0..70 {
                let text = format!("{{\"{}{}\"}}\"}}", "a".repeat(lead), "\\".repeat(run));
                let bytes = text.as_bytes();
                assert_eq!(
                    container_end(bytes, 0),
                    reference_end(bytes, 0),
                    "run {run} after {lead}"
                );
            }
        }
    }

    #[test]
    fn byte_masks_are_exact() {
        let mut bytes = [0u8; 64];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = [b'"', b'"' + 1, b'"' - 1, 0x80 | b'"', 0xff, 0][i % 6];
        }
        let quotes = Block::load(&bytes, b'{', b'}').quotes;
        for (i, &b) in bytes.iter().enumerate() {
            assert_eq!(quotes >> i & 1 == 1, b == b'"', "byte {i}");
        }
    }

    #[test]
    fn finds_the_first_quote_or_backslash_from_anywhere() {
        let text = br#"0123456789abcdef0123456789"abcdef\\0123456789abcdef"#;
        for from in 0..=text.len() + 2 {
            let expected = text
                .get(from..)
                .and_then(|rest| rest.iter().position(|&b| b == b'"' || b == b'\\'))
                .map(|p| p + from);
            assert_eq!(next_quote_or_backslash(text, from), expected, "from {from}");
        }
    }

    proptest! {
        #[test]
        fn bit_count_counts_the_set_bits(mask in any::<u64>()) {
            prop_assert_eq!(bit_count(mask), mask.count_ones() as usize);
        }

        #[test]
        fn agrees_with_the_byte_walk(
            body in proptest::collection::vec(
                prop_oneof![
                    Just(b'"'), Just(b'\\'), Just(b'{'), Just(b'}'),
                    Just(b'['), Just(b']'), Just(b'a'), any::<u8>()
                ],
                0..400,
            ),
            open in prop_oneof![Just(b'{'), Just(b'[')],
        ) {
            let mut bytes = vec![open];
            bytes.extend(body);
            prop_assert_eq!(container_end(&bytes, 0), reference_end(&bytes, 0));
        }

        #[test]
        fn the_portable_masks_match_the_vector_ones(
            block in proptest::array::uniform32(any::<u8>()),
            needles in proptest::array::uniform4(any::<u8>()),
        ) {
            let mut bytes = [0u8; BLOCK];
            bytes[..32].copy_from_slice(&block);
            bytes[32..].copy_from_slice(&block);
            bytes[40] = needles[0];
            bytes[63] = needles[3];
            bytes[usize::from(needles[1]) % 16] = b'"';
            bytes[16 + usize::from(needles[2]) % 16] = b'\\';
            for chunk in bytes.chunks_exact(16) {
                let chunk: &[u8; 16] = chunk.try_into().unwrap();
                prop_assert_eq!(portable_chunk_masks(chunk, needles), chunk_masks(chunk, needles));
                let quote_or_backslash = portable_chunk_masks(chunk, [b'"', b'\\']);
                prop_assert_eq!(
                    quote_or_backslash[0] | quote_or_backslash[1],
                    quote_or_backslash_mask(chunk)
                );
            }
            for (mask, needle) in masks(&bytes, needles).into_iter().zip(needles) {
                for (i, &b) in bytes.iter().enumerate() {
                    prop_assert_eq!(mask >> i & 1 == 1, b == needle);
                }
            }
        }
    }
}
