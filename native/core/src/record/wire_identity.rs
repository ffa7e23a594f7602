//! What a record becomes on the wire: its IP protocol and its two ends.
//!
//! Argus names some UDP traffic by its application (`rtp`, `rtcp`, `udt`): those are taken
//! as UDP, so a reader of packets names them `udp`. Records of protocols that are not IP
//! (`arp`, `llc`, `ipx/spx`, `man`, …) or whose ends are not IP addresses of one family have
//! no IP packets: `flowhound synth` skips them, and a flow file's record cut into windows
//! splits their packets by bytes instead.

use crate::packet::{ip_proto, IpAddr16};

use super::frame::IpVersion;
use super::{Address, FlowRecord, Protocol};

/// What a record becomes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireIdentity {
    pub proto: u8,
    pub src: IpAddr16,
    pub dst: IpAddr16,
    /// Named by Argus after its application (rtp, rtcp, udt) and taken as UDP.
    pub renamed_to_udp: bool,
}

impl WireIdentity {
    pub fn version(&self) -> IpVersion {
        IpVersion::of(&self.src)
    }
}

/// Why a record has no IP packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoWireIdentity {
    /// Not an IP protocol (arp, llc, ipx/spx, …).
    NotIp,
    /// An end is not an IP address, or one is IPv4 and the other IPv6.
    NoIpEnds,
}

/// Application protocols Argus names that run over UDP.
pub fn udp_application_name(name: &str) -> bool {
    matches!(name, "rtp" | "rtcp" | "udt")
}

/// The record's IP protocol and ends, or why it has none.
pub fn wire_identity(record: &FlowRecord) -> Result<WireIdentity, NoWireIdentity> {
    let (proto, renamed_to_udp) = match &record.protocol {
        Protocol::Ip(number) => (*number, false),
        Protocol::Named(name) if udp_application_name(name) => (ip_proto::UDP, true),
        Protocol::Named(_) => return Err(NoWireIdentity::NotIp),
    };
    match (record.src_addr, record.dst_addr) {
        (Address::Ip(src), Address::Ip(dst)) if src.is_v4() == dst.is_v4() => {
            Ok(WireIdentity { proto, src, dst, renamed_to_udp })
        }
        _ => Err(NoWireIdentity::NoIpEnds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Direction;

    fn record(protocol: Protocol, src: Address, dst: Address) -> FlowRecord {
        let start_us = 1_313_481_706_972_101;
        FlowRecord {
            protocol,
            src_addr: src,
            dst_addr: dst,
            direction: Direction::Both,
            state: "CON".into(),
            dst_tos: Some(0),
            total_pkts: 2,
            total_bytes: 203,
            src_bytes: 64,
            ..FlowRecord::example_tcp([0; 4], 1025, [0; 4], 53, start_us, start_us)
        }
    }

    fn ip(a: u8, b: u8, c: u8, d: u8) -> Address {
        Address::Ip(IpAddr16::from_v4([a, b, c, d]))
    }

    #[test]
    fn application_names_become_udp_and_non_ip_is_skipped() {
        // capture20110816.binetflow: "rtp", "rtcp", "udt" rows carry UDP ports.
        let rtp = record(Protocol::Named("rtp".into()), ip(147, 32, 84, 1), ip(147, 32, 84, 2));
        let identity = wire_identity(&rtp).unwrap();
        assert_eq!((identity.proto, identity.renamed_to_udp), (17, true));
        let arp = record(Protocol::Named("arp".into()), ip(147, 32, 84, 1), ip(147, 32, 84, 2));
        assert_eq!(wire_identity(&arp), Err(NoWireIdentity::NotIp));
        // ipx/spx rows carry MAC addresses.
        let mac = record(Protocol::Ip(6), Address::Mac([0, 1, 2, 3, 4, 5]), ip(1, 2, 3, 4));
        assert_eq!(wire_identity(&mac), Err(NoWireIdentity::NoIpEnds));
        let mixed = record(Protocol::Ip(6), ip(1, 2, 3, 4), Address::Ip(IpAddr16::from_v6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])));
        assert_eq!(wire_identity(&mixed), Err(NoWireIdentity::NoIpEnds));
    }
}
