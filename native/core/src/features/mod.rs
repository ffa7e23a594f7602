//! Features: what the models see. `FeatureBuilder` turns flow records, from packets or from a
//! flow file alike, into per-flow rows and per-(LAN host, window) rows in the order and with
//! the meaning `schema` fixes.
//!
//! Files: `schema` (names, order, version), `traffic_class` (transport, services, states),
//! `flow_features` (a flow's row), `host_activity` (a host's window, accumulated), `labels`
//! (ground truth from CTU-13 labels), `label_index` (labels for flows rebuilt from a synth
//! capture), `lan` (which addresses are hosts), `record_pieces` (a flow file's record cut per window),
//! `repeated_rows` (flow rows identical to one of the window before), `builder` (windows in, rows out).

pub mod builder;
pub mod flow_features;
pub mod host_activity;
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
pub use schema::{FeatureSpec, FLOW_FEATURES, HOST_FEATURES, HOST_SCORE_AGGREGATES, SCHEMA_VERSION};
