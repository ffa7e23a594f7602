//! One batch-oriented way to get flow records out of any input: a capture (reader → decoder
//! → flow engine) or a flow file (text: binetflow or NetFlow CSV; or an Arrow flow table). The binding and the tools drive this. It owns no threads,
//! unless asked to read and decode a capture on a thread of its own (`decode_thread`).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;

use crate::capture::{CaptureReader, SkippedPackets};
use crate::decode::is_supported_link_type;
use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::input_file::{open_input, InputBytes};
use crate::flow::{FlowEngine, FlowEngineOptions, FlowEngineStats, WindowEvictions};
use crate::flowfile::{ArrowFlowReader, ArrowFormat, FlowFileOptions, FlowFileReader, FlowFileStats};
#[cfg(feature = "parquet")]
use crate::flowfile::ParquetFlowReader;
use crate::record::FlowRecord;

use super::decode_thread::DecodeThread;
use super::decoded_batch::DecodedBatch;
use super::flows_thread::CaptureFlowThread;
use super::input::{sniff_input, InputFormat, InputKind};

/// How much packet work one call does at most before it returns, so callers can report
/// progress and notice cancellation even while a window fills.
const PACKETS_PER_CALL: u64 = 1 << 20;

#[derive(Clone, Debug)]
pub struct FlowSourceOptions {
    pub engine: FlowEngineOptions,
    pub flow_file: FlowFileOptions,
    /// On damaged input, stop at the damage and still emit what was read before it.
    pub keep_going: bool,
    /// Captures: read and decode on a second thread while this one builds flows
    /// (`DecodeThread`): the same records, sooner, when a second core is free.
    pub decode_thread: bool,
    /// Captures: build the flows on a thread of their own too (`CaptureFlowThread`), which
    /// pulls this many records at a time; what the caller does with them runs beside it.
    /// `None`: the flows are built on the calling thread.
    pub flows_thread_batch_records: Option<usize>,
}

impl Default for FlowSourceOptions {
    /// The engine's and the flow-file reader's defaults; stop at damage; one thread.
    fn default() -> FlowSourceOptions {
        FlowSourceOptions {
            engine: FlowEngineOptions::default(),
            flow_file: FlowFileOptions::default(),
            keep_going: false,
            decode_thread: false,
            flows_thread_batch_records: None,
        }
    }
}

/// Where a source stands, for progress displays.
#[derive(Clone, Copy, Debug, Default)]
pub struct SourceProgress {
    pub bytes_consumed: u64,
    pub total_bytes: Option<u64>,
    pub packets: u64,
    pub records: u64,
    /// A gzip flow file: the uncompressed bytes decoded, and their total (estimated until the
    /// end, `flowfile::gzip_size`); 0 and `None` for other inputs.
    pub uncompressed_bytes: u64,
    pub uncompressed_total_bytes: Option<u64>,
}

pub enum FlowSource {
    Capture(CaptureFlowSource),
    /// A capture whose flows are built on a thread of their own.
    CaptureOnThread(CaptureFlowThread),
    FlowFile(FlowFileSource),
}

impl FlowSource {
    /// Opens `path`, deciding from its first bytes whether it is a capture, a text flow file
    /// or an Arrow flow table.
    ///
    /// The input is opened once (`-`: standard input) and its format told from the bytes
    /// read first, which the reader then reads again from memory: a pipe, a FIFO or
    /// standard input works as a file does, for every kind of input.
    pub fn open(path: &Path, options: FlowSourceOptions) -> Result<FlowSource> {
        Self::from_input(open_input(path)?, path, options)
    }

    /// As `open`, for an input already opened (`input_file`); `path` names it in errors.
    pub fn from_input(input: InputBytes, path: &Path, options: FlowSourceOptions) -> Result<FlowSource> {
        match sniff_input(input, path)? {
            (InputFormat::Capture, input) => {
                let batch_records = options.flows_thread_batch_records;
                let source = CaptureFlowSource::from_input(input, path, options)?;
                match batch_records {
                    Some(records) => Ok(FlowSource::CaptureOnThread(CaptureFlowThread::spawn(source, records).map_err(|e| e.in_file(path))?)),
                    None => Ok(FlowSource::Capture(source)),
                }
            }
            (format, input) => Ok(FlowSource::FlowFile(FlowFileSource::from_input(input, path, format, options)?)),
        }
    }

    /// Appends up to `max_records` records to `out`. Returns `Ok(false)` once the input is
    /// exhausted and every record has been handed out.
    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<bool> {
        match self {
            FlowSource::Capture(source) => source.next_batch(max_records, out),
            FlowSource::CaptureOnThread(source) => source.next_batch(max_records, out),
            FlowSource::FlowFile(source) => source.next_batch(max_records, out),
        }
    }

    pub fn progress(&self) -> SourceProgress {
        match self {
            FlowSource::Capture(source) => source.progress(),
            FlowSource::CaptureOnThread(source) => source.progress(),
            FlowSource::FlowFile(source) => source.progress(),
        }
    }

    /// Windowed captures: the early evictions (`FlowEngineStats::flows_evicted_early`) counted
    /// since the last call, per window. They are counted when the engine emits the records,
    /// so before the records are handed out.
    pub fn take_window_evictions(&mut self) -> Vec<WindowEvictions> {
        match self {
            FlowSource::Capture(source) => source.take_window_evictions(),
            FlowSource::CaptureOnThread(source) => source.take_window_evictions(),
            FlowSource::FlowFile(_) => Vec::new(),
        }
    }

    /// The damage met with `keep_going` set, if any: reading stopped there.
    pub fn damage(&self) -> Option<&FlowhoundError> {
        match self {
            FlowSource::Capture(source) => source.damage(),
            FlowSource::CaptureOnThread(source) => source.damage(),
            FlowSource::FlowFile(_) => None,
        }
    }

    pub fn kind(&self) -> InputKind {
        match self {
            FlowSource::Capture(_) | FlowSource::CaptureOnThread(_) => InputKind::Capture,
            FlowSource::FlowFile(_) => InputKind::FlowFile,
        }
    }
}

pub struct CaptureFlowSource {
    /// Boxed, so that a capture source is no larger than a flow-file source.
    packets: Box<PacketInput>,
    engine: FlowEngine,
    keep_going: bool,
    /// Records the engine has emitted and the caller not yet taken, oldest first.
    pending: VecDeque<FlowRecord>,
    /// Where the engine appends; moved into `pending` after each pump.
    emitted: Vec<FlowRecord>,
    input_done: bool,
    records_out: u64,
    damage: Option<FlowhoundError>,
    skipped: Arc<SkippedPackets>,
}

/// The byte of a pcap file header where its link type is.
const PCAP_LINK_TYPE_OFFSET: u64 = 20;

/// A pcap file whose link type flowhound does not decode would give no flows at all, and an
/// analysis of it no host: it is refused with what flowhound reads instead. (A pcapng file's
/// link types are its interfaces', described as they come: their packets are counted as
/// undecodable.)
fn refuse_unsupported_link_type(reader: &CaptureReader) -> Result<()> {
    match reader.format().link_type() {
        Some(link) if !is_supported_link_type(link) => Err(FlowhoundError::new(
            ErrorCode::UnsupportedLinkType,
            format!(
                "link type {link} is not one flowhound decodes: it reads Ethernet (1), Linux cooked SLL and SLL2 \
                 (113, 276), raw IP (101, 228, 229), BSD loopback (0, 108), PPP (9, 50), Cisco HDLC (104), 802.11 \
                 alone or behind radiotap or PPI (105, 127, 192) and Linux NFLOG (239)"
            ),
        )
        .at_offset(PCAP_LINK_TYPE_OFFSET)),
        _ => Ok(()),
    }
}

/// Where decoded packets come from: the reader, decoded on this thread, or a decoding thread.
enum PacketInput {
    Here { reader: CaptureReader, batch: DecodedBatch },
    Thread(DecodeThread),
}

impl CaptureFlowSource {
    pub fn open(path: &Path, options: FlowSourceOptions) -> Result<CaptureFlowSource> {
        Self::from_input(open_input(path)?, path, options)
    }

    /// A capture from an input already opened, from its start.
    pub fn from_input(input: InputBytes, path: &Path, options: FlowSourceOptions) -> Result<CaptureFlowSource> {
        let reader = CaptureReader::from_input(input, path)?;
        Self::from_reader(reader, options).map_err(|error| error.in_file(path))
    }

    /// With `keep_going`, packets whose time is out of range are skipped and counted
    /// (`skipped_packets`); otherwise they end the capture with their error.
    pub fn from_reader(reader: CaptureReader, options: FlowSourceOptions) -> Result<CaptureFlowSource> {
        refuse_unsupported_link_type(&reader)?;
        let reader = reader.skip_out_of_range_times(options.keep_going);
        let skipped = reader.skipped_packets();
        let engine = FlowEngine::new(options.engine)?;
        let packets = if options.decode_thread {
            Box::new(PacketInput::Thread(DecodeThread::spawn(reader, engine.preparer())?))
        } else {
            Box::new(PacketInput::Here { reader, batch: DecodedBatch::default() })
        };
        Ok(CaptureFlowSource {
            packets,
            engine,
            keep_going: options.keep_going,
            pending: VecDeque::new(),
            emitted: Vec::new(),
            input_done: false,
            records_out: 0,
            damage: None,
            skipped,
        })
    }

    /// Packets skipped (with `keep_going`) because their time is out of range.
    pub fn skipped_packets(&self) -> &SkippedPackets {
        &self.skipped
    }

    pub(super) fn skipped_packets_shared(&self) -> Arc<SkippedPackets> {
        Arc::clone(&self.skipped)
    }

    /// The damage met with `keep_going` set, if any: reading stopped there.
    pub fn damage(&self) -> Option<&FlowhoundError> {
        self.damage.as_ref()
    }

    /// The early evictions counted since the last call (`FlowSource::take_window_evictions`).
    pub fn take_window_evictions(&mut self) -> Vec<WindowEvictions> {
        self.engine.take_window_evictions()
    }

    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<bool> {
        if self.pending.is_empty() && !self.input_done {
            self.pump_packets()?;
        }
        let available = self.pending.len();
        let take = available.min(max_records.max(1));
        out.extend(self.pending.drain(..take));
        self.records_out += take as u64;
        if self.pending.is_empty() && self.pending.capacity() > 2 * max_records.max(1) {
            self.pending = VecDeque::new();
        }
        Ok(!(self.input_done && self.pending.is_empty()))
    }

    /// Feeds packets to the engine, a batch at a time, until it emits records, the per-call
    /// budget is spent, or the input ends.
    fn pump_packets(&mut self) -> Result<()> {
        let mut budget = PACKETS_PER_CALL;
        while self.emitted.is_empty() && budget > 0 {
            let (read, counted) = match self.packets.as_mut() {
                PacketInput::Here { reader, batch } => {
                    let read = batch.fill(reader);
                    self.engine.push_batch(batch.packets(), &mut self.emitted);
                    (read.map(|()| !batch.is_short()), batch.len())
                }
                PacketInput::Thread(thread) => match thread.next_block() {
                    Ok(Some(block)) => {
                        self.engine.push_prepared(block.packets(), &mut self.emitted);
                        let counted = block.len();
                        thread.give_back(block);
                        (Ok(true), counted)
                    }
                    Ok(None) => (Ok(false), 0),
                    Err(error) => (Err(error), 0),
                },
            };
            budget = budget.saturating_sub(counted as u64);
            match read {
                Ok(true) => {}
                Ok(false) => {
                    self.finish_input();
                    break;
                }
                Err(error) => {
                    if !self.keep_going {
                        return Err(error);
                    }
                    self.damage = Some(error);
                    self.finish_input();
                    break;
                }
            }
        }
        self.take_emitted();
        Ok(())
    }

    /// Moves what the engine emitted into `pending`. A window's close emits all its records
    /// at once (hundreds of thousands in a flood): when nothing is pending, the buffer itself
    /// becomes the queue (no copy, no second buffer of that size), and the emptied queue's
    /// buffer is dropped rather than kept at its largest.
    fn take_emitted(&mut self) {
        if self.pending.is_empty() {
            self.pending = VecDeque::from(std::mem::take(&mut self.emitted));
        } else {
            self.pending.extend(self.emitted.drain(..));
        }
    }

    fn finish_input(&mut self) {
        self.engine.finish(&mut self.emitted);
        self.input_done = true;
    }

    /// With a decoding thread, bytes and packets are the reader's, a few blocks ahead of the
    /// flows.
    pub fn progress(&self) -> SourceProgress {
        let (bytes_consumed, total_bytes, packets) = match self.packets.as_ref() {
            PacketInput::Here { reader, .. } => (reader.bytes_consumed(), reader.total_bytes(), reader.packets_read()),
            PacketInput::Thread(thread) => (thread.bytes_consumed(), thread.total_bytes(), thread.packets_read()),
        };
        SourceProgress { bytes_consumed, total_bytes, packets, records: self.records_out, ..SourceProgress::default() }
    }

    pub fn engine_stats(&self) -> &FlowEngineStats {
        self.engine.stats()
    }
}

pub struct FlowFileSource {
    reader: FlowFileInput,
    records_out: u64,
    done: bool,
}

/// The reader of a flow file's format.
enum FlowFileInput {
    Text(FlowFileReader),
    Arrow(ArrowFlowReader),
    #[cfg(feature = "parquet")]
    Parquet(ParquetFlowReader),
}

impl FlowFileSource {
    pub fn open(path: &Path, options: FlowSourceOptions) -> Result<FlowFileSource> {
        let (format, input) = sniff_input(open_input(path)?, path)?;
        Self::from_input(input, path, format, options)
    }

    fn from_input(input: InputBytes, path: &Path, format: InputFormat, options: FlowSourceOptions) -> Result<FlowFileSource> {
        let mut flow_file = options.flow_file;
        flow_file.keep_going = flow_file.keep_going || options.keep_going;
        let reader = match format {
            InputFormat::ArrowFile => FlowFileInput::Arrow(ArrowFlowReader::from_input(input, path, ArrowFormat::File, flow_file)?),
            InputFormat::ArrowStream => {
                FlowFileInput::Arrow(ArrowFlowReader::from_input(input, path, ArrowFormat::Stream, flow_file)?)
            }
            #[cfg(feature = "parquet")]
            InputFormat::Parquet => FlowFileInput::Parquet(ParquetFlowReader::from_input(input, path, flow_file)?),
            #[cfg(not(feature = "parquet"))]
            InputFormat::Parquet => {
                return Err(FlowhoundError::new(
                    crate::error::ErrorCode::ParquetUnavailable,
                    "a Parquet file, and this build of flowhound has no Parquet reader (its addon was built without \
                     the `parquet` feature): rebuild it with `npm run build:native`, or write the table as Feather",
                )
                .in_file(path))
            }
            InputFormat::TextFlowFile => FlowFileInput::Text(FlowFileReader::from_input(input, path, flow_file)?),
            // Read as text, a capture's header error would quote its binary bytes.
            InputFormat::Capture => {
                return Err(FlowhoundError::new(
                    ErrorCode::FlowFileBadHeader,
                    "a packet capture (pcap or pcapng), not a flow file: this reads flow records (binetflow, NetFlow \
                     CSV, Zeek conn.log, an Arrow or Parquet flow table)",
                )
                .in_file(path)
                .at_offset(0))
            }
        };
        Ok(FlowFileSource { reader, records_out: 0, done: false })
    }

    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let read = match &mut self.reader {
            FlowFileInput::Text(reader) => reader.next_batch(max_records.max(1), out)?,
            FlowFileInput::Arrow(reader) => reader.next_batch(max_records.max(1), out)?,
            #[cfg(feature = "parquet")]
            FlowFileInput::Parquet(reader) => reader.next_batch(max_records.max(1), out)?,
        };
        self.records_out += read as u64;
        if read == 0 {
            self.done = true;
        }
        Ok(!self.done)
    }

    pub fn progress(&self) -> SourceProgress {
        let stats = self.file_stats();
        SourceProgress {
            bytes_consumed: stats.bytes_consumed,
            total_bytes: stats.total_bytes,
            packets: 0,
            records: self.records_out,
            uncompressed_bytes: stats.uncompressed_bytes,
            uncompressed_total_bytes: stats.uncompressed_total_bytes,
        }
    }

    pub fn file_stats(&self) -> &FlowFileStats {
        match &self.reader {
            FlowFileInput::Text(reader) => reader.stats(),
            FlowFileInput::Arrow(reader) => reader.stats(),
            #[cfg(feature = "parquet")]
            FlowFileInput::Parquet(reader) => reader.stats(),
        }
    }

    /// Whether the file is an Arrow flow table (rather than text or Parquet).
    pub fn is_arrow(&self) -> bool {
        matches!(self.reader, FlowFileInput::Arrow(_))
    }

    /// Whether the file is a Parquet flow table.
    pub fn is_parquet(&self) -> bool {
        #[cfg(feature = "parquet")]
        return matches!(self.reader, FlowFileInput::Parquet(_));
        #[cfg(not(feature = "parquet"))]
        false
    }
}
