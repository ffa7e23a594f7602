//! Runs one stage of the capture path over a whole input and reports how fast it went,
//! emitting nothing: the "no return" variant the benchmarks compare with the full path.

use std::path::Path;
use std::time::Instant;

use crate::capture::CaptureReader;
use crate::decode::decode;
use crate::error::Result;
use crate::flow::{FlowEngine, FlowEngineOptions};
use crate::ingest::{DecodeThread, DecodedBatch};
use crate::packet::Network;
use crate::record::FlowRecord;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Read the record headers and nothing else.
    Walk,
    /// Read and decode every packet.
    Decode,
    /// Read, decode and build flows with the given engine options (windowed or whole).
    Flows,
    /// As `Flows`, with reading and decoding on a second thread (`DecodeThread`).
    FlowsTwoThreads,
}

#[derive(Clone, Debug, Default)]
pub struct ThroughputReport {
    pub packets: u64,
    pub wire_bytes: u64,
    pub file_bytes: u64,
    pub ip_packets: u64,
    pub records: u64,
    pub elapsed_ns: u64,
    pub peak_active_flows: u64,
    /// Bytes per active flow measured when the tables were fullest.
    pub bytes_per_active_flow_at_peak: u64,
    pub flows_evicted_early: u64,
}

/// How often (in packets) the flow tables' size is sampled.
const SAMPLE_EVERY_PACKETS: u64 = 1 << 16;

pub fn measure_capture(path: &Path, stage: Stage, engine_options: FlowEngineOptions) -> Result<ThroughputReport> {
    let mut reader = CaptureReader::open(path)?;
    let mut report = ThroughputReport::default();
    let started = Instant::now();
    match stage {
        Stage::Walk => {
            while let Some(packet) = reader.next_packet()? {
                report.packets += 1;
                report.wire_bytes += u64::from(packet.wire_len);
            }
        }
        Stage::Decode => {
            while let Some(raw) = reader.next_packet()? {
                let packet = decode(&raw);
                report.packets += 1;
                report.wire_bytes += u64::from(packet.wire_len);
                report.ip_packets += u64::from(matches!(packet.network, Network::Ip(_)));
            }
        }
        Stage::Flows => {
            let mut flows = FlowCounting::new(engine_options)?;
            let mut batch = DecodedBatch::default();
            loop {
                batch.fill(&mut reader)?;
                if batch.is_empty() {
                    break;
                }
                flows.count(&batch, &mut report);
            }
            flows.finish(&mut report);
        }
        Stage::FlowsTwoThreads => {
            let mut flows = FlowCounting::new(engine_options)?;
            let mut thread = DecodeThread::spawn(reader, flows.engine.preparer())?;
            while let Some(block) = thread.next_block()? {
                flows.engine.push_prepared(block.packets(), &mut flows.records);
                flows.tally(block.len(), block.wire_bytes(), &mut report);
                thread.give_back(block);
            }
            flows.finish(&mut report);
            report.elapsed_ns = started.elapsed().as_nanos() as u64;
            report.file_bytes = thread.bytes_consumed();
            return Ok(report);
        }
    }
    report.elapsed_ns = started.elapsed().as_nanos() as u64;
    report.file_bytes = reader.bytes_consumed();
    Ok(report)
}

/// The flow stages' counting: the engine, its records dropped as they come, and samples of
/// its tables' size.
struct FlowCounting {
    engine: FlowEngine,
    records: Vec<FlowRecord>,
}

impl FlowCounting {
    fn new(engine_options: FlowEngineOptions) -> Result<FlowCounting> {
        Ok(FlowCounting { engine: FlowEngine::new(engine_options)?, records: Vec::new() })
    }

    #[inline]
    fn count(&mut self, batch: &DecodedBatch, report: &mut ThroughputReport) {
        self.engine.push_batch(batch.packets(), &mut self.records);
        self.tally(batch.len(), batch.wire_bytes(), report);
    }

    /// Takes stock after `packets` more packets were pushed.
    #[inline]
    fn tally(&mut self, packets: usize, wire_bytes: u64, report: &mut ThroughputReport) {
        report.packets += packets as u64;
        report.wire_bytes += wire_bytes;
        if !self.records.is_empty() {
            report.records += self.records.len() as u64;
            self.records.clear();
        }
        // Batches are a power of two long (but the last), so this samples every
        // SAMPLE_EVERY_PACKETS packets.
        if report.packets.is_multiple_of(SAMPLE_EVERY_PACKETS) {
            let stats = self.engine.stats();
            if stats.active_flows >= report.peak_active_flows {
                report.peak_active_flows = stats.active_flows;
                report.bytes_per_active_flow_at_peak = stats.bytes_per_active_flow;
            }
        }
    }

    fn finish(mut self, report: &mut ThroughputReport) {
        self.engine.finish(&mut self.records);
        report.records += self.records.len() as u64;
        let stats = self.engine.stats();
        report.ip_packets = stats.ip_packets;
        report.flows_evicted_early = stats.flows_evicted_early;
        report.peak_active_flows = report.peak_active_flows.max(stats.peak_active_flows);
    }
}
