//! `flowhound synth`: captures rebuilt from labelled flow records (CTU-13 `.binetflow`).
//!
//! For every record, packets whose number, direction split, wire lengths (summing to
//! `TotBytes` and `SrcBytes`), timing (first at `StartTime`, last at `StartTime + Dur`), TCP
//! flags (the State's letters, in a connection's order), ICMP messages and TOS give the
//! record back when the capture is read the way Argus reads it (`argus -S 3600`). Payloads
//! are filler up to the snap length; the record header keeps the wire length. The capture is
//! in time order across all records and is written as it goes: memory holds the records
//! being written, not the output. A labels sidecar says which record each flow came from.
//!
//! ```no_run
//! use flowhound_core::flowfile::FlowFileOptions;
//! use flowhound_synth::from_records::{synthesize_flow_file, RecordSynthOptions};
//! let flow_file = FlowFileOptions { utc_offset_minutes: 120, keep_going: false, ..Default::default() }; // CTU-13: CEST
//! let stats = synthesize_flow_file(
//!     "capture20110816.binetflow.gz".as_ref(),
//!     flow_file,
//!     "scenario6.pcap".as_ref(),
//!     Some("scenario6.labels.csv".as_ref()),
//!     &RecordSynthOptions::default(),
//!     &mut |_progress| true,
//! )?;
//! println!("{} records, {} packets", stats.records_synthesized, stats.packets_written);
//! # Ok::<(), flowhound_core::error::FlowhoundError>(())
//! ```
//!
//! Files: `selection` (which records), `wire_lengths`, `packet_times`, `tcp_plan` (flags),
//! `icmp_plan` (messages, ids, quoted packets), `flow_chains` (DNS ids, echo sequence numbers
//! that keep records apart or join them), `record_plan` (all of it for one record),
//! `packet_cursor` (a record being written), `synthesizer` (the time-ordered stream),
//! `flow_file_to_capture`, `round_trip` (what a reader gives back of the records). What the
//! analysis path must agree on is the core's: a record's protocol and ends on the wire and
//! how many packets each side sent (`flowhound_core::record`), the labels sidecar's format
//! (`flowhound_core::labels`).

pub mod flow_chains;
pub mod flow_file_to_capture;
pub mod icmp_plan;
pub mod options;
pub mod packet_cursor;
pub mod packet_times;
pub mod record_plan;
pub mod round_trip;
pub mod same_flow;
pub mod selection;
pub mod side;
pub mod stats;
pub mod synthesizer;
pub mod tcp_plan;
pub mod wire_lengths;

pub use flow_file_to_capture::{synthesize_flow_file, SynthProgress};
pub use flowhound_core::cidr::Cidr;
pub use flowhound_core::labels::LABELS_HEADER;
pub use options::RecordSynthOptions;
pub use round_trip::{RoundTrip, RoundTripReport};
pub use selection::SkipReason;
pub use stats::RecordSynthStats;
pub use synthesizer::RecordSynthesizer;
