//! A capture read, decoded and made ready for the flow tables (keys: `PacketPreparer`)
//! on a thread of its own, which hands blocks of prepared packets to the caller over a
//! bounded channel: the flow engine counts them on the calling thread, so that two cores
//! share the work of one capture. Argus uses one; `measure_capture` reports both ways
//! (`Stage::Flows`, `Stage::FlowsTwoThreads`).
//!
//! The split is where the load balances: reading and decoding alone left this thread idle
//! half of the time, waiting for the engine (producer 0.28 s of CPU, engine 0.48 s on the
//! 1 GB benchmark capture); making the keys here too moves a third of the engine's work.
//!
//! Memory stays bounded: a fixed pool of [`BLOCKS`] blocks goes round, filled by the thread
//! and given back empty by the caller; the thread waits when none is free.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::capture::CaptureReader;
use crate::decode::{decode, decode_common};
use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::flow::{PacketPreparer, PreparedPacket};

/// Packets per block: a block costs a channel hand-over (a few µs when the other thread
/// sleeps, and often a context switch), so it should hold far more than that in work (about
/// 25 µs per 1,000 packets), and stay small enough to be read from the other core's cache
/// while still warm (4,096 prepared packets: about 0.4 MB, in a 2 MB L2). On the rebuilt
/// scenario 6 capture (38.8 M packets), the reading thread was switched out about 17,700
/// times with blocks of 1,024 and about 2,600 with 4,096, and the flows alone
/// (`stage-child.mjs windowed-2t`) took 9 % less CPU (2.70 s against 2.95 s, three runs each,
/// alternating).
pub const BLOCK_PACKETS: usize = 4096;
/// Blocks in the pool: one being filled, one being counted, the rest queued between, so that
/// a thread that loses its core for a time slice (2 cores shared with the features, the
/// scoring threads and Node) leaves the other work for about 1 ms.
const BLOCKS: usize = 8;

/// Prepared packets, in capture order.
pub struct PreparedBlock {
    packets: Box<[PreparedPacket]>,
    len: usize,
    wire_bytes: u64,
}

impl PreparedBlock {
    fn new() -> PreparedBlock {
        PreparedBlock { packets: vec![PreparedPacket::EMPTY; BLOCK_PACKETS].into_boxed_slice(), len: 0, wire_bytes: 0 }
    }

    /// Replaces the block's packets with the reader's next ones, as many as fit: fewer only at
    /// the end of the capture or at an error (then returned, the packets before it kept).
    fn fill(&mut self, reader: &mut CaptureReader, preparer: &mut PacketPreparer) -> Result<()> {
        self.len = 0;
        self.wire_bytes = 0;
        while self.len < self.packets.len() {
            let Some(raw) = reader.next_packet()? else { break };
            self.wire_bytes += u64::from(raw.wire_len);
            let out = &mut self.packets[self.len];
            // The common packet goes from its bytes to its key without being written out in
            // between; the others are decoded in full.
            match decode_common(&raw) {
                Some(ip) => preparer.prepare_whole_ip(raw.ts_us, raw.wire_len, &ip, out),
                None => preparer.prepare(&decode(&raw), out),
            }
            self.len += 1;
        }
        Ok(())
    }

    #[inline]
    pub fn packets(&self) -> &[PreparedPacket] {
        &self.packets[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The packets' summed wire lengths.
    // Read by the throughput measurement, which only a `bench` build has.
    #[cfg_attr(not(feature = "bench"), allow(dead_code))]
    pub fn wire_bytes(&self) -> u64 {
        self.wire_bytes
    }
}

enum Message {
    Block(PreparedBlock),
    /// The capture is over: at its end, or at an error after the packets before it.
    End(Option<FlowhoundError>),
}

/// Where the reader stands, for progress displays.
#[derive(Default)]
struct ReaderProgress {
    bytes_consumed: AtomicU64,
    packets_read: AtomicU64,
}

pub struct DecodeThread {
    blocks: Option<Receiver<Message>>,
    empties: Option<SyncSender<PreparedBlock>>,
    progress: Arc<ReaderProgress>,
    total_bytes: Option<u64>,
    handle: Option<JoinHandle<()>>,
    ended: bool,
}

impl DecodeThread {
    /// Starts reading, decoding and preparing `reader`'s packets with `preparer` (from the
    /// engine that will count them: `FlowEngine::preparer`) on a new thread.
    pub fn spawn(reader: CaptureReader, preparer: PacketPreparer) -> Result<DecodeThread> {
        let (block_sender, blocks) = sync_channel(BLOCKS);
        let (empties, empty_receiver) = sync_channel(BLOCKS);
        for _ in 0..BLOCKS {
            // The channel holds BLOCKS, so this cannot block or fail.
            let _ = empties.send(PreparedBlock::new());
        }
        let progress = Arc::new(ReaderProgress::default());
        let total_bytes = reader.total_bytes();
        let thread_progress = Arc::clone(&progress);
        let handle = std::thread::Builder::new()
            .name("flowhound-decode".to_string())
            .spawn(move || read_and_prepare(reader, preparer, &block_sender, &empty_receiver, &thread_progress))
            .map_err(|err| FlowhoundError::new(ErrorCode::Io, format!("cannot start the decoding thread: {err}")))?;
        Ok(DecodeThread { blocks: Some(blocks), empties: Some(empties), progress, total_bytes, handle: Some(handle), ended: false })
    }

    /// The next block of prepared packets, in capture order; `Ok(None)` at the end of the
    /// capture. A read error comes after the blocks holding every packet before it, and
    /// ends the capture. Give each block back when done with it.
    pub fn next_block(&mut self) -> Result<Option<PreparedBlock>> {
        if self.ended {
            return Ok(None);
        }
        let message = self.blocks.as_ref().and_then(|blocks| blocks.recv().ok());
        match message {
            Some(Message::Block(block)) => Ok(Some(block)),
            Some(Message::End(None)) => {
                self.ended = true;
                Ok(None)
            }
            Some(Message::End(Some(error))) => {
                self.ended = true;
                Err(error)
            }
            None => {
                self.ended = true;
                Err(FlowhoundError::new(ErrorCode::Io, "the decoding thread stopped without finishing the capture"))
            }
        }
    }

    /// Returns a block to the pool for the thread to fill again.
    pub fn give_back(&self, block: PreparedBlock) {
        if let Some(empties) = &self.empties {
            // Fails only when the thread has ended: the block is then no longer needed.
            let _ = empties.try_send(block);
        }
    }

    /// Bytes of the capture consumed by the reader so far (ahead of the blocks handed out).
    pub fn bytes_consumed(&self) -> u64 {
        self.progress.bytes_consumed.load(Ordering::Relaxed)
    }

    pub fn packets_read(&self) -> u64 {
        self.progress.packets_read.load(Ordering::Relaxed)
    }

    /// The file's size, for progress; `None` for streams.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }
}

impl Drop for DecodeThread {
    /// Stops the thread: with both channels closed, its next send or receive fails and it
    /// returns, so the join cannot wait for long.
    ///
    /// A stream (a pipe, standard input) is not waited for: its thread may be blocked in a
    /// read until the writer sends more or closes, and the caller must not hang with it. That
    /// thread ends at its next read's return; it holds only its reader and the block pool.
    fn drop(&mut self) {
        self.blocks = None;
        self.empties = None;
        if let Some(handle) = self.handle.take() {
            if self.total_bytes.is_some() {
                let _ = handle.join();
            }
        }
    }
}

/// The thread's work: fill a free block, send it, until the capture ends or the receiver
/// goes away.
fn read_and_prepare(
    mut reader: CaptureReader,
    mut preparer: PacketPreparer,
    blocks: &SyncSender<Message>,
    empties: &Receiver<PreparedBlock>,
    progress: &ReaderProgress,
) {
    loop {
        let Ok(mut block) = empties.recv() else { return };
        let read = block.fill(&mut reader, &mut preparer);
        progress.bytes_consumed.store(reader.bytes_consumed(), Ordering::Relaxed);
        progress.packets_read.store(reader.packets_read(), Ordering::Relaxed);
        let at_end = block.len() < BLOCK_PACKETS;
        if !block.is_empty() && blocks.send(Message::Block(block)).is_err() {
            return;
        }
        match read {
            Err(error) => {
                let _ = blocks.send(Message::End(Some(error)));
                return;
            }
            Ok(()) if at_end => {
                let _ = blocks.send(Message::End(None));
                return;
            }
            Ok(()) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::flow::PacketKind;
    use crate::flow::{FlowEngine, FlowEngineOptions};
    use std::io::Cursor;

    /// A classic pcap of `records` Ethernet frames of 60 bytes, the n-th at second n, every
    /// other one IPv4 (of any protocol, with random addresses and ports).
    fn capture(records: u32) -> Vec<u8> {
        let mut bytes = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0];
        for index in 0..records {
            for field in [index, 0, 60, 60] {
                bytes.extend_from_slice(&field.to_le_bytes());
            }
            let mut frame: Vec<u8> = (0..60u32).map(|b| (b * index) as u8).collect();
            if index % 2 == 0 {
                frame[12..16].copy_from_slice(&[0x08, 0x00, 0x45, 0x00]);
                frame[20..22].copy_from_slice(&[0, 0]);
            }
            bytes.extend(frame);
        }
        bytes
    }

    fn reader(bytes: Vec<u8>) -> CaptureReader {
        CaptureReader::from_read(Box::new(Cursor::new(bytes)), "test").unwrap()
    }

    fn engine() -> FlowEngine {
        FlowEngine::new(FlowEngineOptions::default()).unwrap()
    }

    #[test]
    fn blocks_hold_every_packet_in_order() {
        let bytes = capture(5000);
        let mut expected_reader = reader(bytes.clone());
        let engine = engine();
        let mut expected_preparer = engine.preparer();
        let mut thread = DecodeThread::spawn(reader(bytes), engine.preparer()).unwrap();
        let (mut count, mut ip) = (0, 0);
        while let Some(block) = thread.next_block().unwrap() {
            for packet in block.packets() {
                let mut expected = PreparedPacket::EMPTY;
                expected_preparer.prepare(&decode(&expected_reader.next_packet().unwrap().unwrap()), &mut expected);
                assert_eq!(packet.kind, expected.kind);
                if packet.kind == PacketKind::Ip {
                    assert_eq!((packet.key, packet.facts), (expected.key, expected.facts));
                    ip += 1;
                }
                count += 1;
            }
            thread.give_back(block);
        }
        assert_eq!(count, 5000);
        assert!(ip > 10, "only {ip} IP packets");
        assert!(thread.next_block().unwrap().is_none(), "the end is sticky");
        assert_eq!((thread.packets_read(), thread.bytes_consumed()), (5000, 24 + 5000 * 76));
    }

    #[test]
    fn an_error_follows_the_packets_before_it() {
        let mut bytes = capture(3000);
        bytes.truncate(bytes.len() - 30);
        let mut thread = DecodeThread::spawn(reader(bytes), engine().preparer()).unwrap();
        let mut count = 0;
        let error = loop {
            match thread.next_block() {
                Ok(Some(block)) => {
                    count += block.len();
                    thread.give_back(block);
                }
                Ok(None) => panic!("the truncation was not reported"),
                Err(error) => break error,
            }
        };
        assert_eq!((count, error.code), (2999, ErrorCode::PcapTruncated));
        assert!(thread.next_block().unwrap().is_none());
    }

    #[test]
    fn dropping_it_early_stops_the_thread() {
        let mut thread = DecodeThread::spawn(reader(capture(20_000)), engine().preparer()).unwrap();
        let first = thread.next_block().unwrap().unwrap();
        assert_eq!(first.len(), BLOCK_PACKETS);
        // Not given back, and the rest never taken: drop must still return.
        drop(thread);
    }
}
