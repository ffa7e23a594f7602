//! Packet decoding: link layer → IP → transport, into a small `DecodedPacket`.
//!
//! Never fails and never panics: what cannot be read becomes `Network::Undecodable` (link or
//! IP header unreadable) or `Transport::None` (transport header missing, cut, or in a later
//! fragment). Packets cut by the snap length are decoded laxly: every header that is
//! complete is used. Payload lengths come from the IP header's declared lengths, not from
//! the captured bytes. No allocation: a few bounds-checked reads per packet.

mod bytes;
mod ether_type;
mod ethernet;
mod fast_path;
mod ieee80211;
mod ipv4;
mod ipv6;
mod link;
mod linux_sll;
mod network;
mod nflog;
mod null_loopback;
mod ppp;
mod transport;

pub use ether_type::LLC_PSEUDO_ETHER_TYPE;
pub use link::is_supported_link_type;

use crate::packet::{link_type, DecodedPacket, IpPacket, Network, RawPacket};

#[inline]
pub fn decode(packet: &RawPacket) -> DecodedPacket {
    let mut decoded = DecodedPacket { ts_us: packet.ts_us, wire_len: packet.wire_len, network: Network::Undecodable };
    decode_into(packet, &mut decoded);
    decoded
}

/// As `decode`, writing into `out`. The fast path's result is written where it belongs: built
/// as a value and then moved, it went through a stack copy whose piecewise loads waited on
/// the stores just made (store-forwarding stalls: a fifth of the decode stage's time).
#[inline]
pub fn decode_into(packet: &RawPacket, out: &mut DecodedPacket) {
    out.ts_us = packet.ts_us;
    out.wire_len = packet.wire_len;
    if packet.link_type != link_type::ETHERNET || !fast_path::decode_ethernet_ipv4_into(packet.data, packet.wire_len, &mut out.network) {
        out.network = link::decode_link(packet.link_type, packet.data, packet.wire_len);
    }
}

/// The fast path alone: the IP packet of an Ethernet frame of the common kind (IPv4 without
/// options, not a fragment, TCP or UDP), as `decode` would give it; `None` for any other.
/// For callers that use the packet at once and would rather not have it written out.
#[inline(always)]
pub fn decode_common(packet: &RawPacket) -> Option<IpPacket> {
    if packet.link_type != link_type::ETHERNET {
        return None;
    }
    fast_path::decode_ethernet_ipv4(packet.data, packet.wire_len)
}

/// The general decoder alone, without the fast path for Ethernet/IPv4/TCP-or-UDP: `decode`
/// must give the same for every packet, which tests check with this.
pub fn decode_general(packet: &RawPacket) -> DecodedPacket {
    DecodedPacket {
        ts_us: packet.ts_us,
        wire_len: packet.wire_len,
        network: link::decode_link(packet.link_type, packet.data, packet.wire_len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_noise::SplitMix64;

    #[test]
    fn decode_keeps_time_and_length() {
        let data = [0u8; 4];
        let raw = RawPacket { ts_us: 42, wire_len: 1500, data: &data, link_type: link_type::ETHERNET, file_offset: 0 };
        assert_eq!(decode(&raw), DecodedPacket { ts_us: 42, wire_len: 1500, network: Network::Undecodable });
    }

    /// Random bytes shaped to reach deep into the decoders (plausible link headers, IP
    /// version nibbles, extension-header chains) must never panic.
    #[test]
    fn random_packets_never_panic() {
        let mut noise = SplitMix64::new(0x9e37_79b9_7f4a_7c15);
        let links = [0u16, 1, 9, 12, 14, 50, 101, 104, 105, 108, 113, 127, 192, 228, 229, 239, 276, 147];
        let mut decoded_ip = 0u32;
        let mut data = [0u8; 160];
        for round in 0..300_000u32 {
            for chunk in data.chunks_mut(8) {
                chunk.copy_from_slice(&noise.next_u64().to_le_bytes()[..chunk.len()]);
            }
            let link = links[round as usize % links.len()];
            // Steer some packets into IP: EtherType / AF / version nibble / next headers.
            match round % 4 {
                0 => {
                    data[12..14].copy_from_slice(&[0x08, 0x00]);
                    data[14] = 0x45;
                }
                1 => {
                    data[12..14].copy_from_slice(&[0x86, 0xdd]);
                    data[14] = 0x60;
                    data[20] = [0, 43, 44, 60, 51, 6, 17, 58][(round / 4) as usize % 8];
                }
                2 => {
                    data[0..4].copy_from_slice(&[2, 0, 0, 0]);
                    data[4] = 0x45;
                }
                _ => data[0] = 0x60,
            }
            let len = (noise.next_u64() % 161) as usize;
            let raw = RawPacket { ts_us: 0, wire_len: noise.next_u64() as u32, data: &data[..len], link_type: link, file_offset: 0 };
            if matches!(decode(&raw).network, Network::Ip(_)) {
                decoded_ip += 1;
            }
        }
        assert!(decoded_ip > 10_000, "the noise should reach the IP decoders ({decoded_ip})");
    }
}
