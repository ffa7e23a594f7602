//! Section Header Block: starts a section, fixes its byte order, resets its interfaces.

use crate::capture::format::ByteOrder;

pub const BLOCK_TYPE: u32 = 0x0a0d_0d0a;
/// The block type reads the same in both byte orders.
pub const BLOCK_TYPE_BYTES: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// Header (8) + byte-order magic, versions, section length (16) + trailer (4).
pub const MIN_BLOCK_BYTES: u32 = 28;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    pub byte_order: ByteOrder,
    pub version_major: u16,
    pub version_minor: u16,
}

/// The section's byte order, from the byte-order magic (the 4 bytes after the block header).
pub fn byte_order_of(magic: [u8; 4]) -> Option<ByteOrder> {
    if u32::from_le_bytes(magic) == BYTE_ORDER_MAGIC {
        Some(ByteOrder::Little)
    } else if u32::from_be_bytes(magic) == BYTE_ORDER_MAGIC {
        Some(ByteOrder::Big)
    } else {
        None
    }
}

/// Parses the fixed part of the body (at least 16 bytes, checked by the caller through the
/// block length).
pub fn parse(body: &[u8], byte_order: ByteOrder) -> SectionHeader {
    SectionHeader { byte_order, version_major: byte_order.u16(body, 4), version_minor: byte_order.u16(body, 6) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_from_magic() {
        // From pcapng-test-generator output_le/basic/test001.pcapng and output_be: bytes 8..12.
        assert_eq!(byte_order_of([0x4d, 0x3c, 0x2b, 0x1a]), Some(ByteOrder::Little));
        assert_eq!(byte_order_of([0x1a, 0x2b, 0x3c, 0x4d]), Some(ByteOrder::Big));
        assert_eq!(byte_order_of([0, 0, 0, 0]), None);
    }

    #[test]
    fn versions() {
        let body = [0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        let header = parse(&body, ByteOrder::Little);
        assert_eq!((header.version_major, header.version_minor), (1, 0));
    }
}
