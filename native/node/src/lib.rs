//! N-API binding of flowhound-core. Converts types and errors and runs work off the JavaScript
//! thread; all logic lives in the core crate.
#[macro_use]
extern crate napi_derive;

mod errors;
mod feature_stream;
mod flow_batch;
mod flow_export;
mod flow_stream;
mod live_capture;
mod options;
mod parquet_writer;
mod stats;
mod synth_job;
mod throughput;
mod window_thread;

/// Version of the native core, to tell builds apart in reports.
#[napi]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
