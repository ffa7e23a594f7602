//! Features: what the models see. `FeatureBuilder` turns flow records, from packets or from a
//! flow file alike, into per-flow rows and per-(LAN host, window) rows in the order and with
//! the meaning `schema` fixes.
//!
//! Files: `schema` (names, order, version), `traffic_class` (transport, services, states),
//! `flow_features` (a flow's row), `attempt` (what an initiated flow says: attempt, failure),
//! `host_activity` (a host's window, accumulated), `evidence` (the evidence block and what is behind it), `labels`
//! (ground truth from CTU-13 labels), `label_index` (labels for flows rebuilt from a synth
//! capture), `lan` (which addresses are hosts), `record_pieces` (a flow file's record cut per window), `future_pieces` (pieces held for windows ahead),
//! `repeated_rows` (flow rows identical to one of the window before), `row_sample` (a window's
//! flow rows within the memory budget), `row_blocks` (their features while the window is open), `builder` (windows in, rows out).

mod attempt;
mod builder;
mod evidence;
mod flow_features;
mod future_pieces;
mod host_activity;
mod host_memory;
mod label_index;
mod labels;
mod lan;
mod record_pieces;
mod repeated_rows;
mod row_blocks;
mod row_sample;
mod schema;
mod traffic_class;

pub use builder::{FeatureBuilder, FeatureOptions, FeatureStats, WindowFeatures};
pub use evidence::{Evidence, EvidenceDetail, Service};
pub use flow_features::write_flow_features;
pub use label_index::{LabelIndex, LabelMatch};
pub use labels::{classify_label, FlowClass, HostLabel};
pub use lan::{Lan, PRIVATE_RANGES};
pub use schema::{
    FeatureSpec, FLOW_FEATURES, FLOW_FEATURE_COUNT, HOST_EVIDENCE_FIRST, HOST_FEATURES, HOST_FEATURE_COUNT, HOST_SCORE_AGGREGATES,
    SCHEMA_VERSION,
};

// The tests of Zeek's labels read them as CTU-13's are classified.
#[cfg(test)]
pub(crate) use labels::LabelledEnd;
#[cfg(test)]
pub(crate) use schema::index_of;
