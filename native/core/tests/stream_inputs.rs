//! Every kind of input read from a stream (a pipe, standard input: no seek, no size, a few
//! bytes per read) gives what the same input gives read from its file: the same records,
//! or the same error at the same place. The format is told from the bytes read first, which
//! the reader then reads again from memory: nothing is opened twice (`input_file`).

mod common;

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flowhound_core::error::FlowhoundError;
use flowhound_core::flowfile::FlowFileOptions;
use flowhound_core::ingest::{FlowSource, FlowSourceOptions};
use flowhound_core::input_file::InputBytes;
use flowhound_core::record::FlowRecord;

/// Hands out at most `chunk` bytes per read and cannot seek, like a pipe.
struct Pipe {
    data: Vec<u8>,
    position: usize,
    chunk: usize,
}

impl Read for Pipe {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let count = out.len().min(self.chunk).min(self.data.len() - self.position);
        out[..count].copy_from_slice(&self.data[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

type Outcome = (Vec<FlowRecord>, Option<(String, Option<u64>, Option<u64>)>);

fn options(keep_going: bool) -> FlowSourceOptions {
    FlowSourceOptions { flow_file: FlowFileOptions { utc_offset_minutes: 120, keep_going, ..Default::default() }, keep_going, ..FlowSourceOptions::default() }
}

fn drain(source: Result<FlowSource, FlowhoundError>, expected_path: &Path, streamed: bool) -> Outcome {
    let ending = |error: &FlowhoundError| {
        assert_eq!(error.location.path.as_deref(), Some(expected_path), "{error}");
        Some((error.code.to_string(), error.location.byte_offset, error.location.line))
    };
    let mut source = match source {
        Ok(source) => source,
        Err(error) => return (Vec::new(), ending(&error)),
    };
    let mut records = Vec::new();
    loop {
        match source.next_batch(3, &mut records) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return (records, ending(&error)),
        }
    }
    // A stream has no known size; an Arrow file on a pipe is read into memory first.
    let arrow_file = expected_path.extension().is_some_and(|ext| ext == "arrow" || ext == "feather");
    if streamed && !arrow_file {
        assert_eq!(source.progress().total_bytes, None, "a stream has no known size");
    }
    (records, None)
}

fn by_path(path: &Path, keep_going: bool) -> Outcome {
    drain(FlowSource::open(path, options(keep_going)), path, false)
}

fn by_stream(path: &Path, chunk: usize, keep_going: bool) -> Outcome {
    let data = std::fs::read(path).unwrap();
    let stream = InputBytes::Stream(Box::new(Pipe { data, position: 0, chunk }));
    // Named `-` and the file's extension, so that `drain` tells an Arrow file (read into
    // memory from a pipe, so of a known size) apart; errors must name what the caller passed.
    let name = PathBuf::from(format!("-{}", path.extension().map(|e| e.to_string_lossy().into_owned()).map_or(String::new(), |e| format!(".{e}"))));
    drain(FlowSource::from_input(stream, &name, options(keep_going)), &name, true)
}

fn inputs() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = [
        "argus/edge-cases.pcap",
        "argus/status-interval.pcap",
        "flowfiles/ctu13-scenario6-excerpt.binetflow",
        "flowfiles/ctu13-scenario11-excerpt.binetflow.gz",
        "flowfiles/netflow-header.csv",
        "flowfiles/netflow-no-header.csv.gz",
        "flowfiles/bad-rows.binetflow",
        "flowfiles/flowhound-scenario6-excerpt.arrow",
        "flowfiles/flowhound-scenario6-excerpt.arrows",
        "flowfiles/pyarrow-flows.arrow",
        "flowfiles/pyarrow-flows.arrows",
        "flowfiles/pyarrow-flows-zstd.arrows",
        "flowfiles/pyarrow-flows-lz4.feather",
        "flowfiles/pandas-flows.feather",
        "flowfiles/bad-arrow-fraction.arrow",
        "flowfiles/empty.binetflow",
        "zeek/conn-hand.log",
        "zeek/conn-hand.log.gz",
        "zeek/conn-hand.json",
        "zeek/bad-rows.conn.log",
    ]
    .iter()
    .map(|name| common::fixture(name))
    .collect();
    // Every damaged capture: each must fail at the same place either way.
    paths.extend(common::capture_files(&common::fixture("parser-corpus/damaged")));
    paths
}

#[test]
fn every_input_kind_reads_the_same_from_a_stream_as_from_its_file() {
    let mut compared = 0;
    for path in inputs() {
        for keep_going in [false, true] {
            let from_file = by_path(&path, keep_going);
            for chunk in [1, 7, 4096] {
                let from_stream = by_stream(&path, chunk, keep_going);
                assert_eq!(from_stream.1, from_file.1, "{}, chunks of {chunk}, keep_going {keep_going}: the ending", path.display());
                assert!(from_stream.0 == from_file.0, "{}, chunks of {chunk}: {} records against {}", path.display(), from_stream.0.len(), from_file.0.len());
            }
        }
        compared += 1;
    }
    assert!(compared > 100, "{compared} inputs");
}

#[test]
fn a_cut_arrow_stream_on_a_pipe_says_where_it_ends() {
    let bytes = std::fs::read(common::fixture("flowfiles/flowhound-scenario6-excerpt.arrows")).unwrap();
    let cut = bytes[..bytes.len() - 200].to_vec();
    let stream = InputBytes::Stream(Box::new(Pipe { data: cut, position: 0, chunk: 64 }));
    let (_, ending) = drain(FlowSource::from_input(stream, Path::new("-"), options(false)), Path::new("-"), true);
    let (code, offset, _) = ending.expect("an error");
    assert_eq!(code, "ERR_FLOWFILE_BAD_ROW");
    assert!(offset.is_some());
}
