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
mod ipv4;
mod ipv6;
mod link;
mod linux_sll;
mod network;
mod null_loopback;
mod transport;

pub use ether_type::LLC_PSEUDO_ETHER_TYPE;
pub use link::is_supported_link_type;

use crate::packet::{DecodedPacket, RawPacket};

#[inline]
pub fn decode(packet: &RawPacket) -> DecodedPacket {
    DecodedPacket {
        ts_us: packet.ts_us,
        wire_len: packet.wire_len,
        network: link::decode_link(packet.link_type, packet.data, packet.wire_len),
    }
}
