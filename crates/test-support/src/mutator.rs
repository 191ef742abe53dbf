//! A deterministic stream of byte mutations for the robustness tests: valid inputs changed a
//! few bytes at a time (removed, inserted, replaced from an alphabet, cut, repeated, and
//! optionally a fixed string spliced in), from a fixed seed so a failure replays.

/// xorshift64* and what it drives.
pub struct Mutator {
    state: u64,
    alphabet: &'static [u8],
    splice: Option<&'static [u8]>,
}

impl Mutator {
    /// Mutations from `seed`, replacing bytes with JSON's structural characters.
    pub fn new(seed: u64) -> Self {
        Mutator {
            state: seed,
            alphabet: b"{}[]\":,\\0",
            splice: None,
        }
    }

    /// Replaced bytes are drawn from `alphabet` (not empty).
    pub fn with_alphabet(mut self, alphabet: &'static [u8]) -> Self {
        self.alphabet = alphabet;
        self
    }

    /// `bytes` is also spliced in at random places (a token, to check it never leaks).
    pub fn with_splice(mut self, bytes: &'static [u8]) -> Self {
        self.splice = Some(bytes);
        self
    }

    /// The next number of the stream.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `input` with one to four mutations.
    pub fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        let kinds = 5 + u64::from(self.splice.is_some());
        for _ in 0..=(self.next_u64() % 4) {
            let at = if out.is_empty() {
                0
            } else {
                (self.next_u64() % out.len() as u64) as usize
            };
            match (self.next_u64() % kinds, self.splice) {
                (0, _) if !out.is_empty() => {
                    out.remove(at);
                }
                (1, _) => out.insert(at, (self.next_u64() % 256) as u8),
                (2, _) if !out.is_empty() => {
                    out[at] = self.alphabet[(self.next_u64() % self.alphabet.len() as u64) as usize]
                }
                (3, _) => out.truncate(at),
                (4, Some(splice)) => out.splice(at..at, splice.iter().copied()).for_each(drop),
                _ => out.extend_from_slice(&out.clone()[..at.min(out.len())]),
            }
        }
        out
    }
}
