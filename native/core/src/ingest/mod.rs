//! Ingest: where flow records come from. An input is told by its first bytes (`input`), then
//! read as a capture (reader → decoder → flow engine, optionally with reading and decoding on
//! a thread of their own: `decode_thread`, `decoded_batch`; and the engine on another:
//! `flows_thread`) or as a flow file (text or
//! Arrow), behind one batch-oriented [`FlowSource`] that the binding and the tools drive.
//! Live capture (`live`) joins them here: packets from an interface into the same engine.

mod decode_thread;
mod decoded_batch;
mod flows_thread;
mod gzip_capture;
mod input;
mod live;
mod source;

pub use live::{
    wall_clock_us, DropLedger, FeedEvent, KernelCounters, LiveCaptureOptions, LiveFlowSource, LivePoll, NetworkInterface, PacketFeed, IDLE_GRACE_US,
};
#[cfg(feature = "live")]
pub use live::{list_interfaces, PcapFeed};
pub use flows_thread::CaptureFlowThread;
pub use input::{detect_input_format, sniff_input, InputFormat, InputKind};
pub use source::{CaptureFlowSource, FlowFileSource, FlowSource, FlowSourceOptions, SourceProgress};

// The throughput measurement (feature `bench`) drives these directly.
#[cfg(feature = "bench")]
pub(crate) use decode_thread::DecodeThread;
#[cfg(feature = "bench")]
pub(crate) use decoded_batch::DecodedBatch;
