//! Hash maps and sets for short keys that come from the traffic (addresses, services, ports):
//! the flow tables' hash (`flow::hash`: FxHash's step per word, MurmurHash3's finaliser) with a
//! seed of its own per map, in place of the standard library's SipHash, which cost the flow-file
//! path of `analyze` about a tenth of its time in a host's per-window tallies. Seeded, as the
//! flow tables are, so that traffic crafted to collide in one run does not in another.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

use crate::flow::{finalise, fx_step, random_seed};

pub type FastMap<K, V> = HashMap<K, V, SeededState>;
pub type FastSet<T> = HashSet<T, SeededState>;

thread_local! {
    /// The next map's seed: a random start, stepped by the golden ratio and finalised per map.
    static NEXT_SEED: Cell<u64> = Cell::new(random_seed());
}

/// A map's seed; every map (and every clone of it) hashes with its own.
#[derive(Clone, Debug)]
pub struct SeededState {
    seed: u64,
}

impl Default for SeededState {
    fn default() -> Self {
        let seed = NEXT_SEED.with(|next| {
            let seed = next.get();
            next.set(seed.wrapping_add(0x9e37_79b9_7f4a_7c15));
            finalise(seed)
        });
        SeededState { seed }
    }
}

impl BuildHasher for SeededState {
    type Hasher = SeededHasher;

    fn build_hasher(&self) -> SeededHasher {
        SeededHasher { state: self.seed }
    }
}

pub struct SeededHasher {
    state: u64,
}

impl Hasher for SeededHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.state = fx_step(self.state, u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" apart from "ab\0".
            self.state = fx_step(self.state, u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.state = fx_step(self.state, u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.state = fx_step(self.state, u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.state = fx_step(self.state, u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.state = fx_step(self.state, value);
    }

    fn write_usize(&mut self, value: usize) {
        self.state = fx_step(self.state, value as u64);
    }

    fn finish(&self) -> u64 {
        finalise(self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_map_has_its_own_seed_and_finds_its_keys() {
        let (a, b) = (SeededState::default(), SeededState::default());
        assert_ne!(a.hash_one(42u64), b.hash_one(42u64));
        assert_eq!(a.hash_one(42u64), a.hash_one(42u64));
        let mut set: FastSet<[u8; 16]> = FastSet::default();
        for i in 0..1000u16 {
            let mut key = [0u8; 16];
            key[..2].copy_from_slice(&i.to_le_bytes());
            set.insert(key);
        }
        assert_eq!(set.len(), 1000);
        assert!(set.contains(&[7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    #[test]
    fn bytes_of_different_lengths_hash_apart() {
        let state = SeededState::default();
        let hash = |bytes: &[u8]| {
            let mut hasher = state.build_hasher();
            hasher.write(bytes);
            hasher.finish()
        };
        assert_ne!(hash(b"ab"), hash(b"ab\0"));
    }
}
