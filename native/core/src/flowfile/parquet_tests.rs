//! Parquet flow tables on the committed fixtures (test/fixtures/flowfiles, made by
//! `make-netflow-fixtures.py`: pyarrow's and pandas' own files, and damaged copies), and
//! flowhound's Parquet writer read back by its reader and checked against the Arrow table it was
//! made from.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;

use crate::error::{ErrorCode, FlowhoundError, Result};
use crate::export::ParquetTableWriter;
use crate::flowfile::fixture_tests::fixture;
use crate::flowfile::{ArrowFlowReader, ArrowFormat, ColumnRenames, FlowFileOptions, FlowFileReader};
use crate::ingest::{FlowSource, FlowSourceOptions};
use crate::input_file::InputBytes;
use crate::record::{FlowRecord, Protocol};

const UTC: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: false, columns: ColumnRenames::NONE };
const CTU13: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, columns: ColumnRenames::NONE };

fn source_options(flow_file: FlowFileOptions) -> FlowSourceOptions {
    FlowSourceOptions { engine: Default::default(), flow_file, keep_going: false, decode_thread: false, flows_thread_batch_records: None }
}

/// Every record of `source`, checking that it is a Parquet table and that its bytes are all
/// consumed at the end.
fn read_all(mut source: FlowSource) -> Result<Vec<FlowRecord>> {
    let mut records = Vec::new();
    while source.next_batch(5, &mut records)? {}
    let FlowSource::FlowFile(file) = &source else { panic!("not a flow file") };
    assert!(file.is_parquet());
    let stats = file.file_stats();
    assert_eq!(stats.rows, records.len() as u64);
    assert_eq!(Some(stats.bytes_consumed), stats.total_bytes);
    Ok(records)
}

fn read_parquet(path: &Path, options: FlowFileOptions) -> Result<Vec<FlowRecord>> {
    read_all(FlowSource::open(path, source_options(options))?)
}

fn excerpt() -> Vec<FlowRecord> {
    let mut reader = FlowFileReader::open(&fixture("ctu13-scenario6-excerpt.binetflow"), CTU13).unwrap();
    let mut records = Vec::new();
    while reader.next_batch(100, &mut records).unwrap() > 0 {}
    records
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("flowhound-parquet-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn parquet_written_by_pyarrow_and_pandas() {
    // pyarrow-flows*.parquet: the TCP and UDP rows of the NetFlow lines with pyarrow's other
    // types (ns timestamps, dictionary proto, string_view, uint16/uint64, a list column), in two
    // row groups (snappy), and compressed with zstd and gzip.
    let lines = [2, 3, 4, 7, 11, 14, 17, 19];
    let all = excerpt();
    let tcp_udp: Vec<FlowRecord> =
        lines.iter().map(|line| all[line - 2].clone()).filter(|r| matches!(r.protocol, Protocol::Ip(6 | 17))).collect();
    assert_eq!(tcp_udp.len(), 7);
    for name in ["pyarrow-flows.parquet", "pyarrow-flows-zstd.parquet", "pyarrow-flows-gzip.parquet"] {
        assert_eq!(read_parquet(&fixture(name), UTC).unwrap(), tcp_udp, "{name}");
    }
    // pandas-flows.parquet: flowhound's Arrow table read by pandas 3 and written back with
    // `to_parquet` (snappy): counts with nulls as float64, text as pandas' strings.
    assert_eq!(read_parquet(&fixture("pandas-flows.parquet"), UTC).unwrap(), all);
}

#[test]
fn parquet_from_a_pipe_is_read_as_from_a_file() {
    let bytes = std::fs::read(fixture("pandas-flows.parquet")).unwrap();
    let input = InputBytes::Stream(Box::new(Cursor::new(bytes)));
    let source = FlowSource::from_input(input, Path::new("-"), source_options(UTC)).unwrap();
    assert_eq!(read_all(source).unwrap(), excerpt());
}

fn error_of(path: &Path) -> FlowhoundError {
    read_parquet(path, UTC).unwrap_err()
}

#[test]
fn damaged_parquet_is_named_with_its_code_and_file() {
    for (name, expected) in [
        ("bad-parquet-cut.parquet", "damaged Parquet file (its footer cannot be read: cut short, or not Parquet): "),
        ("bad-parquet-page.parquet", "damaged Parquet data (a page or column chunk cannot be decoded): "),
        ("bad-parquet-brotli.parquet", "Parquet data compressed with a codec this build does not read (brotli): "),
    ] {
        let path = fixture(name);
        let err = error_of(&path);
        assert_eq!(err.code, ErrorCode::ParquetCorrupt, "{name}: {err}");
        assert!(err.message.starts_with(expected), "{name}: {}", err.message);
        assert_eq!(err.location.path.as_deref(), Some(path.as_path()), "{name}");
        assert_eq!(err.location.byte_offset, None, "{name}: Parquet errors have no stream offsets");
    }
}

#[test]
fn parquet_rows_are_checked_as_arrow_rows_are_and_named_by_their_row_in_the_file() {
    // total_bytes as float64, whole but in the last row (62.5: the 7th, in the second row group).
    let path = fixture("bad-parquet-fraction.parquet");
    let err = error_of(&path);
    assert_eq!(err.code, ErrorCode::FlowFileBadRow);
    assert_eq!(err.message, "Parquet record batch 1: row 7 of the file: total_bytes 62.5 is not a whole number");
    assert_eq!((err.location.path.as_deref(), err.location.byte_offset), (Some(path.as_path()), None));
    // With --keep-going the row is skipped and counted.
    let mut source = FlowSource::open(&path, source_options(FlowFileOptions { keep_going: true, ..UTC })).unwrap();
    let mut records = Vec::new();
    while source.next_batch(100, &mut records).unwrap() {}
    let FlowSource::FlowFile(file) = &source else { unreachable!() };
    assert_eq!((records.len(), file.file_stats().skipped_rows), (6, 1));

    // A table that is not a flow table: its columns are listed.
    let dir = temp_dir("columns");
    let other = dir.join("other.parquet");
    let batch = RecordBatch::try_from_iter([
        ("src_addr", Arc::new(StringArray::from(vec!["10.0.0.1"])) as ArrayRef),
        ("bytes", Arc::new(Int64Array::from(vec![1500])) as ArrayRef),
    ])
    .unwrap();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(&other).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let err = error_of(&other);
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
    assert_eq!(
        err.message,
        "missing column(s) start_time, last_time (or duration_s), proto, src_port, dir, dst_addr, dst_port, state, \
         total_pkts, total_bytes: Parquet input must be a flow table as `flowhound flows -o FILE.parquet` writes it; \
         found: src_addr, bytes"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The Parquet bytes `ParquetTableWriter` makes of an Arrow IPC stream, given in `pieces`.
fn parquet_of(pieces: &[&[u8]]) -> Vec<u8> {
    let mut writer = ParquetTableWriter::new();
    let mut bytes = Vec::new();
    for piece in pieces {
        bytes.extend(writer.write_ipc_stream(piece).unwrap());
    }
    bytes.extend(writer.finish().unwrap());
    bytes
}

#[test]
fn flowhounds_parquet_reads_back_as_the_arrow_table_it_was_made_of_and_keeps_its_types() {
    // flowhound-scenario6-excerpt.arrows: `flowhound flows … -o X.arrows` (apache-arrow's IPC
    // stream), as the flows command hands its batches to the writer.
    let arrows = fixture("flowhound-scenario6-excerpt.arrows");
    let mut from_arrow = Vec::new();
    let mut reader = ArrowFlowReader::open(&arrows, ArrowFormat::Stream, UTC).unwrap();
    while reader.next_batch(100, &mut from_arrow).unwrap() > 0 {}
    let ipc = std::fs::read(&arrows).unwrap();
    // Given twice: two batches (of the same schema) in one table.
    let parquet = parquet_of(&[&ipc, &ipc]);
    assert_eq!(&parquet[..4], b"PAR1");
    assert_eq!(&parquet[parquet.len() - 4..], b"PAR1");

    let dir = temp_dir("round-trip");
    let path = dir.join("flows.parquet");
    std::fs::write(&path, &parquet).unwrap();
    let records = read_parquet(&path, UTC).unwrap();
    assert_eq!(records, [from_arrow.clone(), from_arrow].concat());

    // Typed as the Arrow output: timestamps in µs UTC, counts int64, small integers as such;
    // snappy, and the Parquet logical type of a time says UTC microseconds.
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(parquet)).unwrap();
    let schema = builder.schema();
    let type_of = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(type_of("start_time"), DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
    assert_eq!(type_of("window_start"), DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
    for count in ["total_pkts", "total_bytes", "src_bytes", "src_pkts"] {
        assert_eq!(type_of(count), DataType::Int64, "{count}");
    }
    assert_eq!((type_of("proto_number"), type_of("src_port"), type_of("src_tcp_flags")), (DataType::Int16, DataType::Int32, DataType::UInt8));
    assert_eq!((type_of("proto"), type_of("duration_s")), (DataType::Utf8, DataType::Float64));
    let column = builder.metadata().row_group(0).column(1);
    assert_eq!(column.column_path().string(), "start_time");
    assert_eq!(column.compression(), Compression::SNAPPY);
    assert_eq!(
        format!("{:?}", column.column_descr().logical_type_ref()),
        "Some(Timestamp(TimestampType { is_adjusted_to_u_t_c: true, unit: MICROS }))"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_table_without_rows_is_a_parquet_file_with_its_schema() {
    // apache-arrow's stream of a table with no batches: the schema, then the end marker. Cut
    // from the excerpt's stream: its first message is the schema.
    let ipc = std::fs::read(fixture("flowhound-scenario6-excerpt.arrows")).unwrap();
    let schema_len = u32::from_le_bytes(ipc[4..8].try_into().unwrap()) as usize;
    let schema_only = [&ipc[..8 + schema_len], &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0][..]].concat();
    let parquet = parquet_of(&[&schema_only]);
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(parquet)).unwrap();
    assert_eq!(builder.metadata().file_metadata().num_rows(), 0);
    assert_eq!(builder.schema().fields().len(), 23);

    // A stream of another table, or one after the end, is refused.
    let mut writer = ParquetTableWriter::new();
    writer.write_ipc_stream(&schema_only).unwrap();
    let batch = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1])) as ArrayRef)]).unwrap();
    let mut other = Vec::new();
    let mut ipc_writer = arrow_ipc::writer::StreamWriter::try_new(&mut other, &batch.schema()).unwrap();
    ipc_writer.write(&batch).unwrap();
    ipc_writer.finish().unwrap();
    drop(ipc_writer);
    assert!(writer.write_ipc_stream(&other).unwrap_err().message.contains("columns differ"));
    writer.finish().unwrap();
    assert!(writer.write_ipc_stream(&schema_only).is_err());
    assert!(ParquetTableWriter::new().finish().is_err(), "no schema, no file");
}
