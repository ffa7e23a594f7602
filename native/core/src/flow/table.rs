//! An open-addressing flow table: `u32` slots over dense (key, value) entries, linear
//! probing, backward-shift deletion. One hash and usually one slot and one entry touched per
//! packet; no allocation per packet except a new chunk of entries now and then. Entries live
//! in fixed-size chunks rather than one growing vector, so that memory follows the number of
//! flows closely instead of doubling.
//!
//! A slot holds the entry index + 1 (0 for empty) in its low bits and, in the bits the index
//! cannot need (a table of 2^k slots holds fewer than 2^k entries), the same bits of the
//! key's hash: a tag. A probe reads an entry only when its tag matches, instead of at every
//! occupied slot it passes (entries are 104 bytes and far apart: each read is a likely cache
//! miss), and `prefetch_entry` can tell which entry a key will land on. Tables of 2^16 slots
//! have 16-bit tags; only tables of 2^32 slots have none.

use crate::flow::key::FlowKey;
use crate::prefetch::prefetch_read;

#[derive(Clone, Debug)]
pub struct Entry<V> {
    pub key: FlowKey,
    pub value: V,
}

pub struct FlowTable<V> {
    slots: Vec<u32>,
    chunks: Vec<Vec<Entry<V>>>,
    len: usize,
    seed: u64,
}

const CHUNK_SHIFT: usize = 12;
const CHUNK_ENTRIES: usize = 1 << CHUNK_SHIFT;
const CHUNK_MASK: usize = CHUNK_ENTRIES - 1;

/// Grow the slot array when entries exceed 3/4 of it.
const MAX_LOAD_NUMERATOR: usize = 3;
const MAX_LOAD_DENOMINATOR: usize = 4;
const MIN_SLOTS: usize = 16;
/// Entries (104 bytes for flow counters) straddle up to two lines of this size.
const CACHE_LINE_BYTES: usize = 64;
/// Slots `prefetch_entry` looks at for a matching tag: a probe run rarely runs longer.
const PREFETCH_PROBES: usize = 8;
/// Entry indices are stored +1 in `u32` slots.
pub const MAX_ENTRIES: usize = (u32::MAX - 1) as usize;

/// How many flows a full table emits early at once (the longest idle): a sixteenth, so that
/// the scan of the whole table that finds them is paid once per many new flows.
pub fn evict_count(len: usize) -> usize {
    (len / 16).max(1)
}

impl<V> FlowTable<V> {
    /// A table sized for `expected` entries without growing.
    pub fn with_capacity(expected: usize, seed: u64) -> FlowTable<V> {
        let slots = slots_for(expected);
        FlowTable { slots: vec![0; slots], chunks: Vec::new(), len: 0, seed }
    }

    #[inline]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Hints that the slot `hash` starts probing at will be read soon.
    #[inline]
    pub fn prefetch_slot(&self, hash: u64) {
        prefetch_read(self.slots.as_ptr().wrapping_add(hash as usize & self.mask()));
    }

    /// The bits of a slot that hold the entry index + 1; the others hold the tag.
    #[inline]
    fn index_bits(&self) -> u32 {
        self.mask() as u32
    }

    /// `hash`'s tag: its upper 32 bits, in the slot bits the index does not use.
    #[inline]
    fn tag_of(&self, hash: u64) -> u32 {
        (hash >> 32) as u32 & !self.index_bits()
    }

    #[inline]
    fn stored_for(&self, hash: u64, index: usize) -> u32 {
        self.tag_of(hash) | (index as u32 + 1)
    }

    #[inline]
    fn index_in(&self, stored: u32) -> usize {
        (stored & self.index_bits()) as usize - 1
    }

    /// Hints that the entry `hash`'s key will be found in (the first of its probe run with
    /// the same tag) will be read soon: its key and its value, which share one or two cache
    /// lines. Reads the slots, so call it once they are in cache (after `prefetch_slot`).
    #[inline]
    pub fn prefetch_entry(&self, hash: u64) {
        let mask = self.mask();
        let tag = self.tag_of(hash);
        let mut slot = hash as usize & mask;
        for _ in 0..PREFETCH_PROBES {
            let stored = self.slots[slot];
            if stored == 0 {
                return;
            }
            if stored & !self.index_bits() == tag {
                let entry: *const Entry<V> = self.entry(self.index_in(stored));
                prefetch_read(entry);
                prefetch_read(entry.cast::<u8>().wrapping_add(CACHE_LINE_BYTES));
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The index of `key`'s entry, if present.
    #[inline]
    pub fn find(&self, key: &FlowKey, hash: u64) -> Option<usize> {
        let mask = self.mask();
        let tag = self.tag_of(hash);
        let mut slot = hash as usize & mask;
        loop {
            let stored = self.slots[slot];
            if stored == 0 {
                return None;
            }
            if stored & !self.index_bits() == tag {
                let index = self.index_in(stored);
                if self.entry(index).key == *key {
                    return Some(index);
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The index of `key`'s entry, inserting `make()` first if absent; `true` if inserted.
    #[inline]
    pub fn find_or_insert_with(&mut self, key: &FlowKey, hash: u64, make: impl FnOnce() -> V) -> (usize, bool) {
        let mask = self.mask();
        let tag = self.tag_of(hash);
        let mut slot = hash as usize & mask;
        loop {
            let stored = self.slots[slot];
            if stored == 0 {
                break;
            }
            if stored & !self.index_bits() == tag {
                let index = self.index_in(stored);
                if self.entry(index).key == *key {
                    return (index, false);
                }
            }
            slot = (slot + 1) & mask;
        }
        let index = self.len;
        if index & CHUNK_MASK == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK_ENTRIES));
        }
        self.chunks[index >> CHUNK_SHIFT].push(Entry { key: *key, value: make() });
        self.len += 1;
        // Fewer than 3/4 of the slots hold entries, so `index + 1` fits in the index bits.
        self.slots[slot] = self.stored_for(hash, index);
        if self.len * MAX_LOAD_DENOMINATOR > self.slots.len() * MAX_LOAD_NUMERATOR {
            self.grow_slots();
        }
        (index, true)
    }

    #[inline]
    pub fn entry(&self, index: usize) -> &Entry<V> {
        &self.chunks[index >> CHUNK_SHIFT][index & CHUNK_MASK]
    }

    #[inline]
    pub fn value_mut(&mut self, index: usize) -> &mut V {
        &mut self.chunks[index >> CHUNK_SHIFT][index & CHUNK_MASK].value
    }

    /// Entries in index order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<V>> {
        self.chunks.iter().flatten()
    }

    /// Removes entry `index`; the last entry moves into its place.
    pub fn remove(&mut self, index: usize) -> Entry<V> {
        let hash = self.entry(index).key.hash(self.seed);
        let slot = self.slot_of(hash, index);
        self.clear_slot(slot);
        let last = self.len - 1;
        if index != last {
            let moved_hash = self.entry(last).key.hash(self.seed);
            let moved_slot = self.slot_of(moved_hash, last);
            self.slots[moved_slot] = self.stored_for(moved_hash, index);
        }
        let last_chunk = self.chunks.last_mut().expect("a table with entries has a chunk");
        let mut removed = last_chunk.pop().expect("the last chunk holds the last entry");
        if last_chunk.is_empty() {
            self.chunks.pop();
        }
        if index != last {
            std::mem::swap(&mut removed, &mut self.chunks[index >> CHUNK_SHIFT][index & CHUNK_MASK]);
        }
        self.len -= 1;
        removed
    }

    /// Heap bytes held: slots, and the entry chunks at their capacity.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u32>()
            + self.chunks.len() * CHUNK_ENTRIES * std::mem::size_of::<Entry<V>>()
            + self.chunks.capacity() * std::mem::size_of::<Vec<Entry<V>>>()
    }

    fn slot_of(&self, hash: u64, index: usize) -> usize {
        let mask = self.mask();
        let stored = self.stored_for(hash, index);
        let mut slot = hash as usize & mask;
        while self.slots[slot] != stored {
            slot = (slot + 1) & mask;
        }
        slot
    }

    /// Backward-shift deletion: later entries of the probe run move up into the hole.
    fn clear_slot(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut next = (hole + 1) & mask;
        loop {
            let stored = self.slots[next];
            if stored == 0 {
                break;
            }
            let home = self.entry(self.index_in(stored)).key.hash(self.seed) as usize & mask;
            // The entry at `next` may fill the hole if its home is not between hole and next.
            let distance_to_next = next.wrapping_sub(home) & mask;
            let distance_to_hole = hole.wrapping_sub(home) & mask;
            if distance_to_hole <= distance_to_next {
                self.slots[hole] = stored;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.slots[hole] = 0;
    }

    fn grow_slots(&mut self) {
        self.slots = vec![0; self.slots.len() * 2];
        let mask = self.mask();
        for index in 0..self.len {
            let hash = self.entry(index).key.hash(self.seed);
            let mut slot = hash as usize & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = self.stored_for(hash, index);
        }
    }
}

fn slots_for(entries: usize) -> usize {
    (entries * MAX_LOAD_DENOMINATOR / MAX_LOAD_NUMERATOR + 1).next_power_of_two().max(MIN_SLOTS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::KeyKind;
    use crate::packet::IpAddr16;

    fn key(n: u32) -> FlowKey {
        FlowKey {
            addr: [IpAddr16::from_v4(n.to_be_bytes()), IpAddr16::from_v4([10, 0, 0, 1])],
            port: [n as u16, 80],
            proto: 6,
            kind: KeyKind::Ports,
            discriminator: 0,
        }
    }

    #[test]
    fn insert_find_grow() {
        let mut table = FlowTable::with_capacity(4, 99);
        for n in 0..10_000u32 {
            let k = key(n);
            let (index, inserted) = table.find_or_insert_with(&k, k.hash(99), || n);
            assert!(inserted);
            assert_eq!(index, n as usize);
        }
        for n in 0..10_000u32 {
            let k = key(n);
            let index = table.find(&k, k.hash(99)).unwrap();
            assert_eq!(table.entry(index).value, n);
            assert!(!table.find_or_insert_with(&k, k.hash(99), || 0).1);
        }
        assert!(table.find(&key(10_001), key(10_001).hash(99)).is_none());
    }

    #[test]
    fn remove_keeps_every_other_entry_reachable() {
        // A tiny seed-fixed table forces long probe runs and wrap-around.
        let mut table = FlowTable::with_capacity(0, 7);
        for n in 0..12u32 {
            let k = key(n);
            table.find_or_insert_with(&k, k.hash(7), || n);
        }
        for victim in [3u32, 0, 11, 5] {
            let k = key(victim);
            let index = table.find(&k, k.hash(7)).unwrap();
            assert_eq!(table.remove(index).value, victim);
            assert!(table.find(&k, k.hash(7)).is_none());
            for n in (0..12u32).filter(|n| ![3, 0, 11, 5][..=[3u32, 0, 11, 5].iter().position(|v| *v == victim).unwrap()].contains(n)) {
                let k = key(n);
                let index = table.find(&k, k.hash(7)).unwrap_or_else(|| panic!("{n} lost after removing {victim}"));
                assert_eq!(table.entry(index).value, n);
            }
        }
        assert_eq!(table.len(), 8);
    }

    #[test]
    fn remove_across_chunks_and_iterate() {
        let mut table = FlowTable::with_capacity(0, 3);
        let count = CHUNK_ENTRIES as u32 + 10;
        for n in 0..count {
            table.find_or_insert_with(&key(n), key(n).hash(3), || n);
        }
        // Remove from the first chunk: the last entry (in the second chunk) moves there.
        let index = table.find(&key(5), key(5).hash(3)).unwrap();
        assert_eq!(table.remove(index).value, 5);
        assert_eq!(table.entry(5).value, count - 1);
        assert_eq!(table.iter().count(), count as usize - 1);
        for n in (0..count).filter(|&n| n != 5) {
            assert!(table.find(&key(n), key(n).hash(3)).is_some(), "{n}");
        }
        while !table.is_empty() {
            table.remove(0);
        }
        assert_eq!(table.memory_bytes(), table.slots.capacity() * 4 + table.chunks.capacity() * std::mem::size_of::<Vec<Entry<u32>>>());
    }
}
