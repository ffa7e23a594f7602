//! Packet synthesis: a pcap writer, a packet builder that produces exact wire lengths, a
//! seeded traffic generator (`flowhound synth --generate`, the benchmark inputs) and captures
//! rebuilt from flow records (`flowhound synth FLOWS`).
//!
//! A crate of its own so that the analysis path cannot depend on it: it builds on
//! `flowhound-core` (records, the packet types, the flow-file reader), never the reverse.

pub mod checksum;
pub mod flood;
pub mod from_records;
pub mod generator;
pub mod packet_builder;
pub mod payload_filler;
pub mod pcap_writer;
pub mod prng;

pub use packet_builder::{PacketBuilder, PacketSpec, TransportSpec};
pub use pcap_writer::PcapWriter;

#[cfg(test)]
mod test_records;
