//! `FlowStream`: flow records from a capture or a flow file, batch by batch, computed on
//! libuv's thread pool so the JavaScript thread never parses packets.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flowhound_core::ingest::{FlowSource, InputKind};
use flowhound_core::record::FlowRecord;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};

use crate::errors::{error_json, to_napi_error};
use crate::flow_batch::{build_flow_batch, FlowBatch};
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
}

#[napi(object)]
pub struct FlowStreamProgress {
    pub bytes_consumed: f64,
    /// Size of the input in bytes; 0 when unknown (a stream).
    pub total_bytes: f64,
    pub packets: f64,
    pub records: f64,
}

#[napi]
pub struct FlowStream {
    source: Arc<Mutex<FlowSource>>,
    progress: Arc<SharedProgress>,
    batch_records: usize,
    kind: InputKind,
    options: EffectiveFlowOptions,
}

#[napi]
impl FlowStream {
    /// Opens a capture (pcap, pcapng) or a flow file (binetflow, plain or gzip), telling
    /// them apart by their first bytes.
    #[napi(factory)]
    pub fn open(path: String, options: Option<FlowStreamOptions>) -> napi::Result<FlowStream> {
        let options = options.unwrap_or_default();
        let path = PathBuf::from(path);
        let source_options = source_options(&options).map_err(|e| to_napi_error(&e.in_file(&path)))?;
        let batch_records = batch_records(&options);
        let effective = EffectiveFlowOptions::of(&source_options, batch_records);
        let source = FlowSource::open(&path, source_options).map_err(|e| to_napi_error(&e))?;
        let kind = source.kind();
        let progress = Arc::new(SharedProgress::default());
        publish_progress(&source, &progress);
        Ok(FlowStream { source: Arc::new(Mutex::new(source)), progress, batch_records: batch_records as usize, kind, options: effective })
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

    /// The next batch of records, or null once the input is exhausted. A batch may be
    /// empty while a window is still filling; call again.
    #[napi(ts_return_type = "Promise<FlowBatch | null>")]
    pub fn next_batch(&self) -> AsyncTask<NextBatchTask> {
        AsyncTask::new(NextBatchTask {
            source: Arc::clone(&self.source),
            progress: Arc::clone(&self.progress),
            batch_records: self.batch_records,
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
        }
    }
}

pub fn publish_progress(source: &FlowSource, shared: &SharedProgress) {
    let progress = source.progress();
    shared.bytes_consumed.store(progress.bytes_consumed, Ordering::Relaxed);
    shared.total_bytes.store(progress.total_bytes.unwrap_or(0), Ordering::Relaxed);
    shared.packets.store(progress.packets, Ordering::Relaxed);
    shared.records.store(progress.records, Ordering::Relaxed);
}

pub struct NextBatchTask {
    source: Arc<Mutex<FlowSource>>,
    progress: Arc<SharedProgress>,
    batch_records: usize,
}

impl Task for NextBatchTask {
    type Output = Option<FlowBatch>;
    type JsValue = Option<FlowBatch>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let mut source = self.source.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut records: Vec<FlowRecord> = Vec::with_capacity(self.batch_records.min(1 << 16));
        let more = source.next_batch(self.batch_records, &mut records).map_err(|e| to_napi_error(&e))?;
        publish_progress(&source, &self.progress);
        if !more && records.is_empty() {
            return Ok(None);
        }
        Ok(Some(build_flow_batch(&records)))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}
