//! Values that keep records apart, or join them, where Argus's flow key has room for one.
//!
//! Argus keys IPv4 DNS flows by their transaction id, echo flows by their sequence number,
//! and host-unreachable/redirect flows by the quoted destination. A flow file does not keep
//! these values, so the rebuilder chooses them:
//! - a record that continues an earlier one of the same flow (it starts after the earlier
//!   record's status report, within the idle timeout, and is not named as a first record)
//!   takes the earlier record's value, so a reader joins them as Argus did;
//! - any other record takes a value that no record still alive in a reader (started less
//!   than a status interval plus a timeout ago) holds under the same key, so that two
//!   records Argus kept apart are not merged.
//!
//! Only records from the last status interval plus the longest timeout are remembered.

use std::collections::{HashMap, VecDeque};

use flowhound_core::packet::IpAddr16;

/// Argus's key without the value: the kind of value, the ends, ports or ICMP fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChainKey {
    pub kind: ChainKind,
    pub ends: [IpAddr16; 2],
    pub fields: [u16; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChainKind {
    DnsId,
    EchoSeq,
    QuotedAddressTail,
}

#[derive(Clone, Copy, Debug)]
struct Link {
    start_us: i64,
    value: u16,
    src: IpAddr16,
    /// The record's State, hashed: a continuation of an ICMP flow keeps its name.
    state_tag: u64,
}

/// What a record looks like to the chains.
#[derive(Clone, Copy, Debug)]
pub struct ChainRecord {
    pub start_us: i64,
    pub src: IpAddr16,
    pub state_tag: u64,
    /// The State says this record opens its flow (`INT`): it never continues one.
    pub opens_flow: bool,
    /// The reader's idle timeout for the protocol.
    pub timeout_us: i64,
    /// Where the search for a fresh value starts.
    pub fresh_seed: u16,
}

pub struct FlowChains {
    status_interval_us: i64,
    /// Records are forgotten this long after they start.
    memory_us: i64,
    links: HashMap<ChainKey, Vec<Link>>,
    by_start: VecDeque<(i64, ChainKey)>,
}

impl FlowChains {
    pub fn new(status_interval_us: i64, longest_timeout_us: i64) -> FlowChains {
        FlowChains {
            status_interval_us,
            memory_us: status_interval_us.saturating_add(longest_timeout_us.max(0)),
            links: HashMap::new(),
            by_start: VecDeque::new(),
        }
    }

    /// Records remembered (their number bounds the memory used).
    pub fn len(&self) -> usize {
        self.by_start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_start.is_empty()
    }

    /// The value for `record`, remembered under `key`. Records come in start order (mild
    /// disorder only delays forgetting).
    pub fn choose(&mut self, key: ChainKey, record: &ChainRecord) -> u16 {
        self.forget_before(record.start_us.saturating_sub(self.memory_us));
        let links = self.links.entry(key).or_default();
        let interval = self.status_interval_us;
        let reported_and_lingering = |link: &Link| {
            record.start_us >= link.start_us.saturating_add(interval)
                && record.start_us < link.start_us.saturating_add(interval).saturating_add(record.timeout_us)
        };
        // Only the latest record holding a value can be continued: an earlier one's flow
        // has been taken over by it.
        let mut later_values: Vec<u16> = Vec::new();
        let mut continued = None;
        for link in links.iter().rev() {
            if later_values.contains(&link.value) {
                continue;
            }
            if !record.opens_flow && link.src == record.src && link.state_tag == record.state_tag && reported_and_lingering(link) {
                continued = Some(link.value);
                break;
            }
            later_values.push(link.value);
        }
        let value = continued.unwrap_or_else(|| {
            let alive = |link: &&Link| record.start_us < link.start_us.saturating_add(interval).saturating_add(record.timeout_us);
            let taken: Vec<u16> = links.iter().filter(alive).map(|link| link.value).collect();
            let mut value = record.fresh_seed;
            // At most `taken.len()` values are taken: this ends within that many steps.
            while taken.contains(&value) {
                value = value.wrapping_add(1);
            }
            value
        });
        links.push(Link { start_us: record.start_us, value, src: record.src, state_tag: record.state_tag });
        self.by_start.push_back((record.start_us, key));
        value
    }

    fn forget_before(&mut self, horizon_us: i64) {
        while let Some(&(start_us, key)) = self.by_start.front() {
            if start_us >= horizon_us {
                break;
            }
            self.by_start.pop_front();
            if let Some(links) = self.links.get_mut(&key) {
                links.retain(|link| link.start_us >= horizon_us);
                if links.is_empty() {
                    self.links.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn key() -> ChainKey {
        ChainKey { kind: ChainKind::DnsId, ends: [IpAddr16::from_v4([147, 32, 84, 165]), IpAddr16::from_v4([147, 32, 80, 9])], fields: [1025, 53] }
    }

    fn record(start_us: i64, opens_flow: bool, fresh_seed: u16) -> ChainRecord {
        ChainRecord { start_us, src: IpAddr16::from_v4([147, 32, 84, 165]), state_tag: 1, opens_flow, timeout_us: 30 * S, fresh_seed }
    }

    #[test]
    fn overlapping_records_of_one_key_get_different_values() {
        let mut chains = FlowChains::new(3600 * S, 60 * S);
        let first = chains.choose(key(), &record(0, true, 5));
        let second = chains.choose(key(), &record(10 * S, true, 5));
        let third = chains.choose(key(), &record(20 * S, true, 6));
        assert_eq!(first, 5);
        assert_ne!(second, first);
        assert!(third != first && third != second);
    }

    #[test]
    fn a_continuation_takes_the_value_of_the_record_it_continues() {
        let mut chains = FlowChains::new(3600 * S, 60 * S);
        let first = chains.choose(key(), &record(0, true, 5));
        // After the report (3600 s) and within the 30 s timeout: the same flow.
        assert_eq!(chains.choose(key(), &record(3610 * S, false, 99)), first);
        // A record named as a first record does not continue.
        assert_ne!(chains.choose(key(), &record(3615 * S, true, 5)), first);
    }

    #[test]
    fn a_flow_continued_once_is_not_continued_again_from_its_first_record() {
        // capture20110816: 147.32.84.138:44674 -> 147.32.80.9:53 at 10:02:08, 11:02:12 and
        // 11:02:35: the second continues the first; the third, 23 s later, must not take
        // the same id while the second's flow is alive.
        let mut chains = FlowChains::new(3600 * S, 60 * S);
        let first = chains.choose(key(), &record(0, false, 5));
        let second = chains.choose(key(), &record(3604 * S, false, 9));
        assert_eq!(second, first);
        let third = chains.choose(key(), &record(3627 * S, false, 5));
        assert_ne!(third, first);
    }

    #[test]
    fn records_long_gone_are_forgotten_and_their_values_reused() {
        let mut chains = FlowChains::new(3600 * S, 60 * S);
        assert_eq!(chains.choose(key(), &record(0, true, 5)), 5);
        assert_eq!(chains.choose(key(), &record(3700 * S, true, 5)), 5);
        assert_eq!(chains.len(), 1, "the first record was forgotten");
    }
}
