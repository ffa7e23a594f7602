//! What the feature builder remembers of each LAN host from one window to the next: the
//! addresses it contacted in recent windows (so that a window can tell new targets from ones it
//! keeps talking to) and the services it answers (so that a mail server's relaying is not spam,
//! nor a resolver's forwarding DNS abuse).
//! Bounded by the flows of a window's length, as the windows themselves are.

use std::collections::{BTreeMap, HashMap};

use crate::fast_hash::FastSet;
use crate::packet::IpAddr16;
use crate::record::Address;

use super::host_activity::{HostHistory, Served};

pub struct HostMemory {
    window_us: i64,
    /// Per emitted window start (a window's length of them): each host's destinations.
    dsts_by_window: BTreeMap<i64, HashMap<IpAddr16, FastSet<Address>>>,
    served: HashMap<IpAddr16, Served>,
}

impl HostMemory {
    pub fn new(window_us: i64) -> HostMemory {
        HostMemory { window_us, dsts_by_window: BTreeMap::new(), served: HashMap::new() }
    }

    /// What a host's row in the window starting at `window_start_us` compares with: its
    /// destinations in the window that ended where this one starts.
    pub fn history(&self, window_start_us: i64, host: &IpAddr16) -> HostHistory<'_> {
        let previous_dsts = self.dsts_by_window.get(&(window_start_us - self.window_us)).and_then(|hosts| hosts.get(host));
        HostHistory { previous_dsts, served: self.served.get(host).copied().unwrap_or_default() }
    }

    /// Adds services a host answered (kept for the rest of the input).
    pub fn remember_served(&mut self, host: IpAddr16, served: Served) {
        if served != Served::default() {
            let known = self.served.entry(host).or_default();
            *known = known.union(served);
        }
    }

    /// Keeps a closed window's destinations, and forgets those that no later window needs
    /// (windows close in order: the next compares with a window starting after this one's
    /// start minus a window's length).
    pub fn remember_window(&mut self, window_start_us: i64, dsts: HashMap<IpAddr16, FastSet<Address>>) {
        self.dsts_by_window.insert(window_start_us, dsts);
        let oldest_needed = window_start_us.saturating_sub(self.window_us).saturating_add(1);
        while self.dsts_by_window.first_key_value().is_some_and(|(start, _)| *start < oldest_needed) {
            self.dsts_by_window.pop_first();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(last: u8) -> IpAddr16 {
        IpAddr16::from_v4([10, 0, 0, last])
    }

    fn dst(last: u8) -> Address {
        Address::Ip(IpAddr16::from_v4([192, 0, 2, last]))
    }

    #[test]
    fn a_window_compares_with_the_one_that_ended_where_it_starts() {
        let mut memory = HostMemory::new(300);
        for (start, last) in [(0, 1u8), (150, 2), (300, 3)] {
            memory.remember_window(start, HashMap::from([(host(1), FastSet::from_iter([dst(last)]))]));
        }
        // Window 450 compares with window 150, window 600 with window 300.
        assert_eq!(memory.history(450, &host(1)).previous_dsts, Some(&FastSet::from_iter([dst(2)])));
        assert_eq!(memory.history(600, &host(1)).previous_dsts, Some(&FastSet::from_iter([dst(3)])));
        assert_eq!(memory.history(450, &host(9)).previous_dsts, None, "a host not seen then");
        assert_eq!(memory.dsts_by_window.len(), 2, "window 0 is no longer needed after 300 closed");
    }

    #[test]
    fn a_server_stays_one() {
        let mut memory = HostMemory::new(300);
        assert_eq!(memory.history(0, &host(1)).served, Served::default());
        memory.remember_served(host(1), Served { smtp: true, dns: false });
        memory.remember_served(host(1), Served { smtp: false, dns: true });
        assert_eq!(memory.history(900, &host(1)).served, Served { smtp: true, dns: true });
        assert_eq!(memory.history(900, &host(2)).served, Served::default());
    }
}
