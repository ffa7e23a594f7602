//! `measureCapture`: one stage of the capture path run natively over a whole file, returning
//! only counts and time. Benchmarks compare it with the full path to see the boundary's cost.

use std::path::PathBuf;

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::throughput::{measure_capture, Stage, ThroughputReport};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};

use crate::errors::to_napi_error;
use crate::options::{engine_options, FlowStreamOptions};

#[napi(object)]
pub struct ThroughputResult {
    pub packets: f64,
    pub wire_bytes: f64,
    pub file_bytes: f64,
    pub ip_packets: f64,
    pub records: f64,
    pub elapsed_ns: f64,
    pub peak_active_flows: f64,
    pub bytes_per_active_flow_at_peak: f64,
    pub flows_evicted_early: f64,
}

impl From<ThroughputReport> for ThroughputResult {
    fn from(r: ThroughputReport) -> Self {
        ThroughputResult {
            packets: r.packets as f64,
            wire_bytes: r.wire_bytes as f64,
            file_bytes: r.file_bytes as f64,
            ip_packets: r.ip_packets as f64,
            records: r.records as f64,
            elapsed_ns: r.elapsed_ns as f64,
            peak_active_flows: r.peak_active_flows as f64,
            bytes_per_active_flow_at_peak: r.bytes_per_active_flow_at_peak as f64,
            flows_evicted_early: r.flows_evicted_early as f64,
        }
    }
}

pub struct MeasureTask {
    path: PathBuf,
    stage: Stage,
    options: FlowStreamOptions,
}

impl Task for MeasureTask {
    type Output = ThroughputReport;
    type JsValue = ThroughputResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let engine = engine_options(&self.options).map_err(|e| to_napi_error(&e))?;
        measure_capture(&self.path, self.stage, engine).map_err(|e| to_napi_error(&e))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into())
    }
}

/// Runs `stage` ("walk", "decode", "flows", or "flows-2t": flows with reading and decoding on
/// a second thread) over a capture on a worker thread and reports counts and elapsed time;
/// flows are built per `options` and dropped.
#[napi(ts_return_type = "Promise<ThroughputResult>")]
pub fn measure_capture_stage(path: String, stage: String, options: Option<FlowStreamOptions>) -> napi::Result<AsyncTask<MeasureTask>> {
    let stage = match stage.as_str() {
        "walk" => Stage::Walk,
        "decode" => Stage::Decode,
        "flows" => Stage::Flows,
        "flows-2t" => Stage::FlowsTwoThreads,
        other => {
            return Err(to_napi_error(&FlowhoundError::new(
                ErrorCode::BadOption,
                format!("stage must be walk, decode, flows or flows-2t, got '{other}'"),
            )))
        }
    };
    Ok(AsyncTask::new(MeasureTask { path: PathBuf::from(path), stage, options: options.unwrap_or_default() }))
}
