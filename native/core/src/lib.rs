//! flowhound's native core: capture reading, packet decoding, flow tables, windows,
//! flow-file reading and features. Nothing here knows of N-API; the `flowhound-node` crate
//! binds it. Packet synthesis (`flowhound synth`) is the `flowhound-synth` crate, which
//! builds on this one: nothing here may use it.

//!
//! The data path, in order: `ingest` (inputs told apart, read into records) drives `capture`
//! (pcap, pcapng) → `decode` (packets) → `flow` (whole-capture or windowed flows), or
//! `flowfile` (binetflow, Zeek, Arrow); both give `record::FlowRecord`s, which `features`
//! turns into the rows the models read (with ground truth from `labels`, the sidecar of a
//! rebuilt capture). `export` writes records out (binetflow CSV, the flow table's Arrow
//! columns). Each module is sealed behind its front file; `lib.rs` lists the fronts.

// The types every stage shares.
pub mod cidr;
pub mod error;
pub mod input_file;
pub mod packet;
pub mod record;
pub mod time_range;

// The data path.
pub mod capture;
pub mod decode;
pub mod export;
pub mod features;
pub mod flow;
pub mod flowfile;
pub mod ingest;
pub mod labels;

// Benchmarks only: the binding's measureCaptureStage and examples/capture_stages.rs.
#[cfg(feature = "bench")]
pub mod throughput;

// Helpers of the hot loops.
mod counting_read;
mod fast_hash;
mod prefetch;
mod prehashed_map;

#[cfg(test)]
mod test_gzip;
#[cfg(test)]
mod test_noise;
#[cfg(test)]
mod test_pipe;
