//! Arrow IPC flow tables, file (`ARROW1` … `ARROW1`) and stream format, read into
//! [`FlowRecord`]s: what `flowhound flows -o X.arrow` (or `.arrows`) writes, so that its output
//! can be read again, by `flows`, `features` and `analyze`.
//!
//! Written by hand on the IPC specification, for the column types a flow table has, instead of
//! the `arrow-ipc` and `arrow-array` crates (v60, no default features): alone they build in
//! 58 s on this project's two cores (35 crates; 205 s while other builds ran), against 11.5 s
//! for this whole crate, which this reader makes 1.1 s longer. `arrow-format` (planus-generated
//! metadata only) builds in 13 s but still leaves the buffers to decode by hand. Tested on
//! files written by apache-arrow (flowhound's own writer) and by pyarrow, and on damaged ones.
//!
//! Columns are found by name (case-insensitive), as `src/sinks/arrow-flows.ts` names them:
//! `start_time`, `last_time` (or `duration_s`), `proto`, `src_addr`, `src_port`, `dir`,
//! `dst_addr`, `dst_port`, `state`, `total_pkts`, `total_bytes` are required; `window_start`,
//! `proto_number`, `src_tos`, `dst_tos`, `src_bytes`, `src_pkts`, `src_payload_bytes`,
//! `dst_payload_bytes`, `src_tcp_flags`, `dst_tcp_flags`, `label` are read when present (the
//! same defaults as a text flow file's). Other columns are skipped. Types: timestamps of any
//! unit; integers of any width for numbers (`duration_s` may be a float); `utf8`,
//! `large_utf8`, `utf8_view` or dictionary-encoded text. Ports are the record's own (ICMP:
//! `type << 8 | code`, see `FlowRecord`), not Argus's text forms.
//!
//! Compressed bodies (LZ4_FRAME, pandas' and pyarrow's default for Feather, and ZSTD) are
//! decompressed by the `lz4_flex` and `zstd` crates (`compression.rs`), one record batch at a
//! time, at most 1 GiB each. Not read: big-endian data, metadata before V4; each is refused
//! with a message saying so.

mod bytes;
mod compression;
mod flatbuffer;
mod ipc;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::input_file::{open_input, InputBytes};
use crate::packet::ip_proto;
use crate::record::{Address, Direction, FlowRecord, Protocol};

use super::fields::{parse_address, parse_protocol};
use super::reader::{FlowFileOptions, FlowFileStats, MAX_SKIP_REASONS};
use super::tcp_state::tcp_flags_from_state;
use crate::time_range::{check_record_times, RecordTimeNames};
use bytes::ArrowBytes;
pub(crate) use bytes::{read_piped_file, MAX_PIPED_ARROW_FILE_BYTES};
use compression::{decompress_body, MAX_DECOMPRESSED_BODY_BYTES};
use ipc::{ArrowType, Block, Field, MessageHeader, RecordBatchHeader, Schema, TimeUnit};

/// `ARROW1`, at the start (padded to 8 bytes) and the end of the file format.
pub const ARROW_FILE_MAGIC: &[u8; 6] = b"ARROW1";
/// The continuation marker that starts every message of the stream format since Arrow 0.15.
pub const ARROW_CONTINUATION: [u8; 4] = [0xff; 4];
const ARROW_TIMES: RecordTimeNames = RecordTimeNames { start: "start_time", last: "last_time", window_start: "window_start" };

/// Metadata of one message larger than this is taken for damage, not allocated.
const MAX_METADATA_BYTES: u64 = 64 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowFormat {
    File,
    Stream,
}

/// What the table was before it reached this reader: Arrow IPC as found in the input, or a
/// Parquet file whose record batches the `parquet` module hands over as an IPC stream. Errors
/// name the table as the user knows it, and a Parquet table's errors carry no byte offsets
/// (the offsets would be the stream's, not the file's) but its row numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TableOrigin {
    ArrowIpc,
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    Parquet,
}

impl TableOrigin {
    fn noun(self) -> &'static str {
        match self {
            TableOrigin::ArrowIpc => "Arrow",
            TableOrigin::Parquet => "Parquet",
        }
    }

    fn written_by(self) -> &'static str {
        match self {
            TableOrigin::ArrowIpc => "`flowhound flows -o FILE.arrow`",
            TableOrigin::Parquet => "`flowhound flows -o FILE.parquet`",
        }
    }
}

/// The flow table's columns, in `FLOW_ARROW_SCHEMA`'s order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    WindowStart,
    StartTime,
    LastTime,
    DurationS,
    Proto,
    ProtoNumber,
    SrcAddr,
    SrcPort,
    Dir,
    DstAddr,
    DstPort,
    State,
    SrcTos,
    DstTos,
    TotalPkts,
    TotalBytes,
    SrcBytes,
    SrcPkts,
    SrcPayloadBytes,
    DstPayloadBytes,
    SrcTcpFlags,
    DstTcpFlags,
    Label,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Time,
    Seconds,
    Text,
    Integer,
}

use Column as C;
const COLUMNS: [(Column, &str, Kind); 23] = [
    (C::WindowStart, "window_start", Kind::Time),
    (C::StartTime, "start_time", Kind::Time),
    (C::LastTime, "last_time", Kind::Time),
    (C::DurationS, "duration_s", Kind::Seconds),
    (C::Proto, "proto", Kind::Text),
    (C::ProtoNumber, "proto_number", Kind::Integer),
    (C::SrcAddr, "src_addr", Kind::Text),
    (C::SrcPort, "src_port", Kind::Integer),
    (C::Dir, "dir", Kind::Text),
    (C::DstAddr, "dst_addr", Kind::Text),
    (C::DstPort, "dst_port", Kind::Integer),
    (C::State, "state", Kind::Text),
    (C::SrcTos, "src_tos", Kind::Integer),
    (C::DstTos, "dst_tos", Kind::Integer),
    (C::TotalPkts, "total_pkts", Kind::Integer),
    (C::TotalBytes, "total_bytes", Kind::Integer),
    (C::SrcBytes, "src_bytes", Kind::Integer),
    (C::SrcPkts, "src_pkts", Kind::Integer),
    (C::SrcPayloadBytes, "src_payload_bytes", Kind::Integer),
    (C::DstPayloadBytes, "dst_payload_bytes", Kind::Integer),
    (C::SrcTcpFlags, "src_tcp_flags", Kind::Integer),
    (C::DstTcpFlags, "dst_tcp_flags", Kind::Integer),
    (C::Label, "label", Kind::Text),
];
const REQUIRED: [Column; 10] =
    [C::StartTime, C::Proto, C::SrcAddr, C::SrcPort, C::Dir, C::DstAddr, C::DstPort, C::State, C::TotalPkts, C::TotalBytes];

/// Whether `name` is one of the flow table's columns (any case): those worth decoding.
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) fn is_flow_column(name: &str) -> bool {
    COLUMNS.iter().any(|(_, known, _)| known.eq_ignore_ascii_case(name))
}

/// Whether columns of these names hold every required one (times: `last_time` or `duration_s`).
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) fn has_required_columns(names: &[&str]) -> bool {
    let has = |column: Column| names.iter().any(|name| name.eq_ignore_ascii_case(name_of(column)));
    REQUIRED.iter().all(|&column| has(column)) && (has(C::LastTime) || has(C::DurationS))
}

fn name_of(column: Column) -> &'static str {
    COLUMNS[column as usize].1
}

/// Which top-level field holds each column.
struct ColumnFields([Option<usize>; COLUMNS.len()]);

impl ColumnFields {
    fn of(schema: &Schema, origin: TableOrigin) -> std::result::Result<ColumnFields, String> {
        let mut fields = [None; COLUMNS.len()];
        for (index, field) in schema.fields.iter().enumerate() {
            let Some(&(column, name, kind)) = COLUMNS.iter().find(|(_, name, _)| name.eq_ignore_ascii_case(&field.name))
            else {
                continue;
            };
            if fields[column as usize].is_some() {
                return Err(format!("column {name} appears twice"));
            }
            let value_type = &field.data_type;
            let fits = match kind {
                Kind::Time => matches!(value_type, ArrowType::Timestamp(_)) && field.dictionary.is_none(),
                Kind::Seconds => {
                    matches!(value_type, ArrowType::Float { .. } | ArrowType::Int { .. }) && field.dictionary.is_none()
                }
                // pandas turns an integer column with nulls into float64 (NaN for null), and
                // writes it back so: a float holding whole numbers is read as the integer.
                Kind::Integer => {
                    matches!(value_type, ArrowType::Int { .. } | ArrowType::Float { .. }) && field.dictionary.is_none()
                }
                Kind::Text => matches!(value_type, ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View),
            };
            if !fits {
                let expected = match kind {
                    Kind::Time => "a timestamp",
                    Kind::Seconds => "a number",
                    Kind::Integer => "an integer (or a float holding whole numbers)",
                    Kind::Text => "text (utf8, large_utf8, utf8_view or a dictionary of these)",
                };
                let dictionary = if field.dictionary.is_some() { "dictionary of " } else { "" };
                return Err(format!("column {name} is {dictionary}{}, not {expected}", value_type.describe()));
            }
            fields[column as usize] = Some(index);
        }
        let mut missing: Vec<&str> = REQUIRED.iter().filter(|c| fields[**c as usize].is_none()).map(|c| name_of(*c)).collect();
        if fields[C::LastTime as usize].is_none() && fields[C::DurationS as usize].is_none() {
            missing.insert(usize::from(fields[C::StartTime as usize].is_none()), "last_time (or duration_s)");
        }
        if !missing.is_empty() {
            let found: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).take(40).collect();
            return Err(format!(
                "missing column(s) {}: {} input must be a flow table as {} writes it; \
                 found: {}",
                missing.join(", "),
                origin.noun(),
                origin.written_by(),
                found.join(", ")
            ));
        }
        Ok(ColumnFields(fields))
    }

    fn get(&self, column: Column) -> Option<usize> {
        self.0[column as usize]
    }
}

pub struct ArrowFlowReader {
    path: PathBuf,
    origin: TableOrigin,
    /// Rows of the record batches taken so far (good and bad): a Parquet row's number.
    rows_seen: u64,
    bytes: ArrowBytes,
    format: ArrowFormat,
    options: FlowFileOptions,
    schema: Schema,
    columns: ColumnFields,
    /// Dictionary values by id.
    dictionaries: HashMap<i64, Vec<Option<String>>>,
    /// File format: the record batches still to read.
    blocks: VecDeque<Block>,
    /// Stream format: where the next message starts.
    stream_offset: u64,
    pending: VecDeque<FlowRecord>,
    batches_read: u64,
    done: bool,
    stats: FlowFileStats,
    failure: Option<FlowhoundError>,
}

/// A message read from the file: its header, its body, and where it started.
struct ReadMessage {
    header: MessageHeader,
    body: Vec<u8>,
    offset: u64,
}

impl ArrowFlowReader {
    /// Opens an Arrow flow table (`-`: standard input). A stream on a pipe is read as it
    /// comes; a file on a pipe is read into memory first (its footer is at its end), up to
    /// [`MAX_PIPED_ARROW_FILE_BYTES`].
    pub fn open(path: &Path, format: ArrowFormat, options: FlowFileOptions) -> Result<ArrowFlowReader> {
        Self::from_input(open_input(path)?, path, format, options)
    }

    /// Reads an Arrow flow table from an input already opened (`input_file`), from its start.
    pub fn from_input(input: InputBytes, path: &Path, format: ArrowFormat, options: FlowFileOptions) -> Result<ArrowFlowReader> {
        Self::from_input_of(input, path, format, options, TableOrigin::ArrowIpc)
    }

    /// As `from_input`, for a table that came from `origin` (its errors name it so).
    pub(crate) fn from_input_of(
        input: InputBytes,
        path: &Path,
        format: ArrowFormat,
        options: FlowFileOptions,
        origin: TableOrigin,
    ) -> Result<ArrowFlowReader> {
        let bytes = match (input, format) {
            (InputBytes::File(file), _) => {
                let len = file.metadata().map_err(|err| FlowhoundError::io(&err, path))?.len();
                ArrowBytes::File { file, len }
            }
            (InputBytes::Stream(reader), ArrowFormat::Stream) => ArrowBytes::Stream { reader, position: 0 },
            (InputBytes::Stream(mut reader), ArrowFormat::File) => {
                match read_piped_file(&mut reader).map_err(|err| FlowhoundError::io(&err, path))? {
                    Ok(bytes) => ArrowBytes::Memory(bytes),
                    Err(_) => {
                        return Err(FlowhoundError::new(
                            ErrorCode::Io,
                            format!(
                                "an Arrow file (not stream) read from a pipe is held in memory, up to {} MiB, and this one is larger: \
                                 give its path instead, or write it as an Arrow stream (`flowhound flows -o FILE.arrows`), which is read as it comes",
                                MAX_PIPED_ARROW_FILE_BYTES >> 20
                            ),
                        )
                        .in_file(path))
                    }
                }
            }
        };
        let total_bytes = bytes.len();
        let mut reader = ArrowFlowReader {
            path: path.to_path_buf(),
            origin,
            rows_seen: 0,
            bytes,
            format,
            options,
            schema: Schema::default(),
            columns: ColumnFields([None; COLUMNS.len()]),
            dictionaries: HashMap::new(),
            blocks: VecDeque::new(),
            stream_offset: 0,
            pending: VecDeque::new(),
            batches_read: 0,
            done: false,
            stats: FlowFileStats { total_bytes, ..FlowFileStats::default() },
            failure: None,
        };
        let schema_offset = match format {
            ArrowFormat::File => reader.open_file()?,
            ArrowFormat::Stream => reader.open_stream()?,
        };
        reader.columns = ColumnFields::of(&reader.schema, origin)
            .map_err(|message| reader.locate(FlowhoundError::new(ErrorCode::FlowFileBadHeader, message), schema_offset))?;
        Ok(reader)
    }

    /// The file, and the byte offset where it means something (not in a Parquet table's stream).
    fn locate(&self, error: FlowhoundError, offset: u64) -> FlowhoundError {
        locate(error, self.origin, offset, &self.path)
    }

    fn header_error(&self, message: impl Into<String>, offset: u64) -> FlowhoundError {
        self.locate(FlowhoundError::new(ErrorCode::FlowFileBadHeader, message), offset)
    }

    fn batch_error(&self, message: impl Into<String>, offset: u64) -> FlowhoundError {
        self.locate(FlowhoundError::new(ErrorCode::FlowFileBadRow, message), offset)
    }

    /// File format: the footer gives the schema and where the batches are. Returns the
    /// footer's offset, for messages about the schema.
    fn open_file(&mut self) -> Result<u64> {
        const TRAILER: u64 = 10; // footer length (4) + ARROW1
        let file_len = self.bytes.len().unwrap_or(0);
        let mut trailer = [0u8; TRAILER as usize];
        if file_len < 8 + TRAILER || !self.read_at(file_len - TRAILER, &mut trailer)? {
            return Err(self.header_error("Arrow file too short to hold a footer (cut short?)", 0));
        }
        if &trailer[4..] != ARROW_FILE_MAGIC {
            return Err(self.header_error(
                "Arrow file without its footer: it does not end in ARROW1 (cut short, or still being written?)",
                file_len - 6,
            ));
        }
        let footer_len = u64::from(u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]));
        let Some(footer_offset) = (file_len - TRAILER).checked_sub(footer_len).filter(|&at| at >= 8) else {
            return Err(self.header_error(format!("Arrow footer length {footer_len} beyond the file"), file_len - TRAILER));
        };
        let mut footer = vec![0u8; footer_len as usize];
        if !self.read_at(footer_offset, &mut footer)? {
            return Err(self.header_error("Arrow footer cut short", footer_offset));
        }
        let footer = ipc::parse_footer(&footer)
            .map_err(|reason| self.header_error(format!("damaged Arrow file footer: {reason}"), footer_offset))?;
        self.schema = footer.schema;
        for block in footer.dictionaries {
            let message = self.read_block(block, ErrorCode::FlowFileBadHeader)?;
            self.take_dictionary(message)?;
        }
        self.blocks = footer.record_batches.into();
        Ok(footer_offset)
    }

    /// Stream format: the first message is the schema.
    fn open_stream(&mut self) -> Result<u64> {
        match self.next_stream_message(ErrorCode::FlowFileBadHeader)? {
            Some(ReadMessage { header: MessageHeader::Schema(schema), .. }) => {
                self.schema = schema;
                Ok(0)
            }
            Some(message) => Err(self.header_error("Arrow stream does not start with a schema", message.offset)),
            None => Err(self.header_error("Arrow stream ends before its schema", 0)),
        }
    }

    /// Fills `buf` from `offset`; `Ok(false)` when the input ends first.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<bool> {
        match self.bytes.read_at(offset, buf) {
            Ok(read) => Ok(read.is_ok()),
            Err(err) => Err(self.locate(FlowhoundError::io(&err, &self.path), offset)),
        }
    }

    /// Reads the message at `offset`: `None` at an end-of-stream marker or the end of the input.
    fn read_message(&mut self, offset: u64, code: ErrorCode) -> Result<Option<(ReadMessage, u64)>> {
        let error = |reader: &Self, message: String| {
            reader.locate(FlowhoundError::new(code, message), offset)
        };
        let cut = "Arrow data cut inside a message header";
        if self.bytes.remaining_from(offset) == Some(0) {
            return Ok(None);
        }
        let mut word = [0u8; 4];
        match self.bytes.read_at(offset, &mut word) {
            Ok(Ok(())) => {}
            // A stream that ends where a message would start has ended (without its marker).
            Ok(Err(short)) if short.got == 0 => return Ok(None),
            Ok(Err(_)) => return Err(error(self, cut.into())),
            Err(err) => return Err(self.locate(FlowhoundError::io(&err, &self.path), offset)),
        }
        let mut prefix = 4;
        if word == ARROW_CONTINUATION {
            if !self.read_at(offset + 4, &mut word)? {
                return Err(error(self, cut.into()));
            }
            prefix = 8;
        }
        // Before Arrow 0.15 the length came first, without the continuation marker.
        let metadata_len = u64::from(u32::from_le_bytes(word));
        if metadata_len == 0 {
            return Ok(None);
        }
        let past_end = format!("Arrow message of {metadata_len} metadata bytes runs past the end of the file");
        if metadata_len > MAX_METADATA_BYTES || self.bytes.remaining_from(offset + prefix).is_some_and(|left| metadata_len > left) {
            return Err(error(self, past_end));
        }
        let Some(metadata) = self.read_vec_at(offset + prefix, metadata_len)? else { return Err(error(self, past_end)) };
        let message = ipc::parse_message(&metadata)
            .map_err(|reason| error(self, format!("damaged Arrow message: {reason}")))?;
        if message.version < 3 {
            return Err(error(self, format!("Arrow metadata version V{} is too old (V4 or later is read)", message.version + 1)));
        }
        let body_offset = offset + prefix + metadata_len;
        let body_len = u64::try_from(message.body_length).unwrap_or(u64::MAX);
        let past_end = format!("Arrow message body of {} bytes runs past the end of the file", message.body_length);
        let Some(body) = self.read_vec_at(body_offset, body_len)? else { return Err(error(self, past_end)) };
        Ok(Some((ReadMessage { header: message.header, body, offset }, body_offset + body_len)))
    }

    fn read_vec_at(&mut self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        let origin = self.origin;
        self.bytes.read_vec_at(offset, len).map_err(|err| locate(FlowhoundError::io(&err, &self.path), origin, offset, &self.path))
    }

    fn read_block(&mut self, block: Block, code: ErrorCode) -> Result<ReadMessage> {
        let offset = u64::try_from(block.offset).unwrap_or(u64::MAX);
        match self.read_message(offset, code)? {
            Some((message, _)) => Ok(message),
            None => Err(FlowhoundError::new(code, "Arrow file footer points at no message").at_offset(offset).in_file(&self.path)),
        }
    }

    fn next_stream_message(&mut self, code: ErrorCode) -> Result<Option<ReadMessage>> {
        match self.read_message(self.stream_offset, code)? {
            Some((message, next)) => {
                self.stream_offset = next;
                Ok(Some(message))
            }
            None => {
                self.stream_offset = self.bytes.end_offset();
                Ok(None)
            }
        }
    }

    fn take_dictionary(&mut self, message: ReadMessage) -> Result<()> {
        let MessageHeader::DictionaryBatch { id, data, is_delta } = message.header else {
            return Err(self.header_error("Arrow file footer's dictionary block is not a dictionary", message.offset));
        };
        // Only dictionaries of top-level text columns matter; others are skipped.
        let Some(field) = self.schema.fields.iter().find(|f| f.dictionary.as_ref().is_some_and(|d| d.id == id)) else {
            return Ok(());
        };
        let value_field = Field { dictionary: None, ..field.clone() };
        let decompressed = match data.compression {
            Some(codec) => Some(
                decompress_body(&message.body, &data, codec, MAX_DECOMPRESSED_BODY_BYTES)
                    .map_err(|reason| self.batch_error(format!("Arrow dictionary {id}: {reason}"), message.offset))?,
            ),
            None => None,
        };
        let (body, data) = decompressed.as_ref().map_or((&message.body[..], &data), |d| (&d.body[..], &d.header));
        let batch = Batch::new(body, data, std::slice::from_ref(&value_field))
            .map_err(|reason| self.batch_error(format!("Arrow dictionary {id}: {reason}"), message.offset))?;
        let values = batch
            .text(&value_field, &batch.spans[0], &self.dictionaries)
            .and_then(|column| (0..batch.length).map(|row| Ok(column.get(row)?.map(str::to_string))).collect::<Decoded<Vec<_>>>())
            .map_err(|reason| self.batch_error(format!("Arrow dictionary {id}: {reason}"), message.offset))?;
        let entry = self.dictionaries.entry(id).or_default();
        if !is_delta {
            entry.clear();
        }
        entry.extend(values);
        Ok(())
    }

    /// Reads record batches until one gives records or the input ends.
    fn fill(&mut self) -> Result<()> {
        while self.pending.is_empty() && !self.done {
            let message = match self.format {
                ArrowFormat::File => match self.blocks.pop_front() {
                    Some(block) => Some(self.read_block(block, ErrorCode::FlowFileBadRow)?),
                    None => None,
                },
                ArrowFormat::Stream => self.next_stream_message(ErrorCode::FlowFileBadRow)?,
            };
            let Some(message) = message else {
                self.done = true;
                self.stats.bytes_consumed = self.bytes.end_offset();
                break;
            };
            self.stats.bytes_consumed = self.stats.bytes_consumed.max(message.offset);
            match &message.header {
                MessageHeader::RecordBatch(header) => {
                    let header = header.clone();
                    self.take_batch(&message, &header)?;
                }
                MessageHeader::DictionaryBatch { .. } => self.take_dictionary(message)?,
                MessageHeader::Schema(_) => {
                    return Err(self.batch_error("a second schema in the Arrow stream", message.offset));
                }
                MessageHeader::Other(_) => {}
            }
        }
        Ok(())
    }

    fn take_batch(&mut self, message: &ReadMessage, header: &RecordBatchHeader) -> Result<()> {
        self.batches_read += 1;
        let batch_number = self.batches_read;
        let rows_before = self.rows_seen;
        let ArrowFlowReader { path, origin, options, schema, columns, dictionaries, pending, stats, .. } = self;
        let origin = *origin;
        let error_with = |code: ErrorCode, reason: String| {
            let error = FlowhoundError::new(code, format!("{} record batch {batch_number}: {reason}", origin.noun()));
            locate(error, origin, message.offset, path)
        };
        let error = |reason: String| error_with(ErrorCode::FlowFileBadRow, reason);
        // A row's number: within its batch in an Arrow table (batches are what its tools show),
        // within the file in a Parquet table (whose batches are this reader's own).
        let row_name = |row: usize| match origin {
            TableOrigin::ArrowIpc => format!("row {}", row + 1),
            TableOrigin::Parquet => format!("row {} of the file", rows_before + row as u64 + 1),
        };
        let mut fatal = None;
        // A compressed body is decompressed whole (bounded), then read as an uncompressed one.
        let decompressed = match header.compression {
            Some(codec) => Some(decompress_body(&message.body, header, codec, MAX_DECOMPRESSED_BODY_BYTES).map_err(error)?),
            None => None,
        };
        let (body, header) = decompressed.as_ref().map_or((&message.body[..], header), |d| (&d.body[..], &d.header));
        let batch = Batch::new(body, header, &schema.fields).map_err(error)?;
        // Records go straight into `pending`: a batch is never held twice.
        batch
            .decode_rows(schema, columns, dictionaries, &mut |row, record| {
                let checked = record.map_err(|reason| error(format!("{}: {reason}", row_name(row)))).and_then(|record| {
                    match check_record_times(&record, &ARROW_TIMES) {
                        Ok(()) => Ok(record),
                        Err(range) => Err(error_with(range.code, format!("{}: {}", row_name(row), range.message))),
                    }
                });
                match checked {
                    Ok(record) => {
                        pending.push_back(record);
                        stats.rows += 1;
                        true
                    }
                    Err(bad_row) => {
                        if !options.keep_going {
                            fatal = Some(bad_row);
                            return false;
                        }
                        stats.skipped_rows += 1;
                        if stats.skip_reasons.len() < MAX_SKIP_REASONS {
                            stats.skip_reasons.push(bad_row);
                        }
                        true
                    }
                }
            })
            .map_err(error)?;
        self.rows_seen += batch.length as u64;
        fatal.map_or(Ok(()), Err)
    }

    /// Appends up to `max_records` records to `out`; returns how many, 0 at the end. After an
    /// error every call returns it again, as the text reader does.
    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<usize> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let mut appended = 0;
        while appended < max_records.max(1) {
            if let Err(error) = self.fill() {
                self.failure = Some(error.clone());
                return Err(error);
            }
            let Some(record) = self.pending.pop_front() else { break };
            out.push(record);
            appended += 1;
        }
        Ok(appended)
    }

    pub fn format(&self) -> ArrowFormat {
        self.format
    }

    /// The table's column names, in order.
    pub fn columns(&self) -> Vec<&str> {
        self.schema.fields.iter().map(|f| f.name.as_str()).collect()
    }

    pub fn stats(&self) -> &FlowFileStats {
        &self.stats
    }
}

fn locate(error: FlowhoundError, origin: TableOrigin, offset: u64, path: &Path) -> FlowhoundError {
    match origin {
        TableOrigin::ArrowIpc => error.at_offset(offset).in_file(path),
        TableOrigin::Parquet => error.in_file(path),
    }
}

/// Where one field's nodes and buffers start in a record batch.
struct Span {
    node: usize,
    buffer: usize,
}

/// One record batch's body, and the span of each top-level field in it.
struct Batch<'a> {
    body: &'a [u8],
    header: &'a RecordBatchHeader,
    length: usize,
    spans: Vec<Span>,
}

type Decoded<T> = std::result::Result<T, String>;

impl<'a> Batch<'a> {
    fn new(body: &'a [u8], header: &'a RecordBatchHeader, fields: &[Field]) -> Decoded<Batch<'a>> {
        if header.compression.is_some() {
            return Err("internal: a compressed body read before it was decompressed".into());
        }
        let length = usize::try_from(header.length).map_err(|_| format!("negative length {}", header.length))?;
        let (mut node, mut buffer, mut variadic) = (0, 0, 0);
        let mut spans = Vec::with_capacity(fields.len());
        for field in fields {
            spans.push(Span { node, buffer });
            count_buffers(field, &mut node, &mut buffer, &mut variadic, &header.variadic_buffer_counts)?;
        }
        if node > header.nodes.len() || buffer > header.buffers.len() {
            return Err(format!(
                "the schema needs {node} field nodes and {buffer} buffers, the batch has {} and {}",
                header.nodes.len(),
                header.buffers.len()
            ));
        }
        Ok(Batch { body, header, length, spans })
    }

    fn buffer(&self, index: usize) -> Decoded<&'a [u8]> {
        // A view's own buffer index can point past the field's buffers: refused, not trusted.
        let &(offset, length) =
            self.header.buffers.get(index).ok_or_else(|| format!("buffer {index} is not in the batch"))?;
        usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .and_then(|(offset, length)| self.body.get(offset..offset.checked_add(length)?))
            .ok_or_else(|| format!("buffer {index} (offset {offset}, {length} bytes) lies outside the body"))
    }

    /// The field's validity bitmap; `None` when every row holds a value.
    fn validity(&self, span: &Span) -> Decoded<Validity<'a>> {
        let (length, null_count) = self.header.nodes[span.node];
        if length != self.header.length {
            return Err(format!("a column of {length} rows in a batch of {}", self.header.length));
        }
        if null_count == 0 {
            return Ok(Validity(None));
        }
        let bitmap = self.buffer(span.buffer)?;
        if bitmap.len() * 8 < self.length {
            return Err("validity bitmap shorter than the column".into());
        }
        Ok(Validity(Some(bitmap)))
    }

    fn integers(&self, data_type: &ArrowType, span: &Span) -> Decoded<IntColumn<'a>> {
        let ArrowType::Int { bits, signed } = *data_type else { return Err("not an integer column".into()) };
        let valid = self.validity(span)?;
        let values = self.buffer(span.buffer + 1)?;
        let width = usize::from(bits / 8);
        if values.len() < width * self.length {
            return Err("integer values shorter than the column".into());
        }
        Ok(IntColumn { valid, values, width, signed })
    }

    fn times(&self, data_type: &ArrowType, span: &Span) -> Decoded<TimeColumn<'a>> {
        let ArrowType::Timestamp(unit) = *data_type else { return Err("not a timestamp column".into()) };
        Ok(TimeColumn { ints: self.integers(&ArrowType::Int { bits: 64, signed: true }, span)?, unit })
    }

    /// An integer or float column, read as numbers.
    fn numbers(&self, data_type: &ArrowType, span: &Span) -> Decoded<NumberColumn<'a>> {
        match *data_type {
            ArrowType::Float { bits } => {
                let valid = self.validity(span)?;
                let values = self.buffer(span.buffer + 1)?;
                let width = usize::from(bits / 8);
                if values.len() < width * self.length {
                    return Err("float values shorter than the column".into());
                }
                Ok(NumberColumn::Float { valid, values, width })
            }
            _ => Ok(NumberColumn::Int(self.integers(data_type, span)?)),
        }
    }

    /// A text column: plain, large, view, or dictionary-encoded.
    fn text<'d>(
        &self,
        field: &Field,
        span: &Span,
        dictionaries: &'d HashMap<i64, Vec<Option<String>>>,
    ) -> Decoded<TextColumn<'d>>
    where
        'a: 'd,
    {
        if let Some(encoding) = &field.dictionary {
            return Ok(TextColumn::Dictionary {
                indices: self.integers(&encoding.index, span)?,
                values: dictionaries.get(&encoding.id).map(Vec::as_slice),
                id: encoding.id,
            });
        }
        let valid = self.validity(span)?;
        match field.data_type {
            ArrowType::Utf8 | ArrowType::LargeUtf8 => {
                let wide = field.data_type == ArrowType::LargeUtf8;
                let offsets = self.buffer(span.buffer + 1)?;
                if offsets.len() < if wide { 8 } else { 4 } * (self.length + 1) {
                    return Err("text offsets shorter than the column".into());
                }
                Ok(TextColumn::Offsets { valid, offsets, data: self.buffer(span.buffer + 2)?, wide })
            }
            ArrowType::Utf8View => {
                let views = self.buffer(span.buffer + 1)?;
                if views.len() < 16 * self.length {
                    return Err("text views shorter than the column".into());
                }
                let data_buffers = (span.buffer + 2..self.header.buffers.len()).map(|i| self.buffer(i)).collect::<Decoded<_>>()?;
                Ok(TextColumn::Views { valid, views, data_buffers })
            }
            _ => Err(format!("{} is not text", field.data_type.describe())),
        }
    }

    /// Hands every row of the batch to `sink`, as a record or the reason it is not one, until
    /// `sink` returns false.
    fn decode_rows(
        &self,
        schema: &Schema,
        columns: &ColumnFields,
        dictionaries: &HashMap<i64, Vec<Option<String>>>,
        sink: &mut dyn FnMut(usize, Decoded<FlowRecord>) -> bool,
    ) -> Decoded<()> {
        let field = |column: Column| columns.get(column).map(|index| (&schema.fields[index], &self.spans[index]));
        let context = |column: Column| move |reason: String| format!("column {}: {reason}", name_of(column));
        let times = |column: Column| -> Decoded<Option<TimeColumn>> {
            field(column).map(|(f, span)| self.times(&f.data_type, span).map_err(context(column))).transpose()
        };
        let integers = |column: Column| -> Decoded<Option<NumberColumn>> {
            field(column).map(|(f, span)| self.numbers(&f.data_type, span).map_err(context(column))).transpose()
        };
        let texts = |column: Column| -> Decoded<Option<TextColumn>> {
            field(column).map(|(f, span)| self.text(f, span, dictionaries).map_err(context(column))).transpose()
        };
        let seconds = match field(C::DurationS) {
            Some((f, span)) => Some(self.numbers(&f.data_type, span).map_err(context(C::DurationS))?),
            None => None,
        };
        let window_start = times(C::WindowStart)?;
        let start = times(C::StartTime)?.expect("required");
        let last = times(C::LastTime)?;
        let proto = texts(C::Proto)?.expect("required");
        let proto_number = integers(C::ProtoNumber)?;
        let src_addr = texts(C::SrcAddr)?.expect("required");
        let dst_addr = texts(C::DstAddr)?.expect("required");
        let src_port = integers(C::SrcPort)?.expect("required");
        let dst_port = integers(C::DstPort)?.expect("required");
        let dir = texts(C::Dir)?.expect("required");
        let state = texts(C::State)?.expect("required");
        let src_tos = integers(C::SrcTos)?;
        let dst_tos = integers(C::DstTos)?;
        let total_pkts = integers(C::TotalPkts)?.expect("required");
        let total_bytes = integers(C::TotalBytes)?.expect("required");
        let src_bytes = integers(C::SrcBytes)?;
        let src_pkts = integers(C::SrcPkts)?;
        let src_payload = integers(C::SrcPayloadBytes)?;
        let dst_payload = integers(C::DstPayloadBytes)?;
        let src_flags = integers(C::SrcTcpFlags)?;
        let dst_flags = integers(C::DstTcpFlags)?;
        let label = texts(C::Label)?;

        let whole = |values: &NumberColumn, column: Column, row: usize| -> Decoded<Option<i128>> {
            values.whole(row).map_err(|reason| format!("{} {reason}", name_of(column)))
        };
        let at = |values: &Option<NumberColumn>, column: Column, row: usize| -> Decoded<Option<i128>> {
            values.as_ref().map_or(Ok(None), |v| whole(v, column, row))
        };
        let time_at = |values: &Option<TimeColumn>, column: Column, row: usize| -> Decoded<Option<i64>> {
            values.as_ref().map_or(Ok(None), |v| v.get(row)).map_err(context(column))
        };
        fn text_at<'t>(values: &TextColumn<'t>, column: Column, row: usize) -> Decoded<Option<&'t str>> {
            values.get(row).map_err(|reason| format!("{}: {reason}", name_of(column)))
        }
        let build = |row: usize| -> Decoded<FlowRecord> {
            let required = |value: Option<i128>, column: Column| {
                value.ok_or_else(|| format!("{} is null", name_of(column)))
            };
            let ranged = |value: Option<i128>, column: Column, max: i128| -> Decoded<Option<i128>> {
                match value {
                    Some(v) if !(0..=max).contains(&v) => Err(format!("{} {v} out of range 0..={max}", name_of(column))),
                    other => Ok(other),
                }
            };
            let count = |value: Option<i128>, column: Column| -> Decoded<Option<u64>> {
                Ok(ranged(value, column, i128::from(u64::MAX))?.map(|v| v as u64))
            };
            let start_us = start.get(row).map_err(context(C::StartTime))?.ok_or("start_time is null")?;
            let last_us = match (time_at(&last, C::LastTime, row)?, seconds.as_ref().and_then(|s| s.float(row))) {
                (Some(last_us), _) => last_us,
                (None, Some(seconds)) if (0.0..1e12).contains(&seconds) => {
                    start_us.saturating_add((seconds * 1e6).round() as i64)
                }
                (None, Some(seconds)) => return Err(format!("duration_s {seconds} is not a duration")),
                (None, None) => return Err("both last_time and duration_s are null".into()),
            };
            if last_us < start_us {
                return Err("last_time before start_time".into());
            }
            let protocol = match ranged(at(&proto_number, C::ProtoNumber, row)?, C::ProtoNumber, 255)? {
                Some(number) => Protocol::Ip(number as u8),
                None => {
                    let text = text_at(&proto, C::Proto, row)?.unwrap_or_default();
                    parse_protocol(text.as_bytes()).map_err(|reason| format!("proto {text:?}: {reason}"))?
                }
            };
            let address = |values: &TextColumn, column: Column| -> Decoded<Address> {
                let text = text_at(values, column, row)?.unwrap_or_default();
                parse_address(text.as_bytes()).map_err(|reason| format!("{} {text:?}: {reason}", name_of(column)))
            };
            let port = |values: &NumberColumn, column: Column| -> Decoded<Option<u16>> {
                Ok(ranged(whole(values, column, row)?, column, 65_535)?.map(|v| v as u16))
            };
            let tos = |values: &Option<NumberColumn>, column: Column| -> Decoded<Option<u8>> {
                Ok(ranged(at(values, column, row)?, column, 255)?.map(|v| v as u8))
            };
            let state_text = text_at(&state, C::State, row)?.unwrap_or_default().to_string();
            let total_pkts = count(Some(required(whole(&total_pkts, C::TotalPkts, row)?, C::TotalPkts)?), C::TotalPkts)?.unwrap_or(0);
            let total_bytes = count(Some(required(whole(&total_bytes, C::TotalBytes, row)?, C::TotalBytes)?), C::TotalBytes)?.unwrap_or(0);
            let src_bytes = count(at(&src_bytes, C::SrcBytes, row)?, C::SrcBytes)?.unwrap_or(0);
            if src_bytes > total_bytes {
                return Err("src_bytes above total_bytes".into());
            }
            let src_pkts = count(at(&src_pkts, C::SrcPkts, row)?, C::SrcPkts)?;
            if src_pkts.is_some_and(|src_pkts| src_pkts > total_pkts) {
                return Err("src_pkts above total_pkts".into());
            }
            let (state_src_flags, state_dst_flags) = match protocol {
                Protocol::Ip(ip_proto::TCP) => tcp_flags_from_state(state_text.as_bytes()).unwrap_or((0, 0)),
                _ => (0, 0),
            };
            let flags = |values: &Option<NumberColumn>, column: Column, from_state: u8| -> Decoded<u8> {
                match values {
                    Some(_) => Ok(ranged(at(values, column, row)?, column, 255)?.map_or(0, |v| v as u8)),
                    None => Ok(from_state),
                }
            };
            Ok(FlowRecord {
                window_start_us: time_at(&window_start, C::WindowStart, row)?,
                start_us,
                last_us,
                protocol,
                src_addr: address(&src_addr, C::SrcAddr)?,
                dst_addr: address(&dst_addr, C::DstAddr)?,
                src_port: port(&src_port, C::SrcPort)?,
                dst_port: port(&dst_port, C::DstPort)?,
                direction: text_at(&dir, C::Dir, row)?.map_or(Direction::Other, Direction::parse),
                src_tos: tos(&src_tos, C::SrcTos)?,
                dst_tos: tos(&dst_tos, C::DstTos)?,
                total_pkts,
                total_bytes,
                src_bytes,
                src_pkts,
                src_payload_bytes: count(at(&src_payload, C::SrcPayloadBytes, row)?, C::SrcPayloadBytes)?,
                dst_payload_bytes: count(at(&dst_payload, C::DstPayloadBytes, row)?, C::DstPayloadBytes)?,
                src_tcp_flags: flags(&src_flags, C::SrcTcpFlags, state_src_flags)?,
                dst_tcp_flags: flags(&dst_flags, C::DstTcpFlags, state_dst_flags)?,
                state: state_text,
                label: match &label {
                    Some(label) => text_at(label, C::Label, row)?.filter(|l| !l.is_empty()).map(str::to_string),
                    None => None,
                },
            })
        };
        for row in 0..self.length {
            if !sink(row, build(row)) {
                break;
            }
        }
        Ok(())
    }
}

/// A column's validity bitmap; `None`: every row holds a value.
#[derive(Clone, Copy)]
struct Validity<'a>(Option<&'a [u8]>);

impl Validity<'_> {
    fn holds(&self, row: usize) -> bool {
        self.0.is_none_or(|bitmap| bitmap[row / 8] & (1 << (row % 8)) != 0)
    }
}

/// Columns are read in place, row by row, from the batch's body: nothing is copied per
/// column, so memory stays at the body and the records made from it.
struct IntColumn<'a> {
    valid: Validity<'a>,
    values: &'a [u8],
    width: usize,
    signed: bool,
}

impl IntColumn<'_> {
    fn get(&self, row: usize) -> Option<i128> {
        if !self.valid.holds(row) {
            return None;
        }
        let bytes = &self.values[row * self.width..(row + 1) * self.width];
        let mut le = [0u8; 16];
        le[..self.width].copy_from_slice(bytes);
        if self.signed && bytes[self.width - 1] & 0x80 != 0 {
            le[self.width..].fill(0xff);
        }
        Some(i128::from_le_bytes(le))
    }
}

struct TimeColumn<'a> {
    ints: IntColumn<'a>,
    unit: TimeUnit,
}

impl TimeColumn<'_> {
    /// µs since the epoch.
    fn get(&self, row: usize) -> Decoded<Option<i64>> {
        let Some(value) = self.ints.get(row) else { return Ok(None) };
        let value = value as i64;
        // Saturating: a time no date holds is refused by the reader's range check, with its code.
        Ok(Some(match self.unit {
            TimeUnit::Second => value.saturating_mul(1_000_000),
            TimeUnit::Millisecond => value.saturating_mul(1_000),
            TimeUnit::Microsecond => value,
            TimeUnit::Nanosecond => value.div_euclid(1_000),
        }))
    }
}

/// A number column: integers, or floats (`duration_s`; counts as pandas writes them back).
enum NumberColumn<'a> {
    Float { valid: Validity<'a>, values: &'a [u8], width: usize },
    Int(IntColumn<'a>),
}

impl NumberColumn<'_> {
    fn float(&self, row: usize) -> Option<f64> {
        match self {
            NumberColumn::Float { valid, values, width } => valid.holds(row).then(|| {
                let bytes = &values[row * width..(row + 1) * width];
                match bytes.try_into() {
                    Ok(eight) => f64::from_le_bytes(eight),
                    Err(_) => f64::from(f32::from_le_bytes(bytes.try_into().expect("4 bytes"))),
                }
            }),
            NumberColumn::Int(ints) => ints.get(row).map(|v| v as f64),
        }
    }

    /// The value as an integer: a float must hold a whole number; NaN is null, as in pandas.
    fn whole(&self, row: usize) -> Decoded<Option<i128>> {
        match self {
            NumberColumn::Int(ints) => Ok(ints.get(row)),
            NumberColumn::Float { .. } => match self.float(row) {
                None => Ok(None),
                Some(value) if value.is_nan() => Ok(None),
                // 2^64 and above cannot be a count or a port; below, every whole f64 is exact.
                Some(value) if value.fract() == 0.0 && value.abs() < 18_446_744_073_709_551_616.0 => Ok(Some(value as i128)),
                Some(value) => Err(format!("{value} is not a whole number")),
            },
        }
    }
}

enum TextColumn<'a> {
    Offsets { valid: Validity<'a>, offsets: &'a [u8], data: &'a [u8], wide: bool },
    Views { valid: Validity<'a>, views: &'a [u8], data_buffers: Vec<&'a [u8]> },
    Dictionary { indices: IntColumn<'a>, values: Option<&'a [Option<String>]>, id: i64 },
}

fn utf8(bytes: &[u8]) -> Decoded<&str> {
    std::str::from_utf8(bytes).map_err(|_| "text that is not UTF-8".to_string())
}

impl<'a> TextColumn<'a> {
    fn get(&self, row: usize) -> Decoded<Option<&'a str>> {
        match self {
            TextColumn::Dictionary { indices, values, id } => match indices.get(row) {
                None => Ok(None),
                Some(index) => values
                    .and_then(|values| values.get(usize::try_from(index).ok()?))
                    .map(|value| value.as_deref())
                    .ok_or_else(|| format!("dictionary {id} has no value {index}")),
            },
            TextColumn::Offsets { valid, offsets, data, wide } => {
                if !valid.holds(row) {
                    return Ok(None);
                }
                let offset = |i: usize| -> Option<usize> {
                    if *wide {
                        usize::try_from(i64::from_le_bytes(offsets[i * 8..i * 8 + 8].try_into().ok()?)).ok()
                    } else {
                        usize::try_from(i32::from_le_bytes(offsets[i * 4..i * 4 + 4].try_into().ok()?)).ok()
                    }
                };
                let bytes = offset(row)
                    .zip(offset(row + 1))
                    .and_then(|(start, end)| data.get(start..end))
                    .ok_or_else(|| "text offsets outside the data".to_string())?;
                utf8(bytes).map(Some)
            }
            TextColumn::Views { valid, views, data_buffers } => {
                if !valid.holds(row) {
                    return Ok(None);
                }
                let view = &views[row * 16..(row + 1) * 16];
                let word = |at: usize| i32::from_le_bytes(view[at..at + 4].try_into().expect("4 bytes"));
                let length = usize::try_from(word(0)).map_err(|_| "negative text length".to_string())?;
                if length <= 12 {
                    return utf8(&view[4..4 + length]).map(Some);
                }
                let bytes = usize::try_from(word(8))
                    .ok()
                    .and_then(|buffer| data_buffers.get(buffer))
                    .zip(usize::try_from(word(12)).ok())
                    .and_then(|(data, start)| data.get(start..start.checked_add(length)?))
                    .ok_or_else(|| "text view outside its buffers".to_string())?;
                utf8(bytes).map(Some)
            }
        }
    }
}

/// Advances the node and buffer cursors past `field` (and its children).
fn count_buffers(field: &Field, node: &mut usize, buffer: &mut usize, variadic: &mut usize, counts: &[i64]) -> Decoded<()> {
    *node += 1;
    if field.dictionary.is_some() {
        // Indices only: the values are in dictionary batches.
        *buffer += 2;
        return Ok(());
    }
    *buffer += match &field.data_type {
        ArrowType::Null => 0,
        ArrowType::Int { .. } | ArrowType::Float { .. } | ArrowType::Timestamp(_) => 2,
        ArrowType::Utf8 | ArrowType::LargeUtf8 => 3,
        ArrowType::Utf8View | ArrowType::BinaryView => {
            let data_buffers = counts.get(*variadic).copied().ok_or("a view column without its buffer count")?;
            *variadic += 1;
            2 + usize::try_from(data_buffers).map_err(|_| "negative buffer count")?
        }
        ArrowType::Other { buffers, .. } => *buffers,
    };
    for child in &field.children {
        count_buffers(child, node, buffer, variadic, counts)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pyarrow 23: `ipc.new_stream` of a table with one int32 column `src_port` = [443]:
    /// schema message, record batch message (body: 8 bytes), end-of-stream marker.
    const ONE_PORT_STREAM: [u8; 296] = [
        0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
        0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00,
        0x0c, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00,
        0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x10, 0x00, 0x14, 0x00,
        0x08, 0x00, 0x06, 0x00, 0x07, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x02, 0x10, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x73, 0x72, 0x63, 0x5f, 0x70, 0x6f, 0x72, 0x74,
        0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x08, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x20, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x88, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x16, 0x00, 0x06, 0x00, 0x05, 0x00,
        0x08, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x00, 0x18, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x18, 0x00, 0x0c, 0x00,
        0x04, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xbb, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00
    ];

    #[test]
    fn messages_of_a_pyarrow_stream() {
        let stream = &ONE_PORT_STREAM;
        assert_eq!(stream[..4], ARROW_CONTINUATION);
        let schema_len = u32::from_le_bytes(stream[4..8].try_into().unwrap()) as usize;
        let schema = ipc::parse_message(&stream[8..8 + schema_len]).unwrap();
        assert_eq!((schema.version, schema.body_length), (4, 0), "V5, no body");
        let MessageHeader::Schema(schema) = schema.header else { panic!("not a schema") };
        assert_eq!(schema.fields.len(), 1);
        assert_eq!(schema.fields[0].name, "src_port");
        assert_eq!(schema.fields[0].data_type, ArrowType::Int { bits: 32, signed: true });

        let at = 8 + schema_len;
        assert_eq!(stream[at..at + 4], ARROW_CONTINUATION);
        let batch_len = u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap()) as usize;
        let message = ipc::parse_message(&stream[at + 8..at + 8 + batch_len]).unwrap();
        assert_eq!(message.body_length, 8);
        let MessageHeader::RecordBatch(header) = message.header else { panic!("not a record batch") };
        assert_eq!((header.length, header.nodes.clone(), header.compression), (1, vec![(1, 0)], None));
        let body_at = at + 8 + batch_len;
        let body = &stream[body_at..body_at + 8];
        let batch = Batch::new(body, &header, &schema.fields).unwrap();
        assert_eq!(batch.integers(&schema.fields[0].data_type, &batch.spans[0]).unwrap().get(0), Some(443));
        assert_eq!(stream[body_at + 8..], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], "end of stream");

        // Damage inside the metadata is an error, not a panic.
        for cut in [0, 4, 9, 40, schema_len - 1] {
            let _ = ipc::parse_message(&stream[8..8 + cut]);
        }
        let mut bent = header.clone();
        bent.buffers[1] = (4, 8);
        assert!(Batch::new(body, &bent, &schema.fields).unwrap().integers(&schema.fields[0].data_type, &batch.spans[0]).is_err());
    }
}
