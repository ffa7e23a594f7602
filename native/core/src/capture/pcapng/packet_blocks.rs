//! The three blocks that carry packets: Enhanced (EPB), Simple (SPB) and the obsolete
//! Packet Block (PB). Each parser reads the fixed part of the body; the section reader checks
//! the interface and lengths, since it knows the interfaces.

use crate::capture::format::ByteOrder;

pub const OBSOLETE_PACKET_BLOCK_TYPE: u32 = 0x0000_0002;
pub const SIMPLE_PACKET_BLOCK_TYPE: u32 = 0x0000_0003;
pub const ENHANCED_PACKET_BLOCK_TYPE: u32 = 0x0000_0006;

/// The fixed part of a packet block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketBlockHeader {
    pub interface_id: u32,
    /// Time stamp ticks in the interface's resolution; `None` for SPBs, which have none.
    pub ticks: Option<u64>,
    /// Captured length as written; `None` for SPBs, whose length derives from the snap length.
    pub caplen: Option<u32>,
    pub wire_len: u32,
    /// Where the packet bytes start in the block body.
    pub data_offset: usize,
}

/// EPB body: interface id, time stamp high and low, captured length, original length.
pub fn parse_enhanced(body: &[u8], order: ByteOrder) -> Option<PacketBlockHeader> {
    if body.len() < 20 {
        return None;
    }
    Some(PacketBlockHeader {
        interface_id: order.u32(body, 0),
        ticks: Some(u64::from(order.u32(body, 4)) << 32 | u64::from(order.u32(body, 8))),
        caplen: Some(order.u32(body, 12)),
        wire_len: order.u32(body, 16),
        data_offset: 20,
    })
}

/// Obsolete PB body: 16-bit interface id, 16-bit drop count, then as the EPB.
pub fn parse_obsolete(body: &[u8], order: ByteOrder) -> Option<PacketBlockHeader> {
    if body.len() < 20 {
        return None;
    }
    Some(PacketBlockHeader {
        interface_id: u32::from(order.u16(body, 0)),
        ticks: Some(u64::from(order.u32(body, 4)) << 32 | u64::from(order.u32(body, 8))),
        caplen: Some(order.u32(body, 12)),
        wire_len: order.u32(body, 16),
        data_offset: 20,
    })
}

/// SPB body: original length only; the packet arrived on interface 0.
pub fn parse_simple(body: &[u8], order: ByteOrder) -> Option<PacketBlockHeader> {
    if body.len() < 4 {
        return None;
    }
    Some(PacketBlockHeader { interface_id: 0, ticks: None, caplen: None, wire_len: order.u32(body, 0), data_offset: 4 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_little_endian() {
        // Fixed part of the first EPB of pcapng-test-generator output_le/basic/test001.pcapng
        // (offset 0x94): interface 0, time stamp 0, caplen and len 0x13a.
        let body = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x01, 0x00, 0x00, 0x3a, 0x01,
            0x00, 0x00,
        ];
        let header = parse_enhanced(&body, ByteOrder::Little).unwrap();
        assert_eq!(header.interface_id, 0);
        assert_eq!(header.ticks, Some(0));
        assert_eq!((header.caplen, header.wire_len, header.data_offset), (Some(314), 314, 20));
        let later = [0, 0, 0, 0, 0x05, 0x00, 0x00, 0x00, 0x5d, 0xe6, 0x6e, 0x6b, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(parse_enhanced(&later, ByteOrder::Little).unwrap().ticks, Some(0x0000_0005_6b6e_e65d));
        assert!(parse_enhanced(&body[..19], ByteOrder::Little).is_none());
    }

    #[test]
    fn obsolete_big_endian() {
        let body = [0x00, 0x02, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 60, 0, 0, 0, 64];
        let header = parse_obsolete(&body, ByteOrder::Big).unwrap();
        assert_eq!(header.interface_id, 2);
        assert_eq!(header.ticks, Some((1u64 << 32) | 2));
        assert_eq!((header.caplen, header.wire_len), (Some(60), 64));
    }

    #[test]
    fn simple() {
        let header = parse_simple(&[0x40, 0, 0, 0, 0xaa], ByteOrder::Little).unwrap();
        assert_eq!((header.interface_id, header.ticks, header.caplen, header.wire_len), (0, None, None, 64));
        assert!(parse_simple(&[0, 0, 0], ByteOrder::Little).is_none());
    }
}
