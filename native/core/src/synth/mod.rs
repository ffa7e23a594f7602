//! Packet synthesis: a pcap writer, a packet builder that produces exact wire lengths, and a
//! seeded traffic generator (benchmark inputs now, `flowhound synth` later).

pub mod checksum;
pub mod from_records;
pub mod generator;
pub mod packet_builder;
pub mod payload_filler;
pub mod pcap_writer;
pub mod prng;

pub use packet_builder::{PacketBuilder, PacketSpec, TransportSpec};
pub use pcap_writer::PcapWriter;
