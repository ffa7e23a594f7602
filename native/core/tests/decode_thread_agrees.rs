//! A capture source that reads and decodes on a second thread, and one that also builds its
//! flows on a third, must give what the one-thread source gives: the same records in the same
//! order, the same damage, the same final progress. On the damaged captures of the fixtures (with and without `keep_going`), the
//! Argus fixtures and the shared real captures; on generated LAN traffic in
//! `native/synth/tests/core_on_generated_traffic.rs` (the generator is synth's).

mod common;

use std::path::{Path, PathBuf};

use flowhound_core::error::FlowhoundError;
use flowhound_core::flow::{FlowEngineOptions, FlowMode};
use flowhound_core::flowfile::FlowFileOptions;
use flowhound_core::record::FlowRecord;
use flowhound_core::ingest::{FlowSource, FlowSourceOptions};

/// Records, how reading ended (code and offset), and the final packet and byte counts.
type Outcome = (Vec<FlowRecord>, Option<(String, Option<u64>)>, (u64, u64));

fn ending(error: &FlowhoundError) -> Option<(String, Option<u64>)> {
    Some((error.code.to_string(), error.location.byte_offset))
}

/// How a capture source is run: reading and decoding on a thread of their own; the flows too,
/// pulling this many records at a time.
type Threads = (bool, Option<usize>);

fn read(path: &Path, engine: FlowEngineOptions, keep_going: bool, (decode_thread, flows_thread_batch_records): Threads) -> Outcome {
    let options = FlowSourceOptions { engine, flow_file: FlowFileOptions::default(), keep_going, decode_thread, flows_thread_batch_records };
    let mut source = match FlowSource::open(path, options) {
        Ok(source) => source,
        Err(error) => return (Vec::new(), ending(&error), (0, 0)),
    };
    let mut records = Vec::new();
    let error = loop {
        // Small batches, so that the source is called many times.
        match source.next_batch(100, &mut records) {
            Ok(true) => {}
            Ok(false) => break source.damage().and_then(ending),
            Err(error) => break ending(&error),
        }
    };
    let progress = source.progress();
    (records, error, (progress.packets, progress.bytes_consumed))
}

fn check(path: &Path) {
    let modes = [FlowEngineOptions::default(), FlowEngineOptions::whole_capture(FlowMode::CTU13_STATUS_INTERVAL_US)];
    for engine in modes {
        for keep_going in [false, true] {
            let one = read(path, engine, keep_going, (false, None));
            for threads in [(true, None), (true, Some(100)), (true, Some(7))] {
                let two = read(path, engine, keep_going, threads);
                assert_eq!((&two.1, two.2), (&one.1, one.2), "{}, {engine:?}, keep_going {keep_going}, {threads:?}", path.display());
                assert!(two.0 == one.0, "{}, {engine:?}, {threads:?}: {} records against {}", path.display(), two.0.len(), one.0.len());
            }
        }
    }
}

#[test]
fn two_threads_give_what_one_gives_on_the_fixtures() {
    let mut files: Vec<PathBuf> = common::capture_files(&common::fixture("argus"));
    files.extend(common::fixture_capture_files());
    assert_eq!(files.len(), 2 + 129, "the Argus fixtures and the damaged captures");
    for path in files {
        check(&path);
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/pcaps (absent when the tests were built)")]
fn two_threads_give_what_one_gives_on_the_real_captures() {
    let files = common::capture_files(&common::shared_data("pcaps"));
    assert_eq!(files.len(), 10, "the real captures of ../shared/data/pcaps");
    for path in files {
        check(&path);
    }
}
