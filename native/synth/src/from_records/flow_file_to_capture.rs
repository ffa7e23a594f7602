//! `flowhound synth FLOWS -o OUT.pcap`: a flow file in, a capture (and labels) out, in one
//! call, for the binding and the examples.

use std::fs::File;
use std::path::Path;

use flowhound_core::error::{FlowhoundError, Result};
use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader, FlowFileStats};

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
    let mut reader = FlowFileReader::open(flows_path, flow_file)?;
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
    reader: &mut FlowFileReader,
    mut synthesizer: RecordSynthesizer<File, L>,
    progress: &mut dyn FnMut(&SynthProgress) -> bool,
) -> Result<RecordSynthStats> {
    let mut batch = Vec::with_capacity(BATCH_RECORDS);
    loop {
        batch.clear();
        if reader.next_batch(BATCH_RECORDS, &mut batch)? == 0 {
            break;
        }
        synthesizer.push_batch(&batch)?;
        if !progress(&SynthProgress { synth: synthesizer.stats(), flow_file: reader.stats() }) {
            break;
        }
    }
    let (_, _, stats) = synthesizer.finish()?;
    Ok(stats)
}
