//! A record being written: its plan, the next packet, and the little state packets need
//! beyond the plan (TCP sequence numbers that follow the bytes sent, IP ids).

use flowhound_core::error::Result;
use flowhound_core::packet::tcp_flag::{ACK, FIN, SYN};
use crate::packet_builder::{mac_from_ip, PacketBuilder, PacketSpec, TransportSpec};
use crate::prng::mix64;

use super::record_plan::{ProtocolPlan, RecordPlan};
use super::side::Side;

const IGMP: u8 = 2;
const ESP: u8 = 50;
/// Ethernet, IPv4 and an 8-byte IGMPv2 message; the rest of a frame is padding.
const IGMP_FRAME_BYTES: u32 = 14 + 20 + 8;

/// An IGMPv2 message to `group_address`: a general query when it is sent to all hosts
/// (224.0.0.1), else a membership report for that group.
fn igmp_message(group_address: &flowhound_core::packet::IpAddr16) -> [u8; 8] {
    let group = [group_address.0[12], group_address.0[13], group_address.0[14], group_address.0[15]];
    let mut message = [0u8; 8];
    if group == [224, 0, 0, 1] {
        message[0] = 0x11;
        message[1] = 100;
    } else {
        message[0] = 0x16;
        message[4..].copy_from_slice(&group);
    }
    let sum = crate::checksum::finish(crate::checksum::sum_words(&message));
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    message
}

pub struct PacketCursor {
    pub plan: RecordPlan,
    next_index: u64,
    macs: [[u8; 6]; 2],
    ip_ids: [u16; 2],
    /// TCP: each side's initial and next sequence number, and whether its SYN and FIN have
    /// been counted (retransmissions reuse their number).
    isn: [u32; 2],
    next_seq: [u32; 2],
    syn_counted: [bool; 2],
    fin_counted: [bool; 2],
    /// No packet later than this (see [`PacketCursor::end_by`]).
    end_clamp_us: i64,
    /// Acknowledge the data before a FIN, not the FIN (see [`PacketCursor::leave_fins_open`]).
    fins_left_open: bool,
    /// The time under which the writer has queued this cursor's next packet: an entry
    /// queued under another time is stale.
    pub queued_ts_us: Option<i64>,
}

/// A packet built and ready for the capture.
pub struct BuiltPacket<'a> {
    pub ts_us: i64,
    pub wire_len: u32,
    pub bytes: &'a [u8],
}

impl PacketCursor {
    pub fn new(plan: RecordPlan) -> PacketCursor {
        let seed = plan.packet_seed;
        let isn = [mix64(seed ^ 1) as u32, mix64(seed ^ 2) as u32];
        PacketCursor {
            macs: [mac_from_ip(&plan.ends[0]), mac_from_ip(&plan.ends[1])],
            ip_ids: [mix64(seed ^ 3) as u16, mix64(seed ^ 4) as u16],
            isn,
            next_seq: isn,
            syn_counted: [false; 2],
            fin_counted: [false; 2],
            plan,
            next_index: 0,
            end_clamp_us: i64::MAX,
            queued_ts_us: None,
            fins_left_open: false,
        }
    }

    /// Time of the next packet, `None` once the record is written.
    pub fn next_ts(&self) -> Option<i64> {
        (self.next_index < self.plan.total_pkts()).then(|| self.plan.packet_ts(self.next_index).min(self.end_clamp_us))
    }

    /// Time of the last packet, as planned and clamped.
    pub fn last_ts(&self) -> i64 {
        self.plan.last_us.min(self.end_clamp_us)
    }

    /// Moves the packets planned after `ts_us` to `ts_us`: the record then ends when the next
    /// record of its flow starts. Packets already written are earlier, so times never decrease.
    pub fn end_by(&mut self, ts_us: i64) {
        self.end_clamp_us = self.end_clamp_us.min(ts_us);
    }

    /// The next record of this TCP flow opens with a SYN. Argus 3.0.8 starts a new flow on
    /// that SYN unless this connection's FIN was acknowledged up to the highest sequence number
    /// it saw from the FIN's sender (then its state machine sits in FIN_WAIT_2 and the SYN
    /// joins the old record), while CTU-13's records show a new flow. So the packets not yet
    /// written that follow the other side's FIN acknowledge no more than its ISN.
    pub fn leave_fins_open(&mut self) {
        self.fins_left_open = true;
    }

    /// Builds the next packet.
    pub fn build_next<'b>(&mut self, builder: &'b mut PacketBuilder) -> Result<BuiltPacket<'b>> {
        let mut packet = self.plan.packet(self.next_index);
        packet.ts_us = packet.ts_us.min(self.end_clamp_us);
        self.next_index += 1;
        let side = packet.side;
        let (s, o) = (side.index(), side.other().index());
        let plan = &self.plan;
        let ports = match side {
            Side::Src => (plan.ports[0], plan.ports[1]),
            Side::Dst => (plan.ports[1], plan.ports[0]),
        };
        let mut padding_len = 0;
        let mut app_payload: [u8; 28] = [0; 28];
        let mut app_len = 0;
        let transport = match &plan.protocol {
            ProtocolPlan::Tcp(_) => {
                let flags = packet.tcp_flags;
                let headers_len = flowhound_core::record::min_wire_len(plan.version, plan.proto);
                let payload_len = if packet.carries_data { packet.wire_len - headers_len } else { 0 };
                if !packet.carries_data {
                    padding_len = packet.wire_len - headers_len;
                }
                let seq = if flags & SYN != 0 { self.isn[s] } else { self.next_seq[s] };
                let mut ack = if flags & ACK != 0 { self.next_seq[o] } else { 0 };
                if self.fins_left_open && self.fin_counted[o] && flags & ACK != 0 {
                    // Argus's FIN_WAIT_2 test compares the acknowledgement with the highest
                    // sequence number of the FIN's sender, its ISN if it sent no data: an
                    // acknowledgement of the ISN itself matches neither.
                    ack = self.isn[o];
                }
                if flags & SYN != 0 && !self.syn_counted[s] {
                    self.syn_counted[s] = true;
                    self.next_seq[s] = self.isn[s].wrapping_add(1);
                }
                self.next_seq[s] = self.next_seq[s].wrapping_add(payload_len);
                if flags & FIN != 0 && !self.fin_counted[s] {
                    self.fin_counted[s] = true;
                    self.next_seq[s] = self.next_seq[s].wrapping_add(1);
                }
                TransportSpec::Tcp { src_port: ports.0, dst_port: ports.1, flags, seq, ack, window: 64_240 }
            }
            ProtocolPlan::Udp { dns_id } => {
                if let Some(id) = dns_id {
                    // A DNS header without records (the counts are zero): a standard query from
                    // the source, its response from the destination; the filler after it is
                    // extra data to a DNS parser, not a malformed question.
                    app_payload[..2].copy_from_slice(&id.to_be_bytes());
                    app_payload[2] = if side == Side::Src { 0x01 } else { 0x81 };
                    app_payload[3] = if side == Side::Src { 0x00 } else { 0x80 };
                    app_len = 12;
                }
                TransportSpec::Udp { src_port: ports.0, dst_port: ports.1 }
            }
            ProtocolPlan::Icmp(icmp) => {
                let message = icmp.messages[s];
                if let Some(quoted) = icmp.quoted {
                    app_payload = quoted.bytes();
                    app_len = app_payload.len();
                }
                TransportSpec::Icmp { icmp_type: message.icmp_type, icmp_code: message.icmp_code, id: icmp.id, seq: icmp.seq }
            }
            ProtocolPlan::Other => {
                match plan.proto {
                    IGMP if plan.ends[o].is_v4() => {
                        // Argus shows an IGMP record's destination from the message's group.
                        app_payload[..8].copy_from_slice(&igmp_message(&plan.ends[o]));
                        app_len = 8;
                        padding_len = packet.wire_len.saturating_sub(IGMP_FRAME_BYTES);
                    }
                    ESP => {
                        // Argus keys ESP by the security parameter index: one per record side.
                        let spi = (mix64(plan.packet_seed ^ (5 + s as u64)) as u32) | 0x100;
                        app_payload[..4].copy_from_slice(&spi.to_be_bytes());
                        app_payload[4..8].copy_from_slice(&u32::from(self.ip_ids[s]).to_be_bytes());
                        app_len = 8;
                    }
                    _ => {}
                }
                TransportSpec::Other { proto: plan.proto }
            }
        };
        let ip_id = self.ip_ids[s];
        self.ip_ids[s] = ip_id.wrapping_add(1);
        let spec = PacketSpec {
            src_mac: self.macs[s],
            dst_mac: self.macs[o],
            src: plan.ends[s],
            dst: plan.ends[o],
            tos: plan.tos[s],
            ttl: 64,
            ip_id,
            dont_fragment: matches!(plan.protocol, ProtocolPlan::Tcp(_)),
            transport,
            wire_len: packet.wire_len,
            padding_len,
        };
        let bytes = builder.build(&spec, &app_payload[..app_len])?;
        Ok(BuiltPacket { ts_us: packet.ts_us, wire_len: packet.wire_len, bytes })
    }
}
