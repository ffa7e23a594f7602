//! Where a packet found by a format parser sits in the read buffer.
//!
//! Parsers return this plain value instead of a borrowed slice so that the reader can hand
//! out one `RawPacket` borrowing its buffer only after the parser's work is done.

use crate::packet::LinkType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketSpan {
    pub ts_us: i64,
    pub wire_len: u32,
    pub link_type: LinkType,
    /// Index of the first captured byte in the read buffer.
    pub data_index: usize,
    pub data_len: usize,
    /// File offset of the record header or block.
    pub record_offset: u64,
}
