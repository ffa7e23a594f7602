//! The two ends of a flow and how their packets are stamped (MACs, TTLs, IP ids, TOS), so
//! that every activity makes packet specs the same way.

use flowhound_core::packet::IpAddr16;
use crate::generator::address_plan::AddressPlan;
use flowhound_core::record::ETHERNET_HEADER_LEN;
use crate::packet_builder::{ethernet_padding_len, PacketSpec, TransportSpec};
use crate::prng::Rng;

#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub address: IpAddr16,
    pub mac: [u8; 6],
    pub ttl: u8,
    pub port: u16,
    next_ip_id: u16,
}

impl Endpoint {
    pub fn new(plan: &AddressPlan, address: IpAddr16, port: u16, rng: &mut Rng) -> Self {
        Endpoint { address, mac: plan.mac_for(&address), ttl: plan.ttl_for(&address), port, next_ip_id: rng.next_u16() }
    }
}

/// Client (initiator) and server (responder) of a flow.
#[derive(Clone, Copy, Debug)]
pub struct FlowEnds {
    pub client: Endpoint,
    pub server: Endpoint,
    pub tos: u8,
}

impl FlowEnds {
    pub fn new(client: Endpoint, server: Endpoint, rng: &mut Rng) -> Self {
        // Most traffic is best effort; a few flows carry a DSCP mark.
        let tos = if rng.chance(0.03) { [0x10, 0x28, 0xb8][rng.below(3) as usize] } else { 0 };
        FlowEnds { client, server, tos }
    }

    /// A packet from one end carrying `payload_len` bytes after the transport header. Frames
    /// shorter than 60 bytes get Ethernet padding, as a mirror port shows them.
    pub fn packet(&mut self, from_client: bool, transport: TransportSpec, payload_len: u32) -> PacketSpec {
        let (sender, receiver) = if from_client { (&mut self.client, &self.server) } else { (&mut self.server, &self.client) };
        let ip_header_len = if sender.address.is_v4() { 20 } else { 40 };
        let unpadded = ETHERNET_HEADER_LEN + ip_header_len + transport.header_len() + payload_len;
        let padding_len = ethernet_padding_len(unpadded);
        let ip_id = sender.next_ip_id;
        // Link-local multicast (mDNS and friends) must be sent with TTL 255 (RFC 6762).
        let link_local_multicast = receiver.address.is_v4() && receiver.address.0[12..15] == [224, 0, 0];
        let ttl = if link_local_multicast { 255 } else { sender.ttl };
        sender.next_ip_id = ip_id.wrapping_add(1);
        PacketSpec {
            src_mac: sender.mac,
            dst_mac: receiver.mac,
            src: sender.address,
            dst: receiver.address,
            tos: self.tos,
            ttl,
            ip_id,
            dont_fragment: matches!(transport, TransportSpec::Tcp { .. }),
            transport,
            wire_len: unpadded + padding_len,
            padding_len,
        }
    }

    pub fn ports(&self, from_client: bool) -> (u16, u16) {
        if from_client {
            (self.client.port, self.server.port)
        } else {
            (self.server.port, self.client.port)
        }
    }
}

/// An ephemeral client port.
pub fn ephemeral_port(rng: &mut Rng) -> u16 {
    rng.between(49_152, 65_535) as u16
}
