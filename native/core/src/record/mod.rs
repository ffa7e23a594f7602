//! A flow record: what the flow engine emits and what the flow-file reader produces.
//! One type for both, so that features are computed by one piece of code whatever the input.
//!
//! And what a record says of its packets, which the analysis path (a flow file's record cut
//! into windows) and `flowhound synth` (a record rebuilt as packets) must agree on: its
//! identity on the wire (`wire_identity`), the frames its packets may take (`frame`), and
//! how many of them each side sent (`packet_split`). `copy`: a record copied into another
//! without allocating (the feature builder's pieces).

use crate::packet::IpAddr16;

mod copy;
mod frame;
mod packet_split;
mod wire_identity;

pub use frame::{
    frame_bounds, ip_header_len, largest_frame, min_wire_len, FrameBounds, IpVersion, ETHERNET_HEADER_LEN, ETHERNET_MAX_FRAME_BYTES,
    ICMP_HEADER_LEN, IPV4_HEADER_LEN, IPV6_HEADER_LEN, TCP_HEADER_LEN, UDP_HEADER_LEN,
};
pub use packet_split::{letters_from_state, record_packet_split, split_packets, wanted_packets, PacketSplit};
pub use wire_identity::{udp_application_name, wire_identity, NoWireIdentity, WireIdentity};

/// An endpoint address as flow files may carry it: IP, or a MAC address for non-IP flows.
/// Ordered IP first (by address), then MAC, then unknown: a stable order for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    Ip(IpAddr16),
    Mac([u8; 6]),
    /// Absent or unparseable in a flow file.
    Unknown,
}

/// The protocol column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Ip(u8),
    /// A protocol Argus names that is not an IP protocol number, or one it names by its
    /// application ("rtp", "rtcp", "udt" run over UDP): kept by name, lower case.
    Named(String),
}

/// Argus's direction column (`Dir`), without its padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `->`
    Forward,
    /// `<-`
    Backward,
    /// `<->`
    Both,
    /// `?>`: traffic one way, initiator not proven.
    ForwardUncertain,
    /// `<?`
    BackwardUncertain,
    /// `<?>`
    BothUncertain,
    /// `who` (ARP requests)
    Who,
    /// Anything else found in a file.
    Other,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "->",
            Direction::Backward => "<-",
            Direction::Both => "<->",
            Direction::ForwardUncertain => "?>",
            Direction::BackwardUncertain => "<?",
            Direction::BothUncertain => "<?>",
            Direction::Who => "who",
            Direction::Other => "?",
        }
    }

    pub fn parse(text: &str) -> Direction {
        match text.trim() {
            "->" => Direction::Forward,
            "<-" => Direction::Backward,
            "<->" => Direction::Both,
            "?>" => Direction::ForwardUncertain,
            "<?" => Direction::BackwardUncertain,
            "<?>" => Direction::BothUncertain,
            "who" => Direction::Who,
            _ => Direction::Other,
        }
    }
}

/// One bidirectional flow. "src" is the initiator (Argus's SrcAddr), "dst" the responder.
///
/// Packet-derived records know every field. Flow-file records know what the file gives:
/// per-direction packets and payload bytes are `None` when the file lacks them.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRecord {
    /// Start of the window this record belongs to, µs since the epoch; `None` for
    /// whole-capture records.
    pub window_start_us: Option<i64>,
    pub start_us: i64,
    /// Time of the last packet, µs; `Dur` is `last_us - start_us`.
    pub last_us: i64,
    pub protocol: Protocol,
    pub src_addr: Address,
    pub dst_addr: Address,
    /// Ports; `None` for protocols without ports. For ICMP and ICMPv6, `src_port` is
    /// `type << 8 | code` and `dst_port` the echo id (`None` when unknown). Argus prints these
    /// differently: ICMP sport as 0xCCTT (code in the high byte), dport as 0x-hex; ICMPv6 sport
    /// as the decimal type. Writers of Argus text convert; this field keeps one meaning.
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub direction: Direction,
    /// Argus `-Z b` state: `S_RA`, `FSPA_FSPA`, `CON`, `INT`, `ECO`, `URP`, …
    pub state: String,
    pub src_tos: Option<u8>,
    pub dst_tos: Option<u8>,
    pub total_pkts: u64,
    pub total_bytes: u64,
    pub src_bytes: u64,
    pub src_pkts: Option<u64>,
    /// Transport payload bytes per direction (application bytes), when known.
    pub src_payload_bytes: Option<u64>,
    pub dst_payload_bytes: Option<u64>,
    /// Union of TCP flags seen from each side (0 for non-TCP or unknown).
    pub src_tcp_flags: u8,
    pub dst_tcp_flags: u8,
    /// The flow file's label column, when there is one.
    pub label: Option<String>,
}

/// The bytes a heap allocation of `len` bytes takes (glibc's malloc: 8 bytes of header, 16-byte
/// granules, 32 at least); 0 for none.
fn allocation_bytes(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        ((len + 8 + 15) & !15).max(32)
    }
}

impl FlowRecord {
    /// The memory a record takes, as the memory budget counts it: its own size and its
    /// strings' allocations (State; the label and a named protocol of a flow file's record).
    /// A record built from packets takes its size and 32 bytes (its State is at most 15
    /// letters: one 32-byte allocation), which the flow tables reserve for each flow.
    pub fn memory_bytes(&self) -> usize {
        let named = match &self.protocol {
            Protocol::Named(name) => allocation_bytes(name.capacity()),
            Protocol::Ip(_) => 0,
        };
        std::mem::size_of::<FlowRecord>()
            + allocation_bytes(self.state.capacity())
            + self.label.as_ref().map_or(0, |label| allocation_bytes(label.capacity()))
            + named
    }

    pub fn duration_us(&self) -> i64 {
        self.last_us - self.start_us
    }

    pub fn dst_bytes(&self) -> u64 {
        self.total_bytes.saturating_sub(self.src_bytes)
    }

    pub fn dst_pkts(&self) -> Option<u64> {
        self.src_pkts.map(|src| self.total_pkts.saturating_sub(src))
    }
}

/// Lower-case protocol name as Argus prints it, for IP protocol numbers.
pub fn ip_protocol_name(proto: u8) -> Option<&'static str> {
    Some(match proto {
        0 => "hopopt",
        1 => "icmp",
        2 => "igmp",
        4 => "ipnip",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        43 => "ipv6-route",
        44 => "ipv6-frag",
        46 => "rsvp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        59 => "ipv6-no",
        60 => "ipv6-opts",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        132 => "sctp",
        _ => return None,
    })
}

/// Inverse of [`ip_protocol_name`]; also accepts decimal numbers.
pub fn ip_protocol_number(name: &str) -> Option<u8> {
    let lower = name.trim().to_ascii_lowercase();
    if let Ok(number) = lower.parse::<u8>() {
        return Some(number);
    }
    (0..=255u8).find(|&p| ip_protocol_name(p) == Some(lower.as_str()))
}

#[cfg(test)]
impl FlowRecord {
    /// A TCP record between two IPv4 ends for tests: 3 packets, 180 bytes, all sent by the
    /// initiator, no flags, no label; change what a test needs with struct update syntax.
    pub fn example_tcp(src: [u8; 4], src_port: u16, dst: [u8; 4], dst_port: u16, start_us: i64, last_us: i64) -> FlowRecord {
        use crate::packet::IpAddr16;
        FlowRecord {
            window_start_us: None,
            start_us,
            last_us,
            protocol: Protocol::Ip(6),
            src_addr: Address::Ip(IpAddr16::from_v4(src)),
            dst_addr: Address::Ip(IpAddr16::from_v4(dst)),
            src_port: Some(src_port),
            dst_port: Some(dst_port),
            direction: Direction::Forward,
            state: String::new(),
            src_tos: Some(0),
            dst_tos: None,
            total_pkts: 3,
            total_bytes: 180,
            src_bytes: 180,
            src_pkts: None,
            src_payload_bytes: None,
            dst_payload_bytes: None,
            src_tcp_flags: 0,
            dst_tcp_flags: 0,
            label: None,
        }
    }
}
