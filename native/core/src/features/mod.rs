//! Features: what the models see. `FeatureBuilder` turns flow records, from packets or from a
//! flow file alike, into per-flow rows and per-(LAN host, window) rows in the order and with
//! the meaning `schema` fixes.
//!
//! Files: `schema` (names, order, version), `traffic_class` (transport, services, states),
//! `flow_features` (a flow's row), `attempt` (what an initiated flow says: attempt, failure),
//! `host_activity` (a host's window, accumulated), `evidence` (the evidence block and what is behind it), `labels`
//! (ground truth from CTU-13 labels), `label_index` (labels for flows rebuilt from a synth
//! capture), `lan` (which addresses are hosts), `record_pieces` (a flow file's record cut per window),
//! `repeated_rows` (flow rows identical to one of the window before), `builder` (windows in, rows out).

pub mod attempt;
pub mod builder;
pub mod evidence;
pub mod flow_features;
pub mod host_activity;
pub mod host_memory;
pub mod label_index;
pub mod labels;
pub mod lan;
pub mod record_pieces;
pub mod repeated_rows;
pub mod schema;
pub mod traffic_class;

pub use builder::{FeatureBuilder, FeatureOptions, FeatureStats, WindowFeatures};
pub use label_index::{LabelIndex, LabelMatch};
pub use labels::{FlowClass, HostLabel};
pub use lan::Lan;
pub use evidence::{Evidence, EvidenceDetail, Service};
pub use schema::{FeatureSpec, FLOW_FEATURES, HOST_EVIDENCE_FIRST, HOST_FEATURES, HOST_SCORE_AGGREGATES, SCHEMA_VERSION};
