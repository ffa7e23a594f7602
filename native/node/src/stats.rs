//! Run statistics for JavaScript: what was read, and what was not turned into ordinary flows.

use flowhound_core::capture::SkippedPackets;
use flowhound_core::flow::FlowEngineStats;
use flowhound_core::ingest::FlowSource;

use crate::errors::error_json;

#[napi(object)]
#[derive(Default)]
pub struct SourceStats {
    pub packets: f64,
    pub ip_packets: f64,
    pub non_ip_packets: f64,
    pub undecodable_packets: f64,
    pub out_of_order_packets: f64,
    pub late_packets: f64,
    /// Of the packets out of time order, those that came after every window holding them had
    /// closed: counted at the start of the oldest window still open.
    pub late_packets_moved: f64,
    pub flows_emitted: f64,
    pub flows_evicted_early: f64,
    /// Of those, the flows emitted early because the flow tables reached their share of the
    /// memory budget (`memcapBytes`); the rest reached `maxActiveFlows`.
    pub flows_evicted_memcap: f64,
    pub fragments_joined: f64,
    pub orphan_fragments: f64,
    pub active_flows: f64,
    pub peak_active_flows: f64,
    pub bytes_per_active_flow: f64,
    /// Flow files: rows read and rows skipped with keepGoing.
    pub rows: f64,
    pub skipped_rows: f64,
    /// Captures: packets skipped with keepGoing because their time is out of range
    /// (`ERR_TIME_OUT_OF_RANGE`: more than a day before 1970, or past 2100-01-01).
    pub skipped_packets: f64,
    /// The first reasons rows (flow files) or packets (captures) were skipped, as error JSON.
    pub skip_reasons: Vec<String>,
}

pub fn source_stats(source: &FlowSource) -> SourceStats {
    match source {
        FlowSource::Capture(capture) => capture_stats(capture.engine_stats(), capture.skipped_packets()),
        FlowSource::CaptureOnThread(capture) => capture_stats(capture.engine_stats(), capture.skipped_packets()),
        FlowSource::FlowFile(file) => {
            let s = file.file_stats();
            SourceStats {
                rows: s.rows as f64,
                skipped_rows: s.skipped_rows as f64,
                skip_reasons: s.skip_reasons.iter().map(error_json).collect(),
                flows_emitted: s.rows as f64,
                ..SourceStats::default()
            }
        }
    }
}

fn capture_stats(s: &FlowEngineStats, skipped: &SkippedPackets) -> SourceStats {
    SourceStats {
        skipped_packets: skipped.count() as f64,
        skip_reasons: skipped.reasons().iter().map(error_json).collect(),
        packets: s.packets as f64,
        ip_packets: s.ip_packets as f64,
        non_ip_packets: s.non_ip_packets as f64,
        undecodable_packets: s.undecodable_packets as f64,
        out_of_order_packets: s.out_of_order_packets as f64,
        late_packets: s.late_packets as f64,
        late_packets_moved: s.late_packets_moved as f64,
        flows_emitted: s.flows_emitted as f64,
        flows_evicted_early: s.flows_evicted_early as f64,
        flows_evicted_memcap: s.flows_evicted_memcap as f64,
        fragments_joined: s.fragments_joined as f64,
        orphan_fragments: s.orphan_fragments as f64,
        active_flows: s.active_flows as f64,
        peak_active_flows: s.peak_active_flows as f64,
        bytes_per_active_flow: s.bytes_per_active_flow as f64,
        ..SourceStats::default()
    }
}
