//! A fast hash for fixed-size flow keys.
//!
//! FxHash's multiply-rotate step per 64-bit word, then a MurmurHash3 finaliser so that the low
//! bits (which pick the table slot) depend on every input bit. The seed is random per table,
//! so that traffic crafted to collide in one run does not collide in another.

const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

#[inline]
pub fn hash_words(words: &[u64; 5], seed: u64) -> u64 {
    let mut state = seed;
    for &word in words {
        state = fx_step(state, word);
    }
    finalise(state)
}

/// FxHash's step: `word` folded into `state`.
#[inline]
pub fn fx_step(state: u64, word: u64) -> u64 {
    (state.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER)
}

/// MurmurHash3's finaliser: every output bit depends on every input bit (an Fx state's low
/// bits depend on few input bits, and tables pick slots from the low bits).
#[inline]
pub fn finalise(mut state: u64) -> u64 {
    state ^= state >> 33;
    state = state.wrapping_mul(0xff51_afd7_ed55_8ccd);
    state ^= state >> 33;
    state = state.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    state ^ (state >> 33)
}

/// A seed that differs between runs, taken from the standard library's per-process keys.
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x666c_6f77_686f_756e);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bit_changes_about_half_the_output_bits() {
        let base = [1u64, 2, 3, 4, 5];
        let mut flipped = base;
        flipped[4] ^= 1 << 40;
        let difference = (hash_words(&base, 7) ^ hash_words(&flipped, 7)).count_ones();
        assert!((16..=48).contains(&difference), "{difference} bits differ");
    }

    #[test]
    fn seed_changes_the_hash() {
        let words = [9u64; 5];
        assert_ne!(hash_words(&words, 1), hash_words(&words, 2));
        assert_eq!(hash_words(&words, 1), hash_words(&words, 1));
    }
}
