//! A capture's flow records built on a thread of their own: the flow engine (with its own
//! reading and decoding thread, `decode_thread`) runs there and hands batches of records to
//! the caller over a bounded channel, so that what the caller does with them (features,
//! writing) runs beside the engine on the other core instead of after it.
//!
//! The caller sees what it would have seen from the [`CaptureFlowSource`] itself: the thread
//! calls `next_batch` and `take_window_evictions` as the caller would have, in the same order,
//! and hands on each batch with the evictions, the progress and the engine's statistics of the
//! moment it was made. The records and their order are the same; they arrive sooner.
//!
//! Memory stays bounded: at most [`BATCHES_IN_FLIGHT`] batches wait in the channel (a batch is
//! at most the `records_per_batch` the thread was started with; a window's close emits about
//! 32,000 records on CTU-13 scenario 6), and the thread waits when the caller falls behind.

use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::capture::SkippedPackets;
use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::flow::{FlowEngineStats, WindowEvictions};
use crate::record::FlowRecord;

use super::source::{CaptureFlowSource, SourceProgress};

/// Batches made and not yet taken: one being used by the caller, these waiting, one being
/// made. Two absorb a window's burst of records while the caller is still on the last one.
const BATCHES_IN_FLIGHT: usize = 2;

/// What one `next_batch` call gave (its records and whether more follow, or its error), with
/// the state of the source after it.
struct Batch {
    records: Vec<FlowRecord>,
    outcome: Result<bool>,
    evictions: Vec<WindowEvictions>,
    progress: SourceProgress,
    stats: FlowEngineStats,
    damage: Option<FlowhoundError>,
}

pub struct CaptureFlowThread {
    batches: Option<Receiver<Box<Batch>>>,
    handle: Option<JoinHandle<()>>,
    /// A stream's thread may be blocked in a read (see `DecodeThread`'s drop): not waited for.
    join_on_drop: bool,
    /// Records of the last batch beyond what the caller asked for.
    leftover: VecDeque<FlowRecord>,
    leftover_more: bool,
    evictions: Vec<WindowEvictions>,
    progress: SourceProgress,
    stats: FlowEngineStats,
    damage: Option<FlowhoundError>,
    skipped: std::sync::Arc<SkippedPackets>,
    ended: bool,
}

impl CaptureFlowThread {
    /// Moves `source` to a new thread, which pulls up to `records_per_batch` records at a time.
    pub fn spawn(mut source: CaptureFlowSource, records_per_batch: usize) -> Result<CaptureFlowThread> {
        let (sender, batches) = sync_channel(BATCHES_IN_FLIGHT);
        let progress = source.progress();
        let stats = source.engine_stats().clone();
        let skipped = source.skipped_packets_shared();
        let join_on_drop = progress.total_bytes.is_some();
        let handle = std::thread::Builder::new()
            .name("flowhound-flows".to_string())
            .spawn(move || make_batches(&mut source, records_per_batch.max(1), &sender))
            .map_err(|err| FlowhoundError::new(ErrorCode::Io, format!("cannot start the flows thread: {err}")))?;
        Ok(CaptureFlowThread {
            batches: Some(batches),
            handle: Some(handle),
            join_on_drop,
            leftover: VecDeque::new(),
            leftover_more: true,
            evictions: Vec::new(),
            progress,
            stats,
            damage: None,
            skipped,
            ended: false,
        })
    }

    /// As `CaptureFlowSource::next_batch`.
    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<bool> {
        if self.leftover.is_empty() && !self.ended {
            self.receive()?;
        }
        let take = self.leftover.len().min(max_records.max(1));
        out.extend(self.leftover.drain(..take));
        Ok(!self.leftover.is_empty() || self.leftover_more)
    }

    fn receive(&mut self) -> Result<()> {
        let batch = self.batches.as_ref().and_then(|batches| batches.recv().ok());
        match batch {
            Some(batch) => {
                let Batch { records, outcome, evictions, progress, stats, damage } = *batch;
                self.leftover = VecDeque::from(records);
                self.evictions.extend(evictions);
                self.progress = progress;
                self.stats = stats;
                if damage.is_some() {
                    self.damage = damage;
                }
                let more = outcome.as_ref().is_ok_and(|&more| more);
                self.leftover_more = more;
                self.ended = !more;
                outcome.map(|_| ())
            }
            None => {
                self.ended = true;
                self.leftover_more = false;
                Err(FlowhoundError::new(ErrorCode::Io, "the flows thread stopped without finishing the capture"))
            }
        }
    }

    /// The early evictions handed over since the last call (`FlowSource::take_window_evictions`).
    pub fn take_window_evictions(&mut self) -> Vec<WindowEvictions> {
        std::mem::take(&mut self.evictions)
    }

    /// Where the source stood when it made the last batch taken.
    pub fn progress(&self) -> SourceProgress {
        self.progress
    }

    /// The engine's statistics when it made the last batch taken; at the end, its last.
    pub fn engine_stats(&self) -> &FlowEngineStats {
        &self.stats
    }

    pub fn damage(&self) -> Option<&FlowhoundError> {
        self.damage.as_ref()
    }

    pub fn skipped_packets(&self) -> &SkippedPackets {
        &self.skipped
    }
}

impl Drop for CaptureFlowThread {
    /// Stops the thread: with the channel closed, its next send fails and it returns, after at
    /// most one `next_batch` (a bounded amount of packet work).
    fn drop(&mut self) {
        self.batches = None;
        if let Some(handle) = self.handle.take() {
            if self.join_on_drop {
                let _ = handle.join();
            }
        }
    }
}

/// The thread's work: batches of records, until the capture ends, fails, or the receiver
/// goes away.
fn make_batches(source: &mut CaptureFlowSource, records_per_batch: usize, sender: &SyncSender<Box<Batch>>) {
    let mut damage_sent = false;
    loop {
        let mut records = Vec::new();
        let outcome = source.next_batch(records_per_batch, &mut records);
        let last = !matches!(outcome, Ok(true));
        let damage = if damage_sent { None } else { source.damage().cloned() };
        damage_sent |= damage.is_some();
        let batch = Batch {
            records,
            outcome,
            evictions: source.take_window_evictions(),
            progress: source.progress(),
            stats: source.engine_stats().clone(),
            damage,
        };
        if sender.send(Box::new(batch)).is_err() || last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureReader;
    use crate::flow::FlowEngineOptions;
    use crate::ingest::FlowSourceOptions;
    use std::io::Cursor;

    /// A classic pcap of UDP packets between 40 address pairs, one every 10 ms of capture time
    /// over `seconds`, so that windows close along the way.
    fn capture(seconds: u32) -> Vec<u8> {
        let mut bytes = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0];
        for index in 0..seconds * 100 {
            let (sec, usec) = (1_600_000_000 + index / 100, (index % 100) * 10_000);
            for field in [sec, usec, 42, 42] {
                bytes.extend_from_slice(&field.to_le_bytes());
            }
            let pair = (index % 40) as u8;
            let mut frame = vec![0u8; 42];
            frame[12..14].copy_from_slice(&[0x08, 0x00]);
            frame[14..24].copy_from_slice(&[0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17]);
            frame[26..30].copy_from_slice(&[10, 0, 0, pair]);
            frame[30..34].copy_from_slice(&[10, 0, 1, pair]);
            frame[34..42].copy_from_slice(&[0x30, 0x39, 0, 53, 0, 8, 0, 0]);
            bytes.extend(frame);
        }
        bytes
    }

    fn source(bytes: Vec<u8>) -> CaptureFlowSource {
        let reader = CaptureReader::from_read(Box::new(Cursor::new(bytes)), "test").unwrap();
        let options = FlowSourceOptions { engine: FlowEngineOptions::default(), decode_thread: true, ..FlowSourceOptions::default() };
        CaptureFlowSource::from_reader(reader, options).unwrap()
    }

    /// (window, source, destination, packets) of every record, in the order handed out, and
    /// the evictions and statistics at the end.
    fn drain(
        mut next: impl FnMut(&mut Vec<FlowRecord>) -> Result<bool>,
    ) -> Vec<(Option<i64>, String, String, u64)> {
        let mut all = Vec::new();
        loop {
            let mut records = Vec::new();
            let more = next(&mut records).unwrap();
            all.extend(records.iter().map(|r| (r.window_start_us, format!("{:?}", r.src_addr), format!("{:?}", r.dst_addr), r.total_pkts)));
            if !more {
                return all;
            }
        }
    }

    #[test]
    fn hands_out_the_records_the_source_gives_in_the_same_order() {
        let bytes = capture(1_000);
        let mut here = source(bytes.clone());
        let expected = drain(|out| here.next_batch(7, out));
        let mut thread = CaptureFlowThread::spawn(source(bytes), 7).unwrap();
        let got = drain(|out| thread.next_batch(7, out));
        assert!(expected.len() > 200, "only {} records", expected.len());
        assert_eq!(got, expected);
        assert_eq!(thread.engine_stats(), here.engine_stats());
        assert_eq!(thread.progress().records, here.progress().records);
        let mut out = Vec::new();
        assert!(!thread.next_batch(7, &mut out).unwrap() && out.is_empty(), "the end is sticky");
    }

    #[test]
    fn a_caller_asking_for_fewer_records_gets_them_all_in_order() {
        let bytes = capture(1_000);
        let mut here = source(bytes.clone());
        let expected = drain(|out| here.next_batch(1 << 16, out));
        let mut thread = CaptureFlowThread::spawn(source(bytes), 1 << 16).unwrap();
        assert_eq!(drain(|out| thread.next_batch(3, out)), expected);
    }

    #[test]
    fn a_read_error_reaches_the_caller_after_the_records_before_it() {
        let mut bytes = capture(600);
        bytes.truncate(bytes.len() - 20);
        let mut thread = CaptureFlowThread::spawn(source(bytes), 64).unwrap();
        let error = loop {
            let mut out = Vec::new();
            match thread.next_batch(64, &mut out) {
                Ok(true) => {}
                Ok(false) => panic!("the truncation was not reported"),
                Err(error) => break error,
            }
        };
        assert_eq!(error.code, ErrorCode::PcapTruncated);
    }

    #[test]
    fn dropping_it_early_stops_the_thread() {
        let mut thread = CaptureFlowThread::spawn(source(capture(2_000)), 16).unwrap();
        let mut out = Vec::new();
        thread.next_batch(16, &mut out).unwrap();
        drop(thread);
    }
}
