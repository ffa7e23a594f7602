//! The NetFlow CSV and Arrow readers on the committed fixtures (test/fixtures/flowfiles, made
//! by `make-netflow-fixtures.py` from the CTU-13 excerpt there), through the public API:
//! every NetFlow row is checked against the binetflow row of the same flow.

use std::path::PathBuf;

use crate::cidr::Cidr;
use crate::error::ErrorCode;
use crate::features::{index_of, FeatureBuilder, FeatureOptions, Lan, HOST_FEATURES, HOST_FEATURE_COUNT};
use crate::flowfile::{ArrowFlowReader, ArrowFormat, FlowFileOptions, FlowFileReader, TextFormat, UNTIMED_START_US};
use crate::packet::IpAddr16;
use crate::record::{Address, Direction, FlowRecord, Protocol};
use crate::ingest::{FlowSource, FlowSourceOptions, InputKind};

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/flowfiles").join(name)
}

const CTU13: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, columns: crate::flowfile::ColumnRenames::NONE };
const UTC: FlowFileOptions = FlowFileOptions { utc_offset_minutes: 0, keep_going: false, columns: crate::flowfile::ColumnRenames::NONE };
/// The excerpt's lines that the NetFlow fixtures hold, in their order.
const NETFLOW_LINES: [usize; 8] = [2, 3, 4, 7, 11, 14, 17, 19];

fn read(name: &str, options: FlowFileOptions) -> (Vec<FlowRecord>, FlowFileReader) {
    let mut reader = FlowFileReader::open(&fixture(name), options).unwrap();
    let mut records = Vec::new();
    while reader.next_batch(3, &mut records).unwrap() > 0 {}
    (records, reader)
}

/// The binetflow records of the lines the NetFlow fixtures were made from.
fn binetflow_records() -> Vec<FlowRecord> {
    let (all, _) = read("ctu13-scenario6-excerpt.binetflow", CTU13);
    NETFLOW_LINES.iter().map(|line| all[line - 2].clone()).collect()
}

fn ip(text: &str) -> IpAddr16 {
    match text.parse::<std::net::IpAddr>().unwrap() {
        std::net::IpAddr::V4(v4) => IpAddr16::from_v4(v4.octets()),
        std::net::IpAddr::V6(v6) => IpAddr16::from_v6(v6.octets()),
    }
}

/// What an eight-column row keeps of a binetflow record.
fn assert_same_eight(netflow: &FlowRecord, binetflow: &FlowRecord) {
    assert_eq!(netflow.src_addr, binetflow.src_addr);
    assert_eq!(netflow.protocol, binetflow.protocol);
    assert_eq!((netflow.src_port, netflow.dst_port), (binetflow.src_port, binetflow.dst_port));
    assert_eq!(netflow.state, binetflow.state);
    assert_eq!(netflow.duration_us(), binetflow.duration_us());
    assert_eq!((netflow.total_bytes, netflow.src_bytes), (binetflow.total_bytes, binetflow.src_bytes));
    assert_eq!((netflow.src_tcp_flags, netflow.dst_tcp_flags), (binetflow.src_tcp_flags, binetflow.dst_tcp_flags));
}

fn assert_untimed_eight(records: &[FlowRecord]) {
    let binetflow = binetflow_records();
    assert_eq!(records.len(), binetflow.len());
    for (netflow, binetflow) in records.iter().zip(&binetflow) {
        assert_same_eight(netflow, binetflow);
        assert_eq!((netflow.start_us, netflow.window_start_us), (UNTIMED_START_US, Some(UNTIMED_START_US)));
        assert_eq!((netflow.dst_addr, netflow.direction), (Address::Unknown, Direction::Other));
        assert_eq!((netflow.total_pkts, netflow.src_pkts, netflow.label.as_deref()), (0, None, None));
    }
}

#[test]
fn netflow_with_header() {
    let (records, reader) = read("netflow-header.csv", UTC);
    assert_untimed_eight(&records);
    assert_eq!(reader.format(), TextFormat::NetFlow);
    assert_eq!((reader.stats().rows, reader.stats().lines), (8, 9));
    // The ICMP row keeps Argus's hex type/code, read as the binetflow's is.
    assert_eq!((records[3].protocol.clone(), records[3].src_port), (Protocol::Ip(1), Some(0x0301)));
}

#[test]
fn netflow_with_odd_header_spellings_order_and_an_extra_column() {
    let (records, reader) = read("netflow-odd-header.csv", UTC);
    assert_untimed_eight(&records);
    assert_eq!(reader.columns()[1], "src addr");
    assert_eq!(reader.columns()[8], "bps");
}

#[test]
fn netflow_without_header_plain_and_gzip() {
    let (plain, reader) = read("netflow-no-header.csv", UTC);
    assert_untimed_eight(&plain);
    assert_eq!((reader.stats().rows, reader.stats().lines, reader.stats().gzip), (8, 8, false));
    let (gzip, reader) = read("netflow-no-header.csv.gz", UTC);
    assert_eq!(gzip, plain);
    assert!(reader.stats().gzip);
}

#[test]
fn netflow_as_pandas_writes_it_with_times_and_destinations() {
    // BotRecon's own test data has this form: an index column, epoch times, float ports.
    let (records, reader) = read("netflow-pandas.csv", CTU13);
    assert_eq!(reader.format(), TextFormat::NetFlow);
    let binetflow = binetflow_records();
    for (netflow, binetflow) in records.iter().zip(&binetflow) {
        assert_eq!((netflow.start_us, netflow.last_us), (binetflow.start_us, binetflow.last_us));
        assert_eq!((netflow.dst_addr, netflow.window_start_us), (binetflow.dst_addr, None));
        if binetflow.protocol == Protocol::Ip(1) {
            // pandas could not read the hex ICMP ports: `nan`.
            assert_eq!((netflow.src_port, netflow.dst_port), (None, None));
        } else {
            assert_same_eight(netflow, binetflow);
        }
    }
}

#[test]
fn netflow_missing_column_names_file_line_and_columns() {
    let path = fixture("bad-netflow-missing-column.csv");
    let err = FlowFileReader::open(&path, UTC).err().unwrap();
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
    assert_eq!((err.location.path.as_deref(), err.location.line), (Some(path.as_path()), Some(1)));
    assert!(err.message.starts_with("missing column(s) SrcBytes (NetFlow CSV needs BotRecon's eight: "), "{err}");
    assert!(err.message.ends_with("found: \"SrcAddr\", \"Proto\", \"Dport\", \"Sport\", \"State\", \"Dur\", \"TotBytes\""));
    assert!(err.to_string().starts_with(&format!("ERR_FLOWFILE_BAD_HEADER: {}:1: ", path.display())));
}

#[test]
fn netflow_bad_rows_stop_or_are_skipped() {
    let path = fixture("bad-netflow-row.csv");
    let mut reader = FlowFileReader::open(&path, UTC).unwrap();
    let mut out = Vec::new();
    let err = reader.next_batch(100, &mut out).unwrap_err();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadRow, Some(3)));
    assert_eq!(err.message, "field SrcBytes (column 8) \"7744511\": above TotBytes");
    assert_eq!(out.len(), 1);

    let options = FlowFileOptions { keep_going: true, ..UTC };
    let (records, reader) = read("bad-netflow-row.csv", options);
    assert_eq!(records.len(), 2);
    let reasons: Vec<(Option<u64>, &str)> =
        reader.stats().skip_reasons.iter().map(|e| (e.location.line, e.message.as_str())).collect();
    assert_eq!(reasons[1], (Some(5), "field Dport (column 3) \"smtp\": not a port number"));
}

#[test]
fn a_data_line_of_the_wrong_width_is_not_taken_for_a_header() {
    // A CTU-13 row without its header starts with a time: "no known column".
    let err = FlowFileReader::open(&fixture("bad-no-header.binetflow"), UTC).err().unwrap();
    assert!(err.message.starts_with("no known column in the first line"), "{}", err.message);
    // A row that starts with an address but is not eight fields wide.
    let text = b"147.32.84.165,udp,53,1025,CON,0.1,100\n".to_vec();
    let err = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text)), "seven.csv", UTC).err().unwrap();
    assert_eq!((err.code, err.location.line), (ErrorCode::FlowFileBadHeader, Some(1)));
    assert!(err.message.contains("\"147.32.84.165\" is an address), and has 7 fields"), "{}", err.message);
}

#[test]
fn flow_source_opens_netflow_and_the_features_see_one_window() {
    let options = FlowSourceOptions {
        engine: Default::default(),
        flow_file: UTC,
        keep_going: false,
        decode_thread: false,
        flows_thread_batch_records: None,
    };
    let mut source = FlowSource::open(&fixture("netflow-no-header.csv.gz"), options).unwrap();
    assert_eq!(source.kind(), InputKind::FlowFile);
    let mut records = Vec::new();
    while source.next_batch(1000, &mut records).unwrap() {}
    assert_eq!(records.len(), 8);

    let lan = Lan::new(vec![Cidr::parse("147.32.0.0/16").unwrap()]);
    let mut builder = FeatureBuilder::new(FeatureOptions { lan, ..FeatureOptions::default() }).unwrap();
    let mut windows = Vec::new();
    for record in records {
        builder.push(record, &mut windows);
    }
    builder.finish(&mut windows);
    assert_eq!(windows.len(), 1, "a file without times is one observation");
    let window = &windows[0];
    assert_eq!((window.window_start_us, window.flows.len()), (UNTIMED_START_US, 8));
    // No destination: only sources get host rows.
    assert_eq!(window.hosts, vec![ip("147.32.84.165"), ip("147.32.84.229"), ip("147.32.85.112")]);
    let bot = window.hosts.iter().position(|h| *h == ip("147.32.84.165")).unwrap();
    let value = |name: &str| window.host_features[bot * HOST_FEATURE_COUNT + index_of(HOST_FEATURES, name)];
    assert_eq!((value("flows_initiated"), value("dns_queries_outside")), (3.0, 1.0));
    assert_eq!(value("distinct_dst_addrs"), 1.0, "every destination is the unknown one");
    assert_eq!(value("smtp_servers"), 1.0, "two SMTP flows, to the one unknown address");
    assert_eq!(value("beacon_contacts"), 0.0, "one start time: no interval");
    assert_eq!(value("pkts_total"), 0.0);
    assert_eq!(value("bytes_up"), 78.0 + 124.0 + 62.0);
}

fn read_arrow(name: &str, options: FlowFileOptions) -> crate::error::Result<Vec<FlowRecord>> {
    let path = fixture(name);
    let format = match crate::ingest::detect_input_format(&path)? {
        crate::ingest::InputFormat::ArrowFile => ArrowFormat::File,
        crate::ingest::InputFormat::ArrowStream => ArrowFormat::Stream,
        other => panic!("{name} detected as {other:?}"),
    };
    let mut reader = ArrowFlowReader::open(&path, format, options)?;
    let mut records = Vec::new();
    while reader.next_batch(5, &mut records)? > 0 {}
    assert_eq!(reader.stats().rows, records.len() as u64);
    assert_eq!(reader.stats().bytes_consumed, reader.stats().total_bytes.unwrap());
    Ok(records)
}

#[test]
fn arrow_written_by_flows_gives_back_the_same_records() {
    // `flowhound flows ctu13-scenario6-excerpt.binetflow --utc-offset 120 -o X.arrow` (and
    // .arrows): every protocol of the excerpt, MAC addresses, named protocols, labels.
    let (binetflow, _) = read("ctu13-scenario6-excerpt.binetflow", CTU13);
    // pandas-flows.feather: the .arrow read by pandas 3 and written back with `to_feather`
    // (LZ4, pandas' default): counts with nulls as float64, text as large_string.
    for name in ["flowhound-scenario6-excerpt.arrow", "flowhound-scenario6-excerpt.arrows", "pandas-flows.feather"] {
        let records = read_arrow(name, UTC).unwrap();
        assert_eq!(records, binetflow, "{name}");
    }
}

#[test]
fn arrow_written_by_pyarrow_with_other_types() {
    // Nanosecond timestamps, dictionary-encoded proto, string_view, large_string, uint16 and
    // uint64 numbers, an extra list column, two record batches; no flag columns (taken from
    // the state, as for text).
    let (binetflow, _) = read("ctu13-scenario6-excerpt.binetflow", CTU13);
    let tcp_udp: Vec<FlowRecord> = NETFLOW_LINES
        .iter()
        .map(|line| binetflow[line - 2].clone())
        .filter(|r| matches!(r.protocol, Protocol::Ip(6 | 17)))
        .collect();
    // Compressed: Feather as pyarrow writes it by default (LZ4_FRAME), and a ZSTD stream.
    for name in ["pyarrow-flows.arrow", "pyarrow-flows.arrows", "pyarrow-flows-lz4.feather", "pyarrow-flows-zstd.arrows"] {
        assert_eq!(read_arrow(name, UTC).unwrap(), tcp_udp, "{name}");
    }
}

#[test]
fn arrow_tables_that_cannot_be_read_say_why() {
    let err = read_arrow("bad-arrow-missing-columns.arrow", UTC).unwrap_err();
    assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
    assert_eq!(
        err.message,
        "missing column(s) start_time, last_time (or duration_s), src_port, dir, dst_addr, dst_port, state, \
         total_pkts, total_bytes: Arrow input must be a flow table as `flowhound flows -o FILE.arrow` writes it; \
         found: src_addr, proto, bytes"
    );
    assert!(err.location.byte_offset.is_some() && err.location.path.is_some());
    let err = read_arrow("bad-arrow-wrong-type.arrow", UTC).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::FlowFileBadHeader, "column total_bytes is utf8, not an integer (or a float holding whole numbers)")
    );
    // A float count is read when whole (pandas' float64 for integers with nulls), not otherwise.
    let err = read_arrow("bad-arrow-fraction.arrow", UTC).unwrap_err();
    assert_eq!(err.code, ErrorCode::FlowFileBadRow);
    assert_eq!(err.message, "Arrow record batch 1: row 1: total_bytes 1.5 is not a whole number");
    assert!(err.location.byte_offset.is_some() && err.location.path.is_some());
}

#[test]
fn damaged_compressed_arrow_bodies_name_the_batch_and_buffer() {
    // pyarrow's Feather (LZ4) with one LZ4 frame's first block size made larger than any block
    // may be: the first frame (the `proto` dictionary, read when the file opens) and the last
    // (in the second record batch). The codec refuses it; the error says which message,
    // buffer and file, and where the message starts.
    let original = std::fs::read(fixture("pyarrow-flows-lz4.feather")).unwrap();
    let frames: Vec<usize> = original.windows(4).enumerate().filter(|(_, w)| *w == [0x04, 0x22, 0x4d, 0x18]).map(|(at, _)| at).collect();
    let dir = std::env::temp_dir().join(format!("flowhound-arrow-lz4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let damaged = dir.join("damaged.feather");
    for (frame, expected) in [
        (frames[0], "Arrow dictionary 0: damaged LZ4 body: buffer 1: "),
        (*frames.last().unwrap(), "Arrow record batch 2: damaged LZ4 body: buffer "),
    ] {
        let flags = original[frame + 4];
        let block_size_at = frame + 4 + 2 + if flags & 0x08 != 0 { 8 } else { 0 } + if flags & 0x01 != 0 { 4 } else { 0 } + 1;
        let mut bytes = original.clone();
        bytes[block_size_at..block_size_at + 4].copy_from_slice(&0x0fff_ffffu32.to_le_bytes());
        std::fs::write(&damaged, &bytes).unwrap();
        let err = ArrowFlowReader::open(&damaged, ArrowFormat::File, UTC)
            .and_then(|mut reader| {
                while reader.next_batch(100, &mut Vec::new())? > 0 {}
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::FlowFileBadRow);
        assert!(err.message.starts_with(expected), "{}", err.message);
        assert_eq!(err.location.path.as_deref(), Some(damaged.as_path()));
        assert!(err.location.byte_offset.is_some_and(|at| at < frame as u64), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cut_arrow_files_and_streams() {
    let dir = std::env::temp_dir().join(format!("flowhound-arrow-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["flowhound-scenario6-excerpt.arrow", "pyarrow-flows.arrows", "pyarrow-flows-zstd.arrows"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let cut = dir.join(name);
        std::fs::write(&cut, &bytes[..bytes.len() - 200]).unwrap();
        let options = FlowSourceOptions { engine: Default::default(), flow_file: UTC, keep_going: false, decode_thread: false, flows_thread_batch_records: None };
        let result = FlowSource::open(&cut, options).and_then(|mut source| {
            let mut records = Vec::new();
            while source.next_batch(100, &mut records)? {}
            Ok(records.len())
        });
        let err = result.unwrap_err();
        assert_eq!(err.location.path.as_deref(), Some(cut.as_path()));
        assert!(err.location.byte_offset.is_some());
        if name.ends_with(".arrow") {
            assert_eq!(err.code, ErrorCode::FlowFileBadHeader);
            assert!(err.message.contains("without its footer"), "{}", err.message);
        } else {
            assert_eq!(err.code, ErrorCode::FlowFileBadRow);
            assert!(err.message.contains("runs past the end of the file"), "{}", err.message);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flow_source_tells_arrow_from_text() {
    let options = || FlowSourceOptions { engine: Default::default(), flow_file: UTC, keep_going: false, decode_thread: false, flows_thread_batch_records: None };
    for (name, arrow) in [("pyarrow-flows.arrows", true), ("flowhound-scenario6-excerpt.arrow", true), ("netflow-header.csv", false)] {
        let source = FlowSource::open(&fixture(name), options()).unwrap();
        assert_eq!(source.kind(), InputKind::FlowFile);
        let FlowSource::FlowFile(file) = &source else { unreachable!() };
        assert_eq!(file.is_arrow(), arrow, "{name}");
    }
}

#[test]
fn arrow_times_past_2100_are_refused_with_their_batch_and_row() {
    // flowhound's own Arrow tables with one record's last_time (µs, little-endian) made
    // 2128-06-11 (5·10^15 µs): the record whose last_time's bytes occur once in the file.
    let dir = std::env::temp_dir().join(format!("flowhound-arrow-time-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["flowhound-scenario6-excerpt.arrow", "flowhound-scenario6-excerpt.arrows"] {
        let original = std::fs::read(fixture(name)).unwrap();
        let records = read_arrow(name, UTC).unwrap();
        let occurrences = |value: i64| original.windows(8).filter(|w| *w == value.to_le_bytes()).count();
        let (row, record) = records.iter().enumerate().find(|(_, r)| r.last_us != r.start_us && occurrences(r.last_us) == 1).expect("a unique last_time");
        let at = original.windows(8).position(|w| w == record.last_us.to_le_bytes()).unwrap();
        let mut bytes = original.clone();
        bytes[at..at + 8].copy_from_slice(&5_000_000_000_000_000_i64.to_le_bytes());
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let format = if name.ends_with(".arrow") { ArrowFormat::File } else { ArrowFormat::Stream };

        let mut reader = ArrowFlowReader::open(&path, format, UTC).unwrap();
        let mut out = Vec::new();
        let error = loop {
            match reader.next_batch(100, &mut out) {
                Ok(0) => panic!("{name}: no error"),
                Ok(_) => {}
                Err(error) => break error,
            }
        };
        assert_eq!(error.code, ErrorCode::TimeOutOfRange, "{error}");
        assert!(error.message.contains(&format!("row {}: last_time 5000000000.000000 s since 1970 is past 2100-01-01", row + 1)), "{}", error.message);
        assert!(error.location.byte_offset.is_some() && error.location.path.as_deref() == Some(path.as_path()));

        let mut reader = ArrowFlowReader::open(&path, format, FlowFileOptions { keep_going: true, ..UTC }).unwrap();
        let mut kept = Vec::new();
        while reader.next_batch(100, &mut kept).unwrap() > 0 {}
        assert_eq!(kept.len(), records.len() - 1, "{name}");
        assert_eq!((reader.stats().skipped_rows, reader.stats().skip_reasons[0].code), (1, ErrorCode::TimeOutOfRange));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_arrow_bytes_give_errors_with_a_code_never_panics() {
    // Every Arrow fixture with 1 to 4 bytes overwritten at random, 400 times each: the reader
    // returns records or an error with a code, and never panics or allocates past the file.
    // A rejection must carry a code that says the input is damaged (a flow-file code: the
    // bytes were taken for a flow table), name the file and say where; `ERR_IO`, an option
    // error or a code of another input kind would tell the user something false.
    let dir = std::env::temp_dir().join(format!("flowhound-arrow-damage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut random = crate::test_noise::SplitMix64::new(20_261_201);
    let mut outcomes: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for name in [
        "flowhound-scenario6-excerpt.arrow",
        "flowhound-scenario6-excerpt.arrows",
        "pyarrow-flows.arrow",
        "pyarrow-flows.arrows",
        "pyarrow-flows-lz4.feather",
        "pyarrow-flows-zstd.arrows",
        "pandas-flows.feather",
    ] {
        let original = std::fs::read(fixture(name)).unwrap();
        let damaged_path = dir.join(name);
        let (mut read, mut rejected) = (0, 0);
        for attempt in 0..400 {
            let mut bytes = original.clone();
            let mut first_damaged = bytes.len();
            for _ in 0..=random.next_u64() % 4 {
                let at = (random.next_u64() % bytes.len() as u64) as usize;
                bytes[at] = random.next_u64() as u8;
                first_damaged = first_damaged.min(at);
            }
            std::fs::write(&damaged_path, &bytes).unwrap();
            let options =
                FlowSourceOptions { engine: Default::default(), flow_file: UTC, keep_going: false, decode_thread: false, flows_thread_batch_records: None };
            let outcome = FlowSource::open(&damaged_path, options).and_then(|mut source| {
                let mut records = Vec::new();
                while source.next_batch(100, &mut records)? {}
                Ok(records.len())
            });
            match outcome {
                Ok(_) => {
                    read += 1;
                    *outcomes.entry("read").or_default() += 1;
                }
                Err(err) => {
                    rejected += 1;
                    *outcomes.entry(err.code.as_str()).or_default() += 1;
                    let what = format!("{name}, damage {attempt}: {err}");
                    // With its first eight bytes (Arrow's magic, or a stream's first message
                    // header) damaged, the file is no input flowhound knows: `ERR_NOT_A_CAPTURE`,
                    // which says so, at byte 0. Otherwise it is a damaged flow table.
                    match err.code {
                        // A time damaged past 2100 or before 1970 is refused where it enters.
                        ErrorCode::FlowFileBadHeader | ErrorCode::FlowFileBadRow | ErrorCode::TimeOutOfRange => {}
                        ErrorCode::NotACapture => {
                            assert!(first_damaged < 8 && err.location.byte_offset == Some(0), "{what}: the start was not damaged")
                        }
                        other => panic!("{what}: {other} is not a code for a damaged flow table"),
                    }
                    assert_eq!(err.location.path.as_deref(), Some(damaged_path.as_path()), "{what}: the file is not named");
                    assert!(err.location.byte_offset.is_some() || err.location.line.is_some(), "{what}: no place in the file");
                    assert!(!err.message.trim().is_empty(), "{what}: no message");
                    assert!(err.to_string().starts_with(err.code.as_str()), "{what}");
                }
            }
        }
        // Both outcomes occur, so both were checked.
        assert!(read > 0 && rejected > 0, "{name}: {read} read, {rejected} rejected of 400");
    }
    println!("damaged Arrow inputs: {outcomes:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Built without the `parquet` feature (the addon's `--no-default-features`, FLOWHOUND_PARQUET=0),
/// a Parquet input is still told apart, and refused with a code of its own naming the file.
#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_is_unavailable() {
    let path = fixture("pyarrow-flows.parquet");
    let options = FlowSourceOptions { engine: Default::default(), flow_file: UTC, keep_going: false, decode_thread: false, flows_thread_batch_records: None };
    let Err(err) = FlowSource::open(&path, options) else { panic!("a Parquet file opened without the parquet feature") };
    assert_eq!(err.code, ErrorCode::ParquetUnavailable);
    assert_eq!(err.location.path.as_deref(), Some(path.as_path()));
    assert!(err.message.contains("npm run build:native"), "{}", err.message);
}
