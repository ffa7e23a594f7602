//! One record's packets, planned: who sends each, when, how long, with which TCP flags or
//! ICMP message. Nothing per packet is stored; packet `i` is computed on demand in O(1), so
//! a record of 500,000 packets costs a few hundred bytes while it is being written.

use flowhound_core::packet::{ip_proto, IpAddr16};
use flowhound_core::record::{frame_bounds, letters_from_state, record_packet_split, FlowRecord, IpVersion, WireIdentity};
use crate::prng::mix64;

use super::flow_chains::{ChainKey, ChainKind, ChainRecord, FlowChains};
use super::icmp_plan::{IcmpDiscriminator, IcmpPlan};
use super::options::RecordSynthOptions;
use super::packet_times::PacketTimes;
use super::side::{interleaved, Side};
use super::tcp_plan::TcpPlan;
use super::wire_lengths::{LengthStyle, SideLengths};

const DNS_PORT: u16 = 53;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolPlan {
    Tcp(TcpPlan),
    /// `dns_id`: written as the first payload bytes when a port is 53.
    Udp { dns_id: Option<u16> },
    Icmp(IcmpPlan),
    /// No transport header.
    Other,
}

/// One packet of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedPacket {
    pub ts_us: i64,
    pub side: Side,
    pub wire_len: u32,
    /// TCP: carries payload (else its bytes past the headers are padding).
    pub carries_data: bool,
    pub tcp_flags: u8,
}

/// How a rebuilt record differs from its flow record, if at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanFidelity {
    /// Packets, bytes and source bytes are the record's.
    pub counts_exact: bool,
    /// A single packet cannot last `Dur`: the record's duration is lost.
    pub duration_lost: bool,
    /// `Dur` reached the status interval and was cut just below it.
    pub duration_clamped: bool,
}

#[derive(Clone, Debug)]
pub struct RecordPlan {
    /// Position of the record in the input, from 0: breaks ties between equal timestamps.
    pub ordinal: u64,
    pub proto: u8,
    pub version: IpVersion,
    /// Source, destination.
    pub ends: [IpAddr16; 2],
    /// Source and destination ports (TCP/UDP).
    pub ports: [u16; 2],
    pub tos: [u8; 2],
    pub protocol: ProtocolPlan,
    pub pkts: [u64; 2],
    lengths: [SideLengths; 2],
    times: PacketTimes,
    pub start_us: i64,
    pub last_us: i64,
    pub fidelity: PlanFidelity,
    /// A seed for the packets' other fields (sequence numbers, IP ids).
    pub packet_seed: u64,
}

impl RecordPlan {
    pub fn new(
        record: &FlowRecord,
        identity: &WireIdentity,
        options: &RecordSynthOptions,
        ordinal: u64,
        chains: &mut FlowChains,
    ) -> RecordPlan {
        let record_seed = mix64(options.seed ^ mix64(ordinal.wrapping_add(0x5851_f42d_4c95_7f2d)));
        let version = IpVersion::of(&identity.src);
        let proto = identity.proto;
        let bounds = frame_bounds(version, proto, options.preferred_max_frame_bytes);
        let total_pkts = record.total_pkts;
        let dst_bytes = record.dst_bytes();
        let tcp_letters = letters_from_state(&record.state).unwrap_or([record.src_tcp_flags, record.dst_tcp_flags]);
        let split = record_packet_split(record, proto, bounds);
        let pkts = [split.src_pkts, split.dst_pkts];
        let ports = [record.src_port.unwrap_or(0), record.dst_port.unwrap_or(0)];

        let mut protocol = match proto {
            ip_proto::TCP => {
                ProtocolPlan::Tcp(TcpPlan::new(tcp_letters, pkts, record.direction, ports[0], ports[1]))
            }
            ip_proto::UDP => ProtocolPlan::Udp { dns_id: None },
            ip_proto::ICMP | ip_proto::ICMPV6 => ProtocolPlan::Icmp(IcmpPlan::new(
                version == IpVersion::V6,
                record.src_port,
                record.dst_port,
                &identity.src,
                &identity.dst,
            )),
            _ => ProtocolPlan::Other,
        };

        let lengths = match &protocol {
            ProtocolPlan::Tcp(tcp) => [Side::Src, Side::Dst].map(|side| {
                let (capable_start, capable_len) = tcp.capable_range(side);
                let bytes = if side == Side::Src { record.src_bytes } else { dst_bytes };
                SideLengths::plan(pkts[side.index()], bytes, bounds, LengthStyle::SmallAndData { capable_start, capable_len })
            }),
            _ => [
                SideLengths::plan(pkts[0], record.src_bytes, bounds, LengthStyle::Even),
                SideLengths::plan(pkts[1], dst_bytes, bounds, LengthStyle::Even),
            ],
        };
        if let ProtocolPlan::Tcp(tcp) = &mut protocol {
            tcp.complete_letters([lengths[0].has_data(), lengths[1].has_data()]);
        }

        // Keep the record shorter than the status interval, so that it is read back whole.
        let mut fidelity = PlanFidelity { counts_exact: split.exact && lengths[0].exact && lengths[1].exact, ..PlanFidelity::default() };
        let mut last_us = record.last_us.max(record.start_us);
        if last_us - record.start_us >= options.status_interval_us {
            last_us = record.start_us + options.status_interval_us - 1;
            fidelity.duration_clamped = true;
        }
        if total_pkts == 1 && last_us > record.start_us {
            last_us = record.start_us;
            fidelity.duration_lost = true;
        }

        let times = match &protocol {
            // The handshake and the request or answer after it come a round trip apart, as
            // do the FINs and resets at the end. A connection met midway has no such
            // exchange at its start: its first packet is spaced like the others.
            ProtocolPlan::Tcp(tcp) => {
                let (opening, closing) = tcp.opening_and_closing_pkts();
                let head = if tcp.opens_with_handshake() { opening + 1 } else { opening };
                PacketTimes::with_ends(record.start_us, last_us, total_pkts, record_seed, head, closing)
            }
            _ => PacketTimes::new(record.start_us, last_us, total_pkts, record_seed),
        };
        let mut plan = RecordPlan {
            ordinal,
            proto,
            version,
            ends: [identity.src, identity.dst],
            ports,
            tos: [record.src_tos.unwrap_or(0), record.dst_tos.unwrap_or(0)],
            protocol,
            pkts,
            lengths,
            times,
            start_us: record.start_us,
            last_us,
            fidelity,
            packet_seed: mix64(record_seed),
        };
        plan.choose_discriminator(record, options, chains, record_seed);
        plan
    }

    /// DNS id, echo sequence number or quoted address tail: see `flow_chains`.
    fn choose_discriminator(&mut self, record: &FlowRecord, options: &RecordSynthOptions, chains: &mut FlowChains, record_seed: u64) {
        let fresh_seed = (record_seed >> 16) as u16;
        let state_tag = mix64(record.state.bytes().fold(0u64, |hash, byte| hash.wrapping_mul(31).wrapping_add(u64::from(byte))));
        let chain_record = ChainRecord {
            start_us: record.start_us,
            src: self.ends[0],
            state_tag,
            opens_flow: record.state == "INT",
            timeout_us: options.timeouts.for_protocol(self.proto),
            fresh_seed,
        };
        match &mut self.protocol {
            ProtocolPlan::Udp { dns_id } => {
                if self.ports[0] != DNS_PORT && self.ports[1] != DNS_PORT {
                    return;
                }
                if self.version == IpVersion::V6 {
                    // Argus keys only IPv4 DNS by its id.
                    *dns_id = Some(fresh_seed);
                    return;
                }
                // Argus's key is direction-free: order the ends as it does.
                let (a, b) = ((self.ends[0], self.ports[0]), (self.ends[1], self.ports[1]));
                let (low, high) = if a <= b { (a, b) } else { (b, a) };
                let key = ChainKey { kind: ChainKind::DnsId, ends: [low.0, high.0], fields: [low.1, high.1] };
                *dns_id = Some(chains.choose(key, &ChainRecord { state_tag: 0, ..chain_record }));
            }
            ProtocolPlan::Icmp(icmp) => {
                let kind = match icmp.discriminator {
                    IcmpDiscriminator::None => return,
                    IcmpDiscriminator::EchoSeq => ChainKind::EchoSeq,
                    IcmpDiscriminator::QuotedAddressTail => ChainKind::QuotedAddressTail,
                };
                let type_code = record.src_port.unwrap_or(0);
                let key = ChainKey { kind, ends: self.ends, fields: [type_code, record.dst_port.unwrap_or(0)] };
                let value = chains.choose(key, &ChainRecord { opens_flow: false, ..chain_record });
                icmp.set_discriminator(value);
            }
            _ => {}
        }
    }

    pub fn total_pkts(&self) -> u64 {
        self.pkts[0] + self.pkts[1]
    }

    /// TCP: the first packet is a bare SYN.
    pub fn opens_with_bare_syn(&self) -> bool {
        matches!(&self.protocol, ProtocolPlan::Tcp(_)) && self.total_pkts() > 0 && self.packet(0).tcp_flags == flowhound_core::packet::tcp_flag::SYN
    }

    /// Time of the `index`-th packet.
    pub fn packet_ts(&self, index: u64) -> i64 {
        self.times.at(index)
    }

    /// The `index`-th packet, in time order.
    pub fn packet(&self, index: u64) -> PlannedPacket {
        let ts_us = self.times.at(index);
        let (side, side_index, tcp_slot) = match &self.protocol {
            ProtocolPlan::Tcp(tcp) => {
                let slot = tcp.slot(index);
                (slot.side, slot.side_index, Some(slot))
            }
            _ => {
                let (side, ordinal) = interleaved(index, self.pkts[0], self.total_pkts());
                (side, ordinal, None)
            }
        };
        let length = self.lengths[side.index()].at(side_index);
        let tcp_flags = match (&self.protocol, tcp_slot) {
            (ProtocolPlan::Tcp(tcp), Some(slot)) => tcp.flags_for(&slot, length.carries_data),
            _ => 0,
        };
        PlannedPacket { ts_us, side, wire_len: length.wire_len, carries_data: length.carries_data, tcp_flags }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
    use flowhound_core::record::wire_identity;
    use crate::from_records::packet_times::ROUND_TRIP_US;
    use flowhound_core::record::min_wire_len;

    /// Records of CTU-13 text (header added), read as the flow-file reader reads them.
    pub fn ctu13_records(lines: &str) -> Vec<FlowRecord> {
        let text = format!("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n{lines}");
        let options = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, ..Default::default() };
        let mut reader = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text.into_bytes())), "test", options).unwrap();
        let mut records = Vec::new();
        while reader.next_batch(100, &mut records).unwrap() > 0 {}
        records
    }

    fn plan_of(record: &FlowRecord) -> RecordPlan {
        let options = RecordSynthOptions::default();
        let mut chains = FlowChains::new(options.status_interval_us, 60_000_000);
        RecordPlan::new(record, &wire_identity(record).unwrap(), &options, 0, &mut chains)
    }

    /// Rows of capture20110816.binetflow and capture20110818-2.botnet.binetflow.
    const ROWS: &str = "\
2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213,  <?>,147.32.84.172,18250,A_PA,0,0,414671,415389446,10150692,flow=Background
2011/08/16 10:02:00.977483,0.039805,tcp,147.32.86.96,35527,   ->,147.32.87.38,12489,_FSPA,,0,8,546,0,flow=Background-TCP-Established
2011/08/18 15:48:00.252763,0.036866,tcp,147.32.84.165,1027,   ->,74.125.232.201,80,SRPA_SPA,0,0,7,882,629,flow=From-Botnet-V52-1-TCP-HTTP-Google-Net-Established-6
2011/08/18 15:47:57.983212,0.000197,udp,147.32.84.165,1025,  <->,147.32.80.9,53,CON,0,0,2,203,64,flow=From-Botnet-V52-1-UDP-DNS
2011/08/18 15:52:55.206474,100.854431,icmp,147.32.84.191,0x000d,  <->,147.32.96.69,,TST,0,0,3866,4120150,4120090,flow=From-Botnet-V52-2-ICMP
2011/08/16 10:02:29.925730,0.000005,icmp,147.32.86.96,,  <-,147.32.87.5,0x8352,ECR,,0,2,196,0,flow=Background
2011/08/16 10:01:49.554702,3599.967041,udp,147.32.80.13,514,   ->,147.32.84.138,2990,INT,0,,21119,18271375,18271375,flow=From-Background-CVUT-Proxy
";

    #[test]
    fn only_a_handshake_sets_the_first_packets_a_round_trip_apart() {
        // Two records of capture20110816: an IMAPS connection met midway (`<?>`, no SYN) and
        // one whose handshake was seen.
        let records = ctu13_records(
            "\
2011/08/16 10:02:11.708270,3000.244141,tcp,147.32.86.25,1076,  <?>,147.32.192.34,993,PA_PA,0,0,73,6570,3439,flow=Background
2011/08/16 10:02:00.977483,0.039805,tcp,147.32.86.96,35527,   ->,147.32.87.38,12489,S_SA,,0,8,546,100,flow=Background
",
        );
        let midway = plan_of(&records[0]);
        let gap_us = midway.packet(1).ts_us - midway.packet(0).ts_us;
        // 71 stretches of about 42 s between the first packet and the last: the second packet
        // sits somewhere in the first, not a round trip after the first packet.
        assert_ne!(gap_us, ROUND_TRIP_US);
        assert!(gap_us <= 3_000_244_141 / 71 + 1, "{gap_us} µs");
        // The handshake (SYN, SYN-ACK) and the packet after it: evenly spaced, the record
        // being shorter than three round trips.
        let handshake = plan_of(&records[1]);
        let ts: Vec<i64> = (0..3).map(|index| handshake.packet(index).ts_us).collect();
        assert_eq!(ts[1] - ts[0], 39_805 / 3);
        assert_eq!(ts[2] - ts[1], 39_805 / 3);
    }

    #[test]
    fn every_plan_adds_up_to_its_record() {
        for record in ctu13_records(ROWS) {
            let plan = plan_of(&record);
            assert!(plan.fidelity.counts_exact, "{record:?}");
            let mut bytes = [0u64; 2];
            let mut pkts = [0u64; 2];
            let mut flags = [0u8; 2];
            let mut previous_ts = i64::MIN;
            for index in 0..plan.total_pkts() {
                let packet = plan.packet(index);
                assert!(packet.ts_us >= previous_ts);
                previous_ts = packet.ts_us;
                bytes[packet.side.index()] += u64::from(packet.wire_len);
                pkts[packet.side.index()] += 1;
                flags[packet.side.index()] |= packet.tcp_flags;
                assert!(packet.wire_len >= min_wire_len(plan.version, plan.proto));
            }
            assert_eq!(plan.total_pkts(), record.total_pkts);
            assert_eq!((bytes[0], bytes[0] + bytes[1]), (record.src_bytes, record.total_bytes), "{record:?}");
            assert_eq!(plan.packet(0).ts_us, record.start_us);
            assert_eq!(previous_ts, record.last_us);
            if plan.proto == ip_proto::TCP {
                assert_eq!(flowhound_core::flow::state_string(flags[0], flags[1]), record.state);
            }
        }
    }

    #[test]
    fn the_bulk_transfer_uses_standard_frames_and_an_ack_side() {
        let record = &ctu13_records(ROWS)[0];
        let plan = plan_of(record);
        assert!(plan.pkts[1] >= 405_238_754 / 1514);
        assert!((0..plan.total_pkts()).step_by(101).all(|i| plan.packet(i).wire_len <= 1514));
    }

    #[test]
    fn dns_gets_an_id_and_durations_stay_under_the_interval() {
        let records = ctu13_records(ROWS);
        let ProtocolPlan::Udp { dns_id } = plan_of(&records[3]).protocol else { panic!() };
        assert!(dns_id.is_some());
        let ProtocolPlan::Udp { dns_id } = plan_of(&records[6]).protocol else { panic!() };
        assert!(dns_id.is_none(), "syslog is not DNS");
        let long = FlowRecord { last_us: records[6].start_us + 3_600_000_000, ..records[6].clone() };
        let plan = plan_of(&long);
        assert!(plan.fidelity.duration_clamped);
        assert_eq!(plan.last_us - plan.start_us, 3_599_999_999);
    }
}
