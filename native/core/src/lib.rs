//! flowhound's native core: capture reading, packet decoding, flow tables, windows,
//! flow-file reading and features. Nothing here knows of N-API; the `flowhound-node` crate
//! binds it. Packet synthesis (`flowhound synth`) is the `flowhound-synth` crate, which
//! builds on this one: nothing here may use it.

pub mod error;
pub mod packet;
pub mod prefetch;
pub mod prehashed_map;
pub mod record;

pub mod capture;
pub mod cidr;
pub mod features;
pub mod decode;
pub mod flow;
pub mod flowfile;
pub mod labels;

pub mod ingest;
pub mod throughput;

#[cfg(test)]
mod test_noise;
