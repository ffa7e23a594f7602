//! `flowhound synth FLOWS -o OUT.pcap`: a flow file in, a capture (and labels) out, in one
//! call, for the binding and the examples.

use std::fs::File;
use std::path::Path;

use flowhound_core::error::{FlowhoundError, Result};
use flowhound_core::flowfile::{FlowFileOptions, FlowFileStats};
use flowhound_core::ingest::{FlowFileSource, FlowSourceOptions};

use super::options::RecordSynthOptions;
use super::stats::RecordSynthStats;
use super::synthesizer::RecordSynthesizer;

/// Records read per batch.
const BATCH_RECORDS: usize = 8192;

/// Where a rebuild stands, handed to the progress callback after every batch of records.
pub struct SynthProgress<'a> {
    pub synth: &'a RecordSynthStats,
    pub flow_file: &'a FlowFileStats,
}

/// Rebuilds the capture of `flows_path` into `pcap_path`, and the labels into `labels_path`
/// when given. `progress` is called after every batch of records; returning `false` stops
/// reading, and the capture is finished with the records read so far.
pub fn synthesize_flow_file(
    flows_path: &Path,
    flow_file: FlowFileOptions,
    pcap_path: &Path,
    labels_path: Option<&Path>,
    options: &RecordSynthOptions,
    progress: &mut dyn FnMut(&SynthProgress) -> bool,
) -> Result<RecordSynthStats> {
    options.validate()?;
    // Text (binetflow, NetFlow CSV, Zeek), Arrow or Parquet: whatever `flows` reads and writes.
    let mut reader = FlowFileSource::open(flows_path, FlowSourceOptions { flow_file, ..FlowSourceOptions::default() })?;
    let pcap = File::create(pcap_path).map_err(|err| FlowhoundError::io(&err, pcap_path))?;
    match labels_path {
        Some(labels_path) => {
            let labels = File::create(labels_path).map_err(|err| FlowhoundError::io(&err, labels_path))?;
            let synthesizer = RecordSynthesizer::with_labels(pcap, labels, options.clone())?;
            run(&mut reader, synthesizer, progress)
        }
        None => run(&mut reader, RecordSynthesizer::new(pcap, options.clone())?, progress),
    }
}

fn run<L: std::io::Write>(
    reader: &mut FlowFileSource,
    mut synthesizer: RecordSynthesizer<File, L>,
    progress: &mut dyn FnMut(&SynthProgress) -> bool,
) -> Result<RecordSynthStats> {
    let mut batch = Vec::with_capacity(BATCH_RECORDS);
    loop {
        batch.clear();
        let more = reader.next_batch(BATCH_RECORDS, &mut batch)?;
        synthesizer.push_batch(&batch)?;
        if !progress(&SynthProgress { synth: synthesizer.stats(), flow_file: reader.file_stats() }) || !more {
            break;
        }
    }
    let (_, _, stats) = synthesizer.finish()?;
    Ok(stats)
}
