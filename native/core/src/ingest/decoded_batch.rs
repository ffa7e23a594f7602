//! Packets read and decoded a batch at a time, for `FlowEngine::push_batch`.
//!
//! Decoding a batch before counting it is not only what lets the engine overlap its cache
//! misses: a packet decoded and then read back at once waits for its own stores to drain
//! (store forwarding fails on the decoder's piecewise writes); read back a batch later, it
//! comes from the L1 cache.

use crate::capture::CaptureReader;
use crate::decode::decode_into;
use crate::error::Result;
use crate::flow::BATCH_PACKETS;
use crate::packet::{DecodedPacket, Network};

pub struct DecodedBatch {
    packets: Box<[DecodedPacket]>,
    len: usize,
    wire_bytes: u64,
}

impl Default for DecodedBatch {
    fn default() -> Self {
        DecodedBatch::with_capacity(BATCH_PACKETS)
    }
}

impl DecodedBatch {
    pub fn with_capacity(packets: usize) -> DecodedBatch {
        let empty = DecodedPacket { ts_us: 0, wire_len: 0, network: Network::Undecodable };
        DecodedBatch { packets: vec![empty; packets.max(1)].into_boxed_slice(), len: 0, wire_bytes: 0 }
    }

    /// Replaces the batch with the reader's next packets, as many as fit. Fewer only at the
    /// end of the capture, or at an error: the packets before it stay in the batch, and the
    /// error is returned.
    #[inline]
    pub fn fill(&mut self, reader: &mut CaptureReader) -> Result<()> {
        self.len = 0;
        self.wire_bytes = 0;
        while self.len < self.packets.len() {
            let Some(raw) = reader.next_packet()? else { break };
            self.wire_bytes += u64::from(raw.wire_len);
            decode_into(&raw, &mut self.packets[self.len]);
            self.len += 1;
        }
        Ok(())
    }

    #[inline]
    pub fn packets(&self) -> &[DecodedPacket] {
        &self.packets[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    // Read by the throughput measurement, which only a `bench` build has.
    #[cfg_attr(not(feature = "bench"), allow(dead_code))]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the last `fill` stopped short of the capacity (end of input or an error).
    pub fn is_short(&self) -> bool {
        self.len < self.packets.len()
    }

    /// The packets' summed wire lengths.
    // Read by the throughput measurement, which only a `bench` build has.
    #[cfg_attr(not(feature = "bench"), allow(dead_code))]
    pub fn wire_bytes(&self) -> u64 {
        self.wire_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use std::io::Cursor;

    fn capture(records: u32) -> Vec<u8> {
        let mut bytes = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0];
        for index in 0..records {
            let data: Vec<u8> = (0..60u8).map(|b| b.wrapping_mul(index as u8)).collect();
            for field in [index, 0, 60, 60 + index] {
                bytes.extend_from_slice(&field.to_le_bytes());
            }
            bytes.extend_from_slice(&data);
        }
        bytes
    }

    #[test]
    fn batches_hold_the_packets_in_order_then_run_short() {
        let bytes = capture(10);
        let mut reader = CaptureReader::from_read(Box::new(Cursor::new(bytes.clone())), "test").unwrap();
        let mut expected = CaptureReader::from_read(Box::new(Cursor::new(bytes)), "test").unwrap();
        let mut batch = DecodedBatch::with_capacity(4);
        let mut sizes = Vec::new();
        loop {
            batch.fill(&mut reader).unwrap();
            sizes.push(batch.len());
            let mut wire_bytes = 0;
            for packet in batch.packets() {
                let raw = expected.next_packet().unwrap().unwrap();
                assert_eq!(*packet, decode(&raw));
                wire_bytes += u64::from(raw.wire_len);
            }
            assert_eq!(batch.wire_bytes(), wire_bytes);
            if batch.is_short() {
                break;
            }
        }
        assert_eq!(sizes, [4, 4, 2]);
    }

    #[test]
    fn an_error_keeps_the_packets_before_it() {
        let mut bytes = capture(3);
        bytes.truncate(bytes.len() - 10);
        let mut reader = CaptureReader::from_read(Box::new(Cursor::new(bytes)), "test").unwrap();
        let mut batch = DecodedBatch::with_capacity(8);
        assert!(batch.fill(&mut reader).is_err());
        assert_eq!(batch.len(), 2);
        assert!(batch.is_short());
    }
}
