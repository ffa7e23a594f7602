//! `ParquetWriter`: a table the commands make as Arrow (apache-arrow's IPC streams) written as
//! Parquet by the core (`export::ParquetTableWriter`), on libuv's thread pool. The Parquet bytes
//! come back to JavaScript, which writes them to the command's output as it writes any other.
//! Built without the `parquet` feature, the constructor throws ERR_PARQUET_UNAVAILABLE.

use std::sync::{Arc, Mutex};

use flowhound_core::error::{ErrorCode, FlowhoundError};
#[cfg(feature = "parquet")]
use flowhound_core::export::ParquetTableWriter;
use napi::bindgen_prelude::{AsyncTask, Buffer, Uint8Array};
use napi::{Env, Task};

use crate::errors::to_napi_error;

/// Without the feature the class still exists, so that JavaScript meets ERR_PARQUET_UNAVAILABLE
/// rather than a missing constructor; no writer is ever made.
#[cfg(not(feature = "parquet"))]
struct ParquetTableWriter;

#[cfg(not(feature = "parquet"))]
impl ParquetTableWriter {
    fn new() -> ParquetTableWriter {
        ParquetTableWriter
    }
}

/// Whether this build reads and writes Parquet (the `parquet` feature, on by default).
#[napi]
pub fn parquet_built_in() -> bool {
    cfg!(feature = "parquet")
}

#[napi]
pub struct ParquetWriter {
    table: Arc<Mutex<ParquetTableWriter>>,
}

#[napi]
impl ParquetWriter {
    #[napi(constructor)]
    pub fn new() -> napi::Result<ParquetWriter> {
        if !cfg!(feature = "parquet") {
            return Err(to_napi_error(&FlowhoundError::new(
                ErrorCode::ParquetUnavailable,
                "this build of flowhound has no Parquet writer (its addon was built without the `parquet` feature): \
                 rebuild it with `npm run build:native`, or write Feather (-o FILE.feather)",
            )));
        }
        Ok(ParquetWriter { table: Arc::new(Mutex::new(ParquetTableWriter::new())) })
    }

    /// Writes the record batches of `ipc`, an Arrow IPC stream (schema, then batches); resolves
    /// to the Parquet bytes made so far, often none (a row group is written when full).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn write(&self, ipc: Uint8Array) -> AsyncTask<ParquetTask> {
        AsyncTask::new(ParquetTask { table: Arc::clone(&self.table), step: Step::Write(ipc.to_vec()) })
    }

    /// Ends the table; resolves to its last bytes (the last row group and the footer).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn finish(&self) -> AsyncTask<ParquetTask> {
        AsyncTask::new(ParquetTask { table: Arc::clone(&self.table), step: Step::Finish })
    }
}

#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
enum Step {
    Write(Vec<u8>),
    Finish,
}

#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub struct ParquetTask {
    table: Arc<Mutex<ParquetTableWriter>>,
    step: Step,
}

impl Task for ParquetTask {
    type Output = Vec<u8>;
    type JsValue = Buffer;

    #[cfg(feature = "parquet")]
    fn compute(&mut self) -> napi::Result<Self::Output> {
        let mut table = self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bytes = match &self.step {
            Step::Write(ipc) => table.write_ipc_stream(ipc),
            Step::Finish => table.finish(),
        };
        bytes.map_err(|e| to_napi_error(&e))
    }

    /// Never reached: without the feature no writer is made.
    #[cfg(not(feature = "parquet"))]
    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(Vec::new())
    }

    fn resolve(&mut self, _env: Env, bytes: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(Buffer::from(bytes))
    }
}
