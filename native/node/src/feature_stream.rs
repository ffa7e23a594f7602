//! `FeatureStream`: closed windows of feature rows (flows and LAN hosts) from a capture or a
//! flow file, computed on libuv's thread pool; and `featureSchema()`, the schema the rows
//! follow.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use flowhound_core::cidr::Cidr;
use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::export::address_text;
use flowhound_core::features::{
    EvidenceDetail, FeatureBuilder, FeatureOptions, FeatureSpec, FlowClass, HostLabel, LabelIndex, Lan, WindowFeatures, FLOW_FEATURES,
    HOST_FEATURES, HOST_SCORE_AGGREGATES, SCHEMA_VERSION,
};
use flowhound_core::packet::IpAddr16;
use flowhound_core::record::FlowRecord;
use flowhound_core::ingest::FlowSource;
use napi::bindgen_prelude::{AsyncTask, Float32Array, Float64Array, Int32Array, Uint8Array};
use napi::{Env, Task};

use crate::errors::{error_json, to_napi_error};
use crate::flow_batch::{build_flow_batch, FlowBatch};
use crate::flow_stream::{publish_progress, FlowStreamProgress, SharedProgress};
use crate::options::{engine_options, lan_texts, source_options, EffectiveFlowOptions, FlowStreamOptions};
use crate::stats::{source_stats, SourceStats};
use crate::window_thread::{WindowThread, Windows};

/// Records pulled from the source at once: 16,384 of a flow file's are 3.8 MB (a record is 232
/// bytes, and its strings); 65,536 were 15 MB, held the whole run, for no time measurable
/// (analyze, CTU-13 scenario 6's flow file).
const RECORDS_PER_PULL: usize = 16_384;
/// Records a capture's flows thread hands over at once: small, because up to four batches are
/// alive at a time (one being made, two waiting, one being turned into features); 65,536 cost
/// about 60 MB more peak RSS on scenario 6's first 30 minutes than computing on one thread,
/// 8,192 none measurable, with the same windows.
const FLOWS_THREAD_BATCH_RECORDS: usize = 8_192;

#[napi(object)]
pub struct FeatureSpecJs {
    pub name: String,
    pub description: String,
    /// A host feature that counts a suspicious behaviour (the host row's last block).
    pub evidence: bool,
}

#[napi(object)]
pub struct FeatureSchema {
    pub version: u32,
    /// Inputs of the flow model, in order.
    pub flow: Vec<FeatureSpecJs>,
    /// Per-(host, window) features the core computes, in order.
    pub host: Vec<FeatureSpecJs>,
    /// Inputs of the host model that follow `host`: aggregates of the flow model's scores.
    pub host_score_aggregates: Vec<FeatureSpecJs>,
    /// Names of the codes in `FeatureWindow.flowClass`, by code.
    pub flow_classes: Vec<String>,
    /// Names of the codes in `FeatureWindow.hostLabel`, by code.
    pub host_labels: Vec<String>,
}

const FLOW_CLASSES: [FlowClass; 4] = [FlowClass::Botnet, FlowClass::Normal, FlowClass::Background, FlowClass::Unlabelled];
const HOST_LABELS: [HostLabel; 4] = [HostLabel::Infected, HostLabel::InfectedIdle, HostLabel::Normal, HostLabel::Unknown];

fn specs(list: &[FeatureSpec]) -> Vec<FeatureSpecJs> {
    list.iter().map(|f| FeatureSpecJs { name: f.name.to_string(), description: f.description.to_string(), evidence: f.evidence }).collect()
}

/// The feature schema of this build: what models must take as input.
#[napi]
pub fn feature_schema() -> FeatureSchema {
    FeatureSchema {
        version: SCHEMA_VERSION,
        flow: specs(FLOW_FEATURES),
        host: specs(HOST_FEATURES),
        host_score_aggregates: specs(HOST_SCORE_AGGREGATES),
        flow_classes: FLOW_CLASSES.iter().map(|c| c.as_str().to_string()).collect(),
        host_labels: HOST_LABELS.iter().map(|l| l.as_str().to_string()).collect(),
    }
}

#[napi(object)]
#[derive(Default, Clone)]
pub struct FeatureStreamOptions {
    /// Reading: window and step, keepGoing, utcOffsetMinutes, maxActiveFlows (whole is refused).
    pub flows: Option<FlowStreamOptions>,
    /// LAN ranges (CIDR); default: the private ranges.
    pub lan: Option<Vec<String>>,
    /// Hosts known to be infected (ground truth for training tables): addresses, or CIDR ranges.
    pub infected: Option<Vec<String>>,
    /// A synth labels sidecar giving the labels of a rebuilt capture's flows.
    pub labels_path: Option<String>,
    /// Hand over the flows' own columns (addresses, ports, labels, …) with each window
    /// (default true); scoring needs only the feature rows.
    pub flow_columns: Option<bool>,
    /// Hand over only the flow rows that repeat no row of the window before (default false):
    /// a scorer gives the others that window's scores. `FeatureWindow.repeatedRowsOmitted`.
    pub omit_repeated_rows: Option<bool>,
    /// Keep each window's flow rows in the stream, not in `flowFeatures` (default false):
    /// `FeatureWindow.flowRowsHeld`, `copyFlowRows`, `releaseFlowRows`.
    pub hold_flow_rows: Option<bool>,
}

/// One closed window: every flow's row and every LAN host's row.
#[napi(object)]
pub struct FeatureWindow {
    pub window_start_us: f64,
    pub flow_count: u32,
    /// The flows' own columns (addresses, ports, state, label, …); absent with flowColumns false.
    pub flows: Option<FlowBatch>,
    /// Code per flow into `featureSchema().flowClasses`.
    pub flow_class: Uint8Array,
    /// flows.length × schema.flow.length, row-major; with `repeatedRowsOmitted`, only the rows
    /// whose `flowRepeatOf` is -1, in order.
    pub flow_features: Float32Array,
    /// True when `flowFeatures` holds only the rows that repeat nothing (`omitRepeatedRows`).
    pub repeated_rows_omitted: Option<bool>,
    /// True when those rows are held by the stream instead (`flowFeatures` empty): copied out
    /// with `FeatureStream.copyFlowRows` and freed with `releaseFlowRows`.
    pub flow_rows_held: Option<bool>,
    /// Per flow: the row of this stream's previous window whose features are the same bits
    /// (its score can be reused), or -1.
    pub flow_repeat_of: Int32Array,
    /// Row in `hosts` of each flow's source and destination; -1 when not a LAN host.
    pub flow_src_host: Int32Array,
    pub flow_dst_host: Int32Array,
    pub hosts: Vec<String>,
    /// Code per host into `featureSchema().hostLabels`.
    pub host_label: Uint8Array,
    /// hosts.length × schema.host.length, row-major.
    pub host_features: Float32Array,
    /// What stands behind the hosts' evidence values above 0.
    pub evidence: EvidenceDetails,
    /// Flows of this window emitted before their time under the memory budget (`memcapBytes`)
    /// or `maxActiveFlows`.
    pub flows_evicted_early: f64,
    /// Flows of this window left without a row under the memory budget: counted in their
    /// hosts' rows, not in `flowCount`.
    pub flow_rows_dropped: f64,
}

/// What stands behind hosts' evidence: one entry per (host, evidence feature above 0), in
/// columns. Entry i's peers are `peers[peerOffsets[i] .. peerOffsets[i + 1]]`, its ports
/// `ports[portOffsets[i] .. portOffsets[i + 1]]`.
#[napi(object)]
pub struct EvidenceDetails {
    /// Row in `hosts`.
    pub host: Int32Array,
    /// Index of the evidence among the schema's evidence features (0: the first of them).
    pub evidence: Uint8Array,
    /// The address the value was counted against (scanned host, flooded target, server,
    /// resolver), or '' when it is not about one address.
    pub subject: Vec<String>,
    /// IP protocol number of the service the value was counted on; 0 when none.
    pub protocol: Uint8Array,
    /// That service's port; -1 when none.
    pub port: Int32Array,
    pub peer_offsets: Int32Array,
    pub peers: Vec<String>,
    pub port_offsets: Int32Array,
    pub ports: Int32Array,
    /// A regular series: mean and standard deviation of the times between contacts, and the
    /// time from the first contact to the last, µs; 0 otherwise.
    pub period_us: Float64Array,
    pub jitter_us: Float64Array,
    pub span_us: Float64Array,
}

fn evidence_columns(per_host: &[Vec<EvidenceDetail>]) -> EvidenceDetails {
    let count: usize = per_host.iter().map(Vec::len).sum();
    let mut host = Vec::with_capacity(count);
    let mut evidence = Vec::with_capacity(count);
    let mut subject = Vec::with_capacity(count);
    let mut protocol = Vec::with_capacity(count);
    let mut port = Vec::with_capacity(count);
    let (mut peer_offsets, mut peers) = (vec![0i32], Vec::new());
    let (mut port_offsets, mut ports) = (vec![0i32], Vec::new());
    let (mut period_us, mut jitter_us, mut span_us) = (Vec::with_capacity(count), Vec::with_capacity(count), Vec::with_capacity(count));
    for (row, details) in per_host.iter().enumerate() {
        for detail in details {
            host.push(row as i32);
            evidence.push(detail.evidence as u8);
            subject.push(detail.subject.as_ref().map(address_text).unwrap_or_default());
            protocol.push(detail.service.map_or(0, |s| s.protocol));
            port.push(detail.service.and_then(|s| s.port).map_or(-1, i32::from));
            peers.extend(detail.peers.iter().map(address_text));
            peer_offsets.push(peers.len() as i32);
            ports.extend(detail.ports.iter().map(|&p| i32::from(p)));
            port_offsets.push(ports.len() as i32);
            period_us.push(detail.period_us as f64);
            jitter_us.push(detail.jitter_us as f64);
            span_us.push(detail.span_us as f64);
        }
    }
    EvidenceDetails {
        host: Int32Array::new(host),
        evidence: Uint8Array::new(evidence),
        subject,
        protocol: Uint8Array::new(protocol),
        port: Int32Array::new(port),
        peer_offsets: Int32Array::new(peer_offsets),
        peers,
        port_offsets: Int32Array::new(port_offsets),
        ports: Int32Array::new(ports),
        period_us: Float64Array::new(period_us),
        jitter_us: Float64Array::new(jitter_us),
        span_us: Float64Array::new(span_us),
    }
}

pub(crate) fn to_js(window: WindowFeatures, flow_columns: bool) -> FeatureWindow {
    let class_code = |class: &FlowClass| FLOW_CLASSES.iter().position(|c| c == class).unwrap_or(3) as u8;
    let label_code = |label: &HostLabel| HOST_LABELS.iter().position(|l| l == label).unwrap_or(3) as u8;
    FeatureWindow {
        window_start_us: window.window_start_us as f64,
        flow_count: window.flow_classes.len() as u32,
        flows: flow_columns.then(|| build_flow_batch(&window.flows)),
        flow_class: Uint8Array::new(window.flow_classes.iter().map(class_code).collect()),
        flow_features: Float32Array::new(window.flow_features),
        repeated_rows_omitted: window.repeated_rows_omitted.then_some(true),
        flow_rows_held: None,
        flow_repeat_of: Int32Array::new(window.flow_repeat_of),
        flow_src_host: Int32Array::new(window.flow_src_host),
        flow_dst_host: Int32Array::new(window.flow_dst_host),
        hosts: window.hosts.iter().map(IpAddr16::to_string).collect(),
        host_label: Uint8Array::new(window.host_labels.iter().map(label_code).collect()),
        host_features: Float32Array::new(window.host_features),
        evidence: evidence_columns(&window.host_evidence),
        flows_evicted_early: window.flows_evicted_early as f64,
        flow_rows_dropped: window.flow_rows_dropped as f64,
    }
}

#[napi(object)]
pub struct FeatureStats {
    pub records: f64,
    pub windows: f64,
    pub flow_rows: f64,
    pub host_rows: f64,
    pub late_records: f64,
    pub sidecar_labelled: f64,
    pub sidecar_unmatched: f64,
    /// Flow rows left out under the memory budget (their flows still count in host rows).
    pub flow_rows_dropped: f64,
    /// Hosts known or found (by botnet labels) to be infected.
    pub infected_hosts: Vec<String>,
}

struct FeatureState {
    source: FlowSource,
    builder: FeatureBuilder,
    /// Records pulled from the source and not yet pushed, the next one last: a pull may hold
    /// several windows' records (a flow file's 16,384 are about 4 minutes of scenario 6), and
    /// each window is handed out as soon as it closes, not once the whole pull is in. The same
    /// vector takes every pull: a new one per pull was allocated while the last pull's was
    /// still held, then freed, and glibc's malloc kept what it freed.
    pulled: Vec<FlowRecord>,
    /// The source has given its last records.
    source_done: bool,
    ready: VecDeque<WindowFeatures>,
    finished: bool,
}

/// The options a feature stream runs with, the defaults filled in.
#[napi(object)]
#[derive(Clone)]
pub struct EffectiveFeatureOptions {
    /// Reading (always windowed); `batchRecords` is how many records it pulls at once.
    pub flows: EffectiveFlowOptions,
    /// The LAN ranges whose hosts get rows.
    pub lan: Vec<String>,
}

/// A scoring stream's windows' flow rows (those that repeat nothing), by window start, from
/// when the window is handed over until `releaseFlowRows`: freed then, not when the garbage
/// collector of the JavaScript thread gets to a typed array over them. Handed over as typed
/// arrays, they piled up to 27 MB before it did (heaptrack, analyze on CTU-13 scenario 6's flow
/// file), in a thread that allocates little else.
type HeldRows = Arc<Mutex<std::collections::HashMap<i64, Vec<f32>>>>;

/// A Float32Array argument written into (napi's `&mut [f32]`, named so that the binding takes
/// it as a typed array's values).
type FloatsOut<'a> = &'a mut [f32];

#[napi]
pub struct FeatureStream {
    state: Arc<Mutex<FeatureState>>,
    held: HeldRows,
    hold_flow_rows: bool,
    progress: Arc<SharedProgress>,
    thread: WindowThread,
    flow_columns: bool,
    options: EffectiveFeatureOptions,
}

fn parse_hosts(texts: &[String], option: &str) -> Result<Vec<IpAddr16>, FlowhoundError> {
    texts
        .iter()
        .map(|text| match text.trim().parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v4)) => Ok(IpAddr16::from_v4(v4.octets())),
            Ok(std::net::IpAddr::V6(v6)) => Ok(IpAddr16::from_v6(v6.octets())),
            Err(_) => Err(FlowhoundError::new(ErrorCode::BadOption, format!("{option}: {text:?} is not an IP address"))),
        })
        .collect()
}

pub(crate) fn feature_options(options: &FeatureStreamOptions, flows: &FlowStreamOptions) -> Result<FeatureOptions, FlowhoundError> {
    let engine = engine_options(flows)?;
    let (window_us, step_us) = match engine.mode {
        flowhound_core::flow::FlowMode::Windowed { window_us, step_us } => (window_us, step_us),
        _ => return Err(FlowhoundError::new(ErrorCode::BadOption, "features are computed per window: whole-capture mode does not apply")),
    };
    let lan = match &options.lan {
        Some(ranges) if !ranges.is_empty() => Lan::new(ranges.iter().map(|r| Cidr::parse(r)).collect::<Result<_, _>>()?),
        _ => Lan::default(),
    };
    let labels = match &options.labels_path {
        Some(path) => Some(LabelIndex::open(path.as_ref())?),
        None => None,
    };
    // `--infected` takes addresses and ranges alike.
    let (ranges, addresses): (Vec<&String>, Vec<&String>) = options.infected.iter().flatten().partition(|text| text.contains('/'));
    let infected = parse_hosts(&addresses.into_iter().cloned().collect::<Vec<_>>(), "infected")?;
    let infected_ranges = ranges.into_iter().map(|text| Cidr::parse(text)).collect::<Result<_, _>>()?;
    let flow_records = options.flow_columns.unwrap_or(true);
    let omit_repeated_rows = options.omit_repeated_rows.unwrap_or(false);
    Ok(FeatureOptions { window_us, step_us, lan, infected, infected_ranges, labels, memory: engine.memory, flow_records, omit_repeated_rows })
}

#[napi]
impl FeatureStream {
    #[napi(factory)]
    pub fn open(path: String, options: Option<FeatureStreamOptions>) -> napi::Result<FeatureStream> {
        let options = options.unwrap_or_default();
        let path = PathBuf::from(path);
        let mut flows = options.flows.clone().unwrap_or_default();
        if flows.whole == Some(true) {
            let error = FlowhoundError::new(ErrorCode::BadOption, "features are computed per window: whole-capture mode does not apply");
            return Err(to_napi_error(&error));
        }
        flows.whole = Some(false);
        let features = feature_options(&options, &flows).map_err(|e| to_napi_error(&e))?;
        let lan = lan_texts(&features.lan);
        let builder = FeatureBuilder::new(features).map_err(|e| to_napi_error(&e))?;
        let mut source_options = source_options(&flows).map_err(|e| to_napi_error(&e.in_file(&path)))?;
        // A capture's flows on a thread of their own: its windows' features are computed
        // here, beside the flow engine, on the other core.
        source_options.flows_thread_batch_records = Some(FLOWS_THREAD_BATCH_RECORDS);
        let effective = EffectiveFeatureOptions { flows: EffectiveFlowOptions::of(&source_options, RECORDS_PER_PULL as u32), lan };
        let source = FlowSource::open(&path, source_options).map_err(|e| to_napi_error(&e))?;
        let progress = Arc::new(SharedProgress::default());
        publish_progress(&source, &progress);
        let state = Arc::new(Mutex::new(FeatureState { source, builder, pulled: Vec::new(), source_done: false, ready: VecDeque::new(), finished: false }));
        let flow_columns = options.flow_columns.unwrap_or(true);
        let thread = {
            let (state, progress) = (Arc::clone(&state), Arc::clone(&progress));
            WindowThread::start("flowhound-features", !flow_columns, move || next_windows(&state, &progress)).map_err(|e| to_napi_error(&e))?
        };
        Ok(FeatureStream {
            state,
            held: HeldRows::default(),
            hold_flow_rows: options.hold_flow_rows.unwrap_or(false),
            progress,
            thread,
            flow_columns,
            options: effective,
        })
    }

    /// The options this stream runs with, the defaults filled in.
    #[napi(getter)]
    pub fn options(&self) -> EffectiveFeatureOptions {
        self.options.clone()
    }

    /// The next closed windows (one or more), or null once the input is exhausted.
    #[napi(ts_return_type = "Promise<FeatureWindow[] | null>")]
    pub fn next_windows(&self) -> AsyncTask<NextWindowsTask> {
        let held = self.hold_flow_rows.then(|| Arc::clone(&self.held));
        AsyncTask::new(NextWindowsTask { thread: self.thread.clone(), flow_columns: self.flow_columns, held })
    }

    /// Copies rows `first..last` of the flow rows the stream holds for the window starting at
    /// `windowStartUs` (`FeatureWindow.flowRowsHeld`) into `into`, row-major, from its start.
    #[napi(ts_args_type = "windowStartUs: number, first: number, last: number, into: Float32Array")]
    pub fn copy_flow_rows(&self, window_start_us: f64, first: u32, last: u32, into: FloatsOut<'_>) -> napi::Result<()> {
        let held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bad = |message: String| to_napi_error(&FlowhoundError::new(ErrorCode::BadOption, message));
        let rows = held.get(&(window_start_us as i64)).ok_or_else(|| bad(format!("no flow rows are held for the window starting at {window_start_us} µs")))?;
        let width = FLOW_FEATURES.len();
        let (start, end) = (first as usize * width, last as usize * width);
        if first > last || end > rows.len() || end - start > into.len() {
            return Err(bad(format!("flow rows {first}..{last} of {} do not fit {} values", rows.len() / width, into.len())));
        }
        into[..end - start].copy_from_slice(&rows[start..end]);
        Ok(())
    }

    /// Frees the flow rows held for the window starting at `windowStartUs`, if any.
    #[napi]
    pub fn release_flow_rows(&self, window_start_us: f64) {
        let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        held.remove(&(window_start_us as i64));
    }

    #[napi]
    pub fn progress(&self) -> FlowStreamProgress {
        self.progress.snapshot()
    }

    #[napi]
    pub fn source_stats(&self) -> SourceStats {
        source_stats(&self.lock().source)
    }

    #[napi]
    pub fn feature_stats(&self) -> FeatureStats {
        let state = self.lock();
        let s = state.builder.stats();
        FeatureStats {
            records: s.records as f64,
            windows: s.windows as f64,
            flow_rows: s.flow_rows as f64,
            host_rows: s.host_rows as f64,
            late_records: s.late_records as f64,
            sidecar_labelled: s.sidecar_labelled as f64,
            sidecar_unmatched: s.sidecar_unmatched as f64,
            flow_rows_dropped: s.flow_rows_dropped as f64,
            infected_hosts: state.builder.infected_hosts().iter().map(IpAddr16::to_string).collect(),
        }
    }

    /// With keepGoing: the damage where reading stopped, as error JSON; null otherwise.
    #[napi]
    pub fn damage(&self) -> Option<String> {
        self.lock().source.damage().map(error_json)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FeatureState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct NextWindowsTask {
    thread: WindowThread,
    flow_columns: bool,
    /// Where the windows' flow rows are held, when the stream holds them (`omitRepeatedRows`).
    held: Option<HeldRows>,
}

/// Reads records until at least one window has closed (or the input ends); on the stream's
/// own thread (`WindowThread`). Without flow columns, the builder keeps no records for the
/// windows (`FeatureOptions::flow_records`).
fn next_windows(state: &Mutex<FeatureState>, progress: &SharedProgress) -> Windows {
    let mut guard = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let state = &mut *guard;
    let mut closed = Vec::new();
    while state.ready.is_empty() && !state.finished {
        if state.pulled.is_empty() {
            if state.source_done {
                state.builder.finish(&mut closed);
                state.finished = true;
            } else {
                state.pulled.reserve_exact(RECORDS_PER_PULL);
                state.source_done = !state.source.next_batch(RECORDS_PER_PULL, &mut state.pulled)?;
                // Taken from the end, in the order read.
                state.pulled.reverse();
                // Counted when the engine emitted them: before their records reach the builder.
                state.builder.count_evictions(&state.source.take_window_evictions());
            }
        }
        while closed.is_empty() {
            let Some(record) = state.pulled.pop() else { break };
            state.builder.push(record, &mut closed);
        }
        state.ready.extend(closed.drain(..));
        publish_progress(&state.source, progress);
    }
    if state.ready.is_empty() {
        return Ok(None);
    }
    Ok(Some(state.ready.drain(..).collect()))
}

impl Task for NextWindowsTask {
    type Output = Option<Vec<WindowFeatures>>;
    type JsValue = Option<Vec<FeatureWindow>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.thread.next().map_err(|e| to_napi_error(&e))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        let flow_columns = self.flow_columns;
        let Some(held) = &self.held else {
            return Ok(output.map(|windows| windows.into_iter().map(|window| to_js(window, flow_columns)).collect()));
        };
        let mut held = held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(output.map(|windows| {
            windows
                .into_iter()
                .map(|mut window| {
                    held.insert(window.window_start_us, std::mem::take(&mut window.flow_features));
                    FeatureWindow { flow_rows_held: Some(true), ..to_js(window, flow_columns) }
                })
                .collect()
        }))
    }
}
