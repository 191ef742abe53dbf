//! Compact JSON for `listen`'s lines: what Slack sent, byte for byte, unless it holds
//! insignificant whitespace (pretty-printed frames), in which case that whitespace is dropped
//! and nothing else changes: no key is reordered, no string or number re-encoded.
//!
//! The text is validated on the way (RFC 8259), in the same pass, so a line is always one
//! JSON object: a payload that is not JSON is reported as such instead of breaking the line.
//!
//! Validation is most of the work of printing a line, and a Slack payload is dense with short
//! strings (sixty-odd per kilobyte), so a byte-at-a-time parser spends a dozen instructions per
//! byte, serde_json as many. On x86-64 the text is classified 64 bytes at a time with SSE2
//! compares (through `safe_arch`, so without `unsafe`): bitmasks of quotes, backslashes,
//! whitespace, brackets and punctuation; escapes and string interiors come from word
//! arithmetic (the steps published for simdjson, as in the core's `json_skip`); then only the
//! tokens (brackets, punctuation, string and scalar starts) go through the grammar. Elsewhere,
//! and as the reference in tests, a plain parser does the same.

/// How a JSON text read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// Valid and already compact: appended as it is.
    Compact,
    /// Valid, with whitespace between tokens: appended without it.
    Spaced,
    /// Not one valid JSON value: nothing appended.
    Invalid,
}

/// Deeper nesting is refused (as serde_json does at 128): nobody sends it, and a reader in
/// another language may not take it.
const MAX_DEPTH: u32 = 128;

/// Validates `text` as one JSON value (surrounding whitespace allowed) and appends it to
/// `out` without its insignificant whitespace (as it is when it has none).
pub fn compact_into(out: &mut Vec<u8>, text: &[u8]) -> Scan {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return blocks::compact_into(out, text);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return scalar::compact_into(out, text);
}

/// [`compact_into`] a byte at a time: elsewhere than x86-64, and the reference in tests.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
mod scalar {
    use super::{Scan, MAX_DEPTH};

    /// [`compact_into`] a byte at a time (elsewhere than x86-64, and the reference in tests).
    pub fn compact_into(out: &mut Vec<u8>, text: &[u8]) -> Scan {
        if !text.is_ascii() && std::str::from_utf8(text).is_err() {
            return Scan::Invalid;
        }
        let controls = controls(text);
        if controls & OTHER_CONTROL != 0 {
            return Scan::Invalid;
        }
        let start = out.len();
        let mut parser = Parser {
            t: text,
            i: 0,
            run: 0,
            spaced: false,
            // A raw tab or newline is only whitespace outside strings: inside one it is invalid,
            // so strings are checked byte by byte only when the text holds one.
            strict_strings: controls != 0,
        };
        match parser.document(out) {
            Some(()) if parser.spaced => {
                out.extend_from_slice(&text[parser.run..]);
                Scan::Spaced
            }
            Some(()) => {
                out.extend_from_slice(text);
                Scan::Compact
            }
            None => {
                out.truncate(start);
                Scan::Invalid
            }
        }
    }

    /// [`controls`]: a control character other than tab, newline and carriage return.
    const OTHER_CONTROL: u8 = 2;

    /// Which control characters `text` holds: tab, newline or carriage return (whitespace
    /// between tokens, invalid inside strings), or others (invalid anywhere). No early exit, so
    /// the compiler checks many bytes per step.
    fn controls(text: &[u8]) -> u8 {
        text.iter().fold(0u8, |acc, &b| {
            let control = b < 0x20;
            let space = (b == b'\t') | (b == b'\n') | (b == b'\r');
            acc | u8::from(control & space) | (u8::from(control & !space) << 1)
        })
    }

    fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }

    struct Parser<'a> {
        t: &'a [u8],
        i: usize,
        /// Where the bytes not yet appended start (once whitespace was met).
        run: usize,
        spaced: bool,
        strict_strings: bool,
    }

    impl Parser<'_> {
        /// Skips whitespace; the first time, starts copying around it.
        #[inline(always)]
        fn ws(&mut self, out: &mut Vec<u8>) {
            let t = self.t;
            let mut i = self.i;
            if i < t.len() && is_space(t[i]) {
                out.extend_from_slice(&t[self.run..i]);
                self.spaced = true;
                i += 1;
                while i < t.len() && is_space(t[i]) {
                    i += 1;
                }
                self.i = i;
                self.run = i;
            }
        }

        /// A string, from its opening quote: valid escapes, no raw control characters.
        #[inline(always)]
        fn string(&mut self) -> Option<()> {
            let t = self.t;
            let mut i = self.i + 1;
            loop {
                let rest = &t[i..];
                let at = memchr::memchr2(b'"', b'\\', rest)?;
                if self.strict_strings && rest[..at].iter().any(|&b| b < 0x20) {
                    return None;
                }
                i += at;
                if t[i] == b'"' {
                    self.i = i + 1;
                    return Some(());
                }
                match t.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = t.get(i + 2..i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            }
        }

        fn digits(&mut self) -> usize {
            let start = self.i;
            while self.t.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            self.i - start
        }

        fn number(&mut self) -> Option<()> {
            if self.t[self.i] == b'-' {
                self.i += 1;
            }
            match self.t.get(self.i)? {
                b'0' => self.i += 1,
                b'1'..=b'9' => {
                    self.digits();
                }
                _ => return None,
            }
            if self.t.get(self.i) == Some(&b'.') {
                self.i += 1;
                if self.digits() == 0 {
                    return None;
                }
            }
            if matches!(self.t.get(self.i), Some(b'e' | b'E')) {
                self.i += 1;
                if matches!(self.t.get(self.i), Some(b'+' | b'-')) {
                    self.i += 1;
                }
                if self.digits() == 0 {
                    return None;
                }
            }
            Some(())
        }

        fn literal(&mut self, word: &[u8]) -> Option<()> {
            self.t[self.i..]
                .starts_with(word)
                .then(|| self.i += word.len())
        }

        /// `"key":` and the whitespace after it.
        fn key(&mut self, out: &mut Vec<u8>) -> Option<()> {
            if self.t.get(self.i) != Some(&b'"') {
                return None;
            }
            self.string()?;
            self.ws(out);
            if self.t.get(self.i) != Some(&b':') {
                return None;
            }
            self.i += 1;
            self.ws(out);
            Some(())
        }

        /// The whole text: one value, whitespace allowed around it. Containers are tracked on a
        /// bit stack (set: object), so there is no recursion and no allocation.
        fn document(&mut self, out: &mut Vec<u8>) -> Option<()> {
            let t = self.t;
            let mut stack: u128 = 0;
            let mut depth = 0u32;
            self.ws(out);
            loop {
                // A value.
                match *t.get(self.i)? {
                    b'{' => {
                        if depth >= MAX_DEPTH {
                            return None;
                        }
                        self.i += 1;
                        self.ws(out);
                        if t.get(self.i) == Some(&b'}') {
                            self.i += 1;
                        } else {
                            stack = (stack << 1) | 1;
                            depth += 1;
                            self.key(out)?;
                            continue;
                        }
                    }
                    b'[' => {
                        if depth >= MAX_DEPTH {
                            return None;
                        }
                        self.i += 1;
                        self.ws(out);
                        if t.get(self.i) == Some(&b']') {
                            self.i += 1;
                        } else {
                            stack <<= 1;
                            depth += 1;
                            continue;
                        }
                    }
                    b'"' => self.string()?,
                    b't' => self.literal(b"true")?,
                    b'f' => self.literal(b"false")?,
                    b'n' => self.literal(b"null")?,
                    b'-' | b'0'..=b'9' => self.number()?,
                    _ => return None,
                }
                // After a value: the next member, or the ends of containers.
                loop {
                    self.ws(out);
                    if depth == 0 {
                        return (self.i == t.len()).then_some(());
                    }
                    let object = stack & 1 == 1;
                    match (*t.get(self.i)?, object) {
                        (b',', true) => {
                            self.i += 1;
                            self.ws(out);
                            self.key(out)?;
                            break;
                        }
                        (b',', false) => {
                            self.i += 1;
                            self.ws(out);
                            break;
                        }
                        (b'}', true) | (b']', false) => {
                            self.i += 1;
                            stack >>= 1;
                            depth -= 1;
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
}

/// The block version of [`compact_into`].
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod blocks {
    use super::{Scan, MAX_DEPTH};

    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, m128i, max_u8_m128i,
        move_mask_i8_m128i, set_splat_i8_m128i,
    };

    const BLOCK: usize = 64;
    /// Bits at even positions (for the parity of backslash runs).
    const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

    /// One 64-byte block, classified: bit `i` for byte `i`.
    #[derive(Default)]
    struct Masks {
        quotes: u64,
        backslashes: u64,
        /// Below 0x20.
        controls: u64,
        /// Space, tab, newline, carriage return.
        spaces: u64,
        /// `{ } [ ] , :`
        structure: u64,
        /// 0x80 and above (UTF-8 beyond ASCII).
        high: u64,
    }

    fn eq(bytes: m128i, byte: u8) -> m128i {
        cmp_eq_mask_i8_m128i(bytes, set_splat_i8_m128i(byte as i8))
    }

    fn bits(mask: m128i) -> u64 {
        u64::from(move_mask_i8_m128i(mask) as u16)
    }

    fn classify(block: &[u8; BLOCK]) -> Masks {
        let mut m = Masks::default();
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let Some(chunk) = chunk.first_chunk::<16>() else {
                continue; // never: the chunks are exact
            };
            let x = load_unaligned_m128i(chunk);
            let shift = 16 * k;
            let low = set_splat_i8_m128i(0x1f);
            // x <= 0x1f, unsigned: max(x, 0x1f) == 0x1f.
            let controls = cmp_eq_mask_i8_m128i(max_u8_m128i(x, low), low);
            let spaces = bitor_m128i(
                bitor_m128i(eq(x, b' '), eq(x, b'\t')),
                bitor_m128i(eq(x, b'\n'), eq(x, b'\r')),
            );
            // `{` and `[` differ by 0x20 only, as do `}` and `]`.
            let folded = bitor_m128i(x, set_splat_i8_m128i(0x20));
            let structure = bitor_m128i(
                bitor_m128i(eq(folded, b'{'), eq(folded, b'}')),
                bitor_m128i(eq(x, b','), eq(x, b':')),
            );
            m.quotes |= bits(eq(x, b'"')) << shift;
            m.backslashes |= bits(eq(x, b'\\')) << shift;
            m.controls |= bits(controls) << shift;
            m.spaces |= bits(spaces) << shift;
            m.structure |= bits(structure) << shift;
            m.high |= bits(x) << shift;
        }
        m
    }

    /// Bit `i` of the result is the parity of bits `0..=i` of `x`.
    fn prefix_xor(mut x: u64) -> u64 {
        for shift in [1, 2, 4, 8, 16, 32] {
            x ^= x << shift;
        }
        x
    }

    // What the grammar expects next (a state of the token automaton).
    /// A value.
    const VALUE: u8 = 0;
    /// A value or `]` (just after `[`).
    const VALUE_OR_END: u8 = 1;
    /// A key or `}` (just after `{`).
    const KEY_OR_END: u8 = 2;
    /// A key (after `,` in an object).
    const KEY: u8 = 3;
    const COLON: u8 = 4;
    /// `,` or the container's end after a value; nothing after the top-level value.
    const AFTER: u8 = 5;
    /// Not JSON: every token leads back here, so an error is looked for once per block.
    const ERR: u8 = 6;

    // What a token is. Quotes, colons and commas, two thirds of a payload's tokens, only
    // move the automaton; the others (below `SLOW`) also check brackets or a scalar.
    const QUOTE: u8 = 0;
    const COLON_TOKEN: u8 = 1;
    /// A comma inside an array (a value follows).
    const COMMA_IN_ARRAY: u8 = 2;
    /// A comma inside an object (a key follows).
    const COMMA_IN_OBJECT: u8 = 3;
    /// A comma outside any container: never valid.
    const COMMA_AT_TOP: u8 = 4;
    const SLOW: u8 = 5;
    const SCALAR: u8 = 5;
    const OPEN_OBJECT: u8 = 6;
    const OPEN_ARRAY: u8 = 7;
    const CLOSE_OBJECT: u8 = 8;
    const CLOSE_ARRAY: u8 = 9;

    /// A token's class by its first byte (a comma's class depends on the open container and
    /// is chosen beside this table).
    const CLASS: [u8; 256] = {
        let mut class = [SCALAR; 256];
        class[b'"' as usize] = QUOTE;
        class[b':' as usize] = COLON_TOKEN;
        class[b'{' as usize] = OPEN_OBJECT;
        class[b'[' as usize] = OPEN_ARRAY;
        class[b'}' as usize] = CLOSE_OBJECT;
        class[b']' as usize] = CLOSE_ARRAY;
        class
    };

    /// The automaton, one word per token class: byte `s` of `STEP[class]` is the state after
    /// that token in state `s`. A shift and a mask move it, so the chain from one token to the
    /// next is two instructions rather than a dependent load from a table. Whether a closing
    /// bracket matches its opening one is checked beside it.
    const STEP: [u64; 10] = {
        //  in state: VALUE, VALUE_OR_END, KEY_OR_END, KEY, COLON, AFTER, ERR
        let columns: [[u8; 7]; 10] = [
            [AFTER, AFTER, COLON, COLON, ERR, ERR, ERR], // quote
            [ERR, ERR, ERR, ERR, VALUE, ERR, ERR],       // colon
            [ERR, ERR, ERR, ERR, ERR, VALUE, ERR],       // comma in an array
            [ERR, ERR, ERR, ERR, ERR, KEY, ERR],         // comma in an object
            [ERR, ERR, ERR, ERR, ERR, ERR, ERR],         // comma at the top
            [AFTER, AFTER, ERR, ERR, ERR, ERR, ERR],     // scalar
            [KEY_OR_END, KEY_OR_END, ERR, ERR, ERR, ERR, ERR], // {
            [VALUE_OR_END, VALUE_OR_END, ERR, ERR, ERR, ERR, ERR], // [
            [ERR, ERR, AFTER, ERR, ERR, AFTER, ERR],     // }
            [ERR, AFTER, ERR, ERR, ERR, AFTER, ERR],     // ]
        ];
        let mut step = [0u64; 10];
        let mut class = 0;
        while class < 10 {
            let mut state = 0;
            while state < 7 {
                step[class] |= (columns[class][state] as u64) << (8 * state);
                state += 1;
            }
            class += 1;
        }
        step
    };

    fn step(expect: u8, class: u8) -> u8 {
        (STEP[usize::from(class)] >> (8 * u32::from(expect))) as u8
    }

    /// Bytes outside strings that are neither whitespace, structure nor quotes.
    fn is_scalar_byte(b: u8) -> bool {
        !matches!(
            b,
            b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'}' | b'[' | b']' | b',' | b':' | b'"'
        )
    }

    /// Where the number or literal at `at` ends, if it is one.
    fn scalar_end(t: &[u8], at: usize) -> Option<usize> {
        let word: &[u8] = match t[at] {
            b't' => b"true",
            b'f' => b"false",
            b'n' => b"null",
            _ => b"",
        };
        if !word.is_empty() {
            return t[at..].starts_with(word).then_some(at + word.len());
        }
        let digits = |mut i: usize| {
            let start = i;
            while t.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            (i, i - start)
        };
        let mut i = at;
        if t[i] == b'-' {
            i += 1;
        }
        match t.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = digits(i).0,
            _ => return None,
        }
        if t.get(i) == Some(&b'.') {
            let (end, count) = digits(i + 1);
            if count == 0 {
                return None;
            }
            i = end;
        }
        if matches!(t.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(t.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let (end, count) = digits(i);
            if count == 0 {
                return None;
            }
            i = end;
        }
        Some(i)
    }

    /// An escaped character at `at` (after an odd run of backslashes) must start a valid
    /// escape.
    fn valid_escape(t: &[u8], at: usize) -> bool {
        match t[at] {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => true,
            b'u' => t
                .get(at + 1..at + 5)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)),
            _ => false,
        }
    }

    pub(super) fn compact_into(out: &mut Vec<u8>, text: &[u8]) -> Scan {
        let start = out.len();
        match run(out, text) {
            Some(false) => {
                out.extend_from_slice(text);
                Scan::Compact
            }
            Some(true) => Scan::Spaced,
            None => {
                out.truncate(start);
                Scan::Invalid
            }
        }
    }

    /// Validates, appending the compacted text from the first whitespace on; `Some(spaced)`.
    fn run(out: &mut Vec<u8>, text: &[u8]) -> Option<bool> {
        let mut expect = VALUE;
        // Open containers, innermost in bit 0 (set: object).
        let mut stack: u128 = 0;
        let mut depth = 0u32;
        // The class of a comma in the innermost open container.
        let mut comma = COMMA_AT_TOP;
        let mut escaped_carry = 0u64;
        let mut in_string_carry = 0u64;
        let mut scalar_carry = 0u64;
        let mut high = 0u64;
        let mut spaced = false;
        let mut at = 0;
        while at < text.len() {
            let rest = &text[at..];
            let (masks, valid) = match rest.first_chunk::<BLOCK>() {
                Some(block) => (classify(block), u64::MAX),
                None => {
                    // The tail, padded with spaces (neutral between tokens).
                    let mut padded = [b' '; BLOCK];
                    padded[..rest.len()].copy_from_slice(rest);
                    (classify(&padded), (1u64 << rest.len()) - 1)
                }
            };
            high |= masks.high;
            // Escaped bytes: after an odd run of backslashes (simdjson's steps).
            let escaped = if masks.backslashes == 0 && escaped_carry == 0 {
                0
            } else {
                let backslashes = masks.backslashes & !escaped_carry;
                let follows = (backslashes << 1) | escaped_carry;
                let odd_starts = backslashes & !EVEN_BITS & !follows;
                let (flipped, overflow) = odd_starts.overflowing_add(backslashes);
                escaped_carry = u64::from(overflow);
                (EVEN_BITS ^ (flipped << 1)) & follows
            };
            let quotes = masks.quotes & !escaped;
            // Inside a string: its opening quote included, its closing quote not.
            let in_string = prefix_xor(quotes) ^ in_string_carry;
            in_string_carry = 0u64.wrapping_sub(in_string >> 63);
            // No raw control character inside a string (tab and newline included).
            if masks.controls & in_string & valid != 0 {
                return None;
            }
            // Other control characters are not whitespace anywhere.
            if masks.controls & !masks.spaces & valid != 0 {
                return None;
            }
            let mut escapes = escaped & valid;
            while escapes != 0 {
                let i = escapes.trailing_zeros() as usize;
                if in_string & (1 << i) == 0 || !valid_escape(text, at + i) {
                    return None;
                }
                escapes &= escapes - 1;
            }
            let outside = !in_string;
            let spaces = masks.spaces & outside & valid;
            let scalars = outside & !masks.spaces & !masks.structure & !quotes;
            let scalar_starts = scalars & !((scalars << 1) | scalar_carry);
            scalar_carry = scalars >> 63;
            let mut tokens =
                ((masks.structure & outside) | (quotes & in_string) | scalar_starts) & valid;
            while tokens != 0 {
                let pos = at + tokens.trailing_zeros() as usize;
                tokens &= tokens - 1;
                let byte = text[pos];
                let class = if byte == b',' {
                    comma
                } else {
                    CLASS[usize::from(byte)]
                };
                expect = step(expect, class);
                if class < SLOW {
                    continue;
                }
                match class {
                    SCALAR => {
                        // A scalar runs to whitespace, punctuation, a bracket or a quote: the
                        // parse must end where its run does.
                        let end = scalar_end(text, pos)?;
                        if text.get(end).is_some_and(|&b| is_scalar_byte(b)) {
                            return None;
                        }
                        // No container opened or closed: the comma's class stands.
                        continue;
                    }
                    OPEN_OBJECT | OPEN_ARRAY => {
                        if depth >= MAX_DEPTH {
                            return None;
                        }
                        stack = (stack << 1) | u128::from(class == OPEN_OBJECT);
                        depth += 1;
                    }
                    _ => {
                        // A closing bracket.
                        if depth == 0 || (stack & 1 == 1) != (class == CLOSE_OBJECT) {
                            return None;
                        }
                        stack >>= 1;
                        depth -= 1;
                    }
                }
                comma = match (depth, stack & 1) {
                    (0, _) => COMMA_AT_TOP,
                    (_, 1) => COMMA_IN_OBJECT,
                    _ => COMMA_IN_ARRAY,
                };
            }
            if expect == ERR {
                return None;
            }
            if spaces != 0 || spaced {
                if !spaced {
                    spaced = true;
                    out.extend_from_slice(&text[..at]);
                }
                copy_kept(out, &text[at..at + BLOCK.min(rest.len())], !spaces & valid);
            }
            at += BLOCK;
        }
        if expect != AFTER || depth != 0 || in_string_carry != 0 {
            return None;
        }
        if high != 0 && std::str::from_utf8(text).is_err() {
            return None;
        }
        Some(spaced)
    }

    /// Appends the bytes of `block` whose bit is set in `keep`, a run at a time.
    fn copy_kept(out: &mut Vec<u8>, block: &[u8], mut keep: u64) {
        if keep == u64::MAX >> (64 - block.len()) {
            out.extend_from_slice(block);
            return;
        }
        while keep != 0 {
            let from = keep.trailing_zeros() as usize;
            let len = (!(keep >> from)).trailing_zeros() as usize;
            out.extend_from_slice(&block[from..from + len]);
            keep &= !((u64::MAX >> (64 - len)) << from);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &[u8]) -> Scan {
        compact_into(&mut Vec::new(), text)
    }

    fn compacted(text: &str) -> Option<String> {
        let mut out = b"kept".to_vec();
        match compact_into(&mut out, text.as_bytes()) {
            Scan::Invalid => {
                assert_eq!(out, b"kept", "nothing appended when invalid");
                None
            }
            Scan::Compact => {
                assert_eq!(&out[4..], text.as_bytes(), "compact text appended as it is");
                Some(text.to_owned())
            }
            Scan::Spaced => Some(String::from_utf8(out[4..].to_vec()).unwrap()),
        }
    }

    #[test]
    fn compact_text_is_kept_byte_for_byte() {
        for text in [
            r#"{"b":1,"a":[true,false,null],"c":{"d":"x y\n\"q\"","e":-1.5e+10}}"#,
            r#"{"text":"\u00e9t\u00e9 \ud83d\ude00","n":0}"#,
            "[]",
            "{}",
            r#""just a string""#,
            "12",
            r#"{"unicode":"ünïcödé  spaced  inside"}"#,
        ] {
            assert_eq!(scan(text.as_bytes()), Scan::Compact, "{text}");
        }
    }

    #[test]
    fn whitespace_between_tokens_is_dropped_and_nothing_else_changes() {
        let pretty = "{\n  \"z\" : 1,\r\n\t\"a\": [ 1 , 2 ],\n  \"s\": \"a  b\\t c\"\n}\n";
        assert_eq!(scan(pretty.as_bytes()), Scan::Spaced);
        assert_eq!(
            compacted(pretty).unwrap(),
            r#"{"z":1,"a":[1,2],"s":"a  b\t c"}"#
        );
        assert_eq!(compacted("  {\"a\":1}  ").unwrap(), r#"{"a":1}"#);
    }

    #[test]
    fn invalid_json_is_refused() {
        for text in [
            "",
            "{",
            r#"{"a":}"#,
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            "[1,]",
            "[1 2]",
            r#"{"a":tru}"#,
            "01",
            "1.",
            "1e",
            "-",
            r#""unterminated"#,
            "\"raw\ncontrol\"",
            r#""bad \x escape""#,
            r#""bad \u12g4""#,
            r#"{"a":1}{"b":2}"#,
            r#"{1:2}"#,
            "nul",
        ] {
            assert_eq!(scan(text.as_bytes()), Scan::Invalid, "{text:?}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(scan(deep.as_bytes()), Scan::Invalid);
        // Not UTF-8 (the bytes come from a frame: checked here).
        for text in [&b"\"\xff\""[..], b"{\"a\":\"\xc3\"}", b"[\"\xe2\x82\"]"] {
            assert_eq!(scan(text), Scan::Invalid);
            assert_eq!(
                super::scalar::compact_into(&mut Vec::new(), text),
                Scan::Invalid
            );
        }
    }

    /// Every recorded frame: the compacted text is what serde_json reads from the original,
    /// and compact already if the recording was.
    #[test]
    fn every_recorded_frame_compacts_to_the_same_value() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/traffic");
        let mut seen = 0;
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&dir).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let expected: Result<serde_json::Value, _> = serde_json::from_str(&text);
                let got = compacted(&text);
                match (expected, got) {
                    (Ok(value), Some(line)) => {
                        assert!(!line.contains('\n'), "{}", path.display());
                        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
                        assert_eq!(back, value, "{}", path.display());
                    }
                    (Err(_), None) => {}
                    (expected, got) => panic!(
                        "{}: serde_json {:?}, compactor {:?}",
                        path.display(),
                        expected.is_ok(),
                        got.is_some()
                    ),
                }
                seen += 1;
            }
        }
        assert!(seen > 100, "only {seen} recorded frames found");
    }

    /// The block version and the byte-at-a-time one agree, output included.
    fn both(text: &[u8]) -> (Scan, Vec<u8>) {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let sa = compact_into(&mut a, text);
        let sb = scalar::compact_into(&mut b, text);
        assert_eq!((sa, &a), (sb, &b), "{:?}", String::from_utf8_lossy(text));
        (sa, a)
    }

    #[test]
    fn blocks_and_bytes_agree_across_block_boundaries() {
        // Strings, escapes, numbers and whitespace straddling the 64-byte edges.
        let mut cases: Vec<String> = Vec::new();
        for pad in 0..70 {
            let p = " ".repeat(pad);
            cases.push(format!(
                r#"{{"k":"{p}","n":12345.5e-3,"e":"a\\\"b\u00e9{p}","t":true}}"#
            ));
            cases.push(format!(r#"[{p}1,{p}"x\\"{p},null,{{}},[]{p}]"#));
            cases.push(format!(r#"{{"a":"{}"}}"#, "\\".repeat(pad)));
            cases.push(format!(r#"{{"a":"{}\""}}"#, "\\".repeat(pad)));
            cases.push(format!("{p}{{\"a\":{p}-0.5{p}}}\n"));
            cases.push(format!(r#"{{"a":1{p}2}}"#));
            cases.push(format!(r#"{{"a":"{p}"x}}"#));
            cases.push(format!(r#"{{"a":"{p}\q"}}"#));
            cases.push(format!("{{\"a\":\"{p}\t\"}}"));
        }
        for case in &cases {
            both(case.as_bytes());
        }
        for deep in [127, 128, 129] {
            both(("[".repeat(deep) + &"]".repeat(deep)).as_bytes());
        }
    }

    /// Byte-level mutations of recorded frames: valid exactly when serde_json says so.
    #[test]
    fn validity_agrees_with_serde_json_on_mutated_frames() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/traffic/socket-mode");
        let replacements = [
            b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b' ', b'0', b'e', b'\n', b'-', b'.',
            0x01,
        ];
        let mut checked = 0;
        for file in std::fs::read_dir(root).unwrap() {
            let path = file.unwrap().path();
            if !path.is_file() {
                continue;
            }
            let text = std::fs::read(path).unwrap();
            for (k, &b) in replacements.iter().enumerate() {
                for i in (k..text.len()).step_by(37) {
                    let mut mutated = text.clone();
                    mutated[i] = b;
                    let Ok(s) = std::str::from_utf8(&mutated) else {
                        continue;
                    };
                    let serde = serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok();
                    let ours = both(&mutated).0 != Scan::Invalid;
                    assert_eq!(ours, serde, "{s}");
                    if ours {
                        let line = compacted(s).unwrap();
                        // (A number like 1e999 is JSON, but no `Value`.)
                        if let Ok(a) = serde_json::from_str::<serde_json::Value>(s) {
                            let b: serde_json::Value = serde_json::from_str(&line).unwrap();
                            assert_eq!(a, b);
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
    }
}
