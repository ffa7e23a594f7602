//! The options contract as JavaScript sees it. The defaults are the core's
//! (`FlowMode::DEFAULT_*`, `FlowSourceOptions::default()`, `features::PRIVATE_RANGES`); `defaults()` hands them to TypeScript, which leaves out what
//! it was not told rather than writing a default of its own, and an opened stream reports the
//! options it runs with (`FlowStream.options`, `FeatureStream.options`). This file only
//! converts: seconds to µs, names to enums.

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::features::{Lan, PRIVATE_RANGES};
use flowhound_core::flowfile::ColumnRenames;
use flowhound_core::flow::{FlowEngineOptions, FlowMode, MemoryBudget, UncertainDirection};
use flowhound_core::ingest::FlowSourceOptions;

/// Records per batch handed to JavaScript unless told otherwise.
pub const DEFAULT_BATCH_RECORDS: u32 = 65_536;
const MICROS_PER_SECOND: f64 = 1e6;

#[napi(object)]
#[derive(Default, Clone)]
pub struct FlowStreamOptions {
    /// Window length in seconds (windowed mode, the default): `defaults().windowSeconds`.
    pub window_seconds: Option<f64>,
    /// Step between window starts in seconds: `defaults().stepSeconds`.
    pub step_seconds: Option<f64>,
    /// Whole-capture records as Argus makes them, instead of windows.
    pub whole: Option<bool>,
    /// Whole-capture mode: seconds between status records of a long flow (Argus `-S`):
    /// `defaults().statusIntervalSeconds`.
    pub status_interval_seconds: Option<f64>,
    /// Cap on active flows per table; past it the longest-idle flows are emitted early.
    pub max_active_flows: Option<u32>,
    /// The memory budget in bytes (flow tables and open windows' flow rows; "memcap"):
    /// `defaults().memcapBytes`, within `minMemcapBytes` … `maxMemcapBytes`.
    pub memcap_bytes: Option<f64>,
    /// Who a TCP connection seen without its handshake is named after: "first-sender" (the
    /// default, as the Argus that wrote CTU-13) or "service-port" (Argus 3.0.8's guess).
    pub uncertain_direction: Option<String>,
    /// On damaged input, stop at the damage and still emit what was read before it.
    pub keep_going: Option<bool>,
    /// Flow files: offset of their textual local times from UTC, in minutes.
    pub utc_offset_minutes: Option<i32>,
    /// CSV flow files: `NAME=COLUMN` items mapping a header's other names onto the fields.
    pub columns: Option<Vec<String>>,
    /// Records per batch handed to JavaScript.
    pub batch_records: Option<u32>,
}

/// What a run uses for each option it is not given.
#[napi(object)]
pub struct Defaults {
    pub window_seconds: f64,
    pub step_seconds: f64,
    /// Whole-capture mode (CTU-13's).
    pub status_interval_seconds: f64,
    pub max_active_flows: u32,
    /// The memory budget and the limits a given one must lie within, bytes.
    pub memcap_bytes: f64,
    pub min_memcap_bytes: f64,
    pub max_memcap_bytes: f64,
    pub uncertain_direction: String,
    pub keep_going: bool,
    pub utc_offset_minutes: i32,
    pub batch_records: u32,
    /// The LAN of the features and of analyze: the private ranges.
    pub lan: Vec<String>,
}

/// The defaults of this build's core, for the CLI's help and for what it records of a run.
#[napi]
pub fn defaults() -> Defaults {
    let FlowSourceOptions { engine, flow_file, keep_going, .. } = FlowSourceOptions::default();
    Defaults {
        window_seconds: us_to_seconds(FlowMode::DEFAULT_WINDOW_US),
        step_seconds: us_to_seconds(FlowMode::DEFAULT_STEP_US),
        status_interval_seconds: us_to_seconds(FlowMode::DEFAULT_STATUS_INTERVAL_US),
        max_active_flows: max_active_flows_u32(engine.max_active_flows),
        memcap_bytes: engine.memory.memcap_bytes as f64,
        min_memcap_bytes: MemoryBudget::MIN_MEMCAP_BYTES as f64,
        max_memcap_bytes: MemoryBudget::MAX_MEMCAP_BYTES as f64,
        uncertain_direction: engine.uncertain_direction.name().to_string(),
        keep_going,
        utc_offset_minutes: flow_file.utc_offset_minutes,
        batch_records: DEFAULT_BATCH_RECORDS,
        lan: PRIVATE_RANGES.iter().map(|range| range.to_string()).collect(),
    }
}

/// The options an opened stream runs with, its defaults filled in.
#[napi(object)]
#[derive(Clone)]
pub struct EffectiveFlowOptions {
    pub whole: bool,
    /// Windowed mode only.
    pub window_seconds: Option<f64>,
    pub step_seconds: Option<f64>,
    /// Whole-capture mode only.
    pub status_interval_seconds: Option<f64>,
    pub max_active_flows: u32,
    pub memcap_bytes: f64,
    pub uncertain_direction: String,
    pub keep_going: bool,
    pub utc_offset_minutes: i32,
    pub batch_records: u32,
}

impl EffectiveFlowOptions {
    pub fn of(source: &FlowSourceOptions, batch_records: u32) -> EffectiveFlowOptions {
        let (window, step, status_interval) = match source.engine.mode {
            FlowMode::Windowed { window_us, step_us } => (Some(window_us), Some(step_us), None),
            FlowMode::Whole { status_interval_us } => (None, None, Some(status_interval_us)),
        };
        EffectiveFlowOptions {
            whole: status_interval.is_some(),
            window_seconds: window.map(us_to_seconds),
            step_seconds: step.map(us_to_seconds),
            status_interval_seconds: status_interval.map(us_to_seconds),
            max_active_flows: max_active_flows_u32(source.engine.max_active_flows),
            memcap_bytes: source.engine.memory.memcap_bytes as f64,
            uncertain_direction: source.engine.uncertain_direction.name().to_string(),
            keep_going: source.keep_going,
            utc_offset_minutes: source.flow_file.utc_offset_minutes,
            batch_records,
        }
    }
}

/// The LAN ranges a feature stream counts hosts in, as text.
pub fn lan_texts(lan: &Lan) -> Vec<String> {
    lan.ranges().iter().map(ToString::to_string).collect()
}

fn us_to_seconds(us: i64) -> f64 {
    us as f64 / MICROS_PER_SECOND
}

/// The core keeps the cap far below u32::MAX (`flow::table::MAX_ENTRIES / 2`).
fn max_active_flows_u32(cap: usize) -> u32 {
    u32::try_from(cap).unwrap_or(u32::MAX)
}

fn seconds_to_us(seconds: f64, option: &str) -> Result<i64, FlowhoundError> {
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 1e9 {
        return Err(FlowhoundError::new(ErrorCode::BadOption, format!("{option} must be a positive number of seconds, got {seconds}")));
    }
    Ok((seconds * MICROS_PER_SECOND).round() as i64)
}

pub fn engine_options(options: &FlowStreamOptions) -> Result<FlowEngineOptions, FlowhoundError> {
    let mode = if options.whole.unwrap_or(false) {
        let status_interval_us = match options.status_interval_seconds {
            Some(seconds) => seconds_to_us(seconds, "statusIntervalSeconds")?,
            None => FlowMode::DEFAULT_STATUS_INTERVAL_US,
        };
        FlowMode::Whole { status_interval_us }
    } else {
        let window_us = match options.window_seconds {
            Some(seconds) => seconds_to_us(seconds, "windowSeconds")?,
            None => FlowMode::DEFAULT_WINDOW_US,
        };
        let step_us = match options.step_seconds {
            Some(seconds) => seconds_to_us(seconds, "stepSeconds")?,
            None => FlowMode::DEFAULT_STEP_US,
        };
        FlowMode::Windowed { window_us, step_us }
    };
    let mut engine = FlowEngineOptions { mode, ..FlowEngineOptions::default() };
    if let Some(cap) = options.max_active_flows {
        if cap == 0 {
            return Err(FlowhoundError::new(ErrorCode::BadOption, "maxActiveFlows must be at least 1"));
        }
        engine.max_active_flows = cap as usize;
    }
    if let Some(bytes) = options.memcap_bytes {
        // The core checks the range (`MemoryBudget::validate`); here only that it is a count.
        if !(bytes.is_finite() && bytes >= 0.0 && bytes.fract() == 0.0 && bytes < u64::MAX as f64) {
            return Err(FlowhoundError::new(ErrorCode::BadOption, format!("memcapBytes must be a whole number of bytes, got {bytes}")));
        }
        engine.memory = MemoryBudget { memcap_bytes: bytes as u64 };
    }
    if let Some(name) = options.uncertain_direction.as_deref() {
        engine.uncertain_direction = UncertainDirection::from_name(name).ok_or_else(|| {
            FlowhoundError::new(
                ErrorCode::BadOption,
                format!("uncertainDirection must be \"first-sender\" or \"service-port\", got \"{name}\""),
            )
        })?;
    }
    Ok(engine)
}

pub fn source_options(options: &FlowStreamOptions) -> Result<FlowSourceOptions, FlowhoundError> {
    let mut source = FlowSourceOptions { engine: engine_options(options)?, ..FlowSourceOptions::default() };
    if let Some(offset) = options.utc_offset_minutes {
        source.flow_file.utc_offset_minutes = offset;
    }
    if let Some(keep_going) = options.keep_going {
        source.keep_going = keep_going;
    }
    if let Some(items) = &options.columns {
        source.flow_file.columns = ColumnRenames::parse(items).map_err(|message| FlowhoundError::new(ErrorCode::BadOption, message))?;
    }
    // Reading and decoding on a thread of their own: libuv's pool thread builds the flows.
    source.decode_thread = true;
    Ok(source)
}

pub fn batch_records(options: &FlowStreamOptions) -> u32 {
    options.batch_records.unwrap_or(DEFAULT_BATCH_RECORDS).max(1)
}
