//! UDP flows: DNS lookups, NTP, announcements to multicast/broadcast groups, and QUIC-like
//! streams.

use crate::generator::activity::{Emitted, FlowCounter, Step, StepContext};
use crate::generator::app_payload::{AppPayload, DnsName, DnsType};
use crate::generator::behaviour::Behaviour;
use crate::generator::flow_ends::FlowEnds;
use crate::packet_builder::TransportSpec;

const SECOND: i64 = 1_000_000;

#[derive(Clone, Copy, Debug)]
pub enum UdpKind {
    /// `lookups` queries (A then AAAA, say) from one port, each answered after the RTT
    /// unless `unanswered`, in which case the query is retried once after a second.
    Dns { lookups: u8, unanswered: bool, name: DnsName, txid: u16, answer: [u8; 16] },
    Ntp,
    /// One-way datagrams carrying `app`, `interval_us` apart, nobody answers.
    Announce { count: u16, app: AppPayload, interval_us: i64 },
    /// A QUIC-like download: the client's first datagram, then mostly server datagrams of
    /// `server_bytes` with a short client datagram after every third.
    Stream { packets: u32, server_bytes: u32, client_bytes: u32, gap_us: i64 },
}

pub struct UdpExchange {
    pub behaviour: Behaviour,
    ends: FlowEnds,
    flow: FlowCounter,
    kind: UdpKind,
    rtt_us: i64,
    /// Datagrams sent so far.
    sent: u32,
}

impl UdpExchange {
    pub fn new(behaviour: Behaviour, ends: FlowEnds, kind: UdpKind, rtt_us: i64) -> Self {
        UdpExchange { behaviour, ends, flow: FlowCounter::default(), kind, rtt_us, sent: 0 }
    }

    fn datagram(&mut self, from_client: bool, payload_len: u32, app: AppPayload, writing: bool) -> Emitted {
        let (src_port, dst_port) = self.ends.ports(from_client);
        let transport = TransportSpec::Udp { src_port, dst_port };
        Emitted {
            spec: self.ends.packet(from_client, transport, payload_len),
            app,
            starts_flow: self.flow.first_written(writing),
        }
    }

    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        let index = self.sent;
        self.sent += 1;
        let writing = context.writing;
        match self.kind {
            UdpKind::Dns { lookups, unanswered, name, txid, answer } => {
                // Unanswered: query, retry, done. Answered: query, response, per lookup.
                let lookup = (index / 2) as u8;
                let qtype = if lookup.is_multiple_of(2) { DnsType::A } else { DnsType::Aaaa };
                let txid = txid.wrapping_add(lookup as u16);
                if unanswered {
                    let query = AppPayload::DnsQuery { txid, name, qtype };
                    let packet = self.datagram(true, query.len() as u32, query, writing);
                    return Step::emit(packet, (index == 0).then_some(now_us + SECOND));
                }
                if index.is_multiple_of(2) {
                    let query = AppPayload::DnsQuery { txid, name, qtype };
                    let packet = self.datagram(true, query.len() as u32, query, writing);
                    return Step::emit(packet, Some(now_us + self.rtt_us));
                }
                let response = AppPayload::DnsResponse { txid, name, qtype, answer };
                let packet = self.datagram(false, response.len() as u32, response, writing);
                let more = lookup + 1 < lookups;
                let next_us = more.then(|| now_us + 100 + context.rng.below(2_000) as i64);
                Step::emit(packet, next_us)
            }
            UdpKind::Ntp => {
                let from_server = index == 1;
                let app = AppPayload::Ntp { from_server };
                let packet = self.datagram(!from_server, app.len() as u32, app, writing);
                Step::emit(packet, (!from_server).then_some(now_us + self.rtt_us))
            }
            UdpKind::Announce { count, app, interval_us } => {
                let packet = self.datagram(true, app.len() as u32, app, writing);
                let more = index + 1 < count as u32;
                Step::emit(packet, more.then_some(now_us + interval_us))
            }
            UdpKind::Stream { packets, server_bytes, client_bytes, gap_us } => {
                let (from_client, size, delay) = if index == 0 {
                    (true, 1_200, self.rtt_us)
                } else if index % 4 == 3 {
                    (true, client_bytes, gap_us / 2)
                } else {
                    (false, server_bytes, gap_us)
                };
                let packet = self.datagram(from_client, size, AppPayload::None, writing);
                let jitter = context.rng.uniform(0.5, 1.5);
                let next_us = (index + 1 < packets).then(|| now_us + ((delay as f64 * jitter) as i64).max(1));
                Step::emit(packet, next_us)
            }
        }
    }
}
