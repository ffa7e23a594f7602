//! Ingest: where flow records come from. An input is told by its first bytes (`input`), then
//! read as a capture (reader → decoder → flow engine, optionally with reading and decoding on
//! a thread of their own: `decode_thread`, `decoded_batch`) or as a flow file (text or
//! Arrow), behind one batch-oriented [`FlowSource`] that the binding and the tools drive.
//! Live capture is to join the file sources here.

mod decode_thread;
mod decoded_batch;
mod input;
mod source;

pub use input::{detect_input_format, sniff_input, InputFormat, InputKind};
pub use source::{CaptureFlowSource, FlowFileSource, FlowSource, FlowSourceOptions, SourceProgress};

// The throughput measurement (feature `bench`) drives these directly.
#[cfg(feature = "bench")]
pub(crate) use decode_thread::DecodeThread;
#[cfg(feature = "bench")]
pub(crate) use decoded_batch::DecodedBatch;
