//! Hash maps keyed by a hash already computed (a flow key's table hash, a feature row's hash):
//! the map takes the key as its own hash instead of hashing it again.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from a 64-bit hash to `V`. The hash must be well mixed in its low and high bits (the
/// map picks buckets from the low ones and groups from the high ones).
pub type PrehashedMap<V> = HashMap<u64, V, BuildHasherDefault<PrehashedKey>>;

#[derive(Default)]
pub struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn write(&mut self, _bytes: &[u8]) {
        unreachable!("a PrehashedMap's keys are u64 hashes, hashed by write_u64");
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_its_own_hash() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<PrehashedKey>::default();
        assert_eq!(build.hash_one(0xdead_beef_u64), 0xdead_beef);
        let mut map = PrehashedMap::default();
        map.insert(7u64, "seven");
        assert_eq!(map.get(&7), Some(&"seven"));
    }
}
