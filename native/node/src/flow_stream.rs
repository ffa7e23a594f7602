//! `FlowStream`: flow records from a capture or a flow file, batch by batch, computed on
//! libuv's thread pool so the JavaScript thread never parses packets.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::flow::{FlowEngineOptions, FlowMode, UncertainDirection};
use flowhound_core::flowfile::FlowFileOptions;
use flowhound_core::record::FlowRecord;
use flowhound_core::ingest::{FlowSource, FlowSourceOptions, InputKind};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};

use crate::errors::{error_json, to_napi_error};
use crate::flow_batch::{build_flow_batch, FlowBatch};
use crate::stats::{source_stats, SourceStats};

const DEFAULT_BATCH_RECORDS: u32 = 65_536;
const MICROS_PER_SECOND: f64 = 1e6;

#[napi(object)]
#[derive(Default, Clone)]
pub struct FlowStreamOptions {
    /// Window length in seconds (windowed mode, the default): 300.
    pub window_seconds: Option<f64>,
    /// Step between window starts in seconds: 150.
    pub step_seconds: Option<f64>,
    /// Whole-capture records as Argus makes them, instead of windows.
    pub whole: Option<bool>,
    /// Whole-capture mode: seconds between status records of a long flow (Argus `-S`).
    pub status_interval_seconds: Option<f64>,
    /// Cap on active flows per table; past it the longest-idle flows are emitted early.
    pub max_active_flows: Option<u32>,
    /// Who a TCP connection seen without its handshake is named after: "first-sender" (the
    /// default, as the Argus that wrote CTU-13) or "service-port" (Argus 3.0.8's guess).
    pub uncertain_direction: Option<String>,
    /// On damaged input, stop at the damage and still emit what was read before it.
    pub keep_going: Option<bool>,
    /// Flow files: offset of their textual local times from UTC, in minutes.
    pub utc_offset_minutes: Option<i32>,
    /// Records per batch handed to JavaScript.
    pub batch_records: Option<u32>,
}

fn seconds_to_us(seconds: f64, option: &str) -> Result<i64, FlowhoundError> {
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 1e9 {
        return Err(FlowhoundError::new(ErrorCode::BadOption, format!("{option} must be a positive number of seconds, got {seconds}")));
    }
    Ok((seconds * MICROS_PER_SECOND).round() as i64)
}

pub fn engine_options(options: &FlowStreamOptions) -> Result<FlowEngineOptions, FlowhoundError> {
    let mut engine = FlowEngineOptions::default();
    engine.mode = if options.whole.unwrap_or(false) {
        FlowMode::Whole { status_interval_us: seconds_to_us(options.status_interval_seconds.unwrap_or(3600.0), "statusIntervalSeconds")? }
    } else {
        FlowMode::Windowed {
            window_us: seconds_to_us(options.window_seconds.unwrap_or(300.0), "windowSeconds")?,
            step_us: seconds_to_us(options.step_seconds.unwrap_or(150.0), "stepSeconds")?,
        }
    };
    if let Some(cap) = options.max_active_flows {
        if cap == 0 {
            return Err(FlowhoundError::new(ErrorCode::BadOption, "maxActiveFlows must be at least 1"));
        }
        engine.max_active_flows = cap as usize;
    }
    if let Some(direction) = options.uncertain_direction.as_deref() {
        engine.uncertain_direction = match direction {
            "first-sender" => UncertainDirection::FirstSender,
            "service-port" => UncertainDirection::ServicePort,
            other => {
                return Err(FlowhoundError::new(
                    ErrorCode::BadOption,
                    format!("uncertainDirection must be \"first-sender\" or \"service-port\", got \"{other}\""),
                ))
            }
        };
    }
    Ok(engine)
}

pub fn source_options(options: &FlowStreamOptions) -> Result<FlowSourceOptions, FlowhoundError> {
    let engine = engine_options(options)?;
    let mut flow_file = FlowFileOptions::default();
    if let Some(offset) = options.utc_offset_minutes {
        flow_file.utc_offset_minutes = offset;
    }
    Ok(FlowSourceOptions { engine, flow_file, keep_going: options.keep_going.unwrap_or(false), decode_thread: true })
}

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
        let source = FlowSource::open(&path, source_options).map_err(|e| to_napi_error(&e))?;
        let kind = source.kind();
        let progress = Arc::new(SharedProgress::default());
        publish_progress(&source, &progress);
        Ok(FlowStream {
            source: Arc::new(Mutex::new(source)),
            progress,
            batch_records: options.batch_records.unwrap_or(DEFAULT_BATCH_RECORDS).max(1) as usize,
            kind,
        })
    }

    /// "capture" or "flowFile".
    #[napi(getter)]
    pub fn input_kind(&self) -> String {
        match self.kind {
            InputKind::Capture => "capture".to_string(),
            InputKind::FlowFile => "flowFile".to_string(),
        }
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
