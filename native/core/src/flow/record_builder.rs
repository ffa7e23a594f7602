//! Turns a flow's key and counters into a `FlowRecord` with Argus's columns and meaning.

use crate::flow::counters::FlowCounters;
use crate::flow::icmp::{icmp_v4_state, icmp_v6_state};
use crate::flow::key::{icmp_v4_request_of, FlowKey, KeyKind};
use crate::flow::tcp;
use crate::packet::ip_proto;
use crate::record::{Address, Direction, FlowRecord, Protocol};

/// Whether a record is the first of its flow: Argus names a one-way UDP (or other) record
/// `INT` when it opens a flow and `REQ` when it continues one after a status report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordPlace {
    First,
    Continuation,
}

#[derive(Clone, Copy, Debug)]
pub struct RecordContext {
    pub window_start_us: Option<i64>,
    pub place: RecordPlace,
    /// Whether each key side's TOS is known: it sent in this record, or (Argus keeps the
    /// value across status reports) earlier in the flow.
    pub tos_known: [bool; 2],
}

/// What a flow held in a table reserves of the memory budget for the record it becomes: a
/// window's live flows all become records at once when it closes. A record from packets takes
/// its own size and one allocation for its State (at most 15 letters: 32 bytes).
pub const PACKET_RECORD_BYTES: usize = std::mem::size_of::<FlowRecord>() + 32;

pub fn build_record(key: &FlowKey, counters: &FlowCounters, context: &RecordContext) -> FlowRecord {
    let src = counters.initiator().index();
    let dst = 1 - src;
    let (src_port, dst_port) = ports(key, counters, src, dst);
    let src_pkts = u64::from(counters.pkts[src]);
    let dst_pkts = u64::from(counters.pkts[dst]);
    FlowRecord {
        window_start_us: context.window_start_us,
        start_us: counters.first_us,
        last_us: counters.last_us,
        protocol: Protocol::Ip(key.proto),
        src_addr: Address::Ip(key.addr[src]),
        dst_addr: Address::Ip(key.addr[dst]),
        src_port,
        dst_port,
        direction: direction(key, counters, src_pkts > 0, dst_pkts > 0),
        state: state(key, counters, src, dst, context.place),
        src_tos: context.tos_known[src].then_some(counters.tos[src]),
        dst_tos: context.tos_known[dst].then_some(counters.tos[dst]),
        total_pkts: src_pkts + dst_pkts,
        total_bytes: counters.bytes[src] + counters.bytes[dst],
        src_bytes: counters.bytes[src],
        src_pkts: Some(src_pkts),
        src_payload_bytes: Some(counters.payload_bytes[src]),
        dst_payload_bytes: Some(counters.payload_bytes[dst]),
        src_tcp_flags: counters.tcp_flags[src],
        dst_tcp_flags: counters.tcp_flags[dst],
        label: None,
    }
}

fn ports(key: &FlowKey, counters: &FlowCounters, src: usize, dst: usize) -> (Option<u16>, Option<u16>) {
    match key.kind {
        KeyKind::Ports => (Some(key.port[src]), Some(key.port[dst])),
        KeyKind::IcmpV4 => {
            // Argus shows the type and code of the first packet until a request is seen.
            let code = key.port[0] & 0xff;
            let key_type = (key.port[0] >> 8) as u8;
            let shown_type = if icmp_v4_request_of(key_type).is_some() && !counters.icmp_request_seen() {
                counters.first_marker
            } else {
                key_type
            };
            (Some(u16::from(shown_type) << 8 | code), Some(key.port[1]))
        }
        // The record's convention for both ICMPs: `type << 8 | code`; ICMPv6 flows carry no id.
        KeyKind::IcmpV6 => (Some(key.port[0] << 8 | key.port[1]), None),
        // Argus shows 0 for TCP and UDP flows whose ports it could not read.
        KeyKind::AddressPair | KeyKind::OrphanFragment if matches!(key.proto, ip_proto::TCP | ip_proto::UDP) => (Some(0), Some(0)),
        // Argus prints the SPI in `Dport`; a record's ports have no room for it.
        KeyKind::AddressPair | KeyKind::OrphanFragment | KeyKind::Esp => (None, None),
    }
}

fn direction(key: &FlowKey, counters: &FlowCounters, src_sent: bool, dst_sent: bool) -> Direction {
    if key.proto == ip_proto::TCP && key.kind == KeyKind::Ports {
        if !counters.direction_uncertain() {
            // Argus prints `->` for every connection whose handshake it saw.
            return Direction::Forward;
        }
        return match (src_sent, dst_sent) {
            (true, true) => Direction::BothUncertain,
            (false, true) => Direction::BackwardUncertain,
            _ => Direction::ForwardUncertain,
        };
    }
    match (src_sent, dst_sent) {
        (true, true) => Direction::Both,
        (false, true) => Direction::Backward,
        _ => Direction::Forward,
    }
}

fn state(key: &FlowKey, counters: &FlowCounters, src: usize, dst: usize, place: RecordPlace) -> String {
    match key.kind {
        KeyKind::Ports if key.proto == ip_proto::TCP => tcp::state_string(counters.tcp_flags[src], counters.tcp_flags[dst]),
        KeyKind::IcmpV4 => {
            let key_type = (key.port[0] >> 8) as u8;
            let named_type = if icmp_v4_request_of(key_type).is_some() && !counters.icmp_request_seen() {
                counters.first_marker
            } else {
                key_type
            };
            icmp_v4_state(named_type, (key.port[0] & 0xff) as u8).to_string()
        }
        KeyKind::IcmpV6 => icmp_v6_state(key.port[0] as u8, key.port[1] as u8).to_string(),
        _ => {
            let name = match (counters.pkts[src] > 0, counters.pkts[dst] > 0, place) {
                (true, true, _) => "CON",
                (true, false, RecordPlace::First) => "INT",
                (true, false, RecordPlace::Continuation) => "REQ",
                (false, _, _) => "RSP",
            };
            name.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::counters::tests::facts;
    use crate::flow::counters::PacketFacts;
    use crate::flow::key::packet_key;
    use crate::flow::key::tests::{ip, v4};
    use crate::flow::tcp::UncertainDirection;
    use crate::packet::tcp_flag::{ACK, RST, SYN};
    use crate::packet::Transport;

    fn first(place: RecordPlace, counters: &FlowCounters) -> RecordContext {
        RecordContext { window_start_us: None, place, tos_known: [counters.pkts[0] > 0, counters.pkts[1] > 0] }
    }

    #[test]
    fn udp_states_and_directions() {
        let query = packet_key(&ip(v4(16), v4(8), 17, Transport::Udp { src_port: 33649, dst_port: 53, dns_id: Some(7) }));
        let reply = packet_key(&ip(v4(8), v4(16), 17, Transport::Udp { src_port: 53, dst_port: 33649, dns_id: Some(7) }));
        let mut counters = FlowCounters::first_packet(&query.key, query.sender, &facts(0, 79, 0), UncertainDirection::FirstSender);
        let one_way = build_record(&query.key, &counters, &first(RecordPlace::First, &counters));
        assert_eq!((one_way.state.as_str(), one_way.direction), ("INT", Direction::Forward));
        assert_eq!(one_way.dst_tos, None);
        let continued = build_record(&query.key, &counters, &first(RecordPlace::Continuation, &counters));
        assert_eq!(continued.state, "REQ");
        counters.add(&reply.key, reply.sender, &facts(400, 126, 0));
        let record = build_record(&query.key, &counters, &first(RecordPlace::First, &counters));
        assert_eq!((record.state.as_str(), record.direction), ("CON", Direction::Both));
        assert_eq!(record.src_addr, Address::Ip(v4(16)));
        assert_eq!((record.src_port, record.dst_port), (Some(33649), Some(53)));
        assert_eq!((record.total_pkts, record.total_bytes, record.src_bytes), (2, 205, 79));
        assert_eq!(record.duration_us(), 400);
    }

    #[test]
    fn tcp_state_and_uncertain_direction() {
        let syn = packet_key(&ip(v4(2), v4(1), 6, Transport::Tcp { src_port: 6666, dst_port: 80, flags: SYN, seq: 0, ack: 0 }));
        let mut counters = FlowCounters::first_packet(&syn.key, syn.sender, &facts(0, 60, SYN), UncertainDirection::FirstSender);
        counters.add(&syn.key, syn.sender.other(), &facts(1, 60, RST | ACK));
        let record = build_record(&syn.key, &counters, &first(RecordPlace::First, &counters));
        assert_eq!((record.state.as_str(), record.direction), ("S_RA", Direction::Forward));
        assert_eq!(record.src_port, Some(6666));

        // A lone ACK from port 80: Argus 3.0.8 makes the receiver the source and prints `<?`.
        let ack = packet_key(&ip(v4(2), v4(1), 6, Transport::Tcp { src_port: 80, dst_port: 9999, flags: ACK, seq: 0, ack: 0 }));
        let counters = FlowCounters::first_packet(&ack.key, ack.sender, &facts(0, 60, ACK), UncertainDirection::ServicePort);
        let record = build_record(&ack.key, &counters, &first(RecordPlace::First, &counters));
        assert_eq!((record.state.as_str(), record.direction), ("_A", Direction::BackwardUncertain));
        assert_eq!((record.src_addr, record.src_port), (Address::Ip(v4(1)), Some(9999)));
        assert_eq!(record.src_bytes, 0);
    }

    #[test]
    fn icmp_echo_ports_and_states() {
        let echo = |t, src, dst| packet_key(&ip(src, dst, 1, Transport::Icmp { icmp_type: t, icmp_code: 0, id: 38384, seq: 0, quoted: None }));
        let with_type = |ts, t| PacketFacts { icmp_type: Some(t), ..facts(ts, 42, 0) };
        let reply = echo(0, v4(130), v4(109));
        let counters = FlowCounters::first_packet(&reply.key, reply.sender, &with_type(0, 0), UncertainDirection::FirstSender);
        let record = build_record(&reply.key, &counters, &first(RecordPlace::First, &counters));
        // As ra prints it: 192.168.1.109,0x0000 <- 192.168.1.130,0x…,ECR
        assert_eq!((record.state.as_str(), record.direction), ("ECR", Direction::Backward));
        assert_eq!(record.src_addr, Address::Ip(v4(109)));
        assert_eq!((record.src_port, record.dst_port), (Some(0), Some(38384)));
        assert_eq!(record.src_tos, None);

        let request = echo(8, v4(109), v4(1));
        let mut counters = FlowCounters::first_packet(&request.key, request.sender, &with_type(0, 8), UncertainDirection::FirstSender);
        counters.add(&request.key, Side::B, &with_type(3027, 0));
        let record = build_record(&request.key, &counters, &first(RecordPlace::First, &counters));
        assert_eq!((record.state.as_str(), record.direction), ("ECO", Direction::Both));
        assert_eq!(record.src_port, Some(0x0800));
    }

    use crate::flow::key::Side;
}
