//! The streaming rebuilder: flow records in (in file order), one capture out, its packets in
//! time order across all records.
//!
//! Records wait in a reorder window (a heap by start time) until the latest start read is
//! `reorder_window_us` past theirs; then they become cursors in a heap by next packet time,
//! and packets are written up to that point. Memory holds the records being written (those
//! whose time span covers the current capture time) and the window's records, never the
//! output. A record starting before packets already written is skipped and counted.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;

use flowhound_core::error::Result;
use flowhound_core::labels::{LabelsRow, LabelsWriter};
use flowhound_core::record::{wire_identity, FlowRecord};
use crate::packet_builder::PacketBuilder;
use crate::pcap_writer::PcapWriter;

use super::flow_chains::FlowChains;
use super::options::RecordSynthOptions;
use super::packet_cursor::PacketCursor;
use super::record_plan::RecordPlan;
use super::round_trip::TIME_TOLERANCE_US;
use super::same_flow::SameFlowKey;
use super::selection::{passes_filters, SkipReason};
use super::stats::RecordSynthStats;

/// Heap order: time, then input order (ties between records are broken the same way every run).
type QueueItem = Reverse<(i64, u64, usize)>;

pub struct RecordSynthesizer<W: Write, L: Write = std::io::Sink> {
    options: RecordSynthOptions,
    writer: PcapWriter<W>,
    labels: Option<LabelsWriter<L>>,
    builder: PacketBuilder,
    chains: FlowChains,
    /// Cursors by slot; `free_slots` lists the empty ones.
    slots: Vec<Option<PacketCursor>>,
    free_slots: Vec<usize>,
    /// Records not yet started, by start time.
    pending: BinaryHeap<QueueItem>,
    /// Started records, by next packet time.
    active: BinaryHeap<QueueItem>,
    active_count: u64,
    /// The latest record of each flow still being written, by slot and ordinal.
    latest_of_flow: HashMap<SameFlowKey, (usize, u64)>,
    latest_start_us: i64,
    /// Time of the last packet written: no record may start before it.
    written_up_to_us: i64,
    ordinal: u64,
    stats: RecordSynthStats,
}

impl<W: Write> RecordSynthesizer<W> {
    /// A rebuilder writing the capture to `pcap` and no labels.
    pub fn new(pcap: W, options: RecordSynthOptions) -> Result<RecordSynthesizer<W>> {
        RecordSynthesizer::build(pcap, None, options)
    }
}

impl<W: Write, L: Write> RecordSynthesizer<W, L> {
    /// A rebuilder writing the capture to `pcap` and the labels sidecar to `labels`.
    pub fn with_labels(pcap: W, labels: L, options: RecordSynthOptions) -> Result<RecordSynthesizer<W, L>> {
        RecordSynthesizer::build(pcap, Some(LabelsWriter::new(labels)?), options)
    }

    fn build(pcap: W, labels: Option<LabelsWriter<L>>, options: RecordSynthOptions) -> Result<RecordSynthesizer<W, L>> {
        options.validate()?;
        let t = options.timeouts;
        let longest_timeout_us = t.tcp_us.max(t.ip_us).max(t.icmp_us).max(t.igmp_us);
        Ok(RecordSynthesizer {
            writer: PcapWriter::new(pcap, options.snaplen)?,
            labels,
            builder: PacketBuilder::new(options.snaplen),
            chains: FlowChains::new(options.status_interval_us, longest_timeout_us),
            slots: Vec::new(),
            free_slots: Vec::new(),
            pending: BinaryHeap::new(),
            active: BinaryHeap::new(),
            active_count: 0,
            latest_of_flow: HashMap::new(),
            latest_start_us: i64::MIN,
            written_up_to_us: i64::MIN,
            ordinal: 0,
            stats: RecordSynthStats::default(),
            options,
        })
    }

    pub fn options(&self) -> &RecordSynthOptions {
        &self.options
    }

    pub fn stats(&self) -> &RecordSynthStats {
        &self.stats
    }

    /// Takes the records of a batch, in file order.
    pub fn push_batch(&mut self, records: &[FlowRecord]) -> Result<()> {
        records.iter().try_for_each(|record| self.push(record))
    }

    /// Takes one record; writes the packets that are now certain to come first.
    pub fn push(&mut self, record: &FlowRecord) -> Result<()> {
        self.stats.records_in += 1;
        let identity = match wire_identity(record).map_err(SkipReason::from).and_then(|identity| {
            passes_filters(record, &identity, &self.options)?;
            if record.start_us < self.written_up_to_us {
                return Err(SkipReason::OutOfOrder);
            }
            Ok(identity)
        }) {
            Ok(identity) => identity,
            Err(reason) => {
                self.stats.count_skip(reason);
                return Ok(());
            }
        };
        let plan = RecordPlan::new(record, &identity, &self.options, self.ordinal, &mut self.chains);
        self.ordinal += 1;
        self.stats.records_synthesized += 1;
        self.stats.renamed_to_udp += u64::from(identity.renamed_to_udp);
        self.stats.records_inexact += u64::from(!plan.fidelity.counts_exact);
        self.stats.records_duration_lost += u64::from(plan.fidelity.duration_lost);
        self.stats.records_duration_clamped += u64::from(plan.fidelity.duration_clamped);
        if let Some(labels) = &mut self.labels {
            labels.write(&labels_row(record, &plan))?;
        }
        let flow = SameFlowKey::of(&plan);
        let (start_us, ordinal) = (plan.start_us, plan.ordinal);
        let slot = self.store(PacketCursor::new(plan));
        let opens_with_syn = self.slots[slot].as_ref().is_some_and(|cursor| cursor.plan.opens_with_bare_syn());
        self.end_previous_record_of_flow(flow, start_us, opens_with_syn);
        self.latest_of_flow.insert(flow, (slot, ordinal));
        self.pending.push(Reverse((start_us, ordinal, slot)));
        self.stats.peak_pending_records = self.stats.peak_pending_records.max(self.pending.len() as u64);
        self.latest_start_us = self.latest_start_us.max(record.start_us);
        let watermark_us = self.latest_start_us.saturating_sub(self.options.reorder_window_us);
        self.write_until(watermark_us)
    }

    /// Writes every packet left, then the capture's and the labels' last bytes.
    pub fn finish(mut self) -> Result<(W, Option<L>, RecordSynthStats)> {
        self.write_until(i64::MAX)?;
        self.stats.file_bytes = self.writer.bytes_written();
        let labels = self.labels.take().map(LabelsWriter::finish).transpose()?;
        let pcap = self.writer.finish()?;
        Ok((pcap, labels, self.stats))
    }

    /// Argus keeps `Dur` as a 32-bit float: a record's computed end can fall a few
    /// microseconds after the start of the next record of its flow. Its last packets are then
    /// moved to that start, ahead of the next record's first packet, so that a reader does not
    /// give them to the next record. Larger overlaps are left alone (they are not rounding).
    ///
    /// A TCP record whose successor opens with a SYN leaves its FINs open (see
    /// `PacketCursor::leave_fins_open`), so that the SYN starts a new flow.
    fn end_previous_record_of_flow(&mut self, flow: SameFlowKey, start_us: i64, opens_with_syn: bool) {
        let Some(&(slot, ordinal)) = self.latest_of_flow.get(&flow) else { return };
        let Some(previous) = self.slots[slot].as_mut().filter(|cursor| cursor.plan.ordinal == ordinal) else { return };
        if opens_with_syn {
            previous.leave_fins_open();
        }
        let overlap_us = previous.last_ts() - start_us;
        if overlap_us > 0 && overlap_us <= TIME_TOLERANCE_US {
            previous.end_by(start_us);
            self.stats.records_end_moved += 1;
            // A packet already queued later than the new end is queued again at it.
            if previous.queued_ts_us.is_some_and(|queued_ts_us| queued_ts_us > start_us) {
                previous.queued_ts_us = Some(start_us);
                self.active.push(Reverse((start_us, ordinal, slot)));
            }
        }
    }

    fn store(&mut self, cursor: PacketCursor) -> usize {
        match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot] = Some(cursor);
                slot
            }
            None => {
                self.slots.push(Some(cursor));
                self.slots.len() - 1
            }
        }
    }

    /// Starts the records due by `until_us` and writes every packet up to it.
    fn write_until(&mut self, until_us: i64) -> Result<()> {
        loop {
            let next_start = self.pending.peek().map(|Reverse((start_us, ..))| *start_us);
            let next_packet = self.active.peek().map(|Reverse((ts_us, ..))| *ts_us);
            match (next_start, next_packet) {
                // Start a record before writing packets at or after its start.
                (Some(start_us), packet) if start_us <= until_us && packet.is_none_or(|ts_us| start_us <= ts_us) => {
                    let Reverse((start_us, ordinal, slot)) = self.pending.pop().expect("peeked");
                    if let Some(cursor) = self.slots[slot].as_mut() {
                        cursor.queued_ts_us = Some(start_us);
                    }
                    self.active.push(Reverse((start_us, ordinal, slot)));
                    self.active_count += 1;
                    self.stats.peak_active_records = self.stats.peak_active_records.max(self.active_count);
                }
                (_, Some(ts_us)) if ts_us <= until_us => self.write_next_packet()?,
                _ => return Ok(()),
            }
        }
    }

    fn write_next_packet(&mut self) -> Result<()> {
        let Reverse((queued_ts_us, ordinal, slot)) = self.active.pop().expect("a packet is due");
        let Some(cursor) = self.slots[slot].as_mut().filter(|cursor| {
            cursor.plan.ordinal == ordinal && cursor.queued_ts_us == Some(queued_ts_us)
        }) else {
            // Left behind when the record's end was moved earlier (`end_by`).
            return Ok(());
        };
        let packet = cursor.build_next(&mut self.builder)?;
        self.writer.write_packet(packet.ts_us, packet.wire_len, packet.bytes)?;
        self.stats.packets_written += 1;
        self.stats.wire_bytes += u64::from(packet.wire_len);
        self.stats.first_packet_us.get_or_insert(packet.ts_us);
        self.stats.last_packet_us = Some(packet.ts_us);
        self.written_up_to_us = packet.ts_us;
        match cursor.next_ts() {
            Some(next_ts_us) => {
                cursor.queued_ts_us = Some(next_ts_us);
                self.active.push(Reverse((next_ts_us, ordinal, slot)));
            }
            None => {
                let finished = self.slots[slot].take().expect("active slots hold a cursor");
                let flow = SameFlowKey::of(&finished.plan);
                if self.latest_of_flow.get(&flow) == Some(&(slot, ordinal)) {
                    self.latest_of_flow.remove(&flow);
                }
                self.free_slots.push(slot);
                self.active_count -= 1;
            }
        }
        self.stats.file_bytes = self.writer.bytes_written();
        Ok(())
    }
}

/// The sidecar's line of a rebuilt record: its times and protocol on the wire, as planned.
fn labels_row<'a>(record: &'a FlowRecord, plan: &RecordPlan) -> LabelsRow<'a> {
    LabelsRow {
        start_us: plan.start_us,
        last_us: plan.last_us,
        proto: plan.proto,
        src_addr: plan.ends[0],
        src_port: record.src_port,
        dst_addr: plan.ends[1],
        dst_port: record.dst_port,
        state: &record.state,
        total_pkts: record.total_pkts,
        total_bytes: record.total_bytes,
        src_bytes: record.src_bytes,
        label: record.label.as_deref().unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::ExampleRecords;
    use flowhound_core::record::{Direction, Protocol};

    const S: i64 = 1_000_000;
    /// 2011-08-16 08:00:00 UTC.
    const T0: i64 = 1_313_481_600 * S;

    /// A UDP record of `pkts` packets of 100 bytes, half each way, from a port of its own.
    fn udp(start_us: i64, dur_us: i64, pkts: u64, port: u16) -> FlowRecord {
        FlowRecord {
            protocol: Protocol::Ip(17),
            direction: Direction::Both,
            state: "CON".into(),
            dst_tos: Some(0),
            total_pkts: pkts,
            total_bytes: pkts * 100,
            src_bytes: pkts.div_ceil(2) * 100,
            ..FlowRecord::example_tcp([147, 32, 84, 165], port, [8, 8, 8, 8], 9999, start_us, start_us + dur_us)
        }
    }

    /// (time, port) of every packet of a capture this module wrote.
    fn packets(pcap: &[u8]) -> Vec<(i64, u16)> {
        let mut reader = flowhound_core::capture::CaptureReader::from_read(Box::new(std::io::Cursor::new(pcap.to_vec())), "test").unwrap();
        let mut out = Vec::new();
        while let Some(raw) = reader.next_packet().unwrap() {
            let flowhound_core::packet::Network::Ip(ip) = flowhound_core::decode::decode(&raw).network else { panic!() };
            let flowhound_core::packet::Transport::Udp { src_port, dst_port, .. } = ip.transport else { panic!() };
            out.push((raw.ts_us, if src_port == 9999 { dst_port } else { src_port }));
        }
        out
    }

    #[test]
    fn a_synthesizer_can_move_to_a_worker_thread() {
        // The N-API binding runs the rebuild off the JavaScript thread.
        fn assert_send<T: Send>() {}
        assert_send::<RecordSynthesizer<std::fs::File, std::fs::File>>();
    }

    #[test]
    fn memory_follows_concurrent_records_not_the_input() {
        // 5,000 records one second apart, each 10 packets over half a second.
        let mut synthesizer = RecordSynthesizer::new(Vec::new(), RecordSynthOptions::default()).unwrap();
        for index in 0..5_000 {
            synthesizer.push(&udp(T0 + index * S, S / 2, 10, 1024 + index as u16)).unwrap();
        }
        let (pcap, _, stats) = synthesizer.finish().unwrap();
        assert_eq!((stats.records_synthesized, stats.packets_written), (5_000, 50_000));
        assert!(stats.peak_active_records <= 2, "{}", stats.peak_active_records);
        // The reorder window (60 s) holds about 60 records, never the whole input.
        assert!(stats.peak_pending_records <= 62, "{}", stats.peak_pending_records);
        let times: Vec<i64> = packets(&pcap).iter().map(|(ts, _)| *ts).collect();
        assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
    }

    #[test]
    fn mild_disorder_is_reordered_and_the_rest_skipped_and_counted() {
        let mut synthesizer = RecordSynthesizer::new(Vec::new(), RecordSynthOptions::default()).unwrap();
        synthesizer.push(&udp(T0 + 100 * S, S, 2, 1)).unwrap();
        synthesizer.push(&udp(T0 + 200 * S, S, 2, 2)).unwrap();
        // 10 s behind the latest start: within the 60 s window, written in its place.
        synthesizer.push(&udp(T0 + 190 * S, S, 2, 3)).unwrap();
        // 150 s behind: the first record's packets (100 s) are already written; skipped.
        synthesizer.push(&udp(T0 + 50 * S, S, 2, 4)).unwrap();
        let (pcap, _, stats) = synthesizer.finish().unwrap();
        assert_eq!((stats.records_synthesized, stats.skipped_out_of_order), (3, 1));
        let order: Vec<u16> = packets(&pcap).iter().map(|(_, port)| *port).collect();
        assert_eq!(order, vec![1, 1, 3, 3, 2, 2]);
    }

    #[test]
    fn a_record_ending_just_after_the_next_of_its_flow_starts_ends_there() {
        // Argus's float `Dur` put the end 30 µs after the next record of the flow starts.
        let mut synthesizer = RecordSynthesizer::new(Vec::new(), RecordSynthOptions::default()).unwrap();
        synthesizer.push(&udp(T0, 10 * S + 30, 4, 7)).unwrap();
        synthesizer.push(&udp(T0 + 10 * S, S, 2, 7)).unwrap();
        let (pcap, _, stats) = synthesizer.finish().unwrap();
        assert_eq!(stats.records_end_moved, 1);
        let times: Vec<i64> = packets(&pcap).iter().map(|(ts, _)| *ts - T0).collect();
        assert_eq!(times[3], 10 * S, "the first record's last packet moved to the second's start");
        assert_eq!(times[4], 10 * S);
    }
}
