//! The contract between the capture reader, the decoder and the flow engine.
//!
//! A [`RawPacket`] borrows its bytes from the reader's buffer; the decoder turns it into a
//! [`DecodedPacket`], a small `Copy` value that holds everything the flow engine needs and
//! nothing that borrows. Capture time is microseconds since the Unix epoch everywhere.

/// A link-layer header type, as numbered by tcpdump.org's LINKTYPE_ registry.
pub type LinkType = u16;

pub mod link_type {
    use super::LinkType;
    pub const NULL: LinkType = 0;
    pub const ETHERNET: LinkType = 1;
    pub const RAW: LinkType = 101;
    pub const LOOP: LinkType = 108;
    pub const LINUX_SLL: LinkType = 113;
    pub const IPV4: LinkType = 228;
    pub const IPV6: LinkType = 229;
    pub const LINUX_SLL2: LinkType = 276;
    pub const PPP: LinkType = 9;
    pub const PPP_HDLC: LinkType = 50;
    pub const C_HDLC: LinkType = 104;
    pub const IEEE802_11: LinkType = 105;
    pub const IEEE802_11_RADIOTAP: LinkType = 127;
    pub const PPI: LinkType = 192;
    pub const NFLOG: LinkType = 239;
    /// OpenBSD's DLT_RAW value is 14 and some writers put DLT 12 for raw IP: both mean raw IP.
    pub const RAW_DLT12: LinkType = 12;
    pub const RAW_DLT14: LinkType = 14;
}

/// One packet record as stored in the capture.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    pub ts_us: i64,
    /// Length of the packet on the wire (the record's original length).
    pub wire_len: u32,
    /// The captured bytes, possibly cut by the snap length.
    pub data: &'a [u8],
    pub link_type: LinkType,
    /// Byte offset of the record's header in the file, for error messages.
    pub file_offset: u64,
}

/// An IP address; IPv4 addresses are kept in the IPv4-mapped IPv6 form (`::ffff:a.b.c.d`),
/// so that keys have one fixed size and IPv4/IPv6 never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct IpAddr16(pub [u8; 16]);

impl IpAddr16 {
    pub fn from_v4(octets: [u8; 4]) -> Self {
        let mut bytes = [0u8; 16];
        bytes[10] = 0xff;
        bytes[11] = 0xff;
        bytes[12..].copy_from_slice(&octets);
        IpAddr16(bytes)
    }

    pub fn from_v6(octets: [u8; 16]) -> Self {
        IpAddr16(octets)
    }

    pub fn is_v4(&self) -> bool {
        self.0[..10].iter().all(|&b| b == 0) && self.0[10] == 0xff && self.0[11] == 0xff
    }

    pub fn to_std(&self) -> std::net::IpAddr {
        if self.is_v4() {
            std::net::IpAddr::V4(std::net::Ipv4Addr::new(self.0[12], self.0[13], self.0[14], self.0[15]))
        } else {
            std::net::IpAddr::V6(std::net::Ipv6Addr::from(self.0))
        }
    }
}

impl std::fmt::Display for IpAddr16 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_std().fmt(f)
    }
}

/// IP protocol numbers used by name in the code.
pub mod ip_proto {
    pub const ICMP: u8 = 1;
    pub const IGMP: u8 = 2;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ESP: u8 = 50;
    pub const ICMPV6: u8 = 58;
}

/// TCP flag bits as they sit in the header's flags byte.
pub mod tcp_flag {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// What the transport header told, as far as the captured bytes reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp { src_port: u16, dst_port: u16, flags: u8, seq: u32, ack: u32 },
    /// `dns_id` is the DNS transaction id (the first two payload bytes) when either port is 53
    /// and those bytes were captured: Argus keys IPv4 DNS flows by it, so that two queries
    /// from one socket are two flows.
    Udp { src_port: u16, dst_port: u16, dns_id: Option<u16> },
    /// ICMP or ICMPv6 (told apart by `IpPacket::proto`). `id` and `seq` are the echo
    /// identifier and sequence number for echo request/reply and 0 otherwise (Argus keys an
    /// ICMPv4 echo flow by both). `quoted` is the start of the packet an ICMPv4 error message
    /// (unreachable, redirect, time exceeded, …) quotes, when captured: Argus keys error
    /// flows by parts of it.
    Icmp { icmp_type: u8, icmp_code: u8, id: u16, seq: u16, quoted: Option<QuotedHeader> },
    /// IPsec ESP: `spi` is the security parameter index. Argus keys ESP flows by it and by the
    /// two addresses in the order sent, so each direction of a security association is a
    /// one-way flow of its own (argus 3.0.8 on a capture of both directions sharing one SPI
    /// gives two `INT` records).
    Esp { spi: u32 },
    /// Any other protocol, or a known one whose header was cut off by the snap length or sits
    /// in a later fragment: the flow is keyed by the address pair (and ports, if known, from
    /// the fragment table).
    None,
}

/// The header fields of the packet an ICMPv4 error message quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotedHeader {
    pub proto: u8,
    pub tos: u8,
    pub dst: IpAddr16,
    /// The quoted TCP/UDP destination port, when the 4 bytes after the IP header were quoted.
    pub dst_port: Option<u16>,
}

/// IPv4 fragmentation, needed to attach later fragments to the flow of the first one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fragment {
    /// Not a fragment.
    Whole,
    /// Offset 0 with more-fragments set: carries the transport header.
    First { ip_id: u32 },
    /// Non-zero offset: no transport header. The last fragment has `more == false`.
    Later { ip_id: u32, more: bool },
}

/// The network-layer view of an IP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpPacket {
    /// 4 or 6. Version 4 packets have both addresses IPv4-mapped (the flow key relies on it).
    pub version: u8,
    pub src: IpAddr16,
    pub dst: IpAddr16,
    /// Transport protocol after IPv6 extension headers.
    pub proto: u8,
    /// IPv4 TOS byte or IPv6 traffic class.
    pub tos: u8,
    pub ttl: u8,
    /// Transport payload length in bytes as the IP header declares it (not limited by the
    /// snap length); 0 when it cannot be known.
    pub payload_len: u32,
    pub fragment: Fragment,
    pub transport: Transport,
}

/// What the decoder made of one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Ip(IpPacket),
    /// ARP, LLC, STP, …: counted, but not turned into IP flows.
    NonIp { ether_type: u16 },
    /// The link or IP header could not be read (cut too short, bad version): counted apart.
    Undecodable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodedPacket {
    pub ts_us: i64,
    pub wire_len: u32,
    pub network: Network,
}
