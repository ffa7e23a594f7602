//! The ICMP messages of a rebuilt record, from what Argus printed in `Sport`, `Dport` and
//! `State` (see `flowfile/ports.rs`: `src_port` is `type << 8 | code`).
//!
//! How Argus 3.0.8 keys and names ICMP flows (its `ArgusModeler`/`ArgusIcmp` code, and the
//! probes behind `flow::key` and `flow::icmp`):
//! - Echo and the other query types (timestamp, information, mask) pair a request with its
//!   reply; the flow is named after the request (`ECO`), or after the first type seen when
//!   no request was (`ECR`: replies alone, the requester as source, `<-`). Echo flows are
//!   keyed by id and sequence number, so every packet of one record carries the same pair.
//!   Other queries carry the id `Dport` shows in the same place.
//! - Errors (unreachable, redirect, time exceeded, …) go one way and are keyed by parts of
//!   the packet they quote: host/net unreachable and redirects by the quoted destination
//!   address, port unreachable by the quoted destination port and protocol. `Dport` shows
//!   the first two of those bytes.
//! - `Dport` is printed from Argus's 16-bit field in host order (little-endian on the
//!   machines that wrote CTU-13): the echo id 0x357c on the wire prints as `0x7c35`, a quoted
//!   destination 193.218.… as `0xc1da`. The flow-file reader swaps it back, so the record's
//!   `dst_port` is the wire value.
//! - Where `Sport` and `Dport` are blank, ra printed a zero.
//!
//! ICMPv6 (`ipv6-icmp`): the type and code alone; replies (echo, neighbour and router
//! advertisements, …) answer their request from the destination.

use flowhound_core::packet::IpAddr16;

/// The header fields of an ICMPv4 message, one per side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpMessage {
    pub icmp_type: u8,
    pub icmp_code: u8,
}

/// Which value keeps apart records that would otherwise share Argus's flow key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcmpDiscriminator {
    /// None available: the key is fixed by the record.
    None,
    /// Echo: the sequence number.
    EchoSeq,
    /// Host/net unreachable and redirect: the last two bytes of the quoted destination.
    QuotedAddressTail,
}

/// The packet an ICMPv4 error quotes: its IPv4 header and the first 8 bytes after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotedPacket {
    pub proto: u8,
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub dst_port: u16,
}

pub const QUOTED_PACKET_BYTES: usize = 28;

impl QuotedPacket {
    /// The 28 bytes as an ICMP error carries them (a UDP or TCP packet of 548 bytes).
    pub fn bytes(&self) -> [u8; QUOTED_PACKET_BYTES] {
        let mut bytes = [0u8; QUOTED_PACKET_BYTES];
        bytes[0] = 0x45;
        bytes[2..4].copy_from_slice(&576u16.to_be_bytes());
        bytes[8] = 64;
        bytes[9] = self.proto;
        bytes[12..16].copy_from_slice(&self.src);
        bytes[16..20].copy_from_slice(&self.dst);
        let header_sum = crate::checksum::finish(crate::checksum::sum_words(&bytes[..20]));
        bytes[10..12].copy_from_slice(&header_sum.to_be_bytes());
        bytes[20..22].copy_from_slice(&33_000u16.to_be_bytes());
        bytes[22..24].copy_from_slice(&self.dst_port.to_be_bytes());
        bytes[24..26].copy_from_slice(&556u16.to_be_bytes());
        bytes
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpPlan {
    /// What each side sends (source, destination).
    pub messages: [IcmpMessage; 2],
    /// Echo id and sequence number, as on the wire.
    pub id: u16,
    pub seq: u16,
    /// ICMPv4 errors: the quoted packet.
    pub quoted: Option<QuotedPacket>,
    pub discriminator: IcmpDiscriminator,
}

const ECHO_REPLY: u8 = 0;
const UNREACHABLE: u8 = 3;
const REDIRECT: u8 = 5;
const ECHO_REQUEST: u8 = 8;

/// ICMPv4 request types with their reply types.
fn v4_reply_of(request: u8) -> Option<u8> {
    match request {
        ECHO_REQUEST => Some(ECHO_REPLY),
        13 | 15 | 17 => Some(request + 1),
        _ => None,
    }
}

fn v4_request_of(reply: u8) -> Option<u8> {
    match reply {
        ECHO_REPLY => Some(ECHO_REQUEST),
        14 | 16 | 18 => Some(reply - 1),
        _ => None,
    }
}

fn v6_reply_of(request: u8) -> Option<u8> {
    match request {
        128 | 130 | 133 | 135 | 144 => Some(request + 1),
        _ => None,
    }
}

fn quotes_a_packet(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
}

impl IcmpPlan {
    /// `src_port`/`dst_port` as the record holds them; `src`/`dst` the record's ends.
    pub fn new(v6: bool, src_port: Option<u16>, dst_port: Option<u16>, src: &IpAddr16, dst: &IpAddr16) -> IcmpPlan {
        let type_code = src_port.unwrap_or(0);
        let (icmp_type, icmp_code) = ((type_code >> 8) as u8, type_code as u8);
        let sent = IcmpMessage { icmp_type, icmp_code };
        if v6 {
            let answer = v6_reply_of(icmp_type).map_or(sent, |reply| IcmpMessage { icmp_type: reply, icmp_code: 0 });
            return IcmpPlan { messages: [sent, answer], id: 0, seq: 0, quoted: None, discriminator: IcmpDiscriminator::None };
        }
        let messages = if let Some(reply) = v4_reply_of(icmp_type) {
            [sent, IcmpMessage { icmp_type: reply, icmp_code: 0 }]
        } else if let Some(request) = v4_request_of(icmp_type) {
            // A reply-named record: the destination replied; a source packet would be the request.
            [IcmpMessage { icmp_type: request, icmp_code: 0 }, sent]
        } else {
            [sent, sent]
        };
        // The record keeps the wire value (the flow-file reader undid Argus's byte order).
        let wire_value = dst_port.unwrap_or(0);
        let mut plan = IcmpPlan { messages, id: 0, seq: 0, quoted: None, discriminator: IcmpDiscriminator::None };
        if icmp_type == ECHO_REQUEST || icmp_type == ECHO_REPLY {
            plan.id = wire_value;
            plan.discriminator = IcmpDiscriminator::EchoSeq;
        } else if !quotes_a_packet(icmp_type) {
            // Queries other than echo (timestamp, information, …) carry an id where echo does:
            // CTU-13's Argus printed it in Dport (argus 3.0.8 prints 0x0000).
            plan.id = wire_value;
        } else {
            let v4 = |address: &IpAddr16| [address.0[12], address.0[13], address.0[14], address.0[15]];
            // The error answers a packet the destination sent, mostly UDP, to the source.
            let mut quoted = QuotedPacket { proto: 17, src: v4(dst), dst: v4(src), dst_port: 0 };
            match (icmp_type, icmp_code) {
                (UNREACHABLE, 0 | 1) | (REDIRECT, 0 | 1) => {
                    quoted.dst[..2].copy_from_slice(&wire_value.to_le_bytes());
                    plan.discriminator = IcmpDiscriminator::QuotedAddressTail;
                }
                (UNREACHABLE, 2) => quoted.proto = wire_value as u8,
                (UNREACHABLE, 3) => quoted.dst_port = wire_value,
                _ => {}
            }
            plan.quoted = Some(quoted);
        }
        plan
    }

    /// Sets the value chosen to keep this record's flow apart.
    pub fn set_discriminator(&mut self, value: u16) {
        match self.discriminator {
            IcmpDiscriminator::None => {}
            IcmpDiscriminator::EchoSeq => self.seq = value,
            IcmpDiscriminator::QuotedAddressTail => {
                if let Some(quoted) = &mut self.quoted {
                    quoted.dst[2..].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowhound_core::packet::{QuotedHeader, Transport};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr16 {
        IpAddr16::from_v4([a, b, c, d])
    }

    /// What the decoder reads from a 98-byte frame of this plan's message from `side`.
    fn decoded(plan: &IcmpPlan, side: usize) -> Transport {
        use flowhound_core::packet::{link_type, Network, RawPacket};
        use crate::packet_builder::{mac_from_ip, PacketBuilder, PacketSpec, TransportSpec};
        let message = plan.messages[side];
        let (a, b) = (v4(10, 0, 0, 1), v4(10, 0, 0, 2));
        let transport = TransportSpec::Icmp { icmp_type: message.icmp_type, icmp_code: message.icmp_code, id: plan.id, seq: plan.seq };
        let spec = PacketSpec { src_mac: mac_from_ip(&a), dst_mac: mac_from_ip(&b), src: a, dst: b, tos: 0, ttl: 64, ip_id: 1, dont_fragment: false, transport, wire_len: 98, padding_len: 0 };
        let quoted = plan.quoted.map(|q| q.bytes());
        let mut builder = PacketBuilder::new(96);
        let frame = builder.build(&spec, quoted.as_ref().map_or(&[][..], |q| &q[..])).unwrap();
        let raw = RawPacket { ts_us: 0, wire_len: 98, data: frame, link_type: link_type::ETHERNET, file_offset: 0 };
        match flowhound_core::decode::decode(&raw).network {
            Network::Ip(ip) => ip.transport,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn echo_records_keep_argus_id_and_one_sequence_number() {
        // pcaps/stratosphere/test7-malicious.pcap: echo id 13692 (0x357c, tshark) printed by
        // argus 3.0.8 as Dport 0x7c35, which the flow-file reader turns back into 0x357c.
        let mut plan = IcmpPlan::new(false, Some(0x0800), Some(0x357c), &v4(192, 168, 2, 1), &v4(192, 168, 2, 16));
        plan.set_discriminator(7);
        assert_eq!(plan.messages, [IcmpMessage { icmp_type: 8, icmp_code: 0 }, IcmpMessage { icmp_type: 0, icmp_code: 0 }]);
        assert_eq!(decoded(&plan, 0), Transport::Icmp { icmp_type: 8, icmp_code: 0, id: 13692, seq: 7, quoted: None });
        assert_eq!(decoded(&plan, 1), Transport::Icmp { icmp_type: 0, icmp_code: 0, id: 13692, seq: 7, quoted: None });
        // capture20110816 ECR rows: blank Sport (type 0), the replies come from the destination;
        // Dport printed 0x8352.
        let reply = IcmpPlan::new(false, None, Some(0x5283), &v4(147, 32, 86, 96), &v4(147, 32, 87, 5));
        assert_eq!(reply.messages[1], IcmpMessage { icmp_type: 0, icmp_code: 0 });
        assert_eq!(reply.id, 0x5283);
    }

    #[test]
    fn host_unreachable_quotes_the_destination_argus_printed() {
        // test7-malicious.pcap: 195.74.110.234 -> 192.168.2.16 type 3 code 1 quoting a packet
        // to 193.218.171.188; argus printed Sport 0x0103, Dport 0xc1da (record: 0xdac1).
        let mut plan = IcmpPlan::new(false, Some(0x0301), Some(0xdac1), &v4(195, 74, 110, 234), &v4(192, 168, 2, 16));
        plan.set_discriminator(0x1234);
        let Transport::Icmp { icmp_type: 3, icmp_code: 1, quoted: Some(quoted), .. } = decoded(&plan, 0) else { panic!() };
        assert_eq!(&quoted.dst.0[12..14], &[193, 218]);
        assert_eq!(u16::from_le_bytes([quoted.dst.0[14], quoted.dst.0[15]]), 0x1234);
    }

    #[test]
    fn port_unreachable_quotes_the_port() {
        // capture20110816: 188.235.202.186,0x0303 -> 147.32.84.229,0xedcc,URP (record: 0xcced).
        let plan = IcmpPlan::new(false, Some(0x0303), Some(0xcced), &v4(188, 235, 202, 186), &v4(147, 32, 84, 229));
        let expected = QuotedHeader { proto: 17, tos: 0, dst: v4(188, 235, 202, 186), dst_port: Some(0xcced) };
        assert_eq!(decoded(&plan, 0), Transport::Icmp { icmp_type: 3, icmp_code: 3, id: 0, seq: 0, quoted: Some(expected) });
        assert_eq!(plan.discriminator, IcmpDiscriminator::None);
    }

    #[test]
    fn other_types_and_icmpv6() {
        // capture20110818-2: 0x000d <-> TST, timestamp requests answered by replies.
        let plan = IcmpPlan::new(false, Some(0x0d00), None, &v4(147, 32, 84, 191), &v4(147, 32, 96, 69));
        assert_eq!(plan.messages[1].icmp_type, 14);
        // capture20110816: 147.32.87.53,0x020f -> 203.142.69.99,0x76e6,IRQ: the id as for echo
        // (record: 0xe676).
        let plan = IcmpPlan::new(false, Some(0x0f02), Some(0xe676), &v4(147, 32, 87, 53), &v4(203, 142, 69, 99));
        assert_eq!((plan.messages[0].icmp_type, plan.id), (15, 0xe676));
        // Random types of the Rbot flood: 0x7314 is type 20 code 0x73, sent as is.
        let plan = IcmpPlan::new(false, Some(0x1473), None, &v4(147, 32, 84, 191), &v4(147, 32, 96, 69));
        assert_eq!(plan.messages[0], IcmpMessage { icmp_type: 20, icmp_code: 0x73 });
        assert!(plan.quoted.is_none());
        // ipv6-icmp,::,135 -> ff02::1:ff8e:c3d1,0,NNS; a solicitation is answered by an advertisement.
        let six = IpAddr16::from_v6([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x8e, 0xc3, 0xd1]);
        let plan = IcmpPlan::new(true, Some(135 << 8), None, &IpAddr16::from_v6([0; 16]), &six);
        assert_eq!(plan.messages, [IcmpMessage { icmp_type: 135, icmp_code: 0 }, IcmpMessage { icmp_type: 136, icmp_code: 0 }]);
    }
}
