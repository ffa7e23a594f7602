//! What kind of capture file is being read, and the byte order its headers use.

use crate::packet::LinkType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    /// Reads a u16 at `at`; the caller has checked that `bytes` holds it.
    #[inline]
    pub fn u16(self, bytes: &[u8], at: usize) -> u16 {
        let raw = [bytes[at], bytes[at + 1]];
        match self {
            ByteOrder::Little => u16::from_le_bytes(raw),
            ByteOrder::Big => u16::from_be_bytes(raw),
        }
    }

    /// Reads a u32 at `at`; the caller has checked that `bytes` holds it.
    #[inline]
    pub fn u32(self, bytes: &[u8], at: usize) -> u32 {
        let raw = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        match self {
            ByteOrder::Little => u32::from_le_bytes(raw),
            ByteOrder::Big => u32::from_be_bytes(raw),
        }
    }

    /// Reads a u64 at `at`; the caller has checked that `bytes` holds it.
    #[inline]
    pub fn u64(self, bytes: &[u8], at: usize) -> u64 {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&bytes[at..at + 8]);
        match self {
            ByteOrder::Little => u64::from_le_bytes(raw),
            ByteOrder::Big => u64::from_be_bytes(raw),
        }
    }
}

/// Time-stamp resolution of a classic pcap file, told by its magic number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcapResolution {
    Microsecond,
    Nanosecond,
}

/// The capture file's format and the details of its file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    Pcap {
        byte_order: ByteOrder,
        resolution: PcapResolution,
        /// Alexey Kuznetzov's modified format (magic 0xa1b2cd34): 24-byte record headers.
        modified: bool,
        version_major: u16,
        version_minor: u16,
        /// The link type with libpcap's extension bits (FCS length, upper 6 bits) removed.
        link_type: LinkType,
        /// The snap length written in the header, before libpcap's adjustment.
        snaplen: u32,
    },
    /// pcapng: link types are per interface and known only from the packets.
    PcapNg {
        /// Byte order of the first section (later sections may differ).
        byte_order: ByteOrder,
        version_major: u16,
        version_minor: u16,
    },
}

impl CaptureFormat {
    /// The link type shared by all packets, when the file has one.
    pub fn link_type(&self) -> Option<LinkType> {
        match self {
            CaptureFormat::Pcap { link_type, .. } => Some(*link_type),
            CaptureFormat::PcapNg { .. } => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            CaptureFormat::Pcap { .. } => "pcap",
            CaptureFormat::PcapNg { .. } => "pcapng",
        }
    }
}
