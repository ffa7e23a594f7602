//! Bidirectional flows with Argus's meaning, built incrementally from decoded packets.
//!
//! `FlowEngine` is the entry point: `push` packets, collect the `FlowRecord`s it appends,
//! `finish` at the end of input. Two modes: sliding windows (the `window` module) and
//! whole-capture records as `argus -S <interval>` writes them (`whole`).

pub mod argus_tcp;
pub mod counters;
pub mod engine;
pub mod fragments;
pub mod hash;
pub mod icmp;
pub mod key;
pub mod options;
pub mod prepared;
pub mod record_builder;
pub mod stats;
pub mod table;
pub mod tcp;
pub mod whole;

#[cfg(test)]
pub(crate) mod test_packets;

pub use engine::FlowEngine;
pub use options::{FlowEngineOptions, FlowMode, IdleTimeouts, UncertainDirection};
pub use stats::FlowEngineStats;
