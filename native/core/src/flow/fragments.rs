//! Joins later IP fragments (which carry no transport header) to the flow of their first
//! fragment. Bounded: at most `capacity` datagrams followed, each for `timeout_us` after its
//! last fragment (Argus's `ARGUS_FRAG_TIMEOUT`); the oldest is forgotten first.

use std::collections::{HashMap, VecDeque};

use crate::flow::key::PacketKey;
use crate::packet::{IpAddr16, IpPacket};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DatagramId {
    src: IpAddr16,
    dst: IpAddr16,
    proto: u8,
    ip_id: u32,
}

impl DatagramId {
    fn of(ip: &IpPacket, ip_id: u32) -> DatagramId {
        DatagramId { src: ip.src, dst: ip.dst, proto: ip.proto, ip_id }
    }
}

struct Target {
    key: PacketKey,
    last_us: i64,
}

pub struct FragmentTable {
    targets: HashMap<DatagramId, Target>,
    /// Datagrams in the order they were registered, for expiry and eviction.
    order: VecDeque<DatagramId>,
    capacity: usize,
    timeout_us: i64,
}

impl FragmentTable {
    pub fn new(capacity: usize, timeout_us: i64) -> FragmentTable {
        FragmentTable { targets: HashMap::new(), order: VecDeque::new(), capacity, timeout_us }
    }

    /// A first fragment was counted in the flow `key`: remember where its datagram goes.
    pub fn register_first(&mut self, ip: &IpPacket, ip_id: u32, key: PacketKey, ts_us: i64) {
        self.expire(ts_us);
        let id = DatagramId::of(ip, ip_id);
        if self.targets.insert(id, Target { key, last_us: ts_us }).is_none() {
            if self.order.len() >= self.capacity {
                if let Some(oldest) = self.order.pop_front() {
                    self.targets.remove(&oldest);
                }
            }
            self.order.push_back(id);
        }
    }

    /// The flow a later fragment belongs to, as seen from its sender.
    pub fn find_later(&mut self, ip: &IpPacket, ip_id: u32, ts_us: i64) -> Option<PacketKey> {
        self.expire(ts_us);
        let timeout_us = self.timeout_us;
        let target = self.targets.get_mut(&DatagramId::of(ip, ip_id))?;
        if ts_us.saturating_sub(target.last_us) >= timeout_us {
            return None;
        }
        target.last_us = target.last_us.max(ts_us);
        Some(target.key)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Forgets datagrams from the oldest registered on, up to the first still in use (one
    /// in use ahead of expired ones only delays them: capacity still bounds the table).
    fn expire(&mut self, now_us: i64) {
        while let Some(oldest) = self.order.front() {
            if let Some(target) = self.targets.get(oldest) {
                if now_us.saturating_sub(target.last_us) < self.timeout_us {
                    break;
                }
                self.targets.remove(oldest);
            }
            self.order.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::key::packet_key;
    use crate::flow::key::tests::{ip, v4};
    use crate::packet::{Fragment, Transport};

    fn first_fragment(ip_id: u32) -> IpPacket {
        let mut packet = ip(v4(1), v4(2), 17, Transport::Udp { src_port: 7000, dst_port: 7001, dns_id: None });
        packet.fragment = Fragment::First { ip_id };
        packet
    }

    fn later_fragment(ip_id: u32) -> IpPacket {
        let mut packet = ip(v4(1), v4(2), 17, Transport::None);
        packet.fragment = Fragment::Later { ip_id, more: false };
        packet
    }

    #[test]
    fn later_fragments_find_their_first() {
        let mut table = FragmentTable::new(16, 5_000_000);
        let first = first_fragment(77);
        let key = packet_key(&first);
        table.register_first(&first, 77, key, 0);
        assert_eq!(table.find_later(&later_fragment(77), 77, 1_000), Some(key));
        assert_eq!(table.find_later(&later_fragment(78), 78, 1_000), None);
        // The reply direction is another datagram.
        let mut reverse = later_fragment(77);
        std::mem::swap(&mut reverse.src, &mut reverse.dst);
        assert_eq!(table.find_later(&reverse, 77, 1_000), None);
    }

    #[test]
    fn entries_expire_after_the_timeout_since_their_last_fragment() {
        let mut table = FragmentTable::new(16, 5_000_000);
        let first = first_fragment(1);
        table.register_first(&first, 1, packet_key(&first), 0);
        assert!(table.find_later(&later_fragment(1), 1, 4_000_000).is_some());
        assert!(table.find_later(&later_fragment(1), 1, 8_999_999).is_some());
        assert!(table.find_later(&later_fragment(1), 1, 14_000_000).is_none());
        assert!(table.is_empty());
    }

    #[test]
    fn capacity_is_bounded_oldest_forgotten_first() {
        let mut table = FragmentTable::new(4, 5_000_000);
        for ip_id in 0..10 {
            let first = first_fragment(ip_id);
            table.register_first(&first, ip_id, packet_key(&first), i64::from(ip_id));
        }
        assert_eq!(table.len(), 4);
        assert!(table.find_later(&later_fragment(5), 5, 20).is_none());
        assert!(table.find_later(&later_fragment(9), 9, 20).is_some());
    }
}
