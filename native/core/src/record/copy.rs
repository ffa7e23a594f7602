//! Copying a record without allocating: the feature builder cuts every flow-file record into a
//! piece per window (up to 24 for CTU-13's hour-long records), and each piece was a `clone`,
//! two strings allocated (State, Label) and freed again once its row was made. A piece made
//! into the same record each time reuses that record's string buffers instead
//! (`#[derive(Clone)]` gives no `clone_from` that would).

use super::{allocation_bytes, FlowRecord, Protocol};

impl FlowRecord {
    /// Makes `self` equal to `source`, reusing `self`'s string buffers where they are large
    /// enough.
    pub fn copy_from(&mut self, source: &FlowRecord) {
        // Every field by name: a field added to FlowRecord must be added here too.
        let FlowRecord {
            window_start_us,
            start_us,
            last_us,
            protocol,
            src_addr,
            dst_addr,
            src_port,
            dst_port,
            direction,
            state,
            src_tos,
            dst_tos,
            total_pkts,
            total_bytes,
            src_bytes,
            src_pkts,
            src_payload_bytes,
            dst_payload_bytes,
            src_tcp_flags,
            dst_tcp_flags,
            label,
        } = source;
        self.window_start_us = *window_start_us;
        self.start_us = *start_us;
        self.last_us = *last_us;
        match (&mut self.protocol, protocol) {
            (Protocol::Named(to), Protocol::Named(from)) => to.clone_from(from),
            (to, from) => *to = from.clone(),
        }
        self.src_addr = *src_addr;
        self.dst_addr = *dst_addr;
        self.src_port = *src_port;
        self.dst_port = *dst_port;
        self.direction = *direction;
        self.state.clone_from(state);
        self.src_tos = *src_tos;
        self.dst_tos = *dst_tos;
        self.total_pkts = *total_pkts;
        self.total_bytes = *total_bytes;
        self.src_bytes = *src_bytes;
        self.src_pkts = *src_pkts;
        self.src_payload_bytes = *src_payload_bytes;
        self.dst_payload_bytes = *dst_payload_bytes;
        self.src_tcp_flags = *src_tcp_flags;
        self.dst_tcp_flags = *dst_tcp_flags;
        self.label.clone_from(label);
    }

    /// What `self.clone().memory_bytes()` gives, without the clone: a clone allocates each
    /// string to its length, whatever spare capacity `self`'s buffers have.
    pub fn copy_memory_bytes(&self) -> usize {
        let named = match &self.protocol {
            Protocol::Named(name) => allocation_bytes(name.len()),
            Protocol::Ip(_) => 0,
        };
        std::mem::size_of::<FlowRecord>()
            + allocation_bytes(self.state.len())
            + self.label.as_ref().map_or(0, |label| allocation_bytes(label.len()))
            + named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(state: &str, label: Option<&str>, protocol: Protocol) -> FlowRecord {
        FlowRecord {
            state: state.to_string(),
            label: label.map(str::to_string),
            protocol,
            ..FlowRecord::example_tcp([10, 0, 0, 1], 1040, [10, 0, 0, 2], 80, 5, 9)
        }
    }

    #[test]
    fn a_copy_equals_its_source_whatever_the_buffers_held() {
        let source = labelled("FSPA_FSPA", Some("flow=From-Botnet-V47-1-TCP-Attempt-SPAM"), Protocol::Ip(6));
        let mut piece = labelled("CON", None, Protocol::Named("rtp".into()));
        piece.copy_from(&source);
        assert_eq!(piece, source);
        let unlabelled = labelled("S_", None, Protocol::Named("udt".into()));
        piece.copy_from(&unlabelled);
        assert_eq!(piece, unlabelled);
    }

    #[test]
    fn copying_into_large_enough_buffers_allocates_nothing() {
        let source = labelled("S_RA", Some("flow=Background"), Protocol::Ip(6));
        let mut piece = labelled("FSPA_FSPA", Some("flow=Background-UDP-Established"), Protocol::Ip(17));
        let (state_buffer, label_buffer) = (piece.state.as_ptr(), piece.label.as_ref().unwrap().as_ptr());
        piece.copy_from(&source);
        assert_eq!(piece, source);
        assert_eq!((piece.state.as_ptr(), piece.label.as_ref().unwrap().as_ptr()), (state_buffer, label_buffer));
    }

    #[test]
    fn the_memory_of_a_copy_is_counted_as_a_clone_takes_it() {
        let mut spare = labelled("S_RA", Some("flow=Background"), Protocol::Named("rtcp".into()));
        spare.state.reserve(100);
        spare.label.as_mut().unwrap().reserve(200);
        assert!(spare.memory_bytes() > spare.clone().memory_bytes(), "the spare capacity counts in the record itself");
        assert_eq!(spare.copy_memory_bytes(), spare.clone().memory_bytes());
        let plain = labelled("", None, Protocol::Ip(6));
        assert_eq!(plain.copy_memory_bytes(), plain.clone().memory_bytes());
    }
}
