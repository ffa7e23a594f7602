//! `FlowStream`: flow records from a capture or a flow file, batch by batch, computed on
//! libuv's thread pool so the JavaScript thread never parses packets.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flowhound_core::cidr::Cidr;
use flowhound_core::ingest::{FlowSource, InputKind};
use flowhound_core::record::{Address, FlowRecord};
use flowhound_core::export::{write_binetflow_rows, FlowArrowColumns};
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};

use crate::errors::{error_json, to_napi_error};
use crate::flow_batch::{build_flow_batch, FlowBatch};
use crate::flow_export::{flow_arrow_batch, BinetflowCsvLayout, FlowArrowBatch};
use crate::options::{batch_records, source_options, EffectiveFlowOptions, FlowStreamOptions};
use crate::stats::{source_stats, SourceStats};

/// Progress counters the worker thread updates after each batch and the JS thread reads
/// without waiting for the source's lock.
#[derive(Default)]
pub struct SharedProgress {
    bytes_consumed: AtomicU64,
    total_bytes: AtomicU64,
    packets: AtomicU64,
    records: AtomicU64,
    uncompressed_bytes: AtomicU64,
    uncompressed_total_bytes: AtomicU64,
}

#[napi(object)]
pub struct FlowStreamProgress {
    pub bytes_consumed: f64,
    /// Size of the input in bytes; 0 when unknown (a stream).
    pub total_bytes: f64,
    pub packets: f64,
    pub records: f64,
    /// A gzip flow file: the uncompressed bytes decoded so far; 0 for other inputs.
    pub uncompressed_bytes: f64,
    /// A gzip flow file: its uncompressed size, estimated from its trailer and the reading so
    /// far until its end, then exact; 0 for other inputs, or when nothing tells it (a pipe).
    pub uncompressed_total_bytes: f64,
}

#[napi]
pub struct FlowStream {
    source: Arc<Mutex<FlowSource>>,
    progress: Arc<SharedProgress>,
    batch_records: usize,
    kind: InputKind,
    options: EffectiveFlowOptions,
    /// Only records one of these ranges is an end of; empty: every record.
    keep: Arc<Vec<Cidr>>,
    /// Records handed over so far: all of them, or those `keep` let through.
    kept: Arc<AtomicU64>,
}

#[napi]
impl FlowStream {
    /// Opens a capture (pcap, pcapng) or a flow file (binetflow, plain or gzip), telling
    /// them apart by their first bytes.
    #[napi(factory)]
    pub fn open(path: String, options: Option<FlowStreamOptions>) -> napi::Result<FlowStream> {
        let options = options.unwrap_or_default();
        let path = PathBuf::from(path);
        let mut source_options = source_options(&options).map_err(|e| to_napi_error(&e.in_file(&path)))?;
        let batch_records = batch_records(&options);
        // A capture's flows on a thread of their own: each batch is made into text or columns
        // here, and written, while the engine goes on with the next.
        source_options.flows_thread_batch_records = Some(batch_records as usize);
        let effective = EffectiveFlowOptions::of(&source_options, batch_records);
        let source = FlowSource::open(&path, source_options).map_err(|e| to_napi_error(&e))?;
        let kind = source.kind();
        let progress = Arc::new(SharedProgress::default());
        publish_progress(&source, &progress);
        Ok(FlowStream { source: Arc::new(Mutex::new(source)), progress, batch_records: batch_records as usize, kind, options: effective, keep: Arc::new(Vec::new()), kept: Arc::new(AtomicU64::new(0)) })
    }

    /// "capture" or "flowFile".
    #[napi(getter)]
    pub fn input_kind(&self) -> String {
        match self.kind {
            InputKind::Capture => "capture".to_string(),
            InputKind::FlowFile => "flowFile".to_string(),
        }
    }

    /// The options this stream reads with, the defaults filled in.
    #[napi(getter)]
    pub fn options(&self) -> EffectiveFlowOptions {
        self.options.clone()
    }

    /// From now on, only the records whose source or destination is in one of `ranges`
    /// (addresses or CIDR ranges, IPv4 or IPv6): `flowhound flows --host`. The filter runs on
    /// the worker thread, before any record is handed over; `recordsKept()` counts what passed.
    #[napi]
    pub fn keep_hosts(&mut self, ranges: Vec<String>) -> napi::Result<()> {
        let parsed = ranges.iter().map(|range| Cidr::parse(range)).collect::<Result<Vec<_>, _>>().map_err(|e| to_napi_error(&e))?;
        self.keep = Arc::new(parsed);
        Ok(())
    }

    /// Records handed over so far: every record read, or those of the hosts of `keepHosts`.
    #[napi]
    pub fn records_kept(&self) -> f64 {
        self.kept.load(Ordering::Relaxed) as f64
    }

    /// The next batch of records, or null once the input is exhausted. A batch may be
    /// empty while a window is still filling; call again.
    #[napi(ts_return_type = "Promise<FlowBatch | null>")]
    pub fn next_batch(&self) -> AsyncTask<NextBatchTask> {
        self.task(BatchForm::Columns)
    }

    /// The next batch as binetflow CSV lines (no header: `binetflowCsvHeader`), or null once
    /// the input is exhausted. Empty while a window is still filling; call again.
    #[napi(ts_return_type = "Promise<Buffer | null>")]
    pub fn next_csv(&self, layout: BinetflowCsvLayout) -> AsyncTask<NextBatchTask> {
        self.task(BatchForm::Csv(layout))
    }

    /// The next batch as the flow table's Arrow columns, or null once the input is exhausted.
    /// Empty (length 0) while a window is still filling; call again.
    #[napi(ts_return_type = "Promise<FlowArrowBatch | null>")]
    pub fn next_arrow(&self) -> AsyncTask<NextBatchTask> {
        self.task(BatchForm::Arrow)
    }

    fn task(&self, form: BatchForm) -> AsyncTask<NextBatchTask> {
        AsyncTask::new(NextBatchTask {
            source: Arc::clone(&self.source),
            progress: Arc::clone(&self.progress),
            batch_records: self.batch_records,
            form,
            keep: Arc::clone(&self.keep),
            kept: Arc::clone(&self.kept),
        })
    }

    #[napi]
    pub fn progress(&self) -> FlowStreamProgress {
        self.progress.snapshot()
    }

    /// Statistics of the run so far (packets by kind, flows, early evictions, …).
    #[napi]
    pub fn stats(&self) -> SourceStats {
        let source = self.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        source_stats(&source)
    }

    /// With keepGoing: the damage where reading stopped, as the same JSON a thrown error
    /// carries; null when the input was read to its end.
    #[napi]
    pub fn damage(&self) -> Option<String> {
        let source = self.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        source.damage().map(error_json)
    }
}

impl SharedProgress {
    pub fn snapshot(&self) -> FlowStreamProgress {
        FlowStreamProgress {
            bytes_consumed: self.bytes_consumed.load(Ordering::Relaxed) as f64,
            total_bytes: self.total_bytes.load(Ordering::Relaxed) as f64,
            packets: self.packets.load(Ordering::Relaxed) as f64,
            records: self.records.load(Ordering::Relaxed) as f64,
            uncompressed_bytes: self.uncompressed_bytes.load(Ordering::Relaxed) as f64,
            uncompressed_total_bytes: self.uncompressed_total_bytes.load(Ordering::Relaxed) as f64,
        }
    }
}

pub fn publish_progress(source: &FlowSource, shared: &SharedProgress) {
    let progress = source.progress();
    shared.bytes_consumed.store(progress.bytes_consumed, Ordering::Relaxed);
    shared.total_bytes.store(progress.total_bytes.unwrap_or(0), Ordering::Relaxed);
    shared.packets.store(progress.packets, Ordering::Relaxed);
    shared.records.store(progress.records, Ordering::Relaxed);
    shared.uncompressed_bytes.store(progress.uncompressed_bytes, Ordering::Relaxed);
    shared.uncompressed_total_bytes.store(progress.uncompressed_total_bytes.unwrap_or(0), Ordering::Relaxed);
}

/// What a batch is handed to JavaScript as.
#[derive(Clone, Copy)]
pub enum BatchForm {
    Columns,
    Csv(BinetflowCsvLayout),
    Arrow,
}

/// Boxed: one batch at a time, and the forms differ in size.
pub enum BatchOutput {
    Columns(Box<FlowBatch>),
    Csv(Vec<u8>),
    Arrow(Box<FlowArrowColumns>),
}

pub struct NextBatchTask {
    source: Arc<Mutex<FlowSource>>,
    progress: Arc<SharedProgress>,
    batch_records: usize,
    form: BatchForm,
    keep: Arc<Vec<Cidr>>,
    kept: Arc<AtomicU64>,
}

/// Whether `record` has an end in one of `ranges`.
fn has_end_in(record: &FlowRecord, ranges: &[Cidr]) -> bool {
    let inside = |address: &Address| matches!(address, Address::Ip(ip) if ranges.iter().any(|range| range.contains(ip)));
    inside(&record.src_addr) || inside(&record.dst_addr)
}

impl Task for NextBatchTask {
    type Output = Option<BatchOutput>;
    type JsValue = Option<napi::bindgen_prelude::Either3<FlowBatch, Buffer, FlowArrowBatch>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let mut source = self.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut records: Vec<FlowRecord> = Vec::with_capacity(self.batch_records.min(1 << 16));
        let more = source.next_batch(self.batch_records, &mut records).map_err(|e| to_napi_error(&e))?;
        publish_progress(&source, &self.progress);
        drop(source);
        if !more && records.is_empty() {
            return Ok(None);
        }
        if !self.keep.is_empty() {
            records.retain(|record| has_end_in(record, &self.keep));
        }
        self.kept.fetch_add(records.len() as u64, Ordering::Relaxed);
        Ok(Some(match self.form {
            BatchForm::Columns => BatchOutput::Columns(Box::new(build_flow_batch(&records))),
            BatchForm::Csv(layout) => {
                let mut text = Vec::with_capacity(records.len() * 128);
                write_binetflow_rows(&records, layout.into(), &mut text);
                BatchOutput::Csv(text)
            }
            BatchForm::Arrow => BatchOutput::Arrow(Box::new(FlowArrowColumns::of(&records))),
        }))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        use napi::bindgen_prelude::Either3;
        Ok(output.map(|output| match output {
            BatchOutput::Columns(batch) => Either3::A(*batch),
            BatchOutput::Csv(text) => Either3::B(Buffer::from(text)),
            BatchOutput::Arrow(columns) => Either3::C(flow_arrow_batch(*columns)),
        }))
    }
}
