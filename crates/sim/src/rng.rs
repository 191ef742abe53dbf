//! Seeded randomness for the network emulator and drawn fault plans: the same seed gives the
//! same run (SplitMix64, the generator the core's retry jitter uses).

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::SplitMix64;

#[derive(Clone, Debug)]
pub(crate) struct Rng(SplitMix64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(SplitMix64::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (0 when `n` is 0). Multiply-shift keeps the bias far below anything
    /// a test could notice.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_splitmix64_seeded_with_the_seed_itself() {
        // The first outputs of SplitMix64 from state 0 (Vigna's reference implementation).
        let mut rng = Rng::new(0);
        assert_eq!(rng.0.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.0.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(Rng::new(7).below(0), 0);
    }
}
