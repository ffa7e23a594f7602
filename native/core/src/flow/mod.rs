//! Bidirectional flows with Argus's meaning, built incrementally from decoded packets.
//!
//! [`FlowEngine`] is the entry point: `push` packets, collect the `FlowRecord`s it appends,
//! `finish` at the end of input. Two modes, each behind the engine: sliding windows
//! (`windowed`) and whole-capture records as `argus -S <interval>` writes them (`whole`).
//! What both modes count with is shared here and belongs to neither: packet keys (`key`,
//! `prepared`, `fragments`), a flow's counters (`counters`, with Argus's TCP and ICMP rules in
//! `tcp`, `argus_tcp`, `icmp`), the flow table (`table`, `hash`) and the record a flow
//! becomes (`record_builder`). One mode never uses the other's internals.

mod argus_tcp;
mod counters;
mod engine;
mod fragments;
mod hash;
mod icmp;
mod key;
mod options;
mod prepared;
mod record_builder;
mod stats;
mod table;
mod tcp;
mod whole;
mod windowed;

#[cfg(test)]
mod memory_budget_tests;
#[cfg(test)]
pub(crate) mod test_packets;

pub use engine::FlowEngine;
pub use options::{check_windows, FlowEngineOptions, FlowMode, IdleTimeouts, MemoryBudget, UncertainDirection};
pub use stats::{FlowEngineStats, WindowEvictions};
/// Argus's TCP rules, which flow files and rebuilt captures follow too: the `-Z b` State of
/// each side's flags, and who the initiator is of a connection seen without its handshake.
pub use tcp::{first_sender_is_server, state_string, write_state};

// For the rest of the crate: reading Zeek's records as Argus names them, hashing feature
// rows as flows are hashed, and preparing packets on another thread (ingest).
pub(crate) use engine::BATCH_PACKETS;
// Also the seeded fast hash of the crate's other maps of traffic keys (`fast_hash`).
pub(crate) use hash::{finalise, fx_step, random_seed};
pub(crate) use icmp::{icmp_v4_state, icmp_v6_state};
pub(crate) use key::{icmp_v4_request_of, icmp_v6_request_type};
pub(crate) use prepared::{PacketPreparer, PreparedPacket};
#[cfg(test)]
pub(crate) use prepared::PacketKind;
