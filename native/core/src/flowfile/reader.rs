//! The flow-file reader: a stored file (plain or gzip) in, batches of [`FlowRecord`]s out.
//!
//! The first line that is not blank tells the format. `#separator` or `#fields` starts a
//! Zeek TSV log, whose `#` header lines are read up to the first row; `{` starts a Zeek JSON
//! log, one connection a line (`zeek/`). Anything else is an Argus or NetFlow header, unless
//! it is data: a line whose first field is an address starts a NetFlow CSV without a header
//! (BotRecon's eight columns in their order), and is read as the first row.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::input_file::{open_input, InputBytes};
use crate::record::{Address, FlowRecord, Protocol};
use crate::time_range::{check_record_times, RecordTimeNames};

use super::columns::{ColumnMap, ColumnRenames, FlowColumn, HeaderProblem, Layout};
use super::fields::parse_address;
use super::line_reader::{Line, LineReader};
use super::nfdump;
use super::row::{fields, RowParser};
use super::gzip_size::{estimated_text_bytes, gzip_trailer_size};
use super::source::{is_gzip_data_error, open_source, ConsumedBytes};
use super::zeek::{parse_json_line, ZeekField, ZeekFormat, ZeekTsvParser};

/// Longest line accepted, header included. CTU-13 rows are under 200 bytes; Stratosphere rows
/// with user-data columns under 1.5 KiB.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How many skipped rows keep their reason in [`FlowFileStats::skip_reasons`].
pub const MAX_SKIP_REASONS: usize = 10;

/// Largest UTC offset accepted, in minutes (ISO 8601's ±18:00; real zones span −12:00…+14:00).
pub const MAX_UTC_OFFSET_MINUTES: i32 = 18 * 60;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowFileOptions {
    /// Offset from UTC (minutes east) of the calendar times in the file: CTU-13 is CEST, 120.
    /// 0 reads them as UTC. Epoch-second times are absolute and not shifted.
    pub utc_offset_minutes: i32,
    /// Skip rows that cannot be parsed (counting them) instead of stopping at the first.
    pub keep_going: bool,
    /// CSV flow files: columns with other names mapped onto the fields (`--columns`).
    pub columns: ColumnRenames,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowFileStats {
    /// Records produced.
    pub rows: u64,
    /// Rows refused and skipped (with `keep_going`).
    pub skipped_rows: u64,
    /// The first [`MAX_SKIP_REASONS`] of them, as the errors they would have been.
    pub skip_reasons: Vec<FlowhoundError>,
    /// Lines read so far, header and blank lines included.
    pub lines: u64,
    /// Stored bytes consumed: compressed bytes for gzip. Runs up to `total_bytes`.
    pub bytes_consumed: u64,
    /// Size of the stored file, when known (a file opened by path).
    pub total_bytes: Option<u64>,
    pub gzip: bool,
    /// gzip: the uncompressed bytes decoded so far (0 for plain text).
    pub uncompressed_bytes: u64,
    /// gzip: the uncompressed size, estimated (`gzip_size`) until the end, then exact.
    pub uncompressed_total_bytes: Option<u64>,
    /// Argus management records (`man`: the probe's own status, not traffic) passed over.
    pub management_rows: u64,
}

/// The kinds of text flow file the reader tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    /// Argus `ra` CSV/TSV such as CTU-13's `.binetflow`.
    Binetflow,
    /// NetFlow CSV with BotRecon's eight columns (see `columns.rs`).
    NetFlow,
    /// Zeek `conn.log`, TSV (IoT-23's variant included).
    ZeekTsv,
    /// Zeek `conn.log`, one JSON object a line.
    ZeekJson,
}

/// How each line is read.
// One per reader, so its size does not matter; a boxed RowParser would cost an indirection
// per line.
#[allow(clippy::large_enum_variant)]
enum LineParser {
    Argus(RowParser),
    ZeekTsv(ZeekTsvParser),
    ZeekJson,
}

/// Why a line gave no record.
enum LineProblem {
    /// A row that cannot be read: skipped with `keep_going`.
    Row(String),
    /// A header line met after the rows began (Zeek logs concatenated) that cannot be used:
    /// the rows after it would be misread, so this always stops the reader.
    Header(String),
}

const ARGUS_TIMES: RecordTimeNames = RecordTimeNames { start: "StartTime", last: "LastTime (StartTime + Dur)", window_start: "WindowStart" };
const ZEEK_TIMES: RecordTimeNames = RecordTimeNames { start: "ts", last: "ts + duration", window_start: "window start" };

impl LineParser {
    /// What this kind of file calls a record's times, for range errors.
    fn time_names(&self) -> &'static RecordTimeNames {
        match self {
            LineParser::Argus(_) => &ARGUS_TIMES,
            LineParser::ZeekTsv(_) | LineParser::ZeekJson => &ZEEK_TIMES,
        }
    }

    /// Whether `line` ends the records: nfdump's summary.
    fn ends_at(&self, line: &[u8]) -> bool {
        matches!(self, LineParser::Argus(parser) if parser.is_nfdump() && nfdump::is_summary_line(line))
    }

    /// The record of a line; `None` for a header line of a Zeek TSV log.
    fn parse(&mut self, line: &[u8]) -> std::result::Result<Option<FlowRecord>, LineProblem> {
        match self {
            LineParser::Argus(parser) => parser.parse(line).map(Some).map_err(|err| LineProblem::Row(err.message)),
            LineParser::ZeekTsv(parser) if line.first() == Some(&b'#') => {
                parser.header_line(line).map(|()| None).map_err(LineProblem::Header)
            }
            LineParser::ZeekTsv(parser) => parser.parse_row(line).map(Some).map_err(LineProblem::Row),
            // `jq .` prints an object over several lines; Zeek writes one a line.
            LineParser::ZeekJson if line.trim_ascii() == b"{" => Err(LineProblem::Row(
                "a JSON object over several lines: a Zeek JSON log holds one object a line (`jq -c . FILE` writes it so)"
                    .into(),
            )),
            LineParser::ZeekJson => parse_json_line(line).map(Some).map_err(LineProblem::Row),
        }
    }
}

pub struct FlowFileReader {
    path: PathBuf,
    options: FlowFileOptions,
    lines: LineReader,
    parser: LineParser,
    column_names: Vec<String>,
    consumed: ConsumedBytes,
    decoded: ConsumedBytes,
    gzip: bool,
    /// gzip: the ISIZE trailer of a regular file, for the uncompressed size's estimate.
    gzip_trailer: Option<u32>,
    stats: FlowFileStats,
    /// A file without a header: its first line, a row still to be read, and its number.
    first_row: Option<NumberedLine>,
    /// Once an error is returned, every later call returns it again: the stream position after
    /// a failure is not trustworthy.
    failure: Option<FlowhoundError>,
    /// The line that ends the records (nfdump's summary) was read: what follows is not records.
    records_ended: bool,
}

impl FlowFileReader {
    /// Opens a `.binetflow` (or any Argus CSV/TSV), NetFlow CSV or Zeek conn.log file, gzip or
    /// plain, and reads its header.
    ///
    /// `-` is standard input; a FIFO or a device is read as a stream, once.
    pub fn open(path: &Path, options: FlowFileOptions) -> Result<FlowFileReader> {
        Self::from_input(open_input(path)?, path, options)
    }

    /// Reads a flow file from an input already opened (`input_file`), from its start; `path`
    /// names it in errors.
    pub fn from_input(input: InputBytes, path: &Path, options: FlowFileOptions) -> Result<FlowFileReader> {
        let total_bytes = input.total_bytes();
        let trailer = match &input {
            InputBytes::File(file) => gzip_trailer_size(file),
            InputBytes::Stream(_) => None,
        };
        let mut reader = Self::from_read_at(input.into_read(), path.to_path_buf(), options)?;
        reader.stats.total_bytes = total_bytes;
        reader.gzip_trailer = trailer.filter(|_| reader.gzip);
        reader.update_byte_counts(false);
        Ok(reader)
    }

    /// Reads a flow file from any byte stream; `name` stands for the file in errors.
    pub fn from_read(source: Box<dyn Read + Send>, name: &str, options: FlowFileOptions) -> Result<FlowFileReader> {
        Self::from_read_at(source, PathBuf::from(name), options)
    }

    fn from_read_at(source: Box<dyn Read + Send>, path: PathBuf, options: FlowFileOptions) -> Result<FlowFileReader> {
        if options.utc_offset_minutes.unsigned_abs() > MAX_UTC_OFFSET_MINUTES.unsigned_abs() {
            return Err(FlowhoundError::new(
                ErrorCode::BadOption,
                format!(
                    "UTC offset of {} minutes is beyond ±{MAX_UTC_OFFSET_MINUTES} (±18 h)",
                    options.utc_offset_minutes
                ),
            )
            .in_file(&path));
        }
        let Some(source) = open_source(source).map_err(|err| FlowhoundError::io(&err, &path))? else {
            return Err(FlowhoundError::new(ErrorCode::EmptyFile, "the file holds no bytes").in_file(&path));
        };
        let mut lines = LineReader::new(source.text, MAX_LINE_BYTES);
        let header_error = |message: String, line: u64| {
            FlowhoundError::new(ErrorCode::FlowFileBadHeader, message).at_line(line).in_file(&path)
        };
        // The header is the first line that is not blank.
        let header = loop {
            match lines.next_line() {
                Ok(Line::Text) if lines.line().trim_ascii().is_empty() => continue,
                Ok(Line::Text) => break lines.line().to_vec(),
                Ok(Line::TooLong) => {
                    return Err(header_error(
                        format!("the first line is longer than {MAX_LINE_BYTES} bytes: not a flow-file header"),
                        lines.line_number(),
                    ))
                }
                Ok(Line::End) if source.gzip && source.consumed.get() > 0 && lines.line_number() == 0 => {
                    return Err(FlowhoundError::new(ErrorCode::EmptyFile, "the gzip data decompresses to nothing")
                        .in_file(&path))
                }
                Ok(Line::End) => {
                    return Err(header_error(
                        "no header line: the file holds only blank lines".into(),
                        lines.line_number(),
                    ))
                }
                Err(err) => return Err(stream_error(&err, source.gzip, &source.consumed, &path)),
            }
        };
        let header = header.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&header); // UTF-8 BOM
        let header_line = lines.line_number();
        let (parser, column_names, first_row) = match ZeekFormat::of_first_line(header) {
            Some(ZeekFormat::Json) => (LineParser::ZeekJson, Vec::new(), Some((header.to_vec(), header_line))),
            Some(ZeekFormat::Tsv) => {
                let (parser, first_row) =
                    read_zeek_header(header, header_line, &mut lines, (source.gzip, &source.consumed), &path)?;
                let names = parser.column_names().to_vec();
                (LineParser::ZeekTsv(parser), names, first_row)
            }
            None => {
                let (columns, delimiter, names, first_row) = read_argus_header(header, header_line, &path, &options.columns)?;
                let nfdump = options.columns.is_empty() && nfdump::argus_names(&names).is_some();
                let parser = RowParser::new(columns, delimiter, options.utc_offset_minutes).nfdump(nfdump);
                (LineParser::Argus(parser), names, first_row)
            }
        };
        lines.set_skip_overlong_lines(options.keep_going);
        let stats = FlowFileStats {
            lines: lines.line_number(),
            bytes_consumed: source.consumed.get(),
            gzip: source.gzip,
            ..FlowFileStats::default()
        };
        Ok(FlowFileReader {
            parser,
            path,
            options,
            lines,
            column_names,
            consumed: source.consumed,
            decoded: source.decoded,
            gzip: source.gzip,
            gzip_trailer: None,
            stats,
            first_row,
            failure: None,
            records_ended: false,
        })
    }

    /// Appends up to `max_records` records (at least one is attempted) to `out`; returns how
    /// many it appended, 0 at the end of the file.
    ///
    /// On an error, records read before it in this call stay in `out`, and the error is
    /// returned by this and every later call. With `keep_going`, bad rows are skipped and
    /// counted instead; gzip and I/O errors still stop the reader.
    pub fn next_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<usize> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let result = self.read_batch(max_records.max(1), out);
        self.stats.lines = self.lines.line_number();
        self.update_byte_counts(matches!(result, Ok(0)));
        if let Err(err) = &result {
            self.failure = Some(err.clone());
        }
        result
    }

    /// Stored bytes consumed, and for gzip the text decoded and its estimated total (exact
    /// once the file has been read to its end).
    fn update_byte_counts(&mut self, at_end: bool) {
        self.stats.bytes_consumed = self.consumed.get();
        if !self.gzip {
            return;
        }
        let decoded = self.decoded.get();
        self.stats.uncompressed_bytes = decoded;
        self.stats.uncompressed_total_bytes = if at_end {
            Some(decoded)
        } else {
            estimated_text_bytes(self.gzip_trailer, self.stats.total_bytes, self.stats.bytes_consumed, decoded)
        };
    }

    fn read_batch(&mut self, max_records: usize, out: &mut Vec<FlowRecord>) -> Result<usize> {
        let mut appended = 0;
        if self.records_ended {
            return Ok(0);
        }
        if let Some((line, line_number)) = self.first_row.take() {
            let parsed = self.parser.parse(&line);
            self.take_row(parsed, line_number, out, &mut appended)?;
        }
        while appended < max_records {
            let line =
                self.lines.next_line().map_err(|err| stream_error(&err, self.gzip, &self.consumed, &self.path))?;
            let parsed = match line {
                Line::End => break,
                Line::Text if self.lines.line().trim_ascii().is_empty() => continue,
                Line::Text if self.parser.ends_at(self.lines.line()) => {
                    self.records_ended = true;
                    break;
                }
                Line::Text => self.parser.parse(self.lines.line()),
                Line::TooLong => Err(LineProblem::Row(format!("line longer than {MAX_LINE_BYTES} bytes"))),
            };
            self.take_row(parsed, self.lines.line_number(), out, &mut appended)?;
        }
        Ok(appended)
    }

    /// Appends a parsed row, or returns its error (skips and counts it with `keep_going`).
    fn take_row(
        &mut self,
        parsed: std::result::Result<Option<FlowRecord>, LineProblem>,
        line_number: u64,
        out: &mut Vec<FlowRecord>,
        appended: &mut usize,
    ) -> Result<()> {
        match parsed {
            // Argus's status records carry the probe's clock, not traffic: test5-old.binetflow
            // opens with one dated 2018 before rows dated 1970, which would close every window.
            // Compared in place: a String made for the comparison was an allocation per row.
            Ok(Some(record)) if matches!(&record.protocol, Protocol::Named(name) if name == "man") => {
                self.stats.management_rows += 1;
            }
            Ok(Some(record)) => {
                if let Err(error) = check_record_times(&record, self.parser.time_names()) {
                    return self.skip_or_fail(error.at_line(line_number).in_file(&self.path));
                }
                out.push(record);
                *appended += 1;
                self.stats.rows += 1;
            }
            Ok(None) => {}
            Err(LineProblem::Header(message)) => {
                return Err(FlowhoundError::new(ErrorCode::FlowFileBadHeader, message)
                    .at_line(line_number)
                    .in_file(&self.path))
            }
            Err(LineProblem::Row(message)) => {
                let err =
                    FlowhoundError::new(ErrorCode::FlowFileBadRow, message).at_line(line_number).in_file(&self.path);
                return self.skip_or_fail(err);
            }
        }
        Ok(())
    }

    /// A row's error: returned, or (with `keep_going`) counted and passed over.
    fn skip_or_fail(&mut self, err: FlowhoundError) -> Result<()> {
        if !self.options.keep_going {
            return Err(err);
        }
        self.stats.skipped_rows += 1;
        if self.stats.skip_reasons.len() < MAX_SKIP_REASONS {
            self.stats.skip_reasons.push(err);
        }
        Ok(())
    }

    /// The header's column names, as written (trimmed), in file order; a Zeek TSV log's
    /// `#fields` (IoT-23's joined ones split); none for a Zeek JSON log, whose lines name their own.
    pub fn columns(&self) -> &[String] {
        &self.column_names
    }

    /// Whether the file has `column` (e.g. no `SrcBytes` means `src_bytes` is 0, not measured).
    /// For a Zeek log: whether it has the fields that column is made from (`SrcBytes`:
    /// `orig_ip_bytes`); a JSON log may have any of them, line by line.
    pub fn has_column(&self, column: FlowColumn) -> bool {
        match &self.parser {
            LineParser::Argus(parser) => parser.columns().field(column).is_some(),
            LineParser::ZeekTsv(parser) => ZeekField::making(column).iter().any(|field| parser.has_field(*field)),
            LineParser::ZeekJson => !ZeekField::making(column).is_empty(),
        }
    }

    /// Which kind of flow file this is: a binetflow, BotRecon's NetFlow CSV (whose rows lack a
    /// destination, a packet count and maybe times: see `row.rs`), or a Zeek conn.log.
    pub fn format(&self) -> TextFormat {
        match &self.parser {
            LineParser::Argus(parser) => match parser.columns().layout() {
                Layout::Binetflow => TextFormat::Binetflow,
                Layout::NetFlow => TextFormat::NetFlow,
            },
            LineParser::ZeekTsv(_) => TextFormat::ZeekTsv,
            LineParser::ZeekJson => TextFormat::ZeekJson,
        }
    }

    pub fn stats(&self) -> &FlowFileStats {
        &self.stats
    }

    pub fn options(&self) -> FlowFileOptions {
        self.options.clone()
    }
}

/// A line's bytes and its number (from 1).
type NumberedLine = (Vec<u8>, u64);

/// An Argus or NetFlow CSV header (or, without one, the first NetFlow row): the column map,
/// the delimiter, the column names, and the first row when the line was data.
fn read_argus_header(
    header: &[u8],
    header_line: u64,
    path: &Path,
    renames: &ColumnRenames,
) -> Result<(ColumnMap, u8, Vec<String>, Option<NumberedLine>)> {
    let header_error = |message: String, line: u64| {
        FlowhoundError::new(ErrorCode::FlowFileBadHeader, message).at_line(line).in_file(path)
    };
    // Tab (ra -c '\t'), comma, or semicolon (Excel's CSV where the decimal separator is a comma).
    let delimiter = if header.contains(&b'\t') {
        b'\t'
    } else if header.contains(&b';') && !header.contains(&b',') {
        b';'
    } else {
        b','
    };
    let column_names: Vec<String> =
        fields(header, delimiter).into_iter().map(|name| String::from_utf8_lossy(name).trim().to_string()).collect();
    let (columns, first_row) = if starts_with_an_address(header, delimiter) && renames.is_empty() {
        if column_names.len() != FlowColumn::NETFLOW_EIGHT.len() {
            return Err(header_error(
                format!(
                    "the first line is data, not a header (its first field {:?} is an address), and has {} \
                     fields: a flow file without a header must hold BotRecon's eight columns in order ({})",
                    column_names[0],
                    column_names.len(),
                    netflow_names()
                ),
                header_line,
            ));
        }
        (ColumnMap::netflow_without_header(), Some((header.to_vec(), header_line)))
    } else {
        // nfdump's CSV: its short names read as Argus's (`nfdump.rs`).
        let own_names = match nfdump::argus_names(&column_names) {
            Some(argus_names) if renames.is_empty() => argus_names,
            _ => column_names.clone(),
        };
        let mapped_names = renames.apply(&own_names).map_err(|message| {
            FlowhoundError::new(ErrorCode::FlowFileBadHeader, format!("{message}; found: {}", quoted_list(&column_names)))
                .at_line(header_line)
                .in_file(path)
        })?;
        let columns = ColumnMap::from_names(&mapped_names).map_err(|problem| {
            let found = quoted_list(&column_names);
            let message = match problem {
                HeaderProblem::Missing { layout: Layout::Binetflow, missing } => {
                    format!("missing column(s) {}; found: {found}", missing.join(", "))
                }
                HeaderProblem::Missing { layout: Layout::NetFlow, missing } => format!(
                    "missing column(s) {} (NetFlow CSV needs BotRecon's eight: {}; a CTU-13 binetflow needs {}); \
                     found: {found}",
                    missing.join(", "),
                    netflow_names(),
                    binetflow_names()
                ),
                HeaderProblem::NoKnownColumn if header.trim_ascii().starts_with(b"[") => "a JSON array: a Zeek JSON log \
                    holds one object a line (`jq -c '.[]' FILE` writes it so)"
                    .to_string(),
                HeaderProblem::NoKnownColumn => format!(
                    "no known column in the first line: neither a binetflow or NetFlow CSV header nor a \
                     NetFlow row (which starts with an address); found: {found}"
                ),
                HeaderProblem::Duplicate { column, first_field, second_field } => {
                    format!("column {column} appears twice (fields {first_field} and {second_field})")
                }
            };
            header_error(message, header_line)
        })?;
        (columns, None)
    };
    Ok((columns, delimiter, column_names, first_row))
}

/// A Zeek TSV log's header lines, from `first` (already read) to the line before the first
/// row; returns the parser and that row.
fn read_zeek_header(
    first: &[u8],
    first_line: u64,
    lines: &mut LineReader,
    (gzip, consumed): (bool, &ConsumedBytes),
    path: &Path,
) -> Result<(ZeekTsvParser, Option<NumberedLine>)> {
    let header_error = |message: String, line: u64| {
        FlowhoundError::new(ErrorCode::FlowFileBadHeader, message).at_line(line).in_file(path)
    };
    let mut parser = ZeekTsvParser::default();
    parser.header_line(first).map_err(|message| header_error(message, first_line))?;
    let first_row = loop {
        match lines.next_line() {
            Ok(Line::Text) if lines.line().trim_ascii().is_empty() => continue,
            Ok(Line::Text) if lines.line().first() == Some(&b'#') => {
                parser.header_line(lines.line()).map_err(|message| header_error(message, lines.line_number()))?
            }
            Ok(Line::Text) => break Some((lines.line().to_vec(), lines.line_number())),
            Ok(Line::TooLong) => {
                return Err(header_error(format!("line longer than {MAX_LINE_BYTES} bytes"), lines.line_number()))
            }
            Ok(Line::End) => break None,
            Err(err) => return Err(stream_error(&err, gzip, consumed, path)),
        }
    };
    if !parser.has_fields() {
        let line = first_row.as_ref().map_or(lines.line_number(), |(_, line)| *line);
        return Err(header_error("a Zeek log without a #fields line before its rows".into(), line));
    }
    Ok((parser, first_row))
}

/// Whether a line is data rather than a header: its first field is an IP or MAC address.
fn starts_with_an_address(line: &[u8], delimiter: u8) -> bool {
    let first = fields(line, delimiter).into_iter().next().unwrap_or_default();
    matches!(parse_address(first), Ok(Address::Ip(_) | Address::Mac(_)))
}

fn netflow_names() -> String {
    FlowColumn::NETFLOW_EIGHT.iter().map(|c| c.argus_name()).collect::<Vec<_>>().join(", ")
}

fn binetflow_names() -> String {
    let mut names: Vec<&str> = FlowColumn::REQUIRED.iter().map(|c| c.argus_name()).collect();
    names.insert(1, "Dur");
    names.join(", ")
}

/// The header's names for a message: a binary file's "header" can be long, so only so much.
fn quoted_list(names: &[String]) -> String {
    const MAX_NAMES_SHOWN: usize = 30;
    const MAX_NAME_CHARS: usize = 40;
    let mut shown: Vec<String> = names
        .iter()
        .take(MAX_NAMES_SHOWN)
        .map(|name| {
            let mut short: String = name.chars().take(MAX_NAME_CHARS).collect();
            if short.len() < name.len() {
                short.push('…');
            }
            format!("{short:?}")
        })
        .collect();
    if names.len() > MAX_NAMES_SHOWN {
        shown.push(format!("… ({} in all)", names.len()));
    }
    shown.join(", ")
}

fn stream_error(err: &std::io::Error, gzip: bool, consumed: &ConsumedBytes, path: &Path) -> FlowhoundError {
    if gzip && is_gzip_data_error(err) {
        FlowhoundError::new(ErrorCode::GzipCorrupt, format!("gzip data is corrupt or ends early: {err}"))
            .at_offset(consumed.get())
            .in_file(path)
    } else {
        FlowhoundError::io(err, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_range::LATEST_TIME_US;

    /// Reads `text` as a stream (no seek, no size), as from a pipe.
    fn read_text(text: &str, keep_going: bool) -> (Result<Vec<FlowRecord>>, FlowFileStats) {
        let source = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        let mut reader = match FlowFileReader::from_read(source, "piped", FlowFileOptions { utc_offset_minutes: 0, keep_going, ..Default::default() }) {
            Ok(reader) => reader,
            Err(error) => return (Err(error), FlowFileStats::default()),
        };
        let mut records = Vec::new();
        let result = loop {
            match reader.next_batch(2, &mut records) {
                Ok(0) => break Ok(records),
                Ok(_) => {}
                Err(error) => break Err(error),
            }
        };
        (result, reader.stats().clone())
    }

    /// Three rows, the second (line `bad_line`) with a time out of range: an error there with
    /// ERR_TIME_OUT_OF_RANGE naming `time_name`; with keep_going, two records and one skip.
    fn check_out_of_range_row(text: &str, bad_line: u64, time_name: &str) {
        let (result, _) = read_text(text, false);
        let error = result.expect_err("an out-of-range time");
        assert_eq!((error.code, error.location.line), (ErrorCode::TimeOutOfRange, Some(bad_line)), "{error}");
        assert_eq!(error.location.path, Some(PathBuf::from("piped")));
        assert!(error.message.starts_with(time_name), "{}", error.message);
        let (result, stats) = read_text(text, true);
        let records = result.unwrap();
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r.start_us <= LATEST_TIME_US && r.last_us <= LATEST_TIME_US));
        assert_eq!(stats.skipped_rows, 1);
        assert_eq!((stats.skip_reasons[0].code, stats.skip_reasons[0].location.line), (ErrorCode::TimeOutOfRange, Some(bad_line)));
    }

    #[test]
    fn binetflow_times_past_2100_or_long_before_1970_are_refused_with_their_line() {
        let header = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes\n";
        let row = |start: &str, dur: &str| format!("{start},{dur},udp,10.0.0.1,1000,   ->,10.0.0.2,53,INT,0,,1,60,60\n");
        let good = row("2011/08/16 10:01:46.972101", "0.5");
        for (bad, name) in [
            (row("2150/01/01 00:00:00.000000", "0.5"), "StartTime"),
            (row("1969/12/30 00:00:00.000000", "0.5"), "StartTime"),
            (row("99999999999999999999", "0.5"), "StartTime"),
            (row("4102444799.5", "1.0"), "LastTime"),
        ] {
            check_out_of_range_row(&format!("{header}{good}{bad}{good}"), 3, name);
        }
        // The bounds themselves are taken.
        let (result, _) = read_text(&format!("{header}{}{}", row("1969/12/31 00:00:00.000000", "0"), row("4102444800", "0")), false);
        assert_eq!(result.unwrap().len(), 2);
    }

    #[test]
    fn quoted_csv_reads_as_unquoted() {
        // The CTU-13 scenario 6 excerpt's first rows, as R's write.csv and pandas with
        // quoting=csv.QUOTE_ALL write them: every field quoted (a label with a comma too).
        let plain = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n\
            2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213,  <?>,147.32.84.172,18250,A_PA,0,0,414671,415389446,10150692,flow=Background\n\
            2011/08/16 10:01:46.976831,2.003952,udp,90.178.10.8,13363,  <->,147.32.84.229,13363,CON,0,0,2,236,108,flow=Background-UDP-Established\n";
        let quoted: String = plain
            .lines()
            .map(|line| line.split(',').map(|field| format!("\"{field}\"")).collect::<Vec<_>>().join(",") + "\r\n")
            .collect();
        let (plain_records, quoted_records) = (read_text(plain, false).0.unwrap(), read_text(&quoted, false).0.unwrap());
        assert_eq!(quoted_records.len(), 2);
        assert_eq!(quoted_records, plain_records);
        // Only some fields quoted, one holding the delimiter and a doubled quote.
        let mixed = plain.replace("flow=Background-UDP-Established", "\"flow=Background, \"\"UDP\"\"\"");
        let records = read_text(&mixed, false).0.unwrap();
        assert_eq!(records[1].label.as_deref(), Some("flow=Background, \"\"UDP\"\""));
        assert_eq!(records[0], plain_records[0]);
    }

    #[test]
    fn json_arrays_and_objects_over_several_lines_say_how_to_make_a_zeek_log() {
        let array = read_text("[\n  {\"ts\": 1600000000.0, \"proto\": \"tcp\"}\n]\n", false).0.unwrap_err();
        assert_eq!((array.code, array.location.line), (ErrorCode::FlowFileBadHeader, Some(1)));
        assert!(array.message.contains("jq -c '.[]' FILE"), "{array}");
        let pretty = read_text("{\n  \"ts\": 1600000000.0,\n  \"proto\": \"tcp\"\n}\n", false).0.unwrap_err();
        assert_eq!((pretty.code, pretty.location.line), (ErrorCode::FlowFileBadRow, Some(1)));
        assert!(pretty.message.contains("jq -c . FILE"), "{pretty}");
    }

    #[test]
    fn semicolon_separated_csv_reads_as_comma_separated() {
        let comma = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n\
            2011/08/16 10:01:46.976831,2.003952,udp,90.178.10.8,13363,  <->,147.32.84.229,13363,CON,0,0,2,236,108,flow=Background\n";
        let records = read_text(&comma.replace(',', ";"), false).0.unwrap();
        assert_eq!(records, read_text(comma, false).0.unwrap());
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn nfdump_csv_reads_with_argus_meanings_up_to_its_summary() {
        // `nfdump -r nfcapd.201903041000 -o csv` (nfdump 1.6.17) of two NetFlow v9 records: the
        // header, the rows (fields after `tr` left out by nfdump for v9), then its summary.
        let header = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr";
        let tail = "0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0.000,0.000,0.000,127.0.0.1,0/0,1,1970-01-01 00:00:00.000";
        let text = format!(
            "{header}\n\
             2019-03-04 10:00:00.123,2019-03-04 10:00:01.456,1.333,192.168.1.10,93.184.216.34,50000,443,TCP,.AP.SF,0,0,12,3400,0,0,{tail}\n\
             2019-03-04 10:00:03.000,2019-03-04 10:00:03.000,0.000,192.168.1.10,8.8.8.8,53000,53,UDP,......,0,0,1,60,1,120,{tail}\n\
             2019-03-04 10:00:04.000,2019-03-04 10:00:04.000,0.000,192.168.1.10,8.8.4.4,0,3.3,ICMP,......,0,0,1,120,0,0,{tail}\n\
             Summary\n\
             flows,bytes,packets,avg_bps,avg_pps,avg_bpp\n\
             2,3580,14,0,0,0\n"
        );
        let (result, stats) = read_text(&text, false);
        let records = result.unwrap();
        assert_eq!((records.len(), stats.rows), (3, 3));
        let tcp = &records[0];
        assert_eq!((tcp.state.as_str(), tcp.total_pkts, tcp.total_bytes, tcp.src_bytes), ("FSPA_", 12, 3400, 3400));
        assert_eq!(tcp.start_us, 1_551_693_600_123_000);
        assert_eq!(tcp.last_us - tcp.start_us, 1_333_000);
        assert_eq!(tcp.src_tcp_flags, crate::packet::tcp_flag::FIN | crate::packet::tcp_flag::SYN | crate::packet::tcp_flag::PSH | crate::packet::tcp_flag::ACK);
        assert_eq!(tcp.direction, crate::record::Direction::parse("->"));
        let udp = &records[1];
        assert_eq!((udp.state.as_str(), udp.total_pkts, udp.total_bytes, udp.src_bytes, udp.src_pkts), ("CON", 2, 180, 60, Some(1)));
        // ICMP's dp as type.code, or its 16-bit value 3 << 8 | 3: port unreachable, kept as
        // Argus keeps it (type << 8 | code in src_port, Argus's state name).
        let icmp = &records[2];
        assert_eq!((icmp.src_port, icmp.dst_port, icmp.state.as_str()), (Some(0x0303), None, "URP"));
        let icmp_771 = text.replace(",3.3,ICMP,", ",771,ICMP,");
        assert_eq!(&read_text(&icmp_771, false).0.unwrap()[2], icmp);
    }

    #[test]
    fn zeek_times_out_of_range_are_refused_with_their_line() {
        let tsv_header = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\n";
        let tsv_row = |ts: &str, duration: &str| format!("{ts}\tC1\t10.0.0.1\t1000\t10.0.0.2\t53\tudp\t{duration}\tS0\n");
        let good = tsv_row("1545403816.962094", "0.5");
        check_out_of_range_row(&format!("{tsv_header}{good}{}{good}", tsv_row("10000000000000", "0.5")), 4, "ts ");
        check_out_of_range_row(&format!("{tsv_header}{good}{}{good}", tsv_row("1e300", "-")), 4, "ts ");
        check_out_of_range_row(&format!("{tsv_header}{good}{}{good}", tsv_row("4102444799", "5")), 4, "ts + duration");
        let json_row = |ts: &str| format!("{{\"ts\":{ts},\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":53,\"proto\":\"udp\",\"conn_state\":\"S0\"}}\n");
        let good = json_row("1545403816.962094");
        check_out_of_range_row(&format!("{good}{}{good}", json_row("-172800")), 2, "ts ");
        check_out_of_range_row(&format!("{good}{}{good}", json_row("\"2101-01-01T00:00:00Z\"")), 2, "ts ");
    }

    #[test]
    fn records_lasting_more_than_seven_days_are_refused_with_their_line() {
        // A damaged duration (a Dur of 10^9 s, a start zeroed to 1970) would put
        // one record's packets in millions of windows.
        let header = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes\n";
        let row = |dur: &str| format!("2011/08/16 10:01:46.972101,{dur},udp,10.0.0.1,1000,   ->,10.0.0.2,53,INT,0,,1000,60000,60000\n");
        let good = row("0.5");
        for bad in [row("604800.000001"), row("1000000000")] {
            check_out_of_range_row(&format!("{header}{good}{bad}{good}"), 3, "the record lasts");
        }
        let (result, _) = read_text(&format!("{header}{good}{}", row("604800")), false);
        assert_eq!(result.unwrap().len(), 2, "exactly 7 days is taken");
        let tsv_header = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\n";
        let tsv_row = |duration: &str| format!("1545403816.962094\tC1\t10.0.0.1\t1000\t10.0.0.2\t53\tudp\t{duration}\tS0\n");
        check_out_of_range_row(&format!("{tsv_header}{}{}{}", tsv_row("1"), tsv_row("1000000"), tsv_row("2")), 4, "the record lasts");
        let (error, _) = read_text(&format!("{header}{}", row("1314000000")), false);
        let message = error.unwrap_err().message;
        assert!(message.contains("the record lasts 1314000000 s (15208.3 days): longer than the 7 days"), "{message}");
    }

    #[test]
    fn reader_can_move_to_a_worker_thread() {
        // The N-API binding reads off the JavaScript thread.
        fn assert_send<T: Send>() {}
        assert_send::<FlowFileReader>();
    }
}
