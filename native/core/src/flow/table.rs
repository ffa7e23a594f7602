//! An open-addressing flow table: `u32` slots (entry index + 1, 0 for empty) over a dense
//! vector of (key, value) entries, linear probing, backward-shift deletion. One hash and
//! usually one slot and one entry touched per packet; no allocation per packet.

use crate::flow::key::FlowKey;

#[derive(Clone, Debug)]
pub struct Entry<V> {
    pub key: FlowKey,
    pub value: V,
}

pub struct FlowTable<V> {
    slots: Vec<u32>,
    entries: Vec<Entry<V>>,
    seed: u64,
}

/// Grow the slot array when entries exceed 3/4 of it.
const MAX_LOAD_NUMERATOR: usize = 3;
const MAX_LOAD_DENOMINATOR: usize = 4;
const MIN_SLOTS: usize = 16;
/// Entry indices are stored +1 in `u32` slots.
pub const MAX_ENTRIES: usize = (u32::MAX - 1) as usize;

impl<V> FlowTable<V> {
    /// A table sized for `expected` entries without growing.
    pub fn with_capacity(expected: usize, seed: u64) -> FlowTable<V> {
        let slots = slots_for(expected);
        FlowTable { slots: vec![0; slots], entries: Vec::with_capacity(expected), seed }
    }

    #[inline]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The index of `key`'s entry, if present.
    #[inline]
    pub fn find(&self, key: &FlowKey, hash: u64) -> Option<usize> {
        let mask = self.mask();
        let mut slot = hash as usize & mask;
        loop {
            let stored = self.slots[slot];
            if stored == 0 {
                return None;
            }
            let index = stored as usize - 1;
            if self.entries[index].key == *key {
                return Some(index);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The index of `key`'s entry, inserting `make()` first if absent; `true` if inserted.
    #[inline]
    pub fn find_or_insert_with(&mut self, key: &FlowKey, hash: u64, make: impl FnOnce() -> V) -> (usize, bool) {
        let mask = self.mask();
        let mut slot = hash as usize & mask;
        loop {
            let stored = self.slots[slot];
            if stored == 0 {
                break;
            }
            let index = stored as usize - 1;
            if self.entries[index].key == *key {
                return (index, false);
            }
            slot = (slot + 1) & mask;
        }
        let index = self.entries.len();
        self.entries.push(Entry { key: *key, value: make() });
        self.slots[slot] = index as u32 + 1;
        if self.entries.len() * MAX_LOAD_DENOMINATOR > self.slots.len() * MAX_LOAD_NUMERATOR {
            self.grow_slots();
        }
        (index, true)
    }

    #[inline]
    pub fn entry(&self, index: usize) -> &Entry<V> {
        &self.entries[index]
    }

    #[inline]
    pub fn value_mut(&mut self, index: usize) -> &mut V {
        &mut self.entries[index].value
    }

    pub fn entries(&self) -> &[Entry<V>] {
        &self.entries
    }

    /// Removes entry `index`; the last entry moves into its place.
    pub fn remove(&mut self, index: usize) -> Entry<V> {
        let hash = self.entries[index].key.hash(self.seed);
        let slot = self.slot_of(hash, index);
        self.clear_slot(slot);
        let last = self.entries.len() - 1;
        if index != last {
            let moved_hash = self.entries[last].key.hash(self.seed);
            let moved_slot = self.slot_of(moved_hash, last);
            self.slots[moved_slot] = index as u32 + 1;
        }
        self.entries.swap_remove(index)
    }

    /// Empties the table, keeping its allocations.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Entry<V>> {
        self.slots.iter_mut().for_each(|slot| *slot = 0);
        self.entries.drain(..)
    }

    /// Heap bytes held: slots, and entries at their capacity.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u32>() + self.entries.capacity() * std::mem::size_of::<Entry<V>>()
    }

    fn slot_of(&self, hash: u64, index: usize) -> usize {
        let mask = self.mask();
        let mut slot = hash as usize & mask;
        while self.slots[slot] as usize != index + 1 {
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
            let home = self.entries[stored as usize - 1].key.hash(self.seed) as usize & mask;
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
        let new_len = self.slots.len() * 2;
        self.slots = vec![0; new_len];
        let mask = new_len - 1;
        for (index, entry) in self.entries.iter().enumerate() {
            let mut slot = entry.key.hash(self.seed) as usize & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = index as u32 + 1;
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
    fn drain_empties_and_table_is_reusable() {
        let mut table = FlowTable::with_capacity(8, 1);
        for n in 0..20u32 {
            table.find_or_insert_with(&key(n), key(n).hash(1), || n);
        }
        assert_eq!(table.drain().count(), 20);
        assert!(table.is_empty());
        assert!(table.find(&key(3), key(3).hash(1)).is_none());
        table.find_or_insert_with(&key(3), key(3).hash(1), || 3);
        assert_eq!(table.len(), 1);
    }
}
