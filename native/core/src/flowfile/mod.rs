//! Flow files: CTU-13 `.binetflow` and other Argus `ra` CSV/TSV output, NetFlow CSV with
//! BotRecon's eight columns (with or without a header), and Zeek `conn.log` (TSV or JSON,
//! `zeek`), plain or gzip; and flow tables in Arrow IPC (`arrow`) or Parquet (`parquet`, with
//! the `parquet` feature); streamed into
//! [`FlowRecord`](crate::record::FlowRecord)s in batches.
//!
//! ```no_run
//! use flowhound_core::flowfile::{FlowFileOptions, FlowFileReader};
//! let options = FlowFileOptions { utc_offset_minutes: 120, ..Default::default() }; // CTU-13: CEST
//! let mut reader = FlowFileReader::open("capture20110816.binetflow.gz".as_ref(), options)?;
//! let mut batch = Vec::new();
//! while reader.next_batch(8192, &mut batch)? > 0 {
//!     // … use batch …
//!     batch.clear();
//! }
//! # Ok::<(), flowhound_core::error::FlowhoundError>(())
//! ```

mod arrow;
mod civil_time;
mod columns;
mod fields;
mod gzip_size;
mod line_reader;
mod nfdump;
#[cfg(feature = "parquet")]
mod parquet;
mod ports;
mod reader;
mod row;
mod source;
mod tcp_state;
mod zeek;

pub use arrow::{ArrowFlowReader, ArrowFormat, ARROW_CONTINUATION, ARROW_FILE_MAGIC};
#[cfg(feature = "parquet")]
pub use parquet::ParquetFlowReader;
pub use civil_time::days_from_civil;
pub use columns::{ColumnRenames, FlowColumn, Layout};
pub use fields::{parse_address, parse_protocol};
pub use row::UNTIMED_START_US;
pub use reader::{
    FlowFileOptions, FlowFileReader, FlowFileStats, TextFormat, MAX_LINE_BYTES, MAX_SKIP_REASONS,
    MAX_UTC_OFFSET_MINUTES,
};

#[cfg(test)]
mod fixture_tests;
#[cfg(all(test, feature = "parquet"))]
mod parquet_tests;
